"""Dialog examples: messages, exchanges, chunk overlap arithmetic, windows, length filters, grouped splits."""

from __future__ import annotations

import json
from collections import Counter, defaultdict

import pytest

from interosight_core.errors import PrepareError
from interosight_core.prepare.config import DialogConfig, PrepareConfig, SplitConfig
from interosight_core.prepare.dialogs import (
    DialogCounts,
    Turn,
    assign_split,
    chunk_starts,
    conversation_examples,
    overlap_exchanges,
    to_exchanges,
    to_messages,
)
from interosight_core.prepare.stage import run_prepare

from .stage_helpers import copy_warehouse, rows


def session(n_exchanges: int, opener: bool = False, words: int = 3) -> list[Turn]:
    """A synthetic therapy session: optional therapist opener, then n user/assistant exchanges."""
    turns = [Turn(0, "assistant", "welcome back how are you")] if opener else []
    for i in range(n_exchanges):
        turns.append(Turn(len(turns), "user", " ".join(["u"] * words)))
        turns.append(Turn(len(turns), "assistant", " ".join(["a"] * words)))
    return turns


def examples(turns: list[Turn], **cfg) -> tuple[list, DialogCounts]:
    """The examples of one conversation under a DialogConfig built from `cfg`."""
    counts = DialogCounts()
    return list(conversation_examples("src", "c1", "c1", turns, DialogConfig(**cfg), counts)), counts


@pytest.mark.parametrize(("n", "size", "overlap", "expected"), [
    (5, 8, 2, [0]),
    (8, 8, 2, [0]),
    (9, 8, 2, [0, 1]),
    (20, 8, 2, [0, 6, 12]),
    (21, 8, 2, [0, 4, 9, 13]),
    (30, 10, 0, [0, 10, 20]),
    (31, 10, 0, [0, 7, 14, 21]),
    (12, 4, 3, list(range(9))),
])
def test_chunk_starts(n: int, size: int, overlap: int, expected: list[int]) -> None:
    assert chunk_starts(n, size, overlap) == expected


def test_chunk_invariants_over_many_sizes() -> None:
    for size in range(1, 13):
        for fraction in (0.0, 0.2, 0.5, 0.9):
            overlap = overlap_exchanges(DialogConfig(max_exchanges_per_chunk=size, chunk_overlap=fraction))
            assert 0 <= overlap < size and overlap == min(size - 1, int(fraction * size + 0.5))
            step = size - overlap
            for n in range(size + 1, 70):
                starts = chunk_starts(n, size, overlap)
                assert starts[0] == 0 and starts[-1] + size == n  # first at the start, last ends at the end
                assert len(starts) == -(-(n - size) // step) + 1  # k = ceil((n - N) / step) + 1
                gaps = [b - a for a, b in zip(starts, starts[1:])]
                assert all(0 < g <= step for g in gaps)  # every overlap >= the configured one
                assert max(gaps) - min(gaps) <= 1  # evenly spread


def test_messages_merge_consecutive_plain_turns_and_keep_tool_fields() -> None:
    turns = [Turn(0, "system", "be kind"), Turn(1, "user", "hi"), Turn(2, "user", "  "), Turn(3, "user", "again"),
             Turn(4, "assistant", None, '[{"id": "c1", "type": "function"}]'), Turn(5, "tool", "{}", None, "c1"),
             Turn(6, "assistant", "ok"), Turn(7, "assistant", "and more")]
    messages = to_messages(turns)
    assert [m.to_dict() for m in messages] == [
        {"role": "system", "content": "be kind"},
        {"role": "user", "content": "hi\nagain"},
        {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function"}]},
        {"role": "tool", "content": "{}", "tool_call_id": "c1"},
        {"role": "assistant", "content": "ok\nand more"},
    ]
    assert (messages[1].first_turn, messages[1].last_turn, messages[-1].last_turn) == (1, 3, 7)
    prefix, exchanges = to_exchanges(messages)
    assert [m.role for m in prefix] == ["system"]
    assert [[m.role for m in e] for e in exchanges] == [["user", "assistant", "tool", "assistant"]]


def test_exchanges_keep_an_opener_and_drop_an_unanswered_tail() -> None:
    turns = session(3, opener=True) + [Turn(7, "user", "one last thing")]
    prefix, exchanges = to_exchanges(to_messages(turns))
    assert prefix == [] and len(exchanges) == 4
    assert [m.role for m in exchanges[0]] == ["assistant"]
    assert all(e[-1].role == "assistant" for e in exchanges)


def test_short_sessions_stay_whole_long_ones_are_chunked_and_windows_slide() -> None:
    whole, _ = examples(session(6), window_exchanges=[2, 3])
    assert Counter(e.kind for e in whole) == {"session": 1, "window": 5 + 4}
    assert whole[0].n_exchanges == 6 and (whole[0].start_turn, whole[0].end_turn) == (0, 11)
    long, _ = examples(session(21), window_exchanges=[])
    chunks = [e for e in long if e.kind == "chunk"]
    assert [(e.start_turn, e.end_turn) for e in chunks] == [(0, 15), (8, 23), (18, 33), (26, 41)]
    assert all(e.n_exchanges == 8 for e in chunks) and not any(e.kind == "session" for e in long)
    for example in long:
        messages = json.loads(example.messages)
        assert messages[-1]["role"] == "assistant" and messages[0]["role"] == "user"
    sizes, _ = examples(session(3), window_exchanges=[3, 4])
    assert [e.kind for e in sizes] == ["session"]  # no window as long as the whole conversation


def test_system_prefix_is_repeated_in_every_example() -> None:
    turns = [Turn(0, "system", "you are kind")] + [Turn(t.index + 1, t.role, t.text) for t in session(10)]
    built, _ = examples(turns, max_exchanges_per_chunk=4, window_exchanges=[2])
    assert built and all(json.loads(e.messages)[0] == {"role": "system", "content": "you are kind"} for e in built)
    assert all(e.start_turn >= 1 for e in built)


def test_length_filters_count_what_they_drop() -> None:
    short, counts = examples(session(2, words=1), min_words=5, window_exchanges=[])
    assert short == [] and counts.too_short == 1
    built, counts = examples(session(12, words=10), max_words=100, window_exchanges=[2])
    assert all(20 <= e.n_words <= 100 for e in built)
    assert counts.too_long == 2 and Counter(e.kind for e in built) == {"window": 11}  # both 8-exchange chunks too long
    assert counts.examples == {"window": 11}


def test_split_is_deterministic_and_follows_the_fractions() -> None:
    split = SplitConfig()
    assigned = Counter(assign_split("s", f"conv-{i}", split) for i in range(20_000))
    assert abs(assigned["train"] / 20_000 - 0.8) < 0.015 and abs(assigned["test"] / 20_000 - 0.1) < 0.01
    assert [assign_split("s", "x", split) for _ in range(3)] == [assign_split("s", "x", split)] * 3
    reseeded = sum(assign_split("s", f"conv-{i}", split) != assign_split("s", f"conv-{i}", SplitConfig(seed=1))
                   for i in range(1000))
    assert reseeded > 200
    assert {assign_split("s", f"c{i}", SplitConfig(train=0, val=0, test=1)) for i in range(50)} == {"test"}


def test_no_conversation_or_question_straddles_splits(prepared_warehouse) -> None:
    path, report = prepared_warehouse
    per_conversation = defaultdict(set)
    for source, conversation, split in rows(path, "SELECT source, conversation_id, split FROM dialog_examples"):
        per_conversation[(source, conversation)].add(split)
    assert per_conversation and all(len(s) == 1 for s in per_conversation.values())
    per_question = defaultdict(set)
    for question, split in rows(path, "SELECT json_extract_string(c.metadata, '$.question_id'), d.split "
                                      "FROM dialog_examples d JOIN conversations c USING (source, conversation_id) "
                                      "WHERE d.source = 'counselchat'"):
        per_question[question].add(split)
    assert len(per_question) > 10 and all(len(s) == 1 for s in per_question.values())
    assert set(report.dialog_examples) == {"train", "val", "test"} and report.dialog_examples["train"] > 100


def test_sample_dialogs_cover_every_source_and_only_high_quality_annomi(prepared_warehouse) -> None:
    path, report = prepared_warehouse
    sources = dict(rows(path, "SELECT source, count(*) FROM dialog_examples GROUP BY ALL"))
    assert set(sources) == {"annomi", "counselchat", "context_response", "sessions", "tool_calls"}
    qualities = rows(path, "SELECT DISTINCT c.mi_quality FROM dialog_examples d JOIN conversations c "
                           "USING (source, conversation_id) WHERE d.source = 'annomi'")
    assert qualities == [("high",)]
    assert report.dialog_kinds.keys() == {"session", "chunk", "window"}
    tool = json.loads(rows(path, "SELECT messages FROM dialog_examples WHERE source = 'tool_calls' LIMIT 1")[0][0])
    assert tool[0]["role"] == "system" and any("tool_calls" in m for m in tool)
    summary = {(s, k): (n, mean)
               for s, k, n, mean in rows(path, "SELECT source, kind, count, mean FROM length_summary")}
    assert summary[("dataverse", "post")][0] == report.kept and summary[("sessions", "window")][1] > 0


def test_dialog_settings_reach_the_stage(sample_warehouse, tmp_path) -> None:
    path = copy_warehouse(sample_warehouse, tmp_path)
    cfg = PrepareConfig(dialogs={"sources": ["annomi"], "mi_quality": ["high", "low"], "window_exchanges": [],
                                 "max_exchanges_per_chunk": 4, "redact_numbers": False})
    report = run_prepare(path, cfg)
    assert report.conversations == 4 and set(report.dialog_kinds) == {"chunk"}
    assert rows(path, "SELECT DISTINCT source FROM dialog_examples") == [("annomi",)]
    assert rows(path, "SELECT max(n_exchanges) FROM dialog_examples")[0][0] == 4
    with pytest.raises(PrepareError) as info:
        run_prepare(path, PrepareConfig(dialogs={"sources": ["annomi", "reddit"]}))
    assert "\n" not in str(info.value) and "prepare.dialogs.sources" in str(info.value) and "reddit" in str(info.value)
