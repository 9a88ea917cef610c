"""Therapy-session JSON (seed project 002): a folder of session files, or one file.

Accepted shapes, per file: an object with the turn list under one of
`turns`, `dialogue`, `dialog`, `messages`, `conversation`, `utterances`
(session id from `session_id`/`id`/`conversation_id`, else the file name);
a bare list of turns; or a list of such session objects. A turn is an object
with a speaker under `speaker`/`role`/`from` and text under
`text`/`content`/`utterance`/`value`. Anything else fails with one line naming
the file, the session and the turn.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from interosight_core.config import SessionsSource
from interosight_core.errors import SourceError
from interosight_core.sources.common import Target, Staged, check_exists
from interosight_core.sources.conversations import stage_python_conversations
from interosight_core.sources.jsonio import load_json

TURN_LIST_KEYS = ("turns", "dialogue", "dialog", "messages", "conversation", "utterances")
ID_KEYS = ("session_id", "id", "conversation_id")
SPEAKER_KEYS = ("speaker", "role", "from")
TEXT_KEYS = ("text", "content", "utterance", "value")
SPEAKER_ROLES = {
    "therapist": "assistant", "counselor": "assistant", "counsellor": "assistant", "assistant": "assistant",
    "gpt": "assistant", "bot": "assistant", "doctor": "assistant", "psychologist": "assistant",
    "client": "user", "patient": "user", "user": "user", "human": "user", "seeker": "user",
    "system": "system",
}


def _first_key(obj: dict, keys: tuple[str, ...]) -> str | None:
    return next((k for k in keys if k in obj), None)


def parse_session_file(path: Path) -> list[tuple[str, list[dict], dict]]:
    """Return [(session_id, turns, metadata)] from one JSON file, or fail with a located one-liner."""
    data = load_json(path)
    if isinstance(data, list) and data and all(isinstance(x, dict) and _first_key(x, TURN_LIST_KEYS) for x in data):
        sessions = [(obj, f"{path.stem}-{i}") for i, obj in enumerate(data)]
    elif isinstance(data, list):
        sessions = [({"turns": data}, path.stem)]
    elif isinstance(data, dict):
        sessions = [(data, path.stem)]
    else:
        raise SourceError(f"{path}: expected a JSON object or list of turns, found {type(data).__name__}")
    parsed = []
    for obj, default_id in sessions:
        key = _first_key(obj, TURN_LIST_KEYS)
        if key is None:
            raise SourceError(
                f"{path}: no turn list (expected a key among {', '.join(TURN_LIST_KEYS)}; found keys: "
                f"{', '.join(sorted(obj)) or 'none'})"
            )
        id_key = _first_key(obj, ID_KEYS)
        session_id = str(obj[id_key]) if id_key else default_id
        raw_turns = obj[key]
        if not isinstance(raw_turns, list) or not raw_turns:
            raise SourceError(f"{path}: session {session_id!r}: `{key}` must be a non-empty list of turns")
        turns = [_parse_turn(path, session_id, i, t) for i, t in enumerate(raw_turns)]
        metadata = {k: v for k, v in obj.items() if k not in (key, id_key) and isinstance(v, (str, int, float, bool))}
        parsed.append((session_id, turns, metadata))
    return parsed


def _parse_turn(path: Path, session_id: str, index: int, turn: Any) -> dict:
    where = f"{path}: session {session_id!r}, turn {index}"
    if not isinstance(turn, dict):
        raise SourceError(f"{where}: expected an object with a speaker and a text, found {type(turn).__name__}")
    speaker_key, text_key = _first_key(turn, SPEAKER_KEYS), _first_key(turn, TEXT_KEYS)
    if speaker_key is None or text_key is None:
        missing = "speaker" if speaker_key is None else "text"
        keys = SPEAKER_KEYS if speaker_key is None else TEXT_KEYS
        raise SourceError(f"{where}: no {missing} (expected one of {', '.join(keys)}; found {', '.join(sorted(turn))})")
    speaker = str(turn[speaker_key]).strip()
    role = SPEAKER_ROLES.get(speaker.lower())
    if role is None:
        raise SourceError(
            f"{where}: unknown speaker {speaker!r} (known: {', '.join(sorted(SPEAKER_ROLES))})"
        )
    text = turn[text_key]
    if not isinstance(text, str) or not text.strip():
        raise SourceError(f"{where}: `{text_key}` must be a non-empty string")
    return {"role": role, "speaker": speaker, "text": text}


def stage(con: duckdb.DuckDBPyConnection, cfg: SessionsSource, scratch: Path, target: Target) -> Staged:
    """Parse session JSON file(s) into `stage_conversations` and `stage_turns`."""
    check_exists(cfg.path, "sessions folder or file")
    files = sorted(cfg.path.rglob("*.json")) if cfg.path.is_dir() else [cfg.path]
    if not files:
        raise SourceError(f"{cfg.path}: no .json session files in this folder")
    conversations, turns, seen = [], [], {}
    for file in files:
        for session_id, session_turns, metadata in parse_session_file(file):
            if session_id in seen:
                raise SourceError(f"{file}: session id {session_id!r} already used in {seen[session_id]}; ids must be unique")
            seen[session_id] = file
            conversations.append(
                {"conversation_id": session_id, "kind": "session", "n_turns": len(session_turns),
                 "metadata": {**metadata, "file": file.name}, "topic": metadata.get("topic")}
            )
            turns.extend({"conversation_id": session_id, "turn_index": i, **t} for i, t in enumerate(session_turns))
    tables = stage_python_conversations(con, conversations, turns)
    return Staged(tables=tables, input_rows=len(conversations))
