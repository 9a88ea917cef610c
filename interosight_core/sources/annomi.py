"""AnnoMI CSV (expert-annotated MI transcripts), `-simple` or `-full` variant.

Each transcript becomes a conversation (`mi_quality` kept, so users can keep
high-quality transcripts only); each utterance a turn (therapist ->
assistant, client -> user); every annotation row goes to `mi_annotations`
(the full file has one row per annotator). Rows with values outside
AnnoMI's value sets go to `rejects`.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from interosight_core.config import AnnoMISource
from interosight_core.errors import SourceError
from interosight_core.sources.common import Target, Reject, Staged, null_if_token, quote, read_csv_staged, require_columns

REQUIRED = [
    "transcript_id",
    "mi_quality",
    "utterance_id",
    "interlocutor",
    "utterance_text",
    "main_therapist_behaviour",
    "client_talk_type",
]
OPTIONAL = ["video_title", "video_url", "topic", "timestamp"]
FULL_ONLY = ["annotator_id", "reflection_subtype", "question_subtype", "therapist_input_subtype"]
VALUE_SETS = {
    "mi_quality": ("high", "low"),
    "interlocutor": ("therapist", "client"),
    "main_therapist_behaviour": ("reflection", "question", "therapist_input", "other"),
    "client_talk_type": ("change", "neutral", "sustain"),
    "reflection_subtype": ("simple", "complex"),
    "question_subtype": ("open", "closed"),
    "therapist_input_subtype": ("information", "advice", "negotiation", "options"),
}
LABEL_COLUMNS = ["main_therapist_behaviour", "client_talk_type", "reflection_subtype", "question_subtype", "therapist_input_subtype"]


def _label(column: str, header: list[str]) -> str:
    """SQL for a label column: lower-cased, with 'n/a' and blanks as NULL."""
    if column not in header:
        return "NULL::VARCHAR"
    return f"nullif(lower({null_if_token(quote(column))}), 'n/a')"


def stage(con: duckdb.DuckDBPyConnection, cfg: AnnoMISource, scratch: Path, target: Target) -> Staged:
    """Parse an AnnoMI CSV into `stage_conversations`, `stage_turns` and `stage_mi_annotations`."""
    label = str(cfg.path)
    header, rows, rejects = read_csv_staged(con, cfg.path, "raw_annomi", label)
    variant = cfg.variant if cfg.variant != "auto" else ("full" if "annotator_id" in header else "simple")
    require_columns(header, REQUIRED + (FULL_ONLY if variant == "full" else []), label)
    staged = Staged(input_rows=rows, rejects=rejects)
    text = lambda c: f"{null_if_token(quote(c))}" if c in header else "NULL::VARCHAR"  # noqa: E731
    con.execute(
        "CREATE OR REPLACE TEMP TABLE am AS SELECT _row, "
        f"{text('transcript_id')} AS transcript_id, lower({text('mi_quality')}) AS mi_quality, "
        f"TRY_CAST({text('utterance_id')} AS INTEGER) AS utterance_id, {text('utterance_id')} AS utterance_raw, "
        f"lower({text('interlocutor')}) AS interlocutor, {quote('utterance_text')} AS utterance_text, "
        f"{text('video_title')} AS video_title, {text('video_url')} AS video_url, {text('topic')} AS topic, "
        f"{text('annotator_id')} AS annotator_id, "
        + ", ".join(f"{_label(c, header)} AS {c}" for c in LABEL_COLUMNS)
        + " FROM raw_annomi"
    )
    checks = [
        ("transcript_id", "transcript_id IS NULL", "missing transcript_id"),
        ("utterance_id", "utterance_id IS NULL", "utterance_id is not an integer"),
        ("utterance_text", "utterance_text IS NULL", "empty utterance_text"),
    ] + [
        (column, f"{column} IS NOT NULL AND {column} NOT IN ({', '.join(repr(v) for v in allowed)})",
         f"{column} not in {{{', '.join(allowed)}}}")
        for column, allowed in VALUE_SETS.items()
    ]
    for column, condition, reason in checks:
        for row, in con.execute(f"SELECT _row FROM am WHERE {condition} ORDER BY _row").fetchall():
            staged.rejects.append(Reject(line=int(row) + 1, column=column, error=reason, raw=None))
        con.execute(f"DELETE FROM am WHERE {condition}")
    clash = con.execute(
        "SELECT transcript_id FROM am GROUP BY transcript_id HAVING count(DISTINCT mi_quality) > 1 LIMIT 1"
    ).fetchone()
    if clash:
        raise SourceError(f"{label}: transcript {clash[0]} has both high and low mi_quality rows; one value per transcript")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE stage_turns AS SELECT transcript_id AS conversation_id, utterance_id AS turn_index, "
        "CASE WHEN any_value(interlocutor ORDER BY _row) = 'therapist' THEN 'assistant' ELSE 'user' END AS role, "
        "any_value(interlocutor ORDER BY _row) AS speaker, any_value(utterance_text ORDER BY _row) AS text, "
        "NULL::JSON AS tool_calls, NULL::VARCHAR AS tool_call_id FROM am GROUP BY 1, 2 ORDER BY min(_row)"
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE stage_conversations AS SELECT transcript_id AS conversation_id, "
        "'mi_transcript' AS kind, any_value(video_title) AS title, any_value(topic) AS topic, "
        "any_value(mi_quality) AS mi_quality, NULL::VARCHAR AS split, "
        "count(DISTINCT utterance_id)::INTEGER AS n_turns, json_object('video_url', any_value(video_url)) AS metadata "
        "FROM am GROUP BY transcript_id ORDER BY min(_row)"
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE stage_mi_annotations AS SELECT transcript_id AS conversation_id, "
        "utterance_id AS turn_index, annotator_id, interlocutor, " + ", ".join(LABEL_COLUMNS) + " FROM am ORDER BY _row"
    )
    staged.tables = {
        "conversations": "stage_conversations",
        "turns": "stage_turns",
        "mi_annotations": "stage_mi_annotations",
    }
    return staged
