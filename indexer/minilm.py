"""all-MiniLM-L6-v2 without torch: tokenizers + safetensors + a numpy BERT encoder.

The model is sentence-transformers/all-MiniLM-L6-v2: a 6-layer, 384-wide, 12-head BERT; the sentence
vector is the mean of the last hidden states over real (unpadded) tokens, L2-normalized. Output
matches sentence-transformers to cosine > 0.9999 (tests/indexer/fixtures/embeddings).

Truncation: a text is cut at 128 word pieces, [CLS] and [SEP] included — the length the model was
trained on (sentence-transformers allows 256). With the word view of ``embedding_view`` this retrieved
as well or better than raw chunks at 256 on every corpus of bench/retrieval.py, at 1.8-2.6x the
chunks/s (bench/embed_cost.py): attention cost grows with the square of the length. Chunk names come
first, so they are always embedded.

Speed: texts are sorted by token length and batched; tokens are packed (no padding at all), so
linear layers run on real tokens only and attention runs per sequence; Q, K and V are one fused
matmul, the 1/sqrt(d) scale is folded into the query weights; elementwise work is done in place
on float32 buffers, GELU in cache-sized blocks. Batches run data-parallel on ``threads`` worker
threads (default: the CPU count, at most 4) with single-threaded BLAS — measured faster on this
2-core machine than one thread driving multi-threaded BLAS, whose idle threads spin and fight
the elementwise work for the cores.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import math
import os
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from codeassist.indexer.embedders import Embedder, l2_normalize
from codeassist.indexer.errors import ModelNotFound

MODEL_NAME = "all-MiniLM-L6-v2"
MAX_SEQ_LENGTH = 256  # sentence-transformers' max_seq_length for this model
DEFAULT_MAX_TOKENS = 128  # the model's training length; see the module docstring
DEFAULT_BATCH_SIZE = 32
# Token budget per batch: long texts go in smaller batches so the (B, heads, L, L) attention
# scores stay cache-friendly.
DEFAULT_BATCH_TOKENS = 4096
# Long texts are cut before tokenizing (see tokenize); code averages 3-4 characters per word piece.
_CHARS_PER_TOKEN_BOUND = 32
# Up to this many tokens, one batch runs with single-threaded BLAS (queries).
_SMALL_BATCH_TOKENS = 1024
# Rows per block for elementwise work spread over threads (fits the block in L2 cache).
_ROW_BLOCK = 128

# GELU as BERT defines it, x * Phi(x) with the exact erf (not the tanh approximation). numpy has
# no erf, so use Eigen's float32 rational approximation (|error| ~1e-7 on [-4, 4], erf is +-1
# outside to float precision): only multiplies and adds, SIMD-friendly, about 5x faster than
# an exp-based formula.
_ERF_P = [np.float32(a) for a in (
    -2.72614225801306e-10, 2.77068142495902e-08, -2.10102402082508e-06, -5.69250639462346e-05,
    -7.34990630326855e-04, -2.95459980854025e-03, -1.60960333262415e-02,
)]
_ERF_Q = [np.float32(b) for b in (
    -1.45660718464996e-05, -2.13374055278905e-04, -1.68282697438203e-03, -7.37332916720468e-03,
    -1.42647390514189e-02,
)]
_INV_SQRT2 = np.float32(1.0 / math.sqrt(2.0))


def _gelu_(x: np.ndarray) -> np.ndarray:
    """Exact GELU computed in place on a float32 array (returns x)."""
    z = x * _INV_SQRT2
    np.clip(z, -4.0, 4.0, out=z)
    z2 = z * z
    p = z2 * _ERF_P[0]
    for a in _ERF_P[1:-1]:
        p += a
        p *= z2
    p += _ERF_P[-1]
    p *= z
    q = z2 * _ERF_Q[0]
    for b in _ERF_Q[1:-1]:
        q += b
        q *= z2
    q += _ERF_Q[-1]
    p /= q  # erf(x / sqrt 2)
    p *= 0.5
    p += 0.5  # Phi(x)
    x *= p
    return x


def _layer_norm_(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float = 1e-12) -> np.ndarray:
    """LayerNorm over the last axis, in place (returns x)."""
    mean = x.mean(axis=-1, keepdims=True)
    x -= mean
    var = np.einsum("ij,ij->i", x, x)[:, None]
    var *= 1.0 / x.shape[-1]
    var += eps
    np.sqrt(var, out=var)
    x /= var
    x *= weight
    x += bias
    return x


class _BlasThreads:
    """Set the number of OpenBLAS threads numpy uses, temporarily (ctypes; no extra dependency).

    numpy's wheels bundle OpenBLAS as ``numpy.libs/libscipy_openblas64_*.so`` (older wheels:
    ``libopenblas64_p``). With another BLAS (MKL, Accelerate) ``available`` is False.
    """

    def __init__(self) -> None:
        self.available = False
        self._lock = threading.Lock()
        libs_dir = Path(np.__file__).resolve().parent.parent / "numpy.libs"
        for lib_path in sorted(libs_dir.glob("*openblas*")) if libs_dir.is_dir() else []:
            try:
                lib = ctypes.CDLL(str(lib_path))
            except OSError:
                continue
            for prefix in ("scipy_openblas", "openblas"):
                for suffix in ("64_", ""):
                    setter = getattr(lib, f"{prefix}_set_num_threads{suffix}", None)
                    getter = getattr(lib, f"{prefix}_get_num_threads{suffix}", None)
                    if setter is not None and getter is not None:
                        self._set, self._get, self.available = setter, getter, True
                        return

    @contextlib.contextmanager
    def threads(self, n: int) -> Iterator[None]:
        with self._lock:
            before = int(self._get())
            self._set(n)
            try:
                yield
            finally:
                self._set(before)


_blas = _BlasThreads()


class _Layer:
    __slots__ = ("w_qkv", "b_qkv", "w_o", "b_o", "ln1_w", "ln1_b", "w_i", "b_i", "w_out", "b_out", "ln2_w", "ln2_b")


class MiniLMEmbedder(Embedder):
    """The local default embedder. Thread-compatible, not thread-safe (one per thread)."""

    def __init__(
        self,
        model_dir: str | Path,
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        batch_tokens: int = DEFAULT_BATCH_TOKENS,
        max_tokens: int = DEFAULT_MAX_TOKENS,
        threads: int | None = None,
    ) -> None:
        model_dir = Path(model_dir)
        try:
            from safetensors.numpy import load_file
            from tokenizers import Tokenizer

            config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
            weights = load_file(str(model_dir / "model.safetensors"))
            tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        except (OSError, ValueError, KeyError) as exc:
            raise ModelNotFound(f"cannot load the model files in {model_dir}: {exc}") from exc

        self.model_id = f"local:{MODEL_NAME}"
        self.dimension = int(config["hidden_size"])
        self.max_tokens = min(int(max_tokens), int(config["max_position_embeddings"]))
        self.batch_size = max(1, int(batch_size))
        self.batch_tokens = max(self.max_tokens, int(batch_tokens))
        self.model_dir = model_dir
        self._heads = int(config["num_attention_heads"])
        self._eps = float(config.get("layer_norm_eps", 1e-12))

        # tokenizer.json ships with fixed padding to 128 and truncation at 128; we pad per batch.
        tokenizer.no_padding()
        tokenizer.enable_truncation(max_length=self.max_tokens)
        self._tokenizer = tokenizer
        self._load_weights(weights, int(config["num_hidden_layers"]))
        # Worker threads, each encoding whole batches (numpy releases the GIL in BLAS and ufuncs).
        # With threads=1, or when BLAS threading cannot be controlled, BLAS threads itself instead.
        self.threads = max(1, int(threads if threads is not None else min(4, os.cpu_count() or 1)))
        self._pool = ThreadPoolExecutor(self.threads, "minilm") if self.threads > 1 else None

    def _load_weights(self, w: dict[str, np.ndarray], num_layers: int) -> None:
        def f32(name: str) -> np.ndarray:
            # Strip any "bert." prefix some exports carry.
            arr = w[name] if name in w else w["bert." + name]
            return np.ascontiguousarray(arr, dtype=np.float32)

        self._word = f32("embeddings.word_embeddings.weight")
        self._pos = f32("embeddings.position_embeddings.weight")
        self._type0 = f32("embeddings.token_type_embeddings.weight")[0]
        self._emb_ln = (f32("embeddings.LayerNorm.weight"), f32("embeddings.LayerNorm.bias"))
        head_dim = self.dimension // self._heads
        scale = np.float32(1.0 / math.sqrt(head_dim))
        self._layers: list[_Layer] = []
        for i in range(num_layers):
            p = f"encoder.layer.{i}."
            layer = _Layer()
            wq = f32(p + "attention.self.query.weight") * scale
            bq = f32(p + "attention.self.query.bias") * scale
            wk, bk = f32(p + "attention.self.key.weight"), f32(p + "attention.self.key.bias")
            wv, bv = f32(p + "attention.self.value.weight"), f32(p + "attention.self.value.bias")
            # torch Linear stores (out, in); we multiply x @ W.T, so keep the transposes contiguous.
            layer.w_qkv = np.ascontiguousarray(np.concatenate([wq, wk, wv], axis=0).T)
            layer.b_qkv = np.concatenate([bq, bk, bv])
            layer.w_o = np.ascontiguousarray(f32(p + "attention.output.dense.weight").T)
            layer.b_o = f32(p + "attention.output.dense.bias")
            layer.ln1_w = f32(p + "attention.output.LayerNorm.weight")
            layer.ln1_b = f32(p + "attention.output.LayerNorm.bias")
            layer.w_i = np.ascontiguousarray(f32(p + "intermediate.dense.weight").T)
            layer.b_i = f32(p + "intermediate.dense.bias")
            layer.w_out = np.ascontiguousarray(f32(p + "output.dense.weight").T)
            layer.b_out = f32(p + "output.dense.bias")
            layer.ln2_w = f32(p + "output.LayerNorm.weight")
            layer.ln2_b = f32(p + "output.LayerNorm.bias")
            self._layers.append(layer)

    # -- public API -------------------------------------------------------------------------

    def tokenize(self, texts: Sequence[str]) -> list[list[int]]:
        """Word-piece ids per text, [CLS] ... [SEP], truncated to ``max_tokens``.

        The tokenizer would split a whole 1 MB text before truncating, so long texts are first cut
        at a whitespace before ``max_tokens * 32`` characters. Word pieces never span whitespace,
        so when the cut text still fills the window the ids are exactly those of the full text;
        when it does not (whitespace-heavy text) the full text is tokenized.
        """
        limit = self.max_tokens * _CHARS_PER_TOKEN_BOUND
        cut_texts, was_cut = [], []
        for text in texts:
            cut = max(text.rfind(" ", 0, limit), text.rfind("\n", 0, limit)) if len(text) > limit else -1
            cut_texts.append(text[:cut] if cut > 0 else text)
            was_cut.append(cut > 0)
        ids = [enc.ids for enc in self._tokenizer.encode_batch(cut_texts)]
        for i, cut in enumerate(was_cut):
            if cut and len(ids[i]) < self.max_tokens:
                ids[i] = self._tokenizer.encode(texts[i]).ids
        return ids

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        ids = self.tokenize(texts)
        # Sorted by length so each batch holds similar sequences; a batch ends at batch_size texts
        # or batch_tokens tokens, whichever comes first (no padding: tokens are packed).
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        batches: list[list[int]] = [[]]
        tokens = 0
        for i in order:
            if batches[-1] and (len(batches[-1]) >= self.batch_size or tokens + len(ids[i]) > self.batch_tokens):
                batches.append([])
                tokens = 0
            batches[-1].append(i)
            tokens += len(ids[i])

        def run(batch: list[int]) -> None:
            out[batch] = self._encode([ids[j] for j in batch])

        if self._pool is not None and len(batches) > 1 and _blas.available:
            # Data parallel: each worker encodes whole batches with single-threaded BLAS. No
            # synchronisation inside a batch, so no core waits on (or spins against) the other.
            with _blas.threads(1):
                for _ in self._pool.map(run, batches):
                    pass
        elif len(batches) == 1 and tokens <= _SMALL_BATCH_TOKENS and _blas.available:
            # A query or a few short texts: too small for BLAS threads to pay off.
            with _blas.threads(1):
                run(batches[0])
        else:
            for batch in batches:
                run(batch)
        return l2_normalize(out)

    # -- the encoder ------------------------------------------------------------------------

    def _encode(self, batch_ids: list[list[int]]) -> np.ndarray:
        """Mean-pooled last hidden states (B, hidden) for one batch of token-id lists.

        Tokens are packed: row t of every (T, hidden) matrix is one real token, sequences one
        after another, so there is no padding anywhere. Attention runs per sequence.
        """
        lengths = np.array([len(ids) for ids in batch_ids], dtype=np.int64)
        offsets = np.concatenate([[0], np.cumsum(lengths)])
        token_ids = np.fromiter((t for ids in batch_ids for t in ids), dtype=np.int64, count=int(offsets[-1]))
        positions = np.concatenate([np.arange(n) for n in lengths])

        x = self._word[token_ids]
        x += self._pos[positions]
        x += self._type0
        _layer_norm_(x, *self._emb_ln, self._eps)

        heads, hidden = self._heads, self.dimension
        head_dim = hidden // heads
        total = int(offsets[-1])
        spans = [(int(offsets[i]), int(offsets[i + 1])) for i in range(len(lengths))]
        row_blocks = [(s, min(s + _ROW_BLOCK, total)) for s in range(0, total, _ROW_BLOCK)]
        ctx = np.empty((total, hidden), dtype=np.float32)

        for layer in self._layers:
            qkv = x @ layer.w_qkv
            qkv += layer.b_qkv

            def attend(span: tuple[int, int], qkv: np.ndarray = qkv) -> None:
                s, e = span
                part = qkv[s:e].reshape(e - s, 3, heads, head_dim)
                q = part[:, 0].transpose(1, 0, 2)  # (H, l, Dh); already scaled by 1/sqrt(Dh)
                k = part[:, 1].transpose(1, 2, 0)  # (H, Dh, l)
                v = part[:, 2].transpose(1, 0, 2)  # (H, l, Dh)
                scores = np.matmul(q, k)  # (H, l, l)
                scores -= scores.max(axis=-1, keepdims=True)
                np.exp(scores, out=scores)
                scores /= scores.sum(axis=-1, keepdims=True)
                ctx[s:e].reshape(e - s, heads, head_dim)[:] = np.matmul(scores, v).transpose(1, 0, 2)

            for span in spans:
                attend(span)
            attn = ctx @ layer.w_o
            attn += layer.b_o
            attn += x
            x = _layer_norm_(attn, layer.ln1_w, layer.ln1_b, self._eps)

            inter = x @ layer.w_i
            inter += layer.b_i
            for lo, hi in row_blocks:
                _gelu_(inter[lo:hi])  # in cache-sized blocks
            out = inter @ layer.w_out
            out += layer.b_out
            out += x
            x = _layer_norm_(out, layer.ln2_w, layer.ln2_b, self._eps)

        pooled = np.add.reduceat(x, offsets[:-1], axis=0)
        pooled /= lengths[:, None].astype(np.float32)
        return pooled
