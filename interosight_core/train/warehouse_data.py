"""Training data read from the warehouse: SFT sources, preference pairs, the tiny model's corpus, fingerprints.

Every read goes through a read-only DuckDB connection. The named SFT sources
(``TRAINING_SOURCES``) are:

- ``synthetic``: the synthesis stage's accepted ``mi`` replies, one per post
  (the latest accepted row), as ``[user: the post's redacted text,
  assistant: the reply]``. Only posts the prepare stage currently keeps are
  used (a post excluded since, e.g. by a stricter rule, drops out), and the
  evaluation hold-out (``heldout_sql``) never enters.
- ``crisis``: the accepted crisis-protocol replies (request kind ``crisis``)
  to posts prepare routed as crisis, one per post, as ``[user: the post,
  PII and ED numbers redacted, assistant: the reply]``. These posts are
  never ordinary inputs; this source teaches the one reply they may get:
  name emergency services and a crisis line. The hold-out never enters
  (its crisis posts are evaluation prompts).
- ``counselchat``, ``annomi``, ``context_response``, ``sessions``,
  ``tool_calls``: the prepare stage's ``dialog_examples`` of split ``train``
  from the ingest sources of that kind (a source's kind comes from the
  ``ingests`` table, so renamed sources count). AnnoMI keeps only
  high-quality transcripts: their therapist turns are the targets. An
  assistant turn that only calls tools is written as ``<tool_call>{json}
  </tool_call>`` text so the model learns to emit the call; tool results stay
  ``tool`` turns.

The student model always sees the post itself as its user turn, not the
teacher's prompt (``synth_responses.prompt`` wraps the post in synthesis
instructions), so SFT, DPO and evaluation share one prompt shape.

Fingerprints hash exactly the rows a loader returns (inside DuckDB, in key
order), so a cache key built from them changes when, and only when, the
training data changes.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any, Iterable

import duckdb

from interosight_core import warehouse
from interosight_core.heldout import heldout_sql
from interosight_core.train.config import TRAINING_SOURCES, TrainError

log = logging.getLogger(__name__)

Conversation = list[dict[str, str]]

#: SFT sources read from `dialog_examples`, keyed by their ingest kind.
DIALOG_SOURCES = ("counselchat", "annomi", "context_response", "sessions", "tool_calls")
#: Name of the preference-pair "source" in `source_fingerprints`.
PAIRS = "preference_pairs"

_SYNTH_TABLES = ("synth_responses", "preference_pairs")


def _kept_posts_sql() -> str:
    """Posts training may use: kept by prepare and outside the evaluation hold-out."""
    return (
        "SELECT source, post_id, text_redacted FROM prepared_posts "
        f"WHERE status = 'kept' AND text_redacted IS NOT NULL AND NOT {heldout_sql('source', 'post_id')}"
    )


def _latest_accepted_sql(kind: str) -> str:
    """(source, post_id, response) of the latest accepted non-empty reply of one request kind per post."""
    return f"""
        SELECT source, post_id, response FROM synth_responses
        WHERE accepted AND kind = '{kind}' AND length(trim(response)) > 0
        QUALIFY row_number() OVER (PARTITION BY source, post_id
                                   ORDER BY finished_at DESC, candidate, response_id DESC) = 1"""


def _synthetic_sql() -> str:
    """(key, payload) of the latest accepted 'mi' reply per usable post; payload = the conversation JSON."""
    return f"""
        SELECT l.source || ':' || l.post_id AS key,
               json_array(json_object('role', 'user', 'content', p.text_redacted),
                          json_object('role', 'assistant', 'content', l.response))::VARCHAR AS payload
        FROM ({_latest_accepted_sql('mi')}) l JOIN ({_kept_posts_sql()}) p ON p.source = l.source AND p.post_id = l.post_id"""


def _crisis_sql() -> str:
    """(key, payload) of the latest accepted crisis-protocol reply per crisis-routed, non-held-out post.

    The user turn is the unredacted ``text_clean`` (prepare redacts only kept
    posts); `load_sft_sources` redacts it with the prepare rules.
    """
    return f"""
        SELECT l.source || ':' || l.post_id AS key,
               json_array(json_object('role', 'user', 'content', p.text_clean),
                          json_object('role', 'assistant', 'content', l.response))::VARCHAR AS payload
        FROM ({_latest_accepted_sql('crisis')}) l JOIN prepared_posts p ON p.source = l.source AND p.post_id = l.post_id
        WHERE p.exclude_reason = 'crisis_routed' AND NOT {heldout_sql('p.source', 'p.post_id')}"""


def _redact_user_turns(conversation: Conversation) -> Conversation:
    """The conversation with PII and ED numbers redacted from its user turns (prepare's rules)."""
    from interosight_core.prepare.safety import redact

    return [{**m, "content": redact(m["content"])} if m["role"] == "user" else m for m in conversation]


def _dialog_sql(kind: str) -> str:
    """(key, payload) of the train-split dialog examples of the ingest sources of one kind."""
    quality = ""
    if kind == "annomi":  # low-quality MI transcripts would teach MI-inconsistent therapist turns
        quality = (" AND EXISTS (SELECT 1 FROM conversations c WHERE c.source = d.source "
                   "AND c.conversation_id = d.conversation_id AND c.mi_quality = 'high')")
    return f"""
        SELECT d.example_id AS key, d.messages::VARCHAR AS payload
        FROM dialog_examples d JOIN ingests i ON i.source = d.source
        WHERE d.split = 'train' AND i.kind = '{kind}'{quality}"""


def _pairs_sql() -> str:
    """(key, payload) of the preference pairs of usable posts; payload = {prompt, chosen, rejected} JSON."""
    return f"""
        SELECT pp.pair_id AS key,
               json_object('prompt', json_array(json_object('role', 'user', 'content', p.text_redacted)),
                           'chosen', pp.chosen, 'rejected', pp.rejected)::VARCHAR AS payload
        FROM preference_pairs pp JOIN ({_kept_posts_sql()}) p ON p.source = pp.source AND p.post_id = pp.post_id
        WHERE pp.chosen <> pp.rejected"""


def _source_sql(name: str) -> str:
    """The (key, payload) query of a named source or of the preference pairs."""
    if name == "synthetic":
        return _synthetic_sql()
    if name == PAIRS:
        return _pairs_sql()
    if name == "crisis":
        return _crisis_sql()
    if name in DIALOG_SOURCES:
        return _dialog_sql(name)
    raise TrainError(f"unknown training source {name!r} (known: {', '.join([*TRAINING_SOURCES, PAIRS])})")


def _open(warehouse_path: Path | str) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the warehouse (one-line error when it is missing)."""
    return warehouse.connect(warehouse_path, read_only=True)


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Names of the tables in the warehouse's main schema."""
    return {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()}


def _needed_tables(name: str) -> tuple[str, ...]:
    """Tables a source's query reads (a warehouse from before the synthesis stage may lack some)."""
    if name in ("synthetic", "crisis"):
        return ("synth_responses", "prepared_posts")
    if name == PAIRS:
        return ("preference_pairs", "prepared_posts")
    return ("dialog_examples", "ingests", "conversations")


def _rows(con: duckdb.DuckDBPyConnection, name: str, tables: set[str]) -> list[tuple[str, str]]:
    """(key, payload) rows of one source in key order; [] when its tables do not exist yet."""
    if not set(_needed_tables(name)) <= tables:
        return []
    return con.execute(f"SELECT key, payload FROM ({_source_sql(name)}) ORDER BY key").fetchall()


def render_tool_calls(tool_calls: Any) -> str:
    """Text for an assistant turn that only calls tools: one ``<tool_call>{name, arguments}</tool_call>`` per call."""
    if isinstance(tool_calls, str):
        tool_calls = json.loads(tool_calls)
    parts = []
    for call in tool_calls or []:
        fn = call.get("function", call) if isinstance(call, dict) else {}
        args = fn.get("arguments", {})
        if isinstance(args, str):
            try:
                args = json.loads(args)
            except json.JSONDecodeError:
                pass
        parts.append("<tool_call>" + json.dumps({"name": fn.get("name"), "arguments": args}, ensure_ascii=False) + "</tool_call>")
    return "\n".join(parts)


def normalise_conversation(messages: list[dict[str, Any]]) -> Conversation | None:
    """``role``/``content`` messages with tool calls rendered as text; None when no assistant turn has text."""
    out: Conversation = []
    for m in messages:
        content = m.get("content")
        content = "" if content is None else str(content)
        if m.get("role") == "assistant" and not content.strip() and m.get("tool_calls"):
            content = render_tool_calls(m["tool_calls"])
        out.append({"role": str(m.get("role")), "content": content})
    if not any(m["role"] == "assistant" and m["content"].strip() for m in out):
        return None
    return out


def _required(name: str) -> TrainError:
    """The one-line error for a configured source without rows."""
    what = TRAINING_SOURCES.get(name, "the synthesis stage (synthesis.preferences.enabled)")
    return TrainError(f"training source {name!r} has no rows in the warehouse; it is produced by {what}. "
                      f"Run that stage first or remove {name!r} from the training mixture")


def load_sft_sources(
    warehouse_path: Path | str, names: Iterable[str] | None = None, require: Iterable[str] = ()
) -> dict[str, list[Conversation]]:
    """Conversations per named SFT source (default: every source in ``TRAINING_SOURCES``).

    Each conversation is a list of ``{"role", "content"}`` messages with at
    least one assistant turn with text. Sources in ``require`` that come back
    empty raise a one-line ``TrainError`` naming the source and the stage
    that produces it. Held-out posts are never returned.
    """
    wanted = list(names) if names is not None else list(TRAINING_SOURCES)
    for name in [*wanted, *require]:
        if name not in TRAINING_SOURCES:
            raise TrainError(f"unknown training source {name!r} (known: {', '.join(TRAINING_SOURCES)})")
    out: dict[str, list[Conversation]] = {}
    with warehouse.open_warehouse(warehouse_path, read_only=True) as con:
        tables = _tables(con)
        for name in dict.fromkeys([*wanted, *require]):
            convs = [c for _, payload in _rows(con, name, tables) if (c := normalise_conversation(json.loads(payload)))]
            out[name] = [_redact_user_turns(c) for c in convs] if name == "crisis" else convs
    for name in require:
        if not out[name]:
            raise _required(name)
    log.info("training sources: %s", {k: len(v) for k, v in out.items()})
    return out


def load_preference_pairs(warehouse_path: Path | str) -> list[dict[str, Any]]:
    """Preference pairs ``{prompt: [user turn], chosen, rejected}`` of kept, non-held-out posts, by pair id."""
    with warehouse.open_warehouse(warehouse_path, read_only=True) as con:
        rows = _rows(con, PAIRS, _tables(con))
    return [json.loads(payload) for _, payload in rows]


def source_fingerprints(warehouse_path: Path | str, names: Iterable[str] | None = None) -> dict[str, dict[str, Any]]:
    """``{name: {"rows": n, "sha256": h}}`` of the rows each loader reads (default: every source + the pairs).

    The hash runs inside DuckDB over ``key \\x1f payload`` in key order, so it
    costs one scan and no Python objects per row.
    """
    wanted = list(names) if names is not None else [*TRAINING_SOURCES, PAIRS]
    out: dict[str, dict[str, Any]] = {}
    with warehouse.open_warehouse(warehouse_path, read_only=True) as con:
        tables = _tables(con)
        for name in wanted:
            if not set(_needed_tables(name)) <= tables:
                out[name] = {"rows": 0, "sha256": hashlib.sha256(b"").hexdigest()}
                continue
            n, digest = con.execute(
                f"SELECT count(*), sha256(coalesce(string_agg(key || chr(31) || payload, chr(30) ORDER BY key), '')) "
                f"FROM ({_source_sql(name)})"
            ).fetchone()
            out[name] = {"rows": int(n), "sha256": digest}
    return out


def training_data_fingerprint(warehouse_path: Path | str, names: Iterable[str] | None = None) -> str:
    """One sha256 over the rows that feed training (default: every SFT source and the preference pairs)."""
    fps = source_fingerprints(warehouse_path, names)
    return hashlib.sha256(json.dumps(fps, sort_keys=True).encode()).hexdigest()


def load_base_corpus(warehouse_path: Path | str, extra_texts: Iterable[str] = ()) -> list[str]:
    """Texts the tiny model's tokenizer is trained on, in a fixed order.

    The redacted text of every kept, non-held-out post (what training feeds
    the model), every turn of the train-split dialog examples (tool calls as
    rendered text), then ``extra_texts`` (e.g. the system prompt).
    """
    texts: list[str] = []
    with warehouse.open_warehouse(warehouse_path, read_only=True) as con:
        tables = _tables(con)
        if "prepared_posts" in tables:
            texts += [r[0] for r in con.execute(f"SELECT text_redacted FROM ({_kept_posts_sql()}) ORDER BY source, post_id").fetchall()]
        if "dialog_examples" in tables:
            for (payload,) in con.execute("SELECT messages::VARCHAR FROM dialog_examples WHERE split = 'train' ORDER BY example_id").fetchall():
                conv = normalise_conversation(json.loads(payload)) or []
                texts += [m["content"] for m in conv if m["content"].strip()]
    texts += [t for t in extra_texts if t and t.strip()]
    texts = [t for t in texts if t and t.strip()]
    if not texts:
        raise TrainError(f"{warehouse_path}: no kept posts or dialog examples to build the tiny model's tokenizer from; "
                         "run the ingest and prepare stages first")
    return texts


def corpus_fingerprint(texts: Iterable[str]) -> str:
    """sha256 of a corpus exactly as ``build_tiny_model`` records it (texts joined by NUL)."""
    return hashlib.sha256("\x00".join(t for t in texts if t and t.strip()).encode("utf-8")).hexdigest()
