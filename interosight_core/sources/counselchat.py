"""CounselChat CSV (nbertagnolli/counsel-chat): therapist answers to user questions.

Each answer becomes a two-turn conversation (user: question title + text,
assistant: answer) with `topic`, `split` and the answer's upvotes/views and
therapist info in `metadata`. Conversation ids are `<questionID>-<n>`.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from interosight_core.config import CounselChatSource
from interosight_core.sources.common import Target, Reject, Staged, null_if_token, quote, read_csv_staged, require_columns

REQUIRED = ["questionID", "questionTitle", "questionText", "topic", "answerText"]
OPTIONAL = ["questionLink", "therapistInfo", "therapistURL", "upvotes", "views", "split"]


def stage(con: duckdb.DuckDBPyConnection, cfg: CounselChatSource, scratch: Path, target: Target) -> Staged:
    """Parse a CounselChat CSV into `stage_conversations` and `stage_turns`."""
    label = str(cfg.path)
    header, rows, rejects = read_csv_staged(con, cfg.path, "raw_cc", label)
    require_columns(header, REQUIRED, label)
    staged = Staged(input_rows=rows, rejects=rejects)
    col = {c: (f"{null_if_token(quote(c))}" if c in header else "NULL") for c in REQUIRED + OPTIONAL}
    con.execute(
        "CREATE OR REPLACE TEMP TABLE cc AS SELECT _row, "
        + ", ".join(f"{expr} AS {quote(name)}" for name, expr in col.items())
        + " FROM raw_cc"
    )
    for row, reason in con.execute(
        "SELECT _row, CASE WHEN questionID IS NULL THEN 'missing questionID' ELSE 'empty answerText' END "
        "FROM cc WHERE questionID IS NULL OR answerText IS NULL ORDER BY _row"
    ).fetchall():
        staged.rejects.append(Reject(line=int(row) + 1, column=None, error=reason, raw=None))
    con.execute(
        "CREATE OR REPLACE TEMP TABLE cc_ok AS SELECT *, questionID || '-' || "
        "row_number() OVER (PARTITION BY questionID ORDER BY _row) AS conversation_id "
        "FROM cc WHERE questionID IS NOT NULL AND answerText IS NOT NULL"
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE stage_conversations AS SELECT conversation_id, 'qa' AS kind, "
        "questionTitle AS title, topic, NULL::VARCHAR AS mi_quality, split, 2::INTEGER AS n_turns, "
        "json_object('question_id', questionID, 'question_link', questionLink, 'therapist_info', therapistInfo, "
        "'therapist_url', therapistURL, 'upvotes', TRY_CAST(upvotes AS BIGINT), 'views', TRY_CAST(views AS BIGINT)) "
        "AS metadata FROM cc_ok ORDER BY _row"
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE stage_turns AS SELECT * FROM ("
        "SELECT conversation_id, 0::INTEGER AS turn_index, 'user' AS role, 'client' AS speaker, "
        "concat_ws(E'\\n\\n', questionTitle, questionText) AS text, NULL::JSON AS tool_calls, "
        "NULL::VARCHAR AS tool_call_id, _row FROM cc_ok UNION ALL "
        "SELECT conversation_id, 1, 'assistant', 'therapist', answerText, NULL, NULL, _row FROM cc_ok"
        ") ORDER BY _row, turn_index"
    )
    con.execute("ALTER TABLE stage_turns DROP COLUMN _row")
    staged.tables = {"conversations": "stage_conversations", "turns": "stage_turns"}
    return staged
