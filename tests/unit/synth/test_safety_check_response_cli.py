"""`interosight safety-check --response`: the output gate on texts from an argument, stdin, JSONL and CSV."""

from __future__ import annotations

import json
import sys

from typer.testing import CliRunner

from flows import cli
from flows.cli import app
from interosight_core.errors import InteroSightError

runner = CliRunner()


def test_unsafe_reply_names_its_reasons_and_keeps_exit_code_zero():
    result = runner.invoke(app, ["safety-check", "--response", "You should cut carbs and aim for 1200 calories."])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "[1] UNSAFE (ED harm): numbers:calories, advice:diet"
    assert any("'1200 calories'" in line and "num_calories" in line for line in lines[1:])
    assert any("'You should cut carbs'" in line for line in lines[1:])


def test_safe_reply():
    result = runner.invoke(app, ["safety-check", "--response", "It sounds like food feels scary. What would help?"])
    assert result.exit_code == 0 and result.stdout.strip() == "[1] SAFE"


def test_unsafe_without_ed_harm_is_labelled_plainly():
    result = runner.invoke(app, ["safety-check", "--response", "Write to me at jane.doe@example.com"])
    assert result.stdout.splitlines()[0] == "[1] UNSAFE: pii:email"


def test_stdin_json_one_object_per_line():
    result = runner.invoke(app, ["safety-check", "--response", "--json"],
                           input="You look great.\nWhat matters most to you right now?\n\n<|im_end|>\n")
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in rows] == ["1", "2", "4"]
    assert [(r["safe"], r["reasons"], r["ed_harm"]) for r in rows] == [
        (False, ["body_comment"], True), (True, [], False), (False, ["degenerate:role_marker"], False)]
    assert rows[0]["hits"][0] == {"reason": "body_comment", "rule": "body_you_look", "text": "You look great"}
    assert rows[0]["crisis"] is False


def test_crisis_flag_requires_resources(tmp_path):
    path = tmp_path / "replies.jsonl"
    path.write_text('{"id": "a", "text": "I am so sorry you are hurting. Talk to someone you trust."}\n'
                    '{"id": "b", "text": "I am so sorry. Please call or text 988, or Samaritans on 116 123."}\n')
    out = runner.invoke(app, ["safety-check", "--response", "--crisis", "--file", str(path)]).stdout
    assert "[a] UNSAFE (ED harm): crisis:no_resources" in out
    assert "[b] SAFE (crisis reply: resources named)" in out
    rows = [json.loads(line) for line in runner.invoke(
        app, ["safety-check", "--response", "--crisis", "--json", "-f", str(path)]).stdout.splitlines()]
    assert [(r["id"], r["crisis"], r["safe"]) for r in rows] == [("a", True, False), ("b", True, True)]


def test_csv_file(tmp_path):
    path = tmp_path / "replies.csv"
    path.write_text('id,text\nx,"Try intermittent fasting, it could help."\ny,"You decide what comes next."\n')
    rows = [json.loads(line) for line in runner.invoke(
        app, ["safety-check", "--response", "--json", "--file", str(path)]).stdout.splitlines()]
    assert [(r["id"], r["reasons"]) for r in rows] == [("x", ["advice:diet"]), ("y", [])]


def test_without_response_the_command_is_unchanged():
    result = runner.invoke(app, ["safety-check", "my goal weight is 95 lbs"])
    assert result.exit_code == 0 and "flags: numbers, pro_ed" in result.stdout


def test_crisis_without_response_is_a_one_line_error(monkeypatch, capsys):
    result = runner.invoke(app, ["safety-check", "--crisis", "hello"])
    assert isinstance(result.exception, InteroSightError)
    monkeypatch.setattr(sys, "argv", ["interosight", "safety-check", "--crisis", "hello"])
    try:
        cli.main()
    except SystemExit as exit_:
        assert exit_.code == 1
    err = capsys.readouterr().err
    assert err.strip() == "error: safety-check: --crisis only applies to replies; add --response"
