"""Context/Response CSV (seed project 001): one user message and one counsellor reply per row.

Each row becomes a two-turn conversation `cr-<row>`; column names are
configurable (`context_column`, `response_column`). Rows with an empty side
go to `rejects`.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from interosight_core.config import ContextResponseSource
from interosight_core.sources.common import Target, Reject, Staged, null_if_token, quote, read_csv_staged, require_columns


def stage(con: duckdb.DuckDBPyConnection, cfg: ContextResponseSource, scratch: Path, target: Target) -> Staged:
    """Parse a Context/Response CSV into `stage_conversations` and `stage_turns`."""
    label = str(cfg.path)
    header, rows, rejects = read_csv_staged(con, cfg.path, "raw_cr", label)
    require_columns(header, [cfg.context_column, cfg.response_column], label)
    staged = Staged(input_rows=rows, rejects=rejects)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE cr AS SELECT _row, 'cr-' || _row AS conversation_id, "
        f"{null_if_token(quote(cfg.context_column))} AS context, {null_if_token(quote(cfg.response_column))} AS response "
        "FROM raw_cr"
    )
    for row, context in con.execute(
        "SELECT _row, context FROM cr WHERE context IS NULL OR response IS NULL ORDER BY _row"
    ).fetchall():
        column = cfg.context_column if context is None else cfg.response_column
        staged.rejects.append(Reject(line=int(row) + 1, column=column, error=f"empty {column}", raw=None))
    con.execute("DELETE FROM cr WHERE context IS NULL OR response IS NULL")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE stage_conversations AS SELECT conversation_id, 'single_turn' AS kind, "
        "NULL::VARCHAR AS title, NULL::VARCHAR AS topic, NULL::VARCHAR AS mi_quality, NULL::VARCHAR AS split, "
        "2::INTEGER AS n_turns, NULL::JSON AS metadata FROM cr ORDER BY _row"
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE stage_turns AS SELECT conversation_id, turn_index, role, speaker, text, "
        "NULL::JSON AS tool_calls, NULL::VARCHAR AS tool_call_id FROM ("
        "SELECT conversation_id, 0::INTEGER AS turn_index, 'user' AS role, 'client' AS speaker, context AS text, _row FROM cr "
        "UNION ALL SELECT conversation_id, 1, 'assistant', 'counsellor', response, _row FROM cr) ORDER BY _row, turn_index"
    )
    staged.tables = {"conversations": "stage_conversations", "turns": "stage_turns"}
    return staged
