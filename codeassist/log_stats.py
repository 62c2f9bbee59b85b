"""The local metrics `codeassist stats` prints, computed from the prompt log (never sent anywhere).

    suggestions   shown / accepted / partially accepted / dismissed, acceptance rate, per source
                  (model, fallback = the offline index completer, cache)
    endpoints     per role and endpoint: requests, errors, latency p50/p95 (ms, successful requests),
                  time to first token p50, tokens in/out (from the API's usage field)
    chains        per role: user requests, share served by the first endpoint, by a fallback endpoint,
                  and by none (every endpoint failed: completion then used the index completer)

Pure apart from reading the log.
"""

from __future__ import annotations

import time
from typing import Any

from codeassist.promptlog import PromptLog


def percentile(values: list[float], q: float) -> float | None:
    """The q-th percentile (0-100, nearest rank) of `values`; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1))))
    return ordered[rank]


def compute_stats(log: PromptLog, *, days: int | None = None) -> dict[str, Any]:
    """Everything above as plain data; `days` limits it to the last N days."""
    since = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(time.time() - days * 86400)) if days else ""
    return {"since": since or None, "suggestions": _suggestions(log, since), "endpoints": _endpoints(log, since),
            "chains": _chains(log, since)}


def _suggestions(log: PromptLog, since: str) -> dict[str, Any]:
    rows = log.query("SELECT suggestion_id, kind, source FROM events WHERE ts >= ?", (since,))
    counts = {"shown": 0, "accepted": 0, "partial": 0, "dismissed": 0}
    source_of: dict[str, str] = {}
    for row in rows:
        counts[row["kind"]] = counts.get(row["kind"], 0) + 1
        if row["kind"] == "shown":
            source_of[row["suggestion_id"]] = row["source"]
    by_source: dict[str, dict[str, int]] = {}
    for row in rows:
        source = source_of.get(row["suggestion_id"])
        if source is not None and row["kind"] in ("shown", "accepted"):
            entry = by_source.setdefault(source, {"shown": 0, "accepted": 0})
            entry[row["kind"]] += 1
    shown = counts["shown"]
    return {**counts, "acceptance_rate": round(counts["accepted"] / shown, 3) if shown else None,
            "by_source": by_source}


def _endpoints(log: PromptLog, since: str) -> list[dict[str, Any]]:
    rows = log.query("SELECT purpose, endpoint, model, status, latency_ms, first_token_ms, prompt_tokens, "
                     "completion_tokens FROM requests WHERE ts >= ? AND endpoint != ''", (since,))
    groups: dict[tuple[str, str, str], dict[str, Any]] = {}
    for row in rows:
        key = (row["purpose"], row["endpoint"], row["model"])
        entry = groups.setdefault(key, {"purpose": key[0], "endpoint": key[1], "model": key[2], "requests": 0,
                                        "errors": 0, "_latency": [], "_first": [], "tokens_in": 0, "tokens_out": 0})
        entry["requests"] += 1
        if row["status"] == "error":
            entry["errors"] += 1
        elif row["status"] == "ok" and row["latency_ms"] is not None:
            entry["_latency"].append(row["latency_ms"])
            if row["first_token_ms"] is not None:
                entry["_first"].append(row["first_token_ms"])
        entry["tokens_in"] += row["prompt_tokens"] or 0
        entry["tokens_out"] += row["completion_tokens"] or 0
    result = []
    for entry in groups.values():
        latency, first = entry.pop("_latency"), entry.pop("_first")
        entry.update(latency_p50_ms=percentile(latency, 50), latency_p95_ms=percentile(latency, 95),
                     first_token_p50_ms=percentile(first, 50))
        result.append(entry)
    return sorted(result, key=lambda e: (e["purpose"], -e["requests"]))


def _chains(log: PromptLog, since: str) -> dict[str, dict[str, Any]]:
    rows = log.query("SELECT purpose, request_id, chain_position, status FROM requests "
                     "WHERE ts >= ? AND request_id != '' ORDER BY id", (since,))
    outcome: dict[tuple[str, str], str] = {}
    for row in rows:
        key = (row["purpose"], row["request_id"])
        if row["status"] == "failed":
            outcome[key] = "none"
        elif row["status"] in ("ok", "cancelled"):
            outcome[key] = "first" if row["chain_position"] == 0 else "fallback"
        else:
            outcome.setdefault(key, "none")
    chains: dict[str, dict[str, Any]] = {}
    for (purpose, _), served in outcome.items():
        entry = chains.setdefault(purpose, {"requests": 0, "first": 0, "fallback": 0, "none": 0})
        entry["requests"] += 1
        entry[served] += 1
    for entry in chains.values():
        total = entry["requests"]
        entry["fallback_rate"] = round((entry["fallback"] + entry["none"]) / total, 3) if total else None
    return chains


def last_served(log: PromptLog | None) -> dict[str, dict[str, Any]]:
    """Per role, how its last request went: ``{servedBy, position, skipped, ts}``; servedBy is None when
    every endpoint failed (completion then used the index completer)."""
    if log is None:
        return {}
    rows = log.query("SELECT purpose, request_id, endpoint, model, chain_position, status, skipped, ts FROM requests "
                     "WHERE id IN (SELECT MAX(id) FROM requests WHERE request_id != '' GROUP BY purpose)")
    result = {}
    for row in rows:
        served = f"{row['endpoint']} ({row['model']})" if row["status"] != "failed" and row["endpoint"] else None
        result[row["purpose"]] = {"servedBy": served, "position": row["chain_position"] if served else None,
                                  "status": row["status"], "skipped": row["skipped"], "ts": row["ts"]}
    return result
