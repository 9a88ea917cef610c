"""Conversation JSONL with OpenAI-style tool calls (seed project 003).

One JSON object per line: `{"messages": [...], "tools": [...]?, "id": ...?}`.
Roles: system, user, assistant (content and/or `tool_calls`), tool (with a
`tool_call_id` answering an earlier call). A line that is not valid JSON or
breaks these rules goes to `rejects` with its line number; the others are
ingested.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from interosight_core.config import ToolCallsSource
from interosight_core.errors import SourceError
from interosight_core.sources.common import Target, Reject, Staged
from interosight_core.sources.conversations import ROLES, stage_python_conversations
from interosight_core.sources.jsonio import read_utf8


class _BadLine(ValueError):
    pass


def parse_conversation(obj: object) -> tuple[list[dict], dict]:
    """Validate one JSONL record; return (turns, metadata) or raise `_BadLine` with the reason."""
    if not isinstance(obj, dict) or not isinstance(obj.get("messages"), list) or not obj["messages"]:
        raise _BadLine("expected an object with a non-empty `messages` list")
    turns, open_calls = [], set()
    for i, message in enumerate(obj["messages"]):
        if not isinstance(message, dict):
            raise _BadLine(f"message {i} is not an object")
        role = message.get("role")
        if role not in ROLES:
            raise _BadLine(f"message {i}: role {role!r} not in {', '.join(ROLES)}")
        content, calls = message.get("content"), message.get("tool_calls")
        if content is not None and not isinstance(content, str):
            raise _BadLine(f"message {i}: content must be a string or null")
        if calls is not None:
            if role != "assistant" or not isinstance(calls, list):
                raise _BadLine(f"message {i}: only assistant messages carry a `tool_calls` list")
            for call in calls:
                function = call.get("function") if isinstance(call, dict) else None
                if not isinstance(function, dict) or not function.get("name") or "id" not in call:
                    raise _BadLine(f"message {i}: each tool call needs an `id` and a `function.name`")
                open_calls.add(call["id"])
        if role == "tool":
            if message.get("tool_call_id") not in open_calls:
                raise _BadLine(f"message {i}: tool message answers unknown tool_call_id {message.get('tool_call_id')!r}")
        elif not content and not calls:
            raise _BadLine(f"message {i}: {role} message has neither content nor tool_calls")
        turns.append({"role": role, "speaker": message.get("name") or role, "text": content,
                      "tool_calls": calls, "tool_call_id": message.get("tool_call_id")})
    metadata = {"tools": [t.get("function", {}).get("name") for t in obj.get("tools", []) if isinstance(t, dict)]}
    return turns, metadata


def stage(con: duckdb.DuckDBPyConnection, cfg: ToolCallsSource, scratch: Path, target: Target) -> Staged:
    """Parse a tool-call JSONL file into `stage_conversations` and `stage_turns`."""
    text = read_utf8(cfg.path, "JSONL")
    staged = Staged()
    conversations, turns, seen = [], [], set()
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        staged.input_rows += 1
        try:
            obj = json.loads(line)
            conv_turns, metadata = parse_conversation(obj)
        except json.JSONDecodeError as error:
            staged.rejects.append(Reject(line=number, column=None, error=f"invalid JSON: {error.msg}", raw=line[:500]))
            continue
        except _BadLine as error:
            staged.rejects.append(Reject(line=number, column="messages", error=str(error), raw=line[:500]))
            continue
        conversation_id = str(obj.get("id") or f"{cfg.path.stem}-{number}")
        if conversation_id in seen:
            staged.rejects.append(Reject(line=number, column="id", error=f"duplicate id {conversation_id!r}", raw=None))
            continue
        seen.add(conversation_id)
        conversations.append({"conversation_id": conversation_id, "kind": "tool_chat", "n_turns": len(conv_turns),
                              "metadata": {**metadata, "line": number}})
        turns.extend({"conversation_id": conversation_id, "turn_index": i, **t} for i, t in enumerate(conv_turns))
    if staged.input_rows == 0:
        raise SourceError(f"{cfg.path}: JSONL file has no records (only blank lines)")
    staged.tables = stage_python_conversations(con, conversations, turns)
    return staged
