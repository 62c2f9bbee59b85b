"""The embedding ETA of `codeassist index` (issue 14, item 14): it must not swing as the embed stage moves
through pages of bodies sorted by length (1:57 -> 7:27 -> 1:09 in one run before)."""

from __future__ import annotations

import numpy as np

from codeassist.cli.progress import CharCountingEmbedder, EtaEstimator, format_eta

SECONDS_PER_CHAR = 2e-4
PAGE, BATCH = 512, 64


def _simulated_run(pages: int = 6) -> list[tuple[float, int, int, int]]:
    """(time, chunks done, chars done, total) after every batch: within each page bodies go from short
    to long (as the embed stage sorts them), and embedding time grows with the characters."""
    lengths = np.concatenate([np.linspace(40, 3000, PAGE).astype(int) for _ in range(pages)])
    total = len(lengths)
    samples, now, chars = [], 0.0, 0
    for start in range(0, total, BATCH):
        batch = lengths[start : start + BATCH]
        now += float(batch.sum()) * SECONDS_PER_CHAR
        chars += int(batch.sum())
        samples.append((now, start + len(batch), chars, total))
    return samples


def _etas(weighted: bool) -> list[tuple[float, float]]:
    """(estimated seconds left, true seconds left) after the first page."""
    samples = _simulated_run()
    end = samples[-1][0]
    estimator = EtaEstimator()
    out = []
    for now, done, chars, total in samples:
        estimator.update(done, total, chars if weighted else 0, now)
        left = estimator.seconds_left()
        if done >= PAGE and done < total:
            out.append((left, end - now))
    return out


def test_embedding_eta_weighted_by_size_stays_close_to_the_truth() -> None:
    for estimate, truth in _etas(weighted=True):
        assert abs(estimate - truth) <= 0.15 * truth + 1.0, (estimate, truth)


def test_embedding_eta_does_not_swing_between_batches() -> None:
    # The estimated end of the run (now + ETA) moves by little from one batch to the next.
    samples = _simulated_run()
    estimator = EtaEstimator()
    ends = []
    for now, done, chars, total in samples:
        estimator.update(done, total, chars, now)
        if done >= PAGE and done < total:
            ends.append(now + estimator.seconds_left())
    assert max(ends) / min(ends) < 1.2
    # The same input through a rate of chunks (the old estimate) swings several-fold.
    counted = _etas(weighted=False)
    ratios = [estimate / truth for estimate, truth in counted]
    assert max(ratios) / min(ratios) > 3


def test_embedding_eta_counts_the_characters_the_embedder_is_given() -> None:
    class Embedder:
        model_id, dimension = "test:1", 2

        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return [[1.0, 0.0] for _ in texts]

    counting = CharCountingEmbedder(Embedder())
    assert counting.embed_documents(["abc", "de"]) == [[1.0, 0.0], [1.0, 0.0]]
    assert counting.chars == 5 and counting.model_id == "test:1" and counting.dimension == 2
    assert format_eta(None) == "-:--:--" and format_eta(3725.4) == "1:02:05"
