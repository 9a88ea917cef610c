"""Staging helpers shared by the conversation sources (chat, Q&A, transcripts).

Conversation sources stage two temp tables shaped like the warehouse's
`conversations` and `turns` (without lineage columns). Python-parsed sources
(JSON, JSONL) build lists of dicts and load them through Arrow in one call.
"""

from __future__ import annotations

import json

import duckdb
import pyarrow as pa

CONVERSATION_COLUMNS = {
    "conversation_id": pa.string(),
    "kind": pa.string(),
    "title": pa.string(),
    "topic": pa.string(),
    "mi_quality": pa.string(),
    "split": pa.string(),
    "n_turns": pa.int32(),
    "metadata": pa.string(),
}
TURN_COLUMNS = {
    "conversation_id": pa.string(),
    "turn_index": pa.int32(),
    "role": pa.string(),
    "speaker": pa.string(),
    "text": pa.string(),
    "tool_calls": pa.string(),
    "tool_call_id": pa.string(),
}
ROLES = ("system", "user", "assistant", "tool")


def _arrow(rows: list[dict], columns: dict[str, pa.DataType]) -> pa.Table:
    return pa.table({name: pa.array([r.get(name) for r in rows], type=kind) for name, kind in columns.items()})


def stage_python_conversations(
    con: duckdb.DuckDBPyConnection, conversations: list[dict], turns: list[dict]
) -> dict[str, str]:
    """Load parsed conversations/turns into `stage_conversations`/`stage_turns`; return the table map.

    `metadata` and `tool_calls` values that are not strings are JSON-encoded.
    """
    for row in conversations:
        if row.get("metadata") is not None and not isinstance(row["metadata"], str):
            row["metadata"] = json.dumps(row["metadata"], sort_keys=True)
    for row in turns:
        if row.get("tool_calls") is not None and not isinstance(row["tool_calls"], str):
            row["tool_calls"] = json.dumps(row["tool_calls"], sort_keys=True)
    con.register("conv_table", _arrow(conversations, CONVERSATION_COLUMNS))
    con.register("turn_table", _arrow(turns, TURN_COLUMNS))
    con.execute(
        "CREATE OR REPLACE TEMP TABLE stage_conversations AS "
        "SELECT * REPLACE (metadata::JSON AS metadata) FROM conv_table"
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE stage_turns AS SELECT * REPLACE (tool_calls::JSON AS tool_calls) FROM turn_table"
    )
    con.unregister("conv_table")
    con.unregister("turn_table")
    return {"conversations": "stage_conversations", "turns": "stage_turns"}
