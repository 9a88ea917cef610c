"""Dialog examples from conversations (seed project 002): sessions, chunks, windows, grouped splits.

Input: the warehouse's `conversations` and `turns` (CounselChat, AnnoMI,
context/response pairs, therapy sessions, tool-call chats). Turn texts are
cleaned and redacted in DuckDB (one vectorised query, see `stage`); this
module turns each conversation's ordered turns into training examples:

1. *Messages.* Each turn becomes `{role, content}` (plus `tool_calls` /
   `tool_call_id` for tool chats). Consecutive plain user turns, or plain
   assistant turns, are merged (joined by a newline), so roles alternate as
   chat templates expect. Empty plain turns are dropped.
2. *Exchanges.* Leading system messages are a prefix repeated at the top of
   every example. The rest is cut into exchanges: a run of user messages
   plus the assistant/tool messages answering it; an opening assistant turn
   (AnnoMI therapists speak first) is an exchange of its own. Trailing
   messages no assistant answers are dropped: an example always ends on an
   assistant turn, the training target.
3. *Examples* (`kind`), with N = `max_exchanges_per_chunk`:
   - `session`: the whole conversation when it has at most N exchanges;
   - `chunk`: a longer conversation of n exchanges becomes
     k = ceil((n - N) / step) + 1 chunks of exactly N exchanges, where
     step = N - round(chunk_overlap * N) (at least 1); chunk i starts at
     round(i * (n - N) / (k - 1)), so the first starts at 0, the last ends
     at n, starts are evenly spread and consecutive chunks share at least
     round(chunk_overlap * N) exchanges (`chunk_starts`);
   - `window`: for each size w in `window_exchanges`, every run of w
     consecutive exchanges (stride 1) of conversations longer than w.
4. *Length filter*: examples whose words (whitespace-separated, all
   messages) fall outside `min_words`..`max_words` are dropped and counted.
5. *Split*: each conversation's group goes wholly to train, val or test by
   a salted sha256 of (seed, source, group) mapped to [0, 1) against the
   configured fractions, so a conversation never straddles splits.
   The group is the conversation, except for CounselChat-style rows whose
   metadata carries a `question_id`: all answers to one question share a
   group, so a question seen in training never reappears in test.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from interosight_core.prepare.config import DialogConfig, SplitConfig

PLAIN_ROLES = ("user", "assistant")


@dataclass
class Turn:
    """One warehouse turn (text already cleaned/redacted)."""

    index: int
    role: str
    text: str | None
    tool_calls: str | None = None
    tool_call_id: str | None = None


@dataclass
class Message:
    """One chat message and the turn indices it was built from."""

    role: str
    content: str | None
    first_turn: int
    last_turn: int
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """The message as the JSON object stored in `dialog_examples.messages`."""
        return {"role": self.role, "content": self.content, **self.extra}

    @property
    def plain(self) -> bool:
        """True for a user/assistant message without tool fields (mergeable)."""
        return self.role in PLAIN_ROLES and not self.extra


@dataclass(frozen=True)
class Example:
    """One dialog example, ready to insert into `dialog_examples`."""

    example_id: str
    source: str
    conversation_id: str
    kind: str
    split: str
    messages: str
    n_words: int
    n_exchanges: int
    start_turn: int
    end_turn: int


def to_messages(turns: Iterable[Turn]) -> list[Message]:
    """Turn warehouse turns into messages, merging consecutive plain turns of one role."""
    messages: list[Message] = []
    for turn in turns:
        extra: dict = {}
        if turn.tool_calls:
            extra["tool_calls"] = json.loads(turn.tool_calls)
        if turn.tool_call_id:
            extra["tool_call_id"] = turn.tool_call_id
        text = turn.text.strip() if turn.text is not None else None
        if turn.role in PLAIN_ROLES and not extra and not text:
            continue
        message = Message(turn.role, text, turn.index, turn.index, extra)
        last = messages[-1] if messages else None
        if last is not None and last.plain and message.plain and last.role == message.role:
            last.content = f"{last.content}\n{message.content}"
            last.last_turn = turn.index
            continue
        messages.append(message)
    return messages


def to_exchanges(messages: list[Message]) -> tuple[list[Message], list[list[Message]]]:
    """Split messages into (system prefix, exchanges); unanswered trailing messages are dropped."""
    start = 0
    while start < len(messages) and messages[start].role == "system":
        start += 1
    prefix, exchanges = messages[:start], []
    for message in messages[start:]:
        if not exchanges or (message.role == "user" and exchanges[-1][-1].role != "user"):
            exchanges.append([message])
        else:
            exchanges[-1].append(message)
    while exchanges and not any(m.role == "assistant" for m in exchanges[-1]):
        exchanges.pop()
    return prefix, exchanges


def overlap_exchanges(cfg: DialogConfig) -> int:
    """Exchanges shared by consecutive chunks at least: round(chunk_overlap x N), below N."""
    n = cfg.max_exchanges_per_chunk
    return min(n - 1, int(cfg.chunk_overlap * n + 0.5))


def chunk_starts(n_exchanges: int, size: int, overlap: int) -> list[int]:
    """Start exchange of each chunk of `size` over `n_exchanges` (see the module docstring)."""
    if n_exchanges <= size:
        return [0]
    step = max(1, size - overlap)
    span = n_exchanges - size
    k = -(-span // step) + 1
    return [(i * span + (k - 1) // 2) // (k - 1) for i in range(k)]


def assign_split(source: str, group: str, split: SplitConfig) -> str:
    """Deterministic split of a conversation group: salted sha256 -> [0, 1) -> train/val/test."""
    digest = hashlib.sha256(f"{split.seed}\x1f{source}\x1f{group}".encode()).digest()
    u = int.from_bytes(digest[:8], "big") / 2**64
    if u < split.train:
        return "train"
    return "val" if u < split.train + split.val else "test"


def count_words(messages: Iterable[Message]) -> int:
    """Whitespace-separated words over every message's content."""
    return sum(len(m.content.split()) for m in messages if m.content)


@dataclass
class DialogCounts:
    """What `conversation_examples` produced and filtered, summed over conversations."""

    conversations: int = 0
    conversations_without_exchanges: int = 0
    examples: dict[str, int] = field(default_factory=dict)
    too_short: int = 0
    too_long: int = 0


def conversation_examples(source: str, conversation_id: str, group: str, turns: list[Turn], cfg: DialogConfig,
                          counts: DialogCounts) -> Iterator[Example]:
    """Yield the session/chunk/window examples of one conversation (length-filtered, split assigned)."""
    counts.conversations += 1
    prefix, exchanges = to_exchanges(to_messages(turns))
    n = len(exchanges)
    if n == 0:
        counts.conversations_without_exchanges += 1
        return
    split = assign_split(source, group, cfg.split)
    size = cfg.max_exchanges_per_chunk
    spans: list[tuple[str, int, int]] = []
    if n <= size:
        spans.append(("session", 0, n))
    else:
        spans.extend(("chunk", s, s + size) for s in chunk_starts(n, size, overlap_exchanges(cfg)))
    for width in cfg.window_exchanges:
        if n > width:
            spans.extend(("window", s, s + width) for s in range(n - width + 1))
    for kind, lo, hi in spans:
        body = [m for exchange in exchanges[lo:hi] for m in exchange]
        messages = prefix + body
        words = count_words(messages)
        if words < cfg.min_words:
            counts.too_short += 1
            continue
        if words > cfg.max_words:
            counts.too_long += 1
            continue
        start, end = body[0].first_turn, body[-1].last_turn
        counts.examples[kind] = counts.examples.get(kind, 0) + 1
        yield Example(
            example_id=f"{source}:{conversation_id}:{kind}:{start}-{end}",
            source=source, conversation_id=conversation_id, kind=kind, split=split,
            messages=json.dumps([m.to_dict() for m in messages], ensure_ascii=False),
            n_words=words, n_exchanges=hi - lo, start_turn=start, end_turn=end,
        )


__all__ = ["DialogCounts", "Example", "Message", "Turn", "assign_split", "chunk_starts", "conversation_examples",
           "count_words", "overlap_exchanges", "to_exchanges", "to_messages"]
