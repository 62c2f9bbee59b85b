"""The Ray engine: discovery, read+chunk and embedding spread over a Ray cluster.

`codeassist index --engine ray [--ray-address ADDR]` runs the same pipeline as the local engine
(`codeassist.indexer.pipeline`); only the three parallel maps run on Ray:

* ``map_discover``: one task per repository root (a multi-repository index discovers in parallel).
* ``map_chunk``: read + hash + tree-sitter chunking of groups of files, as Ray tasks; at most a few
  groups per worker are in flight, so the driver never holds more than those results.
* ``map_embed``: one embedding actor per CPU of the cluster; each builds its embedder once (the
  model is loaded once per worker process, not per batch) and embeds the batches it is sent.

Every map yields its results in input order. The driver assigns chunk ids in that order, so a Ray
index is the same as a local one: same chunk ids, texts and vectors. The driver stays the only writer
of SQLite and FAISS: both are single-writer files, the crash-safety of the pipeline (commit per file
group, atomic FAISS save) relies on one writer, and workers then need no access to the index folder
(only to the repository checkouts, at the same path on every node).

Ray is optional (``pip install '.[ray]' from the checkout``) and imported only here, lazily. With no address
a local cluster is started on 127.0.0.1 with usage-stats reporting off, so nothing leaves the machine.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from codeassist.indexer.config import IndexConfig
from codeassist.indexer.engines import ChunkDone, ChunkWork, LocalEngine, chunk_group, ordered_map
from codeassist.indexer.errors import CodeassistError

log = logging.getLogger(__name__)

# Files per chunk task: big enough that task overhead (~1 ms) is small, small enough to balance.
MAX_FILES_PER_TASK = 64
# Tasks (or embedding batches) in flight per worker: keeps workers busy, bounds driver memory.
IN_FLIGHT_PER_WORKER = 3


class RayUnavailable(CodeassistError):
    pass


def _import_ray() -> Any:
    try:
        import ray
    except ImportError as err:
        raise RayUnavailable("The ray engine needs Ray: pip install '.[ray]' from the checkout (or pip install ray), "
                             "or index with --engine local.") from err
    return ray


def _discover(root: Path, config: IndexConfig) -> Any:
    from codeassist.indexer.discovery import discover_files

    return discover_files(root, config)


def local_embedder(model_dir: str | None) -> Any:
    """Factory run on a worker: the local model, one thread (the worker is given one CPU)."""
    from codeassist.indexer.embedders import make_embedder

    return make_embedder("local", model_path=model_dir, threads=1)


class _EmbedWorker:
    """Actor body: the embedder is built once, in the worker process, and reused for every batch."""

    def __init__(self, factory: Callable[[], Any]) -> None:
        self.embedder = factory()
        self.batches = 0

    def model_id(self) -> str:
        return self.embedder.model_id

    def embed(self, texts: list[str]) -> Any:
        self.batches += 1
        return self.embedder.embed_documents(texts)

    def stats(self) -> dict[str, Any]:
        return {"pid": os.getpid(), "batches": self.batches, "embedder": id(self.embedder)}


class RayEngine:
    """Runs the pipeline's maps on Ray. `address`: None = a local cluster (or RAY_ADDRESS);
    "auto", "host:6379" or "ray://host:10001" = an existing cluster.
    `embedder_factory`: a picklable no-argument callable building the embedder on a worker; by
    default the local model is rebuilt from the driver's model folder; any other embedder without a
    factory is run on the driver."""

    name = "ray"

    def __init__(self, address: str | None = None, *, embedder_factory: Callable[[], Any] | None = None,
                 num_cpus: int | None = None, embed_workers: int | None = None) -> None:
        ray = self._ray = _import_ray()
        self.embedder_factory = embedder_factory
        self.embed_workers = embed_workers
        self._started = False
        self._actors: list[Any] = []
        self._actors_model: str | None = None
        if not ray.is_initialized():
            kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False,
                                      "configure_logging": False}
            if address:
                ray.init(address=address, **kwargs)
            else:
                os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
                ray.init(num_cpus=num_cpus, _node_ip_address="127.0.0.1", **kwargs)
            self._started = True
        self._discover_task = ray.remote(num_cpus=1)(_discover)
        self._chunk_task = ray.remote(num_cpus=1)(chunk_group)
        self._actor_class = ray.remote(num_cpus=1)(_EmbedWorker)

    def workers(self) -> int:
        return max(1, int(self._ray.cluster_resources().get("CPU", 1)))

    # -- maps ------------------------------------------------------------------------------
    def map_discover(self, roots: Sequence[Path], config: IndexConfig) -> list[Any]:
        ray = self._ray
        config_ref = ray.put(config)
        return ray.get([self._discover_task.remote(root, config_ref) for root in roots])

    def map_chunk(self, works: Sequence[ChunkWork], config: IndexConfig) -> Iterator[ChunkDone]:
        if not works:
            return
        ray = self._ray
        per_task = max(1, min(MAX_FILES_PER_TASK, len(works) // (self.workers() * 4) or 1))
        groups = (works[i : i + per_task] for i in range(0, len(works), per_task))
        config_ref = ray.put(config)
        yield from ordered_map(lambda group: self._chunk_task.remote(group, config_ref), groups,
                            self.workers() * IN_FLIGHT_PER_WORKER, ray.get)

    def map_embed(self, embedder: Any, batches: Iterable[list[str]]) -> Iterator[Any]:
        actors = self._embed_actors(embedder)
        if not actors:
            yield from LocalEngine().map_embed(embedder, batches)
            return
        turn = iter(range(1 << 62))
        yield from ordered_map(lambda texts: actors[next(turn) % len(actors)].embed.remote(texts), batches,
                            len(actors) * IN_FLIGHT_PER_WORKER, self._ray.get)

    def _embed_actors(self, embedder: Any) -> list[Any]:
        if self._actors and self._actors_model == embedder.model_id:
            return self._actors
        self.release()
        factory = self.embedder_factory
        if factory is None and embedder.model_id.startswith("local:") and hasattr(embedder, "model_dir"):
            factory = functools.partial(local_embedder, str(embedder.model_dir))
        if factory is None:
            log.warning("No worker factory for %s: embedding on the driver", embedder.model_id)
            return []
        count = self.embed_workers or self.workers()
        actors = [self._actor_class.remote(factory) for _ in range(count)]
        models = self._ray.get([actor.model_id.remote() for actor in actors])
        if any(model != embedder.model_id for model in models):
            self._kill(actors)
            raise CodeassistError(f"Ray workers built {sorted(set(models))} but the index uses "
                                  f"{embedder.model_id}; install the same model on every node.")
        self._actors, self._actors_model = actors, embedder.model_id
        return actors

    # -- lifecycle -------------------------------------------------------------------------
    def release(self) -> None:
        """Stop the embedding actors (they hold a CPU each, which chunk tasks of a next run need)."""
        self._kill(self._actors)
        self._actors, self._actors_model = [], None

    def _kill(self, actors: list[Any]) -> None:
        for actor in actors:
            self._ray.kill(actor)

    def close(self) -> None:
        self.release()
        if self._started:
            self._ray.shutdown()
            self._started = False
