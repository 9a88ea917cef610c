"""The synthesis runner: batched, resumable, gated generation into the warehouse.

`plan_synthesis` lists what the current configuration asks for: an MI reply
per kept post (highest relevance first, `max_posts`), a crisis-protocol reply
per crisis-routed post, and a contrast reply per kept post when preference
pairs are built by contrast. Every request has a key: the hash of (post
identity, post content hash, kind, prompt version id, backend, model,
sampling params, n); the identity keeps two posts with the same text apart.
`run_synthesis` generates only keys not yet in `synth_requests`, so a re-run,
or a run after a crash, adds exactly what is missing.

Each batch is generated, checked by the safety gate (`gate.check_response`),
regenerated up to `max_regenerations` times where no candidate passes, and
written in one transaction: the `synth_responses` rows (every candidate and
attempt, with its gate verdict and reasons) and the `synth_requests` rows
that mark the keys done. A kill loses at most the batch in flight.

`accepted` means usable for the row's purpose: for `mi` and `crisis` replies,
passing the gate; for `contrast` replies (DPO "rejected" material), carrying
nothing ED-harmful (`ed_harm` false). Only accepted `mi` replies ever become
SFT targets.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable

import pyarrow as pa

from interosight_core.prepare.safety import scan
from interosight_core.synth.backends.base import Backend, Generation, GenerationRequest
from interosight_core.synth.config import SynthesisConfig
from interosight_core.synth.gate import check_response
from interosight_core.synth.prompts import build_messages, prompt_version_id
from interosight_core.warehouse import attached, transaction

ProgressFn = Callable[[int, int], None]


@dataclass(frozen=True)
class PlannedRequest:
    """A request with the post it answers."""

    request: GenerationRequest
    source: str
    post_id: str
    post_sha256: str


@dataclass
class SynthesisReport:
    """What one run did (small and JSON-able: it is the task's cached result)."""

    run_id: str
    backend: str
    model: str
    prompt_version: str
    planned: int = 0
    already_done: int = 0
    requests: int = 0
    accepted: dict[str, int] = field(default_factory=dict)
    exhausted: dict[str, int] = field(default_factory=dict)
    responses: int = 0
    rejected_by_reason: dict[str, int] = field(default_factory=dict)
    completion_tokens: int = 0
    engine_seconds: float = 0.0
    total_seconds: float = 0.0

    @property
    def tokens_per_second(self) -> float:
        """Completion tokens per second of wall time (runner included)."""
        return self.completion_tokens / self.total_seconds if self.total_seconds else 0.0

    def add(self, other: "SynthesisReport") -> None:
        """Add a shard's counts (requests, verdicts, tokens, engine time) to this report."""
        self.requests += other.requests
        self.responses += other.responses
        self.completion_tokens += other.completion_tokens
        self.engine_seconds += other.engine_seconds
        for mine, theirs in ((self.accepted, other.accepted), (self.exhausted, other.exhausted),
                             (self.rejected_by_reason, other.rejected_by_reason)):
            for key, n in theirs.items():
                mine[key] = mine.get(key, 0) + n

    def to_dict(self) -> dict:
        """JSON-able form, with tokens/s and the runner's overhead share."""
        d = dict(self.__dict__)
        d["tokens_per_second"] = round(self.tokens_per_second, 2)
        overhead = self.total_seconds - self.engine_seconds
        d["runner_overhead"] = round(overhead / self.engine_seconds, 4) if self.engine_seconds else None
        return d


def _sha(*parts: object) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def sampling_params(cfg: SynthesisConfig, n: int) -> dict:
    """The sampling parameters that are part of every request key and stored with every row."""
    return {**cfg.sampling.model_dump(), "n": n}


@dataclass(frozen=True)
class RequestPlan:
    """What the configuration asks for (`planned`, in priority order) and what is not in the warehouse yet (`pending`)."""

    planned: list[PlannedRequest]
    pending: list[PlannedRequest]


def plan_synthesis(warehouse_path: str, cfg: SynthesisConfig, identity: tuple[str, str], model_fp: str = "") -> RequestPlan:
    """Every request the configuration asks for, and those whose key is not yet in `synth_requests`.

    `identity` is `backends.backend_identity(cfg, model_path)`; `model_fp` the
    model folder's content fingerprint, so a rebuilt model gets new keys.
    One short read-only session on the warehouse.
    """
    backend, model = identity
    version = prompt_version_id(cfg.prompt_version)
    n_mi = cfg.preferences.n_candidates if cfg.preferences.enabled and cfg.preferences.method == "n_best" else 1
    limit = f"LIMIT {int(cfg.max_posts)}" if cfg.max_posts else ""
    kinds: list[tuple[str, int]] = [("mi", n_mi)]
    if cfg.preferences.enabled and cfg.preferences.method == "contrast":
        kinds.append(("contrast", 1))
    with attached(warehouse_path, read_only=True) as con:
        kept = con.execute(
            "SELECT source, post_id, text_redacted, themes FROM prepared_posts WHERE status = 'kept' "
            f"ORDER BY relevance DESC NULLS LAST, source, post_id {limit}"
        ).fetchall()
        crisis = con.execute(
            "SELECT source, post_id, text_clean, themes FROM prepared_posts WHERE exclude_reason = 'crisis_routed' "
            "ORDER BY crisis_level DESC, source, post_id"
        ).fetchall() if cfg.crisis_responses else []
        planned: list[PlannedRequest] = []
        posts = [(row, kind, n) for row in kept for kind, n in kinds]
        # Crisis posts keep PII out of prompts: they were never redacted by prepare (not training inputs).
        posts += [((s, p, scan(text).redacted, themes), "crisis", 1) for s, p, text, themes in crisis]
        for (source, post_id, text, themes), kind, n in posts:
            post_sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
            params = sampling_params(cfg, n)
            key = _sha(source, post_id, post_sha, kind, version, backend, model, model_fp, params)
            seed = cfg.sampling.seed + int(post_sha[:8], 16)
            request = GenerationRequest(
                key=key, messages=build_messages(kind, text, tuple(themes), cfg.prompt_version), kind=kind,
                post_text=text, themes=tuple(themes), n=n, seed=seed,
            )
            planned.append(PlannedRequest(request, source, post_id, post_sha))
        done = {k for (k,) in con.execute(
            "SELECT request_key FROM synth_requests JOIN (SELECT unnest(?::VARCHAR[]) AS request_key) USING (request_key)",
            [[p.request.key for p in planned]],
        ).fetchall()} if planned else set()
    return RequestPlan(planned, [p for p in planned if p.request.key not in done])


def _usable(kind: str, safe: bool, ed_harm: bool) -> bool:
    return (not ed_harm) if kind == "contrast" else safe


class Batch:
    """Rows of one batch, written together."""

    def __init__(self) -> None:
        self.responses: list[list] = []
        self.requests: list[list] = []


def generate_batch(backend: Backend, batch: list[PlannedRequest], cfg: SynthesisConfig, report: SynthesisReport) -> Batch:
    """Generate, gate and regenerate one batch; return its rows (nothing written yet)."""
    rows = Batch()
    engine_params = backend.info.params

    def lineage(p: PlannedRequest) -> list:
        params = json.dumps({**sampling_params(cfg, p.request.n), **engine_params}, sort_keys=True)
        return [report.backend, report.model, report.prompt_version, params]

    todo = list(batch)
    attempts: Counter[str] = Counter()
    started: dict[str, datetime] = {}
    accepted: set[str] = set()
    for attempt in range(cfg.max_regenerations + 1):
        if not todo:
            break
        requests = [
            p.request if attempt == 0 else dataclasses.replace(p.request, seed=p.request.seed + 7919 * attempt)
            for p in todo
        ]
        now = datetime.now(timezone.utc).replace(tzinfo=None)
        for p in todo:
            started.setdefault(p.request.key, now)
        t0 = time.perf_counter()
        outputs: list[list[Generation]] = backend.generate(requests)
        report.engine_seconds += time.perf_counter() - t0
        finished = datetime.now(timezone.utc).replace(tzinfo=None)
        retry: list[PlannedRequest] = []
        for p, req, gens in zip(todo, requests, outputs):
            attempts[p.request.key] = attempt + 1
            ok_any = False
            for candidate, gen in enumerate(gens):
                verdict = check_response(gen.text, crisis=p.request.kind == "crisis")
                ok = _usable(p.request.kind, verdict.safe, verdict.ed_harm)
                ok_any |= ok
                if not ok:
                    for reason in verdict.reasons:
                        report.rejected_by_reason[reason] = report.rejected_by_reason.get(reason, 0) + 1
                report.responses += 1
                report.completion_tokens += gen.completion_tokens
                rows.responses.append([
                    _sha(p.request.key, candidate, attempt), p.request.key, p.source, p.post_id, p.post_sha256,
                    p.request.kind, candidate, attempt, json.dumps(req.messages, ensure_ascii=False), gen.text, ok,
                    list(verdict.reasons), verdict.ed_harm, None, gen.prompt_tokens, gen.completion_tokens,
                    gen.finish_reason, *lineage(p), req.seed, report.run_id, started[p.request.key], finished,
                ])
            if ok_any:
                accepted.add(p.request.key)
            else:
                retry.append(p)
        todo = retry
    finished = datetime.now(timezone.utc).replace(tzinfo=None)
    for p in batch:
        status = "accepted" if p.request.key in accepted else "exhausted"
        bucket = report.accepted if status == "accepted" else report.exhausted
        bucket[p.request.kind] = bucket.get(p.request.kind, 0) + 1
        rows.requests.append([
            p.request.key, p.source, p.post_id, p.post_sha256, p.request.kind, status, attempts[p.request.key],
            *lineage(p), p.request.seed, report.run_id, started[p.request.key], finished,
        ])
    return rows


def _insert(con, table: str, rows: list[list]) -> None:
    """Append `rows` (values in the table's column order) to `table` as one Arrow table: ~3x faster than SQL VALUES."""
    if rows:
        columns = {f"c{i}": [row[i] for row in rows] for i in range(len(rows[0]))}
        con.from_arrow(pa.table(columns)).insert_into(table)


def write_batch(warehouse_path: str, rows: Batch) -> None:
    """Write one batch's responses and request records in one transaction."""
    with attached(warehouse_path) as con, transaction(con):
        _insert(con, "synth_responses", rows.responses)
        _insert(con, "synth_requests", rows.requests)


def new_report(cfg: SynthesisConfig, identity: tuple[str, str], run_id: str | None = None) -> SynthesisReport:
    """An empty report for a run (a new run id unless given: shards of one run share theirs)."""
    return SynthesisReport(run_id=run_id or uuid.uuid4().hex, backend=identity[0], model=identity[1],
                           prompt_version=prompt_version_id(cfg.prompt_version))


def split_shards(todo: list[PlannedRequest], batch_size: int, batches_per_shard: int) -> list[list[PlannedRequest]]:
    """Cut the pending requests into shards of whole batches, in order: each batch is the one a single
    process would generate, so batch-dependent engines (padding) give the same replies."""
    size = batch_size * batches_per_shard
    return [todo[i : i + size] for i in range(0, len(todo), size)]


def generate_shard(backend: Backend, shard: list[PlannedRequest], cfg: SynthesisConfig, identity: tuple[str, str],
                   run_id: str) -> tuple[list[Batch], SynthesisReport]:
    """Generate and gate one shard, batch by batch; return its rows (nothing written) and its counts."""
    report = new_report(cfg, identity, run_id)
    report.requests = len(shard)
    batches = [generate_batch(backend, shard[i : i + cfg.batch_size], cfg, report)
               for i in range(0, len(shard), cfg.batch_size)]
    return batches, report


def run_synthesis(
    warehouse_path: str,
    cfg: SynthesisConfig,
    backend: Backend,
    plan: RequestPlan,
    identity: tuple[str, str],
    progress: ProgressFn | None = None,
) -> SynthesisReport:
    """Generate every pending request of `plan` in batches, one transaction each; return the run's report.

    The plan is trusted to be current (make it with `plan_synthesis` right
    before): a key written meanwhile by another run fails its batch's
    transaction on the primary key instead of being duplicated.
    """
    t_start = time.perf_counter()
    report = new_report(cfg, identity)
    todo = plan.pending
    report.planned, report.already_done, report.requests = len(plan.planned), len(plan.planned) - len(todo), len(todo)
    done = 0
    if progress:
        progress(0, len(todo))
    for start in range(0, len(todo), cfg.batch_size):
        batch = todo[start : start + cfg.batch_size]
        write_batch(warehouse_path, generate_batch(backend, batch, cfg, report))
        done += len(batch)
        if progress:
            progress(done, len(todo))
    report.total_seconds = time.perf_counter() - t_start
    return report
