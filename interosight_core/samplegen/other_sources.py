"""Write small authored examples of the project's other input formats.

Files (all under the sample folder): ``counselchat.csv`` (CounselChat
columns, unnamed leading index), ``annomi.csv`` (AnnoMI-simple columns),
``context_response.csv`` (``Context,Response``), ``sessions/*.json``
(therapy sessions in four common JSON shapes) and ``tool_calls.jsonl``
(OpenAI-style tool-calling conversations). Everything is deterministic:
the content is fixed authored text, and CSV line endings follow the real
files (LF for CounselChat, CRLF for AnnoMI as `csv` writes by default).
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

from interosight_core.samplegen.annomi_data import TRANSCRIPTS
from interosight_core.samplegen.counsel import CONTEXT_RESPONSE, QUESTIONS, THERAPISTS
from interosight_core.samplegen.sessions import (
    BODY_CHECKING, EXERCISE, FAMILY_MEALS, LONG_SESSION, MEAL_PLAN_CHECKIN,
)
from interosight_core.samplegen.toolcalls import conversations

COUNSELCHAT_COLUMNS = ["", "questionID", "questionTitle", "questionText", "questionLink", "topic",
                       "therapistInfo", "therapistURL", "answerText", "upvotes", "views", "split"]
ANNOMI_COLUMNS = ["transcript_id", "mi_quality", "video_title", "video_url", "topic", "utterance_id",
                  "interlocutor", "timestamp", "utterance_text", "main_therapist_behaviour",
                  "client_talk_type"]


def _write_csv(path: Path, header: list[str], rows: list[list], lineterminator: str) -> Path:
    """Write rows with `csv.writer` and the given line terminator."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator=lineterminator)
    writer.writerow(header)
    writer.writerows(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buf.getvalue().encode("utf-8"))
    return path


def _slug(text: str) -> str:
    """URL slug of a question title."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def write_counselchat(path: str | Path) -> Path:
    """Write ``counselchat.csv`` (41 answers to 16 authored questions)."""
    rows = []
    for qid, title, text, topic, split, answers in QUESTIONS:
        link = f"https://example.org/counselchat/questions/{_slug(title)}"
        for who, answer, upvotes, views in answers:
            _, info, slug = THERAPISTS[who]
            rows.append([len(rows), qid, title, text, link, topic, info,
                         f"https://example.org/counselchat/therapists/{slug}", answer, upvotes, views, split])
    return _write_csv(Path(path), COUNSELCHAT_COLUMNS, rows, "\n")


def _timestamp(seconds: int) -> str:
    """Format seconds as ``HH:MM:SS``."""
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def write_annomi(path: str | Path) -> Path:
    """Write ``annomi.csv`` in AnnoMI-simple format (4 authored transcripts)."""
    rows = []
    for tid, quality, title, topic, utterances in TRANSCRIPTS:
        clock = 9
        for uid, (who, text, label) in enumerate(utterances):
            therapist = who == "therapist"
            rows.append([tid, quality, title, f"https://example.org/annomi-sample/{tid}", topic, uid, who,
                         _timestamp(clock), text, label if therapist else "n/a",
                         "n/a" if therapist else label])
            clock += 2 + len(text) // 14
    return _write_csv(Path(path), ANNOMI_COLUMNS, rows, "\r\n")


def write_context_response(path: str | Path) -> Path:
    """Write ``context_response.csv`` (``Context,Response``, 30 rows)."""
    return _write_csv(Path(path), ["Context", "Response"], [list(r) for r in CONTEXT_RESPONSE], "\n")


def _turns(session, therapist: str, client: str, key_speaker: str, key_text: str) -> list[dict]:
    """Convert ``(t|c, text)`` turns to dicts with the given key and role names."""
    return [{key_speaker: therapist if who == "t" else client, key_text: text} for who, text in session]


def session_documents() -> dict[str, object]:
    """Return ``{file name: JSON document}`` for the sample sessions (4 shapes)."""
    return {
        "session_01_meal_plan.json": {
            "session_id": "sample-01", "turns": _turns(MEAL_PLAN_CHECKIN, "therapist", "client", "speaker", "text")},
        "session_02_family_meals.json": {
            "id": "sample-02", "dialogue": _turns(FAMILY_MEALS, "therapist", "client", "role", "content")},
        "session_03_exercise.json": {
            "conversation": _turns(EXERCISE, "gpt", "human", "from", "value")},
        "session_04_body_checking.json": _turns(BODY_CHECKING, "Therapist", "Client", "speaker", "text"),
        "session_05_long_checkin.json": {
            "session_id": "sample-05", "turns": _turns(LONG_SESSION, "therapist", "client", "speaker", "text")},
    }


def write_sessions(folder: str | Path) -> list[Path]:
    """Write the session JSON files into ``folder``; return their paths."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, doc in session_documents().items():
        path = out / name
        path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def write_tool_calls(path: str | Path) -> Path:
    """Write ``tool_calls.jsonl``: one OpenAI-style conversation per line."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(c, ensure_ascii=False) for c in conversations()]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


def write_other_sources(out_dir: str | Path) -> list[Path]:
    """Write every non-Dataverse sample file into ``out_dir``; return the paths."""
    out = Path(out_dir)
    return [
        write_counselchat(out / "counselchat.csv"),
        write_annomi(out / "annomi.csv"),
        write_context_response(out / "context_response.csv"),
        *write_sessions(out / "sessions"),
        write_tool_calls(out / "tool_calls.jsonl"),
    ]
