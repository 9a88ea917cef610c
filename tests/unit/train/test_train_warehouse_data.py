"""Training data from the warehouse: which rows feed SFT and DPO, hold-out exclusion, fingerprints, errors."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from interosight_core import warehouse
from interosight_core.heldout import is_heldout
from interosight_core.train.config import TrainError
from interosight_core.train.warehouse_data import (
    corpus_fingerprint,
    load_base_corpus,
    load_preference_pairs,
    load_sft_sources,
    render_tool_calls,
    source_fingerprints,
    training_data_fingerprint,
)

T0 = datetime(2026, 1, 1, 10, 0, 0)
HELD = next(f"p{i}" for i in range(1000) if is_heldout("forum", f"p{i}"))
assert not any(is_heldout("forum", p) for p in ("p1", "p2", "p3"))


def _synth(con, rid, post_id, kind, response, accepted=True, finished=T0, prompt=None):
    """One synth_responses row with full lineage."""
    prompt = prompt or json.dumps([{"role": "system", "content": "teacher"}, {"role": "user", "content": "<post>x</post>"}])
    con.execute(
        "INSERT INTO synth_responses VALUES (?, 'rk', 'forum', ?, 'sha', ?, 0, 0, ?, ?, ?, [], false, NULL, 1, 1, 'stop', "
        "'template', 'template', 'mi-v1', '{}', 0, 'run', ?, ?)",
        [rid, post_id, kind, prompt, response, accepted, finished, finished],
    )


def _dialog(con, example_id, source, conv_id, split, messages):
    """One dialog_examples row."""
    con.execute(
        "INSERT INTO dialog_examples VALUES (?, ?, ?, 'window', ?, ?, 10, 1, 0, 1, 'fp', ?)",
        [example_id, source, conv_id, split, json.dumps(messages), T0],
    )


def _pair(con, pair_id, post_id, chosen="good", rejected="bad"):
    """One preference_pairs row."""
    con.execute(
        "INSERT INTO preference_pairs VALUES (?, 'forum', ?, ?, ?, ?, 'c', 'r', 0.9, 0.1, 'contrast', "
        "'template', 'template', 'mi-v1', '{}', 0, 'run', ?, ?)",
        [pair_id, post_id, json.dumps([{"role": "user", "content": "teacher prompt"}]), chosen, rejected, T0, T0],
    )


def u(text):
    """A user message."""
    return {"role": "user", "content": text}


def a(text):
    """An assistant message."""
    return {"role": "assistant", "content": text}


@pytest.fixture()
def wh(tmp_path):
    """A warehouse with the real DDL and a handful of rows in every table training reads."""
    path = tmp_path / "warehouse.duckdb"
    with warehouse.open_warehouse(path) as con:
        for post_id, status, redacted in [("p1", "kept", "post one [number]"), ("p2", "kept", "post two"),
                                          ("p3", "excluded", None), (HELD, "kept", "held out post")]:
            con.execute(
                "INSERT INTO prepared_posts VALUES ('forum', ?, 'ed', ?, ?, 0.9, [], [], ?, NULL, 0, 0, 'fp', ?)",
                [post_id, f"clean {post_id}", redacted, status, T0],
            )
        _synth(con, "r1-old", "p1", "mi", "old reply one", finished=T0)
        _synth(con, "r1-new", "p1", "mi", "new reply one", finished=datetime(2026, 1, 2))
        _synth(con, "r1-rejected", "p1", "mi", "rejected reply", accepted=False, finished=datetime(2026, 1, 3))
        _synth(con, "r1-contrast", "p1", "contrast", "contrast reply", finished=datetime(2026, 1, 4))
        _synth(con, "r2", "p2", "mi", "reply two")
        _synth(con, "r3", "p3", "mi", "reply to an excluded post")
        _synth(con, "rh", HELD, "mi", "reply to a held-out post")
        for source, kind in [("counselchat", "counselchat"), ("annomi", "annomi"), ("my_tools", "tool_calls"),
                             ("ctx", "context_response"), ("sessions", "sessions")]:
            con.execute("INSERT INTO ingests VALUES (?, ?, 'f', 'sha', 'cfg', 'v', ?, '{}', 0)", [source, kind, T0])
        for conv, quality in [("hi", "high"), ("lo", "low")]:
            con.execute("INSERT INTO conversations VALUES ('annomi', ?, 'mi_transcript', NULL, NULL, ?, NULL, 2, NULL, 'f', 's', ?)",
                        [conv, quality, T0])
        _dialog(con, "cc-1", "counselchat", "c1", "train", [u("question"), a("answer")])
        _dialog(con, "cc-2", "counselchat", "c2", "val", [u("val question"), a("val answer")])
        _dialog(con, "cc-3", "counselchat", "c3", "train", [u("no answer"), a("   ")])
        _dialog(con, "am-hi", "annomi", "hi", "train", [a("What brings you in?"), u("my mum"), a("So not your idea.")])
        _dialog(con, "am-lo", "annomi", "lo", "train", [u("hi"), a("You must stop that now.")])
        _dialog(con, "tc-1", "my_tools", "t1", "train", [
            {"role": "system", "content": "tools system"}, u("help in the UK?"),
            {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function", "function": {
                "name": "find_support_resources", "arguments": "{\"region\": \"uk\"}"}}]},
            {"role": "tool", "tool_call_id": "c1", "content": "{\"resources\": [\"Beat\"]}"}, a("Beat can help."),
        ])
        _dialog(con, "ctx-1", "ctx", "x1", "test", [u("ctx test"), a("ctx answer")])
        _pair(con, "pair-1", "p1")
        _pair(con, "pair-h", HELD)
        _pair(con, "pair-3", "p3")
        _pair(con, "pair-same", "p2", chosen="same", rejected="same")
    return path


def test_synthetic_is_latest_accepted_mi_reply_of_kept_non_heldout_posts(wh):
    sources = load_sft_sources(wh, names=["synthetic"])
    assert sources == {"synthetic": [
        [u("post one [number]"), a("new reply one")],  # latest accepted 'mi' row; the redacted post is the user turn
        [u("post two"), a("reply two")],
    ]}


def test_crisis_is_the_protocol_reply_to_routed_non_heldout_posts_with_the_post_redacted(wh):
    held = next(f"c{i}" for i in range(1000) if is_heldout("forum", f"c{i}"))
    with warehouse.open_warehouse(wh) as con:
        for post_id in ("c1", held):
            con.execute(
                "INSERT INTO prepared_posts VALUES ('forum', ?, 'ed', ?, NULL, 0.9, [], ['crisis'], 'excluded', "
                "'crisis_routed', 3, 0, 'fp', ?)",
                [post_id, "i want to die, i am 95 lbs, text me on 07700 900123", T0])
            _synth(con, f"{post_id}-crisis", post_id, "crisis", "Please call 988 or your local emergency number.")
        _synth(con, "p1-crisis", "p1", "crisis", "a crisis reply to a post that is not crisis-routed")
    (conv,) = load_sft_sources(wh, names=["crisis"])["crisis"]
    assert conv[1] == a("Please call 988 or your local emergency number.")
    assert conv[0]["role"] == "user" and "i want to die" in conv[0]["content"]
    assert "95" not in conv[0]["content"] and "07700" not in conv[0]["content"]  # redacted like kept posts
    assert source_fingerprints(wh, ["crisis"])["crisis"]["rows"] == 1
    assert load_sft_sources(wh, names=["synthetic"])["synthetic"][0][1] == a("new reply one")  # 'mi' only


def test_dialog_sources_train_split_by_ingest_kind(wh):
    s = load_sft_sources(wh)
    assert s["counselchat"] == [[u("question"), a("answer")]]  # val split and answer-less example left out
    assert s["annomi"] == [[a("What brings you in?"), u("my mum"), a("So not your idea.")]]  # high quality only
    assert s["context_response"] == [] and s["sessions"] == []  # only a test-split example / nothing ingested
    (tools,) = s["tool_calls"]  # a renamed source counts by its ingest kind
    assert [m["role"] for m in tools] == ["system", "user", "assistant", "tool", "assistant"]
    assert tools[2]["content"] == '<tool_call>{"name": "find_support_resources", "arguments": {"region": "uk"}}</tool_call>'
    assert all(set(m) == {"role", "content"} for m in tools)


def test_render_tool_calls_keeps_bad_json_arguments_as_text():
    calls = [{"function": {"name": "f", "arguments": "not json"}}, {"function": {"name": "g", "arguments": {"k": 1}}}]
    assert render_tool_calls(calls) == ('<tool_call>{"name": "f", "arguments": "not json"}</tool_call>\n'
                                        '<tool_call>{"name": "g", "arguments": {"k": 1}}</tool_call>')


def test_required_source_without_rows_is_one_line_error(wh):
    with pytest.raises(TrainError) as err:
        load_sft_sources(wh, names=["counselchat"], require=["sessions"])
    msg = str(err.value)
    assert "\n" not in msg and "'sessions'" in msg and "`sessions` ingest source" in msg
    with pytest.raises(TrainError, match="unknown training source 'synth'"):
        load_sft_sources(wh, require=["synth"])


def test_preference_pairs_exclude_heldout_excluded_and_degenerate(wh):
    assert load_preference_pairs(wh) == [{"prompt": [u("post one [number]")], "chosen": "good", "rejected": "bad"}]


def test_fingerprints_follow_exactly_the_rows_training_reads(wh):
    before = source_fingerprints(wh)
    assert before == source_fingerprints(wh)
    assert before["synthetic"]["rows"] == 2 and before["preference_pairs"]["rows"] == 1
    all_before = training_data_fingerprint(wh)
    with warehouse.open_warehouse(wh) as con:
        _synth(con, "rh2", HELD, "mi", "another held-out reply", finished=datetime(2026, 2, 1))  # never read
        _dialog(con, "cc-4", "counselchat", "c4", "val", [u("q"), a("a")])  # val split: never read
    assert source_fingerprints(wh) == before and training_data_fingerprint(wh) == all_before
    with warehouse.open_warehouse(wh) as con:
        _synth(con, "r2-new", "p2", "mi", "a newer reply two", finished=datetime(2026, 2, 1))
    after = source_fingerprints(wh)
    assert after["synthetic"] != before["synthetic"]
    assert {k: v for k, v in after.items() if k != "synthetic"} == {k: v for k, v in before.items() if k != "synthetic"}
    assert training_data_fingerprint(wh, ["counselchat"]) == training_data_fingerprint(wh, ["counselchat"])
    assert training_data_fingerprint(wh) != all_before


def test_warehouse_without_synthesis_tables_reads_as_empty(wh):
    with warehouse.open_warehouse(wh) as con:
        con.execute("DROP TABLE synth_responses")
        con.execute("DROP TABLE preference_pairs")
    fps = source_fingerprints(wh, ["synthetic", "preference_pairs"])
    assert fps["synthetic"]["rows"] == 0 and fps["preference_pairs"]["rows"] == 0
    assert load_sft_sources(wh, names=["synthetic"]) == {"synthetic": []}
    assert load_preference_pairs(wh) == []


def test_base_corpus_leaves_out_heldout_and_non_train_text(wh):
    texts = load_base_corpus(wh, ["system prompt"])
    assert texts[:2] == ["post one [number]", "post two"] and texts[-1] == "system prompt"
    assert "held out post" not in texts and "val answer" not in texts and "ctx answer" not in texts
    assert "So not your idea." in texts and any(t.startswith("<tool_call>") for t in texts)
    assert corpus_fingerprint(texts) == corpus_fingerprint(load_base_corpus(wh, ["system prompt"]))


def test_missing_warehouse_is_one_line_error(tmp_path):
    from interosight_core.errors import WarehouseError

    with pytest.raises(WarehouseError, match="no warehouse here yet"):
        load_sft_sources(tmp_path / "nope.duckdb")
