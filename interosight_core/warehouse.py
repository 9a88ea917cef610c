"""The DuckDB warehouse: schema (all DDL lives here), connection, atomic source replacement.

One DuckDB file per work directory is the system of record. Every data row
carries its lineage: `source` (the configured source name), `source_file`,
`source_sha256` and `ingested_at`. Topic annotations are stored one row per
(post, annotator) with a score and a label column per topic, as in the
deposit (7x fewer rows to write than the long form, which made the 77k-post
deposit ingest 3x faster); the view `topic_scores` is the long table
(post, annotator, topic, score, label) that analyses read. The `ingests` table records what each
source was last loaded from, so re-ingesting an unchanged file is a no-op and
a changed file replaces that source's rows in one transaction.

The prepare stage's tables (`PREPARE_TABLES`: `prepared_posts`, `post_flags`,
`dialog_examples`, `length_summary`, and `prepares`, the record of its last
run) are derived data: each run replaces them all in one transaction, and
every row carries the run's `prepare_fingerprint` and `prepared_at`.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb

from interosight_core.errors import WarehouseError

SCHEMA_VERSION = "1"

LINEAGE = "source_file VARCHAR NOT NULL, source_sha256 VARCHAR NOT NULL, ingested_at TIMESTAMP NOT NULL"

#: Lineage of every row the prepare stage writes: which run (config + rules + inputs) made it, and when.
PREPARE_LINEAGE = "prepare_fingerprint VARCHAR NOT NULL, prepared_at TIMESTAMP NOT NULL"

#: Lineage of every synthesis row: engine, model, prompt version, sampling params, run and timing.
SYNTH_LINEAGE = (
    "backend VARCHAR NOT NULL, model VARCHAR NOT NULL, prompt_version VARCHAR NOT NULL, params JSON NOT NULL, "
    "seed BIGINT NOT NULL, run_id VARCHAR NOT NULL, started_at TIMESTAMP NOT NULL, finished_at TIMESTAMP NOT NULL"
)

#: Tables the synthesis stage appends to (never replaced: a re-run only adds what is missing).
SYNTH_TABLES = ("synth_requests", "synth_responses", "preference_pairs")

#: Tables the prepare stage replaces as a whole (one transaction per run); `prepares` holds its last run.
PREPARE_TABLES = ("prepared_posts", "post_flags", "dialog_examples", "length_summary", "prepares")

#: Tables holding ingested rows, each keyed by `source`.
DATA_TABLES = ("posts", "topic_annotations", "conversations", "turns", "mi_annotations", "rejects")

#: The 15 topics of the Dataverse topic annotations, in the deposit's column order.
TOPICS = (
    "relation protein ed exercise crave restrict binge loss gain calorie "
    "idealbody bodyhate feargain fearfood depressedmood"
).split()
_TOPIC_COLUMNS = ", ".join(f"{t} DOUBLE, {t}01 BOOLEAN" for t in TOPICS)
_TOPIC_PAIRS = ", ".join(f"({t}, {t}01) AS '{t}'" for t in TOPICS)

DDL = f"""
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS ingests (
    source VARCHAR PRIMARY KEY,
    kind VARCHAR NOT NULL,
    source_file VARCHAR NOT NULL,
    source_sha256 VARCHAR NOT NULL,
    config_hash VARCHAR NOT NULL,
    code_version VARCHAR NOT NULL,
    ingested_at TIMESTAMP NOT NULL,
    row_counts JSON NOT NULL,
    rejected_rows BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS posts (
    source VARCHAR NOT NULL,
    post_id VARCHAR NOT NULL,
    text VARCHAR NOT NULL,
    subreddit VARCHAR,
    forum_group VARCHAR NOT NULL,
    {LINEAGE}
);
CREATE TABLE IF NOT EXISTS topic_annotations (
    source VARCHAR NOT NULL,
    post_id VARCHAR NOT NULL,
    annotator VARCHAR NOT NULL,
    {_TOPIC_COLUMNS},
    {LINEAGE}
);
CREATE OR REPLACE VIEW topic_scores AS
    SELECT source, post_id, annotator, topic, score, label, source_file, source_sha256, ingested_at
    FROM topic_annotations UNPIVOT INCLUDE NULLS ((score, label) FOR topic IN ({_TOPIC_PAIRS}))
    WHERE score IS NOT NULL OR label IS NOT NULL;
CREATE TABLE IF NOT EXISTS conversations (
    source VARCHAR NOT NULL,
    conversation_id VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    title VARCHAR,
    topic VARCHAR,
    mi_quality VARCHAR,
    split VARCHAR,
    n_turns INTEGER NOT NULL,
    metadata JSON,
    {LINEAGE}
);
CREATE TABLE IF NOT EXISTS turns (
    source VARCHAR NOT NULL,
    conversation_id VARCHAR NOT NULL,
    turn_index INTEGER NOT NULL,
    role VARCHAR NOT NULL,
    speaker VARCHAR,
    text VARCHAR,
    tool_calls JSON,
    tool_call_id VARCHAR,
    {LINEAGE}
);
CREATE TABLE IF NOT EXISTS mi_annotations (
    source VARCHAR NOT NULL,
    conversation_id VARCHAR NOT NULL,
    turn_index INTEGER NOT NULL,
    annotator_id VARCHAR,
    interlocutor VARCHAR NOT NULL,
    main_therapist_behaviour VARCHAR,
    client_talk_type VARCHAR,
    reflection_subtype VARCHAR,
    question_subtype VARCHAR,
    therapist_input_subtype VARCHAR,
    {LINEAGE}
);
CREATE TABLE IF NOT EXISTS rejects (
    source VARCHAR NOT NULL,
    line BIGINT,
    column_name VARCHAR,
    error VARCHAR NOT NULL,
    raw VARCHAR,
    {LINEAGE}
);
CREATE TABLE IF NOT EXISTS prepared_posts (
    source VARCHAR NOT NULL,
    post_id VARCHAR NOT NULL,
    forum_group VARCHAR NOT NULL,
    text_clean VARCHAR NOT NULL,
    text_redacted VARCHAR,
    relevance DOUBLE,
    themes VARCHAR[] NOT NULL,
    flags VARCHAR[] NOT NULL,
    status VARCHAR NOT NULL,
    exclude_reason VARCHAR,
    crisis_level INTEGER NOT NULL,
    pro_ed_level INTEGER NOT NULL,
    {PREPARE_LINEAGE}
);
CREATE TABLE IF NOT EXISTS post_flags (
    source VARCHAR NOT NULL,
    post_id VARCHAR NOT NULL,
    family VARCHAR NOT NULL,
    rule VARCHAR NOT NULL,
    start_char INTEGER NOT NULL,
    end_char INTEGER NOT NULL,
    matched VARCHAR NOT NULL,
    level INTEGER NOT NULL,
    {PREPARE_LINEAGE},
    score DOUBLE  -- the learned safety model's probability (rule `<family>_model`); NULL for rule matches
);
ALTER TABLE post_flags ADD COLUMN IF NOT EXISTS score DOUBLE;  -- warehouses made before the safety model
CREATE TABLE IF NOT EXISTS dialog_examples (
    example_id VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    conversation_id VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    split VARCHAR NOT NULL,
    messages JSON NOT NULL,
    n_words INTEGER NOT NULL,
    n_exchanges INTEGER NOT NULL,
    start_turn INTEGER NOT NULL,
    end_turn INTEGER NOT NULL,
    {PREPARE_LINEAGE}
);
CREATE TABLE IF NOT EXISTS length_summary (
    source VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    count BIGINT NOT NULL,
    mean DOUBLE,
    median DOUBLE,
    p90 DOUBLE,
    {PREPARE_LINEAGE}
);
CREATE TABLE IF NOT EXISTS synth_requests (
    request_key VARCHAR PRIMARY KEY,
    source VARCHAR NOT NULL,
    post_id VARCHAR NOT NULL,
    post_sha256 VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    status VARCHAR NOT NULL,
    attempts INTEGER NOT NULL,
    {SYNTH_LINEAGE}
);
CREATE TABLE IF NOT EXISTS synth_responses (
    response_id VARCHAR PRIMARY KEY,
    request_key VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    post_id VARCHAR NOT NULL,
    post_sha256 VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    candidate INTEGER NOT NULL,
    attempt INTEGER NOT NULL,
    prompt JSON NOT NULL,
    response VARCHAR NOT NULL,
    accepted BOOLEAN NOT NULL,
    gate_reasons VARCHAR[] NOT NULL,
    ed_harm BOOLEAN NOT NULL,
    mi_score DOUBLE,
    prompt_tokens INTEGER NOT NULL,
    completion_tokens INTEGER NOT NULL,
    finish_reason VARCHAR NOT NULL,
    {SYNTH_LINEAGE}
);
CREATE TABLE IF NOT EXISTS preference_pairs (
    pair_id VARCHAR PRIMARY KEY,
    source VARCHAR NOT NULL,
    post_id VARCHAR NOT NULL,
    prompt JSON NOT NULL,
    chosen VARCHAR NOT NULL,
    rejected VARCHAR NOT NULL,
    chosen_response_id VARCHAR NOT NULL,
    rejected_response_id VARCHAR NOT NULL,
    chosen_score DOUBLE NOT NULL,
    rejected_score DOUBLE NOT NULL,
    method VARCHAR NOT NULL,
    {SYNTH_LINEAGE}
);
CREATE TABLE IF NOT EXISTS prepares (
    prepare_fingerprint VARCHAR NOT NULL,
    input_fingerprint VARCHAR NOT NULL,
    config JSON NOT NULL,
    code_version VARCHAR NOT NULL,
    prepared_at TIMESTAMP NOT NULL,
    report JSON NOT NULL
);
"""

#: Stored in `meta` by writers: a warehouse holding this hash has every table and view of `DDL`.
DDL_SHA256 = hashlib.sha256(DDL.encode()).hexdigest()


@dataclass(frozen=True)
class WarehouseRef:
    """A small, hashable handle to a warehouse: its path and its instance id.

    Tasks receive this instead of a connection. The id is created with the
    file, so a deleted-and-recreated warehouse gets new cache keys.
    """

    path: str
    instance_id: str


def require_warehouse(path: Path | str) -> None:
    """Raise `WarehouseError` (one line) when there is no warehouse file at `path` to read."""
    if not Path(path).exists():
        raise WarehouseError(f"{path}: no warehouse here yet (run `interosight ingest` first)")


def _ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create missing tables and views unless this warehouse already holds the current DDL (a writer's first step).

    The DDL's hash is stored in `meta`, so an up-to-date warehouse costs one
    lookup instead of re-running every CREATE statement on each connection.
    """
    try:
        current = con.execute("SELECT value FROM meta WHERE key = 'ddl_sha256'").fetchall()
    except duckdb.CatalogException:  # a new file: no meta table yet
        current = []
    if current and current[0][0] == DDL_SHA256:
        return
    con.execute(DDL)
    con.execute(
        "INSERT INTO meta VALUES ('instance_id', ?), ('schema_version', ?) ON CONFLICT DO NOTHING",
        [uuid.uuid4().hex, SCHEMA_VERSION],
    )
    con.execute("INSERT OR REPLACE INTO meta VALUES ('ddl_sha256', ?)", [DDL_SHA256])


def connect(path: Path | str, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (and for writers, create and migrate) the warehouse at `path`."""
    path = Path(path)
    if read_only:
        require_warehouse(path)
    if path.exists() and path.is_dir():
        raise WarehouseError(f"{path}: is a directory, expected a DuckDB file")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.Error as error:
        raise WarehouseError(f"{path}: cannot open the DuckDB warehouse ({error})") from None
    con.execute("SET enable_progress_bar = false")
    if not read_only:
        _ensure_schema(con)
    return con


_HOST: duckdb.DuckDBPyConnection | None = None
_HOST_LOCK = threading.Lock()


@contextlib.contextmanager
def attached(path: Path | str, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor on the existing warehouse at `path`, for short, frequent sessions (one at a time per process).

    A new DuckDB instance costs ~10 ms here; `connect` makes one per call.
    This attaches the file to one in-memory DuckDB instance kept for the
    process (~1 ms) and detaches it on exit, so the file lock is held, as
    with `connect`, only while the block runs. Writers get the schema
    checked like `connect`. Sessions are serialised by a process-wide lock:
    do not nest them.
    """
    global _HOST
    path = Path(path).resolve()
    require_warehouse(path)
    alias = "wh_" + hashlib.sha256(str(path).encode()).hexdigest()[:16]
    with _HOST_LOCK:
        if _HOST is None:
            _HOST = duckdb.connect(":memory:")
            _HOST.execute("SET enable_progress_bar = false")
        cursor = _HOST.cursor()
        try:
            try:
                quoted = "'" + str(path).replace("'", "''") + "'"
                cursor.execute(f"ATTACH {quoted} AS {alias}" + (" (READ_ONLY)" if read_only else ""))
            except duckdb.Error as error:
                raise WarehouseError(f"{path}: cannot open the DuckDB warehouse ({error})") from None
            try:
                cursor.execute(f"USE {alias}")
                if not read_only:
                    _ensure_schema(cursor)
                yield cursor
            finally:
                cursor.execute("USE memory")
                cursor.execute(f"DETACH {alias}")
        finally:
            cursor.close()


@contextlib.contextmanager
def open_warehouse(path: Path | str, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """Context manager around `connect` that always closes the connection."""
    con = connect(path, read_only=read_only)
    try:
        yield con
    finally:
        con.close()


def warehouse_ref(path: Path | str) -> WarehouseRef:
    """Create the warehouse if needed and return its `WarehouseRef`."""
    path = Path(path).resolve()
    with open_warehouse(path) as con:
        instance_id = con.execute("SELECT value FROM meta WHERE key = 'instance_id'").fetchone()[0]
    return WarehouseRef(path=str(path), instance_id=instance_id)


@contextlib.contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Run a block in one transaction: commit on success, roll back on any exception."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def delete_source_rows(con: duckdb.DuckDBPyConnection, source: str) -> None:
    """Delete every row of `source` from all data tables (call inside a transaction)."""
    for table in DATA_TABLES:
        con.execute(f"DELETE FROM {table} WHERE source = ?", [source])


def table_counts(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, int]]:
    """Return (table, source, rows) for every data table and source, sorted."""
    selects = " UNION ALL ".join(
        f"SELECT '{table}' AS tbl, source, count(*) AS n FROM {table} GROUP BY source" for table in DATA_TABLES
    )
    return [tuple(row) for row in con.execute(f"SELECT * FROM ({selects}) ORDER BY source, tbl").fetchall()]


def ingest_records(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Return the `ingests` table as dicts (one per source)."""
    cursor = con.execute("SELECT * FROM ingests ORDER BY source")
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]
