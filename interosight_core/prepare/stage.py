"""The prepare stage's runner: posts -> prepared_posts + post_flags, conversations -> dialog_examples.

`run_prepare(warehouse_path, cfg)` recomputes every prepare table from the
ingested tables and replaces them in one transaction; any failure leaves the
warehouse as it was. It is idempotent: each run is identified by its
`prepare_fingerprint` (prepare config without its resource settings +
`CLEAN_RULES` and `SAFETY_RULES` fingerprints + prepare code version +
`input_fingerprint`), stored on every
row and in the `prepares` table; a run whose fingerprint equals the stored
one changes nothing and returns the stored report (status `unchanged`).
Recomputing (`force=True`) yields the same rows, except `prepared_at`.

Posts are processed inside DuckDB, a few whole-column statements
(`posts.stage_posts`, `posts.stage_flags`): the cleaned text is materialized
once, then flagged, scored and redacted, and flag spans are computed in SQL
too, so no post passes through Python and memory stays bounded by DuckDB's
buffer manager (which spills to disk), not by the corpus. Intermediate
tables live in a scratch database attached for the run (in the system temp
folder, deleted afterwards) whose small row groups let DuckDB use every
core. Exclusion reasons, in priority order: `crisis_routed` (any crisis
flag: such posts are never kept), `empty_after_clean`, `pro_ed`,
`injection` (only with `exclude_injection`), `low_relevance`,
`over_max_posts`.

Sharded (the scale-out path): `plan_prepare` fingerprints the run,
`prepare_shard` stages one hash-shard of the posts into its own DuckDB file
from a read-only warehouse (shards run side by side in other processes or
machines), and `merge_prepare_shards` unions them, applies the global
`max_posts` ranking and writes the same tables as `run_prepare`.

Conversations become dialog examples (`dialogs`): turn texts are cleaned
and redacted in SQL, then chunked and windowed per conversation in Python,
a batch of conversations at a time.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from interosight_core import warehouse
from interosight_core.fingerprint import code_version
from interosight_core.prepare.clean import CLEAN_RULES
from interosight_core.prepare.config import PrepareConfig
from interosight_core.prepare.dialogs import DialogCounts
from interosight_core.prepare.posts import merged_posts_sql, shard_filter_sql, stage_flags, stage_posts
from interosight_core.prepare.posts_model import cache_folder
from interosight_core.prepare.rules import sql_literal
from interosight_core.prepare.safety import FAMILIES, SAFETY_RULES
from interosight_core.prepare.safety_model import DEFAULT_MODEL_DIR, MODEL_FAMILIES, load_safety_model
from interosight_core.prepare.turns import stage_dialogs

log = logging.getLogger(__name__)

Progress = Callable[[str, float], None]

#: Words of a kept post's `text_redacted`, as Python's `str.split()` counts them. Cleaned text only
#: holds single spaces, single newlines and blank lines ("\n\n") as whitespace, so counting them
#: is exact and 6x cheaper than a regex with one match per word.
POST_WORDS_SQL = (
    "CASE WHEN text_redacted = '' THEN 0 ELSE length(text_redacted) "
    "- length(replace(replace(text_redacted, ' ', ''), chr(10), '')) "
    "- (length(text_redacted) - length(replace(text_redacted, chr(10) || chr(10), chr(10)))) + 1 END"
)

#: Rows per row group of the scratch database: DuckDB gives each core whole row groups.
SCRATCH_ROW_GROUP_SIZE = 8192
EXCLUDE_REASONS = ("crisis_routed", "empty_after_clean", "pro_ed", "injection", "low_relevance", "over_max_posts")


@dataclass
class PrepareReport:
    """What one prepare run did (small and JSON-serialisable; stored in `prepares.report`)."""

    status: str  # "prepared" or "unchanged"
    prepare_fingerprint: str
    input_fingerprint: str
    annotator: str
    posts_in: int = 0
    kept: int = 0
    excluded: dict[str, int] = field(default_factory=dict)
    flags: dict[str, int] = field(default_factory=dict)
    model_flags: dict[str, int] = field(default_factory=dict)
    flag_spans: int = 0
    crisis_routed: int = 0
    crisis_levels: dict[str, int] = field(default_factory=dict)
    relevance_histogram: list[int] = field(default_factory=list)
    relevance_missing: int = 0
    relevance_by_group: dict[str, float] = field(default_factory=dict)
    kept_by_group: dict[str, int] = field(default_factory=dict)
    conversations: int = 0
    dialog_examples: dict[str, int] = field(default_factory=dict)
    dialog_kinds: dict[str, int] = field(default_factory=dict)
    dialog_filtered: dict[str, int] = field(default_factory=dict)
    length_summary: list[dict] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self) -> dict:
        """Return the report as a plain dict."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "PrepareReport":
        """Rebuild a report from `to_dict` output (unknown keys ignored)."""
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


def prepare_code_version() -> str:
    """Version of the code that decides what the prepare stage writes."""
    return code_version("prepare", "warehouse", "encoder")


def input_fingerprint(warehouse_path: Path | str) -> str:
    """Cheap fingerprint of the stage's inputs: ingest records, row counts and the warehouse instance.

    Built from the `ingests` table (each source's file sha256, config hash,
    ingest code version and row counts), the row counts of posts,
    topic_annotations, conversations and turns, and the warehouse's
    instance id (a deleted and rebuilt warehouse gets a new key). No table
    is scanned, so it costs milliseconds on any corpus size.
    """
    with warehouse.open_warehouse(warehouse_path, read_only=True) as con:
        ingests = con.execute(
            "SELECT source, kind, source_sha256, config_hash, code_version, row_counts::VARCHAR "
            "FROM ingests ORDER BY source").fetchall()
        counts = con.execute(
            "SELECT (SELECT count(*) FROM posts), (SELECT count(*) FROM topic_annotations), "
            "(SELECT count(*) FROM conversations), (SELECT count(*) FROM turns)").fetchall()[0]
        instance = con.execute("SELECT value FROM meta WHERE key = 'instance_id'").fetchall()
    payload = json.dumps({"ingests": [list(r) for r in ingests], "counts": list(counts),
                          "instance": instance[0][0] if instance else None})
    return hashlib.sha256(payload.encode()).hexdigest()


def safety_model_fingerprint(cfg: PrepareConfig) -> str | None:
    """The learned safety model's content hash, or None when the stage does not use it."""
    if not cfg.safety_model.enabled:
        return None
    return load_safety_model(cfg.safety_model.path or DEFAULT_MODEL_DIR).fingerprint


def prepare_fingerprint(cfg: PrepareConfig, input_fp: str) -> str:
    """Fingerprint of a prepare run: config, rule sets, code version and inputs."""
    payload = json.dumps({
        "config": cfg.model_dump(mode="json", exclude=set(PrepareConfig.RESOURCE_FIELDS)),
        "clean_rules": CLEAN_RULES.fingerprint(),
        "safety_rules": SAFETY_RULES.fingerprint(),
        "safety_model": safety_model_fingerprint(cfg),
        "code": prepare_code_version(),
        "input": input_fp,
    }, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def _progress(progress: Progress | None, label: str, fraction: float) -> None:
    log.info("prepare: %s (%.0f%%)", label, fraction * 100)
    if progress is not None:
        progress(label, fraction)


@dataclass(frozen=True)
class PreparePlan:
    """What a prepare run would compute: its fingerprints, and the stored report when nothing changed."""

    input_fingerprint: str
    prepare_fingerprint: str
    unchanged: PrepareReport | None = None


def plan_prepare(warehouse_path: Path | str, cfg: PrepareConfig, force: bool = False) -> PreparePlan:
    """Fingerprint the run; `unchanged` holds the stored report when the warehouse already has it."""
    input_fp = input_fingerprint(warehouse_path)
    fingerprint = prepare_fingerprint(cfg, input_fp)
    with warehouse.open_warehouse(warehouse_path, read_only=True) as con:
        previous = con.execute("SELECT prepare_fingerprint, report::VARCHAR FROM prepares").fetchall()
    if previous and previous[0][0] == fingerprint and not force:
        report = PrepareReport.from_dict(json.loads(previous[0][1]))
        report.status = "unchanged"
        return PreparePlan(input_fp, fingerprint, report)
    return PreparePlan(input_fp, fingerprint)


def _unchanged(plan: PreparePlan, started: float) -> PrepareReport:
    report = plan.unchanged
    report.seconds = time.perf_counter() - started
    log.info("prepare: unchanged (%s), nothing to do", plan.prepare_fingerprint[:12])
    return report


def _set_resources(con: duckdb.DuckDBPyConnection, cfg: PrepareConfig) -> None:
    con.execute("SET preserve_insertion_order = false")
    if cfg.memory_limit:
        con.execute(f"SET memory_limit = {sql_literal(cfg.memory_limit)}")
    if cfg.threads:
        con.execute(f"SET threads = {int(cfg.threads)}")


def _model_progress(progress: Progress | None) -> Callable[[int, int], None]:
    """Report the safety model's pass over the posts (the stage's slowest step on CPU) at most every 10%."""
    last = [-1]

    def report(done: int, total: int) -> None:
        tenth = 10 * done // max(total, 1)
        if tenth != last[0]:
            last[0] = tenth
            _progress(progress, f"safety model: {done}/{total} posts", 0.05 + 0.35 * done / max(total, 1))

    return report


def _attach_scratch(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Attach `path` as `prep_scratch`, with the small row groups that let DuckDB use every core."""
    con.execute(f"ATTACH {sql_literal(str(path))} AS prep_scratch (ROW_GROUP_SIZE {SCRATCH_ROW_GROUP_SIZE})")


def run_prepare(warehouse_path: Path | str, cfg: PrepareConfig, progress: Progress | None = None,
                force: bool = False) -> PrepareReport:
    """Recompute and atomically replace the prepare tables; a no-op when nothing changed.

    `progress(label, fraction)` is called between steps. Raises
    `PrepareError` (one line) when the config does not fit the data, e.g.
    an annotator whose topic file was not ingested.
    """
    started = time.perf_counter()
    plan = plan_prepare(warehouse_path, cfg, force)
    if plan.unchanged:
        return _unchanged(plan, started)
    with warehouse.open_warehouse(warehouse_path) as con, tempfile.TemporaryDirectory(prefix="interosight-prepare-") as tmp:
        _set_resources(con, cfg)
        _attach_scratch(con, Path(tmp) / "scratch.duckdb")
        try:
            _progress(progress, "clean, flag, score and redact posts", 0.0)
            stage_posts(con, cfg, cache_dir=cache_folder(Path(warehouse_path).resolve().parent / "cache"),
                        model_progress=_model_progress(progress))
            _progress(progress, "flag spans", 0.5)
            stage_flags(con)
            report = _finish(con, cfg, plan, progress, started)
        finally:
            con.execute("DETACH prep_scratch")
    return report


def shard_paths(warehouse_path: Path | str, plan: PreparePlan, shards: int) -> list[str]:
    """Where the shards of this run are staged: next to the warehouse (shared storage on a cluster)."""
    folder = Path(warehouse_path).resolve().parent / "shards" / f"prepare-{plan.prepare_fingerprint[:16]}"
    return [str(folder / f"posts-{i}-of-{shards}.duckdb") for i in range(shards)]


def prepare_shard(warehouse_path: Path | str, cfg: PrepareConfig, shard: int, shards: int, out_path: str) -> int:
    """Clean, flag, score and redact one shard of the posts into the DuckDB file `out_path`; return its posts.

    Reads the warehouse read-only (shards run side by side in other
    processes or machines) and ignores `max_posts`, which only the merge
    can apply. The file appears complete or not at all.
    """
    if not 0 <= shard < shards:
        raise ValueError(f"shard {shard} is not in 0..{shards - 1}")
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    warehouse.require_warehouse(warehouse_path)
    con = duckdb.connect()
    try:
        _set_resources(con, cfg)
        con.execute(f"ATTACH {sql_literal(str(warehouse_path))} AS wh (READ_ONLY)")
        _attach_scratch(con, partial)
        con.execute("USE wh")
        stage_posts(con, cfg.model_copy(update={"max_posts": None}), where=shard_filter_sql(shard, shards))
        stage_flags(con)
        posts = con.execute("SELECT count(*) FROM prep_scratch.posts").fetchall()[0][0]
        con.execute("DETACH prep_scratch")
    finally:
        con.close()
    partial.replace(out)
    return posts


def merge_prepare_shards(warehouse_path: Path | str, cfg: PrepareConfig, plan: PreparePlan, paths: list[str],
                         progress: Progress | None = None) -> PrepareReport:
    """Merge shards from `prepare_shard` into the prepare tables, as `run_prepare` would have written them.

    The global `max_posts` ranking, dialog examples and the report are
    computed here; the shard files are deleted once the tables are replaced.
    """
    started = time.perf_counter()
    missing = [p for p in paths if not Path(p).exists()]
    if missing:
        raise FileNotFoundError(f"{missing[0]}: prepare shard missing ({len(missing)} of {len(paths)})")
    with warehouse.open_warehouse(warehouse_path) as con, tempfile.TemporaryDirectory(prefix="interosight-prepare-") as tmp:
        _set_resources(con, cfg)
        _attach_scratch(con, Path(tmp) / "scratch.duckdb")
        names = [f"prep_shard_{i}" for i in range(len(paths))]
        for name, path in zip(names, paths):
            con.execute(f"ATTACH {sql_literal(path)} AS {name} (READ_ONLY)")
        try:
            _progress(progress, f"merge {len(paths)} shards", 0.6)
            con.execute(f"CREATE TABLE prep_scratch.posts AS {merged_posts_sql(cfg, [f'{n}.posts' for n in names])}")
            flags = " UNION ALL ".join(f"SELECT * FROM {n}.flags" for n in names)
            con.execute(f"CREATE TABLE prep_scratch.flags AS {flags}")
            for name in names:
                con.execute(f"DETACH {name}")
            report = _finish(con, cfg, plan, progress, started)
        finally:
            con.execute("DETACH prep_scratch")
    for path in paths:
        Path(path).unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        Path(paths[0]).parent.rmdir()
    return report


def _finish(con: duckdb.DuckDBPyConnection, cfg: PrepareConfig, plan: PreparePlan, progress: Progress | None,
            started: float) -> PrepareReport:
    """From staged `prep_scratch.posts`/`flags`: dialog examples, the report, and the atomic table swap."""
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    _progress(progress, "dialog examples", 0.7)
    dialog_counts = stage_dialogs(con, cfg)
    _progress(progress, "report", 0.9)
    report = _report(con, cfg, plan.prepare_fingerprint, plan.input_fingerprint, dialog_counts)
    report.seconds = round(time.perf_counter() - started, 3)
    with warehouse.transaction(con):
        _replace_tables(con, cfg, plan.prepare_fingerprint, plan.input_fingerprint, now, report)
    _progress(progress, "done", 1.0)
    log.info("prepare: kept %d of %d posts, %d dialog examples in %.1fs", report.kept, report.posts_in,
             sum(report.dialog_examples.values()), report.seconds)
    return report


def _replace_tables(con: duckdb.DuckDBPyConnection, cfg: PrepareConfig, fingerprint: str, input_fp: str,
                    now: datetime, report: PrepareReport) -> None:
    """Swap the staged rows into the prepare tables (call inside a transaction)."""
    for table in warehouse.PREPARE_TABLES:
        con.execute(f"DELETE FROM {table}")
    lineage = [fingerprint, now]
    con.execute("INSERT INTO prepared_posts SELECT source, post_id, forum_group, text_clean, text_redacted, "
                "relevance, themes, flags, status, exclude_reason, crisis_level, pro_ed_level, ?, ? "
                "FROM prep_scratch.posts", lineage)
    con.execute("INSERT INTO post_flags (source, post_id, family, rule, start_char, end_char, matched, level, score, "
                "prepare_fingerprint, prepared_at) SELECT *, ?, ? FROM prep_scratch.flags", lineage)
    con.execute("INSERT INTO dialog_examples SELECT *, ?, ? FROM prep_scratch.dialogs", lineage)
    con.execute("INSERT INTO length_summary SELECT *, ?, ? FROM prep_scratch.lengths", lineage)
    con.execute("INSERT INTO prepares VALUES (?, ?, ?, ?, ?, ?)",
                [fingerprint, input_fp, json.dumps(cfg.model_dump(mode="json")), prepare_code_version(), now,
                 json.dumps(report.to_dict())])


def _report(con: duckdb.DuckDBPyConnection, cfg: PrepareConfig, fingerprint: str, input_fp: str,
            dialog_counts: DialogCounts) -> PrepareReport:
    """Aggregate the staged tables into a `PrepareReport` (and stage `prep_scratch.lengths`)."""
    report = PrepareReport("prepared", fingerprint, input_fp, cfg.annotator)
    posts = "prep_scratch.posts"
    flag_sums = ", ".join(f"coalesce(count_if(list_contains(flags, '{f}')), 0)" for f in FAMILIES)
    model_sums = ", ".join(f"coalesce(count_if(list_contains(model_flags, '{f}')), 0)" for f in MODEL_FAMILIES)
    row = con.execute(f"SELECT count(*), coalesce(count_if(status = 'kept'), 0), "
                      f"coalesce(count_if(relevance IS NULL), 0), {flag_sums}, {model_sums} FROM {posts}").fetchall()[0]
    report.posts_in, report.kept, report.relevance_missing = row[0], row[1], row[2]
    report.flags = dict(zip(FAMILIES, row[3:3 + len(FAMILIES)]))
    report.model_flags = dict(zip(MODEL_FAMILIES, row[3 + len(FAMILIES):]))
    reasons = dict(con.execute(f"SELECT exclude_reason, count(*) FROM {posts} WHERE exclude_reason IS NOT NULL "
                               "GROUP BY ALL").fetchall())
    report.excluded = {r: reasons.get(r, 0) for r in EXCLUDE_REASONS}
    report.crisis_routed = report.excluded["crisis_routed"]
    report.crisis_levels = {str(level): n for level, n in con.execute(
        f"SELECT crisis_level, count(*) FROM {posts} WHERE crisis_level > 0 GROUP BY ALL ORDER BY 1").fetchall()}
    bins = dict(con.execute(f"SELECT least(floor(relevance * 10)::INTEGER, 9), count(*) FROM {posts} "
                            "WHERE relevance IS NOT NULL GROUP BY ALL").fetchall())
    report.relevance_histogram = [bins.get(i, 0) for i in range(10)]
    for group, mean, kept in con.execute(f"SELECT forum_group, avg(relevance), count_if(status = 'kept') "
                                         f"FROM {posts} GROUP BY ALL ORDER BY 1").fetchall():
        if mean is not None:  # a group without any scores shows up in relevance_missing instead
            report.relevance_by_group[group] = round(mean, 4)
        report.kept_by_group[group] = kept
    report.flag_spans = con.execute("SELECT count(*) FROM prep_scratch.flags").fetchall()[0][0]
    report.conversations = dialog_counts.conversations
    report.dialog_kinds = dict(sorted(dialog_counts.examples.items()))
    report.dialog_filtered = {"too_short": dialog_counts.too_short, "too_long": dialog_counts.too_long,
                              "conversations_without_exchanges": dialog_counts.conversations_without_exchanges}
    splits = dict(con.execute("SELECT split, count(*) FROM prep_scratch.dialogs GROUP BY ALL").fetchall())
    report.dialog_examples = {s: splits.get(s, 0) for s in ("train", "val", "test")}
    con.execute(
        "CREATE OR REPLACE TABLE prep_scratch.lengths AS "
        "SELECT source, kind, count(*) AS count, avg(n_words) AS mean, median(n_words) AS median, "
        "quantile_cont(n_words, 0.9) AS p90 FROM ("
        "  SELECT source, kind, n_words FROM prep_scratch.dialogs"
        f"  UNION ALL SELECT source, 'post' AS kind, {POST_WORDS_SQL} AS n_words FROM {posts} WHERE status = 'kept'"
        ") GROUP BY ALL")
    cursor = con.execute("SELECT * FROM prep_scratch.lengths ORDER BY source, kind")
    names = [d[0] for d in cursor.description]
    report.length_summary = [
        {k: (round(v, 2) if isinstance(v, float) else v) for k, v in zip(names, r)} for r in cursor.fetchall()
    ]
    return report


__all__ = ["EXCLUDE_REASONS", "PreparePlan", "PrepareReport", "input_fingerprint", "merge_prepare_shards", "plan_prepare",
           "prepare_code_version", "prepare_fingerprint", "prepare_shard", "run_prepare", "shard_paths"]
