"""Conversations through the prepare stage: clean/redact turns in DuckDB, build examples in batches.

`stage_dialogs` selects the configured conversations (`dialogs.sources`,
AnnoMI transcripts of the wanted `mi_quality`), cleans and redacts their
user/assistant turn texts in one query into `prep_scratch.turns` (tool and
system turns are data and stay as they are), then reads a batch of
conversations at a time, builds their examples with
`dialogs.conversation_examples` and appends them to `prep_scratch.dialogs`.
Memory is bounded by the batch, not by the number of conversations.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from interosight_core.errors import PrepareError
from interosight_core.prepare.clean import sql_clean_expr
from interosight_core.prepare.config import PrepareConfig
from interosight_core.prepare.dialogs import DialogCounts, Turn, conversation_examples
from interosight_core.prepare.flagging import redact_sql
from interosight_core.prepare.rules import sql_literal

#: Conversations read per round trip to Python.
CONVERSATION_BATCH = 2_000

_EXAMPLE_SCHEMA = pa.schema([
    ("example_id", pa.string()), ("source", pa.string()), ("conversation_id", pa.string()), ("kind", pa.string()),
    ("split", pa.string()), ("messages", pa.string()), ("n_words", pa.int32()), ("n_exchanges", pa.int32()),
    ("start_turn", pa.int32()), ("end_turn", pa.int32()),
])


def _conversation_filter(con: duckdb.DuckDBPyConnection, cfg: PrepareConfig) -> str:
    """SQL WHERE clause over `conversations` for the configured sources and MI qualities."""
    dialogs = cfg.dialogs
    clauses = []
    if dialogs.sources is not None:
        present = {r[0] for r in con.execute("SELECT DISTINCT source FROM conversations").fetchall()}
        unknown = sorted(set(dialogs.sources) - present)
        if unknown:
            raise PrepareError(
                f"prepare.dialogs.sources: no conversations from {', '.join(unknown)} in the warehouse "
                f"(available: {', '.join(sorted(present)) or 'none'}); fix the names or ingest those sources")
        clauses.append(f"source IN ({', '.join(sql_literal(s) for s in dialogs.sources) or 'NULL'})")
    qualities = ", ".join(sql_literal(q) for q in dialogs.mi_quality) or "NULL"
    clauses.append(f"(mi_quality IS NULL OR mi_quality IN ({qualities}))")
    return " AND ".join(clauses)


def turns_sql(con: duckdb.DuckDBPyConnection, cfg: PrepareConfig) -> str:
    """The SELECT producing `prep_scratch.turns`: numbered conversations, their turns, cleaned and redacted."""
    dialogs = cfg.dialogs
    plain = "role IN ('user', 'assistant') AND text IS NOT NULL"
    cleaned = sql_clean_expr("text") if dialogs.clean_turns else "text"
    families = [f for f, on in (("pii", dialogs.redact_pii), ("numbers", dialogs.redact_numbers)) if on]
    return f"""
WITH conv AS (
    SELECT source, conversation_id,
        coalesce(json_extract_string(metadata, '$.question_id'), conversation_id) AS grp,
        row_number() OVER (ORDER BY source, conversation_id) AS conv_no
    FROM conversations WHERE {_conversation_filter(con, cfg)}
),
cleaned AS MATERIALIZED (
    SELECT c.conv_no, c.source, c.conversation_id, c.grp, t.turn_index, t.role,
        CASE WHEN {plain} THEN {cleaned} ELSE t.text END AS text,
        t.tool_calls::VARCHAR AS tool_calls, t.tool_call_id
    FROM conv c JOIN turns t ON t.source = c.source AND t.conversation_id = c.conversation_id
)
SELECT conv_no, source, conversation_id, grp, turn_index, role,
    CASE WHEN {plain} THEN {redact_sql('text', families)} ELSE text END AS text, tool_calls, tool_call_id
FROM cleaned"""


def stage_dialogs(con: duckdb.DuckDBPyConnection, cfg: PrepareConfig,
                  batch: int = CONVERSATION_BATCH) -> DialogCounts:
    """Create `prep_scratch.turns` and `prep_scratch.dialogs` (the examples); return what was built and dropped."""
    con.execute(f"CREATE OR REPLACE TABLE prep_scratch.turns AS {turns_sql(con, cfg)}")
    con.execute("CREATE OR REPLACE TABLE prep_scratch.dialogs (example_id VARCHAR, source VARCHAR, "
                "conversation_id VARCHAR, kind VARCHAR, split VARCHAR, messages JSON, n_words INTEGER, "
                "n_exchanges INTEGER, start_turn INTEGER, end_turn INTEGER)")
    total = con.execute("SELECT coalesce(max(conv_no), 0) FROM prep_scratch.turns").fetchall()[0][0]
    counts = DialogCounts()
    for lo in range(1, total + 1, batch):
        rows = con.execute(
            "SELECT conv_no, source, conversation_id, grp, turn_index, role, text, tool_calls, tool_call_id "
            "FROM prep_scratch.turns WHERE conv_no >= ? AND conv_no < ? ORDER BY conv_no, turn_index",
            [lo, lo + batch]).fetchall()
        columns: list[list] = [[] for _ in _EXAMPLE_SCHEMA]
        start = 0
        while start < len(rows):
            end = start
            while end < len(rows) and rows[end][0] == rows[start][0]:
                end += 1
            _, source, conversation_id, group = rows[start][:4]
            turns = [Turn(r[4], r[5], r[6], r[7], r[8]) for r in rows[start:end]]
            for example in conversation_examples(source, conversation_id, group, turns, cfg.dialogs, counts):
                for column, value in zip(columns, vars(example).values()):
                    column.append(value)
            start = end
        con.register("prep_dialog_batch", pa.table(columns, schema=_EXAMPLE_SCHEMA))
        con.execute("INSERT INTO prep_scratch.dialogs SELECT * FROM prep_dialog_batch")
        con.unregister("prep_dialog_batch")
    return counts


__all__ = ["CONVERSATION_BATCH", "stage_dialogs", "turns_sql"]
