"""`interosight safety-check`: texts from an argument, stdin, JSONL and CSV; plain and --json output."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from flows.cli import app
from interosight_core.errors import PrepareError
from interosight_core.prepare.safety_check import check_text, read_texts

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
    result = check_text("**Help**: I binge and purge, [see](http://x.io) thanks in advance")
    for flag in result["flags"]:
        assert result["clean"][flag["start"]:flag["end"]] == flag["text"]


@pytest.mark.parametrize("content, message", [("{bad json\n", "line 1 is not valid JSON"), ('{"txt": "x"}\n', "no string field `text`")])
def test_bad_files_are_one_line(tmp_path, content, message):
    path = tmp_path / "bad.jsonl"
    path.write_text(content)
    with pytest.raises(PrepareError, match=message):
        read_texts(path)
