"""`interosight mi-code`: CSV and JSONL in and out, --json, one-line errors."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]

ROWS = [
    ("What brings you here today?", ""),
    ("It sounds like you feel trapped between wanting to change and being scared of it.", "I can't stop restricting."),
    ("You should try eating three meals a day.", ""),
]


def cli(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    """Run `interosight ARGS` in-process through the console entry point; return (exit code, stdout, stderr)."""
    from flows.cli import main

    monkeypatch.setattr(sys, "argv", ["interosight", *args])
    try:
        main()
        code = 0
    except SystemExit as exit_:
        code = exit_.code or 0
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture()
def csv_input(tmp_path) -> Path:
    path = tmp_path / "utterances.csv"
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "text", "context"])
        for i, (text, context) in enumerate(ROWS, 1):
            writer.writerow([i, text, context])
    return path


@pytest.fixture(autouse=True)
def _threads():
    import torch

    torch.set_num_threads(1)


@pytest.mark.slow
def test_csv_in_csv_out_and_readable_lines(monkeypatch, capsys, csv_input, tmp_path):
    code, out, err = cli(monkeypatch, capsys, "mi-code", "--input", str(csv_input))
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split()[:2] == ["1", "OQ"] and lines[1].split()[:2] == ["2", "CR"] and lines[2].split()[:2] == ["3", "GI"]
    assert "therapist utterance(s): SR 0, CR 1, OQ 1, CQ 0, GI 1" in out and "MITI fair" in out

    target = tmp_path / "coded.csv"
    code, out, err = cli(monkeypatch, capsys, "mi-code", "--input", str(csv_input), "--output", str(target))
    assert code == 0 and f"wrote 3 coded row(s) to {target}" in out
    with target.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["id"] for r in rows] == ["1", "2", "3"]  # input columns kept
    assert [r["code"] for r in rows] == ["OQ", "CR", "GI"]
    assert rows[1]["behaviour"] == "reflection" and rows[1]["reflection_subtype"] == "complex"
    probs = [float(rows[0][f"p_behaviour_{c}"]) for c in ("other", "question", "reflection", "therapist_input")]
    assert sum(probs) == pytest.approx(1.0, abs=1e-4) and max(probs) == float(rows[0]["p_behaviour_question"])


@pytest.mark.slow
def test_jsonl_in_jsonl_out_and_json_lines(monkeypatch, capsys, tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps({"text": t, "context": c, "role": "therapist"}) + "\n" for t, c in ROWS)
                      + json.dumps({"text": "Yes, I want to eat with my family again.", "context": "What do you want?",
                                    "role": "client"}) + "\n")
    target = tmp_path / "out.jsonl"
    code, out, err = cli(monkeypatch, capsys, "mi-code", "-i", str(source), "-o", str(target), "--json")
    assert code == 0, err
    printed = [json.loads(line) for line in out.splitlines()]
    written = [json.loads(line) for line in target.read_text().splitlines()]
    assert printed == written and len(printed) == 4
    assert [r["code"] for r in printed[:3]] == ["OQ", "CR", "GI"]
    client = printed[3]
    assert client["role"] == "client" and client["behaviour"] is None and client["code"] == client["client_talk"]
    assert set(client["probabilities"]) == {"client_talk"}
    assert printed[0]["probabilities"]["behaviour"]["question"] > 0.5


def test_missing_text_column_is_one_line_error_without_traceback(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("utterance,context\nhello,there\n")
    result = subprocess.run([sys.executable, "-m", "flows.cli", "mi-code", "--input", str(bad)], cwd=ROOT,
                            capture_output=True, text=True, timeout=300, env=os.environ.copy())
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [f"error: {bad}: missing column 'text' (optional: 'context', 'role')"]
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_bad_output_extension_and_missing_file(monkeypatch, capsys, csv_input, tmp_path):
    code, out, err = cli(monkeypatch, capsys, "mi-code", "--input", str(csv_input), "--output", str(tmp_path / "x.txt"))
    assert code == 1 and err.strip() == f"error: {tmp_path / 'x.txt'}: unknown output format (use a .csv or .jsonl file name)"
    code, out, err = cli(monkeypatch, capsys, "mi-code", "--input", str(tmp_path / "nope.csv"))
    assert code == 1 and err.strip() == f"error: file not found: {tmp_path / 'nope.csv'}"
    jsonl = tmp_path / "bad.jsonl"
    jsonl.write_text('{"text": "hi"}\n{"context": "no text"}\n')
    code, out, err = cli(monkeypatch, capsys, "mi-code", "--input", str(jsonl))
    assert code == 1 and err.strip() == f"error: {jsonl}: row 2 has no 'text'"
