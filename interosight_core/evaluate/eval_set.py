"""The evaluation prompt set: held-out, crisis, pro-ED, prompt-injection and dialog prompts.

`build_eval_set(warehouse_path, cfg, system_prompt, prompt_version)` reads the
warehouse (read-only) and returns an `EvalSet` of `EvalItem`s in a fixed,
deterministic order, one category after the other:

- ``heldout``: kept posts of the evaluation hold-out (`interosight_core.heldout`),
  the model input being the redacted text training would have seen; the
  reference answer is the post's accepted synthesised ``mi`` reply, when
  synthesis wrote one.
- ``crisis``: held-out crisis-routed posts, then the committed hand-written
  crisis posts (``data/crisis_prompts.jsonl``; request kind ``crisis``): the
  answer must point to crisis resources. Crisis posts outside the hold-out
  are never prompts: the ``crisis`` training source teaches the
  crisis-protocol reply on them.
- ``pro_ed``: posts excluded as pro-ED (held-out ones first): the answer
  must not give weight, calorie, diet or exercise numbers or advice.
- ``injection``: the committed hand-written prompt-injection posts
  (``data/injection_prompts.jsonl``), each with a canary the answer must not
  emit (never cut to ``max_prompt_words``, so the attack stays whole).
- ``dialog``: test-split dialog examples (CounselChat, Context/Response, ...):
  the history up to the last therapist answer is the prompt, that answer the
  reference.

Within a category posts are ordered by ``md5("<source>:<post_id>")`` (held-out
posts first for crisis/pro-ED), dialog examples by ``md5(example_id)``: a
spread-out, reproducible pick that does not depend on insertion order.
Crisis and pro-ED posts are excluded from ordinary training data, so their
text is not redacted by prepare; here PII and ED numbers are redacted with the same
rules (`prepare.safety.redact`) before a model sees them.

`EvalSet.fingerprint` hashes every item (messages, references, canaries), so
it is the eval-set part of the evaluation cache key.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from interosight_core.evaluate.config import EvaluationConfig, EvaluationError
from interosight_core.heldout import heldout_sql
from interosight_core.sources.jsonio import jsonl_objects

EVAL_SET_VERSION = "eval-set-2"
INJECTION_FILE = Path(__file__).resolve().parent / "data" / "injection_prompts.jsonl"
CRISIS_FILE = Path(__file__).resolve().parent / "data" / "crisis_prompts.jsonl"
CATEGORIES = ("heldout", "crisis", "pro_ed", "injection", "dialog")
#: Categories whose answers are ordinary MI replies (the MITI summary is computed over these).
MI_CATEGORIES = ("heldout", "dialog")


@dataclass(frozen=True)
class EvalItem:
    """One evaluation prompt and what its answer is judged against."""

    item_id: str
    category: str
    kind: str  # GenerationRequest kind: 'mi' or 'crisis'
    source: str
    ref_id: str  # post_id, example_id or injection id
    messages: tuple[dict, ...]  # the chat messages the model sees (system turn first when configured)
    context: str  # what the answer replies to (the post / last user turn): the MI coder's context
    themes: tuple[str, ...] = ()
    reference: str | None = None
    canary: str | None = None
    heldout: bool = False
    crisis_level: int = 0
    pro_ed_level: int = 0

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-friendly dict."""
        out = asdict(self)
        out["messages"] = [dict(m) for m in self.messages]
        out["themes"] = list(self.themes)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "EvalItem":
        """Inverse of `to_dict`."""
        data = dict(data)
        data["messages"] = tuple(dict(m) for m in data["messages"])
        data["themes"] = tuple(data.get("themes") or ())
        return cls(**data)


@dataclass(frozen=True)
class EvalSet:
    """The ordered evaluation items plus how they were chosen."""

    items: tuple[EvalItem, ...]
    system_prompt: str | None = None
    prompt_style: str = "training"
    notes: tuple[str, ...] = field(default_factory=tuple)
    crisis_system_prompt: str | None = None

    @property
    def fingerprint(self) -> str:
        """sha256 over the version, prompt style and every item (order matters)."""
        digest = hashlib.sha256(f"{EVAL_SET_VERSION}\x1f{self.prompt_style}".encode())
        for item in self.items:
            digest.update(json.dumps(item.to_dict(), sort_keys=True, ensure_ascii=False).encode("utf-8"))
        return digest.hexdigest()

    def counts(self) -> dict[str, int]:
        """Items per category (every category present, zero when empty)."""
        out = {c: 0 for c in CATEGORIES}
        for item in self.items:
            out[item.category] = out.get(item.category, 0) + 1
        return out

    def summary(self) -> dict[str, Any]:
        """Small JSON-friendly description: counts, held-out counts, references, fingerprint, notes."""
        heldout = {c: 0 for c in CATEGORIES}
        refs = 0
        for item in self.items:
            heldout[item.category] += item.heldout
            refs += item.reference is not None
        return {
            "fingerprint": self.fingerprint,
            "n_items": len(self.items),
            "by_category": self.counts(),
            "heldout_by_category": heldout,
            "with_reference": refs,
            "prompt_style": self.prompt_style,
            "system_prompt": self.system_prompt,
            "crisis_system_prompt": self.crisis_system_prompt,
            "notes": list(self.notes),
        }

    def write(self, path: str | Path) -> Path:
        """Write the set as JSONL (a header line, then one item per line), atomically."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        header = {"eval_set_version": EVAL_SET_VERSION, "system_prompt": self.system_prompt,
                  "crisis_system_prompt": self.crisis_system_prompt,
                  "prompt_style": self.prompt_style, "notes": list(self.notes), "fingerprint": self.fingerprint}
        lines = [json.dumps(header, ensure_ascii=False)]
        lines += [json.dumps(item.to_dict(), ensure_ascii=False, sort_keys=True) for item in self.items]
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write("\n".join(lines) + "\n")
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return path


def load_eval_set(path: str | Path) -> EvalSet:
    """Read an `EvalSet` written by `EvalSet.write`; a bad file is a one-line `EvaluationError`."""
    path = Path(path)
    try:
        lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        header = json.loads(lines[0])
        items = tuple(EvalItem.from_dict(json.loads(line)) for line in lines[1:])
    except (OSError, IndexError, ValueError, TypeError, KeyError) as exc:
        raise EvaluationError(f"{path}: not a readable evaluation set ({type(exc).__name__}: {exc}); rebuild it") from None
    if header.get("eval_set_version") != EVAL_SET_VERSION:
        raise EvaluationError(f"{path}: eval set version {header.get('eval_set_version')!r} is not {EVAL_SET_VERSION!r}; rebuild it")
    out = EvalSet(items, header.get("system_prompt"), header.get("prompt_style", "training"), tuple(header.get("notes") or ()),
                  header.get("crisis_system_prompt"))
    if header.get("fingerprint") != out.fingerprint:
        raise EvaluationError(f"{path}: content does not match its fingerprint (edited by hand?); rebuild it")
    return out


def truncate_words(text: str, max_words: int) -> str:
    """The first `max_words` whitespace-separated words of `text` (whitespace inside kept when not cut)."""
    words = text.split()
    if len(words) <= max_words:
        return text.strip()
    return " ".join(words[:max_words])


def load_prompt_file(path: str | Path, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> list[dict[str, str]]:
    """Rows of a committed JSONL prompt file: `id` + `required` non-empty strings (+ `optional` ones), ids unique."""
    path = Path(path)
    out: list[dict[str, str]] = []
    seen: set[str] = set()
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise EvaluationError(f"{path}: cannot read the prompt file ({exc.strerror or exc})") from None
    for n, row in jsonl_objects(lines, path, EvaluationError):
        for key in ("id", *required):
            if not isinstance(row.get(key), str) or not row[key].strip():
                raise EvaluationError(f"{path}: line {n} needs a non-empty string field `{key}`")
        if row["id"] in seen:
            raise EvaluationError(f"{path}: line {n}: duplicate id {row['id']!r}")
        seen.add(row["id"])
        out.append({key: str(row.get(key, "")) for key in ("id", *required, *optional)})
    return out


def load_injection_prompts(path: str | Path = INJECTION_FILE) -> list[dict[str, str]]:
    """The hand-written injection posts: dicts with `id`, `attack`, `text`, `canary` (validated)."""
    return load_prompt_file(path, ("text", "canary"), ("attack",))


def load_crisis_prompts(path: str | Path = CRISIS_FILE) -> list[dict[str, str]]:
    """The hand-written crisis posts (never in any warehouse): dicts with `id`, `level`, `text` (validated)."""
    return load_prompt_file(path, ("text",), ("level",))


class _Messages:
    """Builds the chat messages of an item for the configured prompt style.

    `system_prompt` is the system turn of ordinary items: the given one for
    'training', the synthesis prompt set's 'mi' system prompt for 'synthesis'
    (the answer is also checked for leaking it). An item whose input the
    prepare crisis rules flag takes the crisis path (`interosight_core.routing`):
    `crisis_system_prompt` for 'training', the synthesis 'crisis' prompt for
    'synthesis', exactly as in chat. The route follows the rules, not the
    item's category, so a crisis post the rules miss is answered on the
    ordinary path and its missing crisis resources are counted.
    """

    def __init__(self, prompt_style: str, system_prompt: str | None, prompt_version: str,
                 crisis_system_prompt: str | None = None):
        self.style = prompt_style
        self.system_prompt = system_prompt or None
        self.crisis_system_prompt = crisis_system_prompt or None
        self.version = prompt_version
        self._build = None
        if prompt_style == "synthesis":
            try:
                from interosight_core.synth.prompts import build_messages
            except ImportError as exc:
                raise EvaluationError(
                    f"evaluation.prompt_style='synthesis' needs interosight_core/synth/prompts.py ({exc}); use 'training'"
                ) from None
            self._build = build_messages
            head = build_messages("mi", "post", [], prompt_version)
            # dialog histories get the synthesis 'mi' system prompt, so every item sees the same instructions
            self.system_prompt = head[0]["content"] if head and head[0]["role"] == "system" else None
            self.crisis_system_prompt = None

    def post(self, text: str, themes: tuple[str, ...]) -> tuple[dict, ...]:
        """Messages for a single post."""
        if self._build is not None:
            from interosight_core.routing import is_crisis_input

            kind = "crisis" if is_crisis_input(text) else "mi"
            return tuple(dict(m) for m in self._build(kind, text, list(themes), self.version))
        return self.dialog([{"role": "user", "content": text}])

    def dialog(self, history: list[dict]) -> tuple[dict, ...]:
        """Messages for a dialog history ending in a user turn (system turn replaced by the routed one)."""
        from interosight_core.routing import route_system_prompt

        body = [{"role": m["role"], "content": m["content"]} for m in history if m["role"] != "system"]
        system = route_system_prompt(body[-1]["content"], self.system_prompt, self.crisis_system_prompt)
        head = [{"role": "system", "content": system}] if system else []
        return tuple(head + body)


def _table_exists(con, name: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]).fetchone()[0])


def _references(con, posts: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """The accepted 'mi' reply per (source, post_id), newest run first, then lowest candidate."""
    if not posts or not _table_exists(con, "synth_responses"):
        return {}
    con.execute("CREATE OR REPLACE TEMP TABLE eval_ref_keys (source VARCHAR, post_id VARCHAR)")
    con.executemany("INSERT INTO eval_ref_keys VALUES (?, ?)", posts)
    rows = con.execute(
        """
        SELECT r.source, r.post_id, r.response FROM synth_responses r
        JOIN eval_ref_keys k ON k.source = r.source AND k.post_id = r.post_id
        WHERE r.kind = 'mi' AND r.accepted AND trim(r.response) <> ''
        QUALIFY row_number() OVER (PARTITION BY r.source, r.post_id
                                   ORDER BY r.finished_at DESC, r.candidate, r.attempt, r.response_id) = 1
        """
    ).fetchall()
    return {(s, p): text for s, p, text in rows}


def _posts(con, where: str, limit: int, heldout_first: bool) -> list[tuple]:
    """(source, post_id, text_clean, text_redacted, themes, crisis_level, pro_ed_level, heldout) rows."""
    if limit <= 0:
        return []
    held = heldout_sql()
    order = (f"{held} DESC, " if heldout_first else "") + "md5(source || ':' || post_id), source, post_id"
    return con.execute(
        f"SELECT source, post_id, text_clean, text_redacted, themes, crisis_level, pro_ed_level, {held} AS heldout "
        f"FROM prepared_posts WHERE {where} ORDER BY {order} LIMIT {int(limit)}"
    ).fetchall()


def _excluded_post_items(con, build: _Messages, category: str, where: str, kind: str, max_n: int,
                         max_words: int) -> list[EvalItem]:
    """Items for posts prepare excluded (crisis, pro-ED), held-out first, PII and ED numbers redacted."""
    from interosight_core.prepare.safety import redact

    items = []
    for source, post_id, clean, _redacted, themes, crisis, pro_ed, held in _posts(con, where, max_n, heldout_first=True):
        text = truncate_words(redact(clean), max_words)
        items.append(EvalItem(
            item_id=f"{category}:{source}:{post_id}", category=category, kind=kind, source=source, ref_id=post_id,
            messages=build.post(text, tuple(themes or ())), context=text, themes=tuple(themes or ()),
            heldout=bool(held), crisis_level=crisis, pro_ed_level=pro_ed,
        ))
    return items


def _dialog_history(messages: Any, max_words: int) -> tuple[list[dict], str] | None:
    """(history ending in a user turn, reference answer) or None when the example does not fit.

    Examples with tool turns or tool calls are skipped (a plain chat model
    cannot answer them); the oldest turns are dropped, then the last user
    turn is cut, until the history fits `max_words`.
    """
    if not isinstance(messages, list) or len(messages) < 2:
        return None
    for m in messages:
        if not isinstance(m, dict) or m.get("role") not in ("system", "user", "assistant") or set(m) - {"role", "content"}:
            return None
        if not isinstance(m.get("content"), str):
            return None
    last = messages[-1]
    if last["role"] != "assistant" or not last["content"].strip():
        return None
    history = [m for m in messages[:-1] if m["role"] != "system"]
    if not history or history[-1]["role"] != "user":
        return None
    while len(history) > 1 and sum(len(m["content"].split()) for m in history) > max_words:
        history = history[1:]
    history = [dict(m) for m in history]
    if history[0]["role"] != "user":
        history = history[1:] or history
    history[-1]["content"] = truncate_words(history[-1]["content"], max_words)
    return history, last["content"].strip()


def build_eval_set(
    warehouse_path: str | Path,
    cfg: EvaluationConfig,
    system_prompt: str | None = None,
    prompt_version: str = "mi-v1",
    crisis_system_prompt: str | None = None,
) -> EvalSet:
    """Build the evaluation prompts from the warehouse (read-only) in a deterministic order.

    `system_prompt` is the system turn for prompt_style='training' (None or
    '' = none), `crisis_system_prompt` the one of inputs on the crisis path
    (None = the ordinary one); `prompt_version` names the synthesis prompts
    for prompt_style='synthesis'. Raises `EvaluationError` when the
    warehouse has no prepared posts or the selection is empty.
    """
    from interosight_core.prepare.safety import redact
    from interosight_core.warehouse import open_warehouse

    build = _Messages(cfg.prompt_style, system_prompt, prompt_version, crisis_system_prompt)
    items: list[EvalItem] = []
    notes: list[str] = []
    limit = cfg.max_prompt_words
    with open_warehouse(warehouse_path, read_only=True) as con:
        if not _table_exists(con, "prepared_posts") or not con.execute("SELECT count(*) FROM prepared_posts").fetchone()[0]:
            raise EvaluationError(f"{warehouse_path}: no prepared posts yet; run `interosight prepare` first")
        held_rows = _posts(con, f"status = 'kept' AND {heldout_sql()}", cfg.max_heldout_posts, heldout_first=False)
        refs = _references(con, [(r[0], r[1]) for r in held_rows])
        if held_rows and not refs:
            notes.append("no accepted synthesised replies for the held-out posts yet: no post references for the text metrics")
        for source, post_id, clean, redacted, themes, crisis, pro_ed, _ in held_rows:
            text = truncate_words(redacted if redacted is not None else redact(clean), limit)
            items.append(EvalItem(
                item_id=f"heldout:{source}:{post_id}", category="heldout", kind="mi", source=source, ref_id=post_id,
                messages=build.post(text, tuple(themes or ())), context=text, themes=tuple(themes or ()),
                reference=refs.get((source, post_id)), heldout=True, crisis_level=crisis, pro_ed_level=pro_ed,
            ))
        if cfg.include_crisis:
            where = f"exclude_reason = 'crisis_routed' AND {heldout_sql()}"
            items += _excluded_post_items(con, build, "crisis", where, "crisis", cfg.max_crisis_posts, limit)
            if cfg.include_crisis_prompts:
                for row in load_crisis_prompts():
                    text = truncate_words(redact(row["text"]), limit)
                    items.append(EvalItem(
                        item_id=f"crisis:crisis_prompts:{row['id']}", category="crisis", kind="crisis",
                        source="crisis_prompts", ref_id=row["id"], messages=build.post(text, ()), context=text,
                        heldout=True,
                    ))
            if not any(item.category == "crisis" for item in items):
                notes.append("no held-out crisis posts and no crisis prompts: the crisis safety metric is not measured")
        if cfg.include_pro_ed:
            where = "exclude_reason = 'pro_ed'" + (f" AND {heldout_sql()}" if cfg.pro_ed_prompts_heldout_only else "")
            pro_ed = _excluded_post_items(con, build, "pro_ed", where, "mi", cfg.max_pro_ed_posts, limit)
            if not pro_ed:
                notes.append("no pro_ed posts in the warehouse: the pro-ED safety metric is not measured")
            items += pro_ed
        if cfg.include_injection:
            for row in load_injection_prompts():
                text = row["text"].strip()  # never cut: the canary must stay in the prompt
                items.append(EvalItem(
                    item_id=f"injection:{row['id']}", category="injection", kind="mi", source="injection_prompts",
                    ref_id=row["id"], messages=build.post(text, ()), context=text, canary=row["canary"], heldout=True,
                ))
        if cfg.max_dialog_examples > 0 and _table_exists(con, "dialog_examples"):
            taken = 0
            for example_id, source, raw in con.execute(
                "SELECT example_id, source, messages FROM dialog_examples WHERE split = 'test' "
                "ORDER BY md5(example_id), example_id"
            ).fetchall():
                parsed = _dialog_history(json.loads(raw), limit)
                if parsed is None:
                    continue
                history, reference = parsed
                items.append(EvalItem(
                    item_id=f"dialog:{example_id}", category="dialog", kind="mi", source=source, ref_id=example_id,
                    messages=build.dialog(history), context=history[-1]["content"], reference=reference, heldout=True,
                ))
                taken += 1
                if taken >= cfg.max_dialog_examples:
                    break
    if not items:
        raise EvaluationError(
            f"{warehouse_path}: the evaluation set is empty (no held-out, crisis, pro-ED, injection or dialog prompts); "
            "raise the evaluation.max_* settings"
        )
    return EvalSet(tuple(items), build.system_prompt, cfg.prompt_style, tuple(notes), build.crisis_system_prompt)
