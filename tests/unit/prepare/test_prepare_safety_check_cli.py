"""`interosight safety-check`: texts from an argument, stdin, JSONL and CSV; plain and --json output."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from flows.cli import app
from interosight_core.errors import PrepareError
from interosight_core.prepare.safety_check import check_texts, read_texts

runner = CliRunner()


def test_argument_plain_output_names_rule_span_and_redaction():
    result = runner.invoke(app, ["safety-check", "my goal weight is 95 lbs, ask u/someone"])
    assert result.exit_code == 0
    assert "flags: numbers, pii, pro_ed" in result.stdout
    assert "'95 lbs'" in result.stdout
    assert "redacted: my goal weight is [number] lbs, ask [user]" in result.stdout


def test_stdin_one_text_per_line_as_json():
    result = runner.invoke(app, ["safety-check", "--json"], input="i want to end it all\ncould have killed for a sandwich\n")
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["flagged"] for r in rows] == [["crisis"], []]
    assert rows[0]["crisis_level"] > 0


def test_files_jsonl_and_csv(tmp_path):
    jsonl = tmp_path / "t.jsonl"
    jsonl.write_text('{"id": "a", "text": "th1nspo pls"}\n{"id": "b", "text": "3 siblings"}\n')
    csv_file = tmp_path / "t.csv"
    csv_file.write_text('id,text\nx,"ran 5 miles then ate 800 kcal"\n')
    assert [r["id"] for r in read_texts(jsonl)] == ["a", "b"]
    out = runner.invoke(app, ["safety-check", "--json", "--file", str(csv_file)]).stdout
    assert json.loads(out)["redacted"] == "ran [number] miles then ate [number] kcal"


def test_spans_index_the_cleaned_text():
    result, = check_texts([{"id": "1", "text": "**Help**: I binge and purge, [see](http://x.io) thanks in advance"}])
    for flag in result["flags"]:
        assert result["clean"][flag["start"]:flag["end"]] == flag["text"]


def test_the_learned_model_backs_up_the_rules_and_can_be_turned_off():
    texts = [{"id": "1", "text": "not gonna wake up tomorrow if my plan works, already wrote to my mum"},
             {"id": "2", "text": "down twelve since june and i still hate my body"}]
    with_model = check_texts(texts)
    rules_only = check_texts(texts, model=False)
    assert "crisis" in with_model[0]["flagged"] and with_model[0]["crisis_level"] >= 1
    flag, = [f for f in with_model[1]["flags"] if f["family"] == "numbers"]  # no numbers rule knows "down twelve"
    assert flag["rule"] == "numbers_model" and flag["score"] >= 0.5
    assert (flag["start"], flag["end"]) == (0, len(with_model[1]["clean"]))
    assert "twelve" not in with_model[1]["redacted"] and "numbers" not in rules_only[1]["flagged"]
    out = runner.invoke(app, ["safety-check", "down twelve since june and i still hate my body"]).stdout
    assert "numbers" in out


@pytest.mark.parametrize("content, message", [("{bad json\n", "line 1 is not valid JSON"), ('{"txt": "x"}\n', "no string field `text`")])
def test_bad_files_are_one_line(tmp_path, content, message):
    path = tmp_path / "bad.jsonl"
    path.write_text(content)
    with pytest.raises(PrepareError, match=message):
        read_texts(path)
