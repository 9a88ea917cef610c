"""`interosight chat` and `Chat`: the training prompt shape, the gate, the crisis path, history, a real tiny model."""

from __future__ import annotations

import sys

import pytest
import yaml

from interosight_core.chat import CRISIS_FALLBACK_REPLY, FALLBACK_REPLY, Chat, inference_messages
from interosight_core.synth.backends.base import BackendInfo, Generation

SAFE = "It sounds like this has been heavy. What would help most right now?"
UNSAFE = "You should eat 1200 calories a day."
CRISIS_SAFE = "I'm worried about your safety. Please call 988 or your local emergency number now."


class Scripted:
    """An in-process backend replying from a list (drives the gate/fallback logic exactly)."""

    def __init__(self, replies):
        self.replies, self.requests = list(replies), []
        self.info = BackendInfo(backend="scripted", model="script", params={})

    def generate(self, requests):
        self.requests += requests
        return [[Generation(text=self.replies.pop(0), prompt_tokens=1, completion_tokens=1)] for _ in requests]


def test_messages_are_the_training_shape_with_the_input_redacted():
    msgs = inference_messages("SYS", [], "I am 95 lbs, email me at jo@example.com")
    assert [m["role"] for m in msgs] == ["system", "user"] and msgs[0]["content"] == "SYS"
    assert "95" not in msgs[1]["content"] and "jo@example.com" not in msgs[1]["content"]
    assert [m["role"] for m in inference_messages(None, [], "hi")] == ["user"]


def test_unsafe_replies_are_regenerated_then_replaced_by_the_fallback():
    bot = Chat(Scripted([UNSAFE, SAFE]), "SYS")
    answer = bot.reply("i skipped dinner again")
    assert answer.text == SAFE and not answer.fallback and [v.safe for v in answer.verdicts] == [False, True]
    assert bot.backend.requests[0].seed != bot.backend.requests[1].seed  # a new sample per attempt

    bot = Chat(Scripted([UNSAFE] * 3), "SYS", attempts=3)
    answer = bot.reply("i skipped dinner again")
    assert answer.fallback and answer.text == FALLBACK_REPLY and len(answer.verdicts) == 3


def test_crisis_input_needs_crisis_resources():
    bot = Chat(Scripted([SAFE, SAFE]), "SYS", attempts=2)
    answer = bot.reply("i want to kill myself tonight")
    assert answer.crisis and answer.fallback and answer.text == CRISIS_FALLBACK_REPLY
    assert all("crisis:no_resources" in v.reasons for v in answer.verdicts)
    bot = Chat(Scripted([CRISIS_SAFE, SAFE]), "SYS", "CRISIS SYS")
    answer = bot.reply("i want to kill myself tonight")
    assert answer.crisis and not answer.fallback and answer.text == CRISIS_SAFE
    assert bot.backend.requests[0].messages[0] == {"role": "system", "content": "CRISIS SYS"}  # the crisis path
    assert not bot.reply("i skipped dinner again").crisis
    assert bot.backend.requests[1].messages[0] == {"role": "system", "content": "SYS"}


def test_session_keeps_recent_turns_starting_with_a_user_turn():
    bot = Chat(Scripted([SAFE] * 4), "SYS", history_turns=3)
    for text in ("first", "second", "third"):
        bot.reply(text)
    last = bot.backend.requests[-1].messages
    assert [m["role"] for m in last] == ["system", "user", "assistant", "user"]
    assert last[1]["content"] == "second" and last[-1]["content"] == "third"


def _cli(monkeypatch, capsys, *args):
    from flows.cli import main

    monkeypatch.setattr(sys, "argv", ["interosight", *args])
    try:
        main()
        code = 0
    except SystemExit as exit_:
        code = exit_.code or 0
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.slow
def test_cli_answers_with_a_real_adapter_model_and_reports_the_gate(tiny_model, sft_run, tmp_path, monkeypatch, capsys):
    config = tmp_path / "chat.yaml"
    config.write_text(yaml.safe_dump({"work_dir": str(tmp_path / "work")}))
    code, out, err = _cli(monkeypatch, capsys, "chat", "-c", str(config), "--model", str(sft_run.adapter_dir),
                          "--input", "I feel guilty after every meal.", "--max-new-tokens", "24", "--show-gate")
    assert code == 0, err
    assert out.strip() and "gate: " in err  # the tiny model's reply (or the fallback) and every verdict

    code, out, err = _cli(monkeypatch, capsys, "chat", "-c", str(config), "--model", str(tiny_model),
                          "--input", "i want to end my life", "--max-new-tokens", "8")
    assert code == 0, err
    assert "988" in out or "emergency" in out.lower()  # the crisis path: resources, generated or the fixed reply


def test_cli_without_a_trained_model_is_one_line_error(tmp_path, monkeypatch, capsys):
    config = tmp_path / "chat.yaml"
    config.write_text(yaml.safe_dump({"work_dir": str(tmp_path / "work")}))
    code, out, err = _cli(monkeypatch, capsys, "chat", "-c", str(config), "--input", "hi")
    assert code == 1 and err.count("\n") == 1 and "no trained model yet" in err and "Traceback" not in err
    code, out, err = _cli(monkeypatch, capsys, "chat", "-c", str(config), "--model", str(tmp_path), "--input", "hi")
    assert code == 1 and "not a model or adapter folder" in err
