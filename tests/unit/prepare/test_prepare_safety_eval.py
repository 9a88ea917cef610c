"""Precision/recall of the detectors on the hand-labelled cases (print the table with `-s`)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from interosight_core.errors import PrepareError
from interosight_core.prepare.safety import FAMILIES
from interosight_core.prepare.safety_eval import evaluate_cases, format_table, load_cases

from .conftest import CASES_PATH


def test_labelled_set_is_big_varied_and_well_formed() -> None:
    cases = load_cases(CASES_PATH)
    assert len(cases) >= 200
    texts = [c["text"] for c in cases]
    assert len(set(texts)) == len(texts), [t for t, n in Counter(texts).items() if n > 1]
    for case in cases:
        assert set(case["labels"]) == set(FAMILIES)
    positives = Counter(f for c in cases for f, on in c["labels"].items() if on)
    assert all(positives[f] >= 15 for f in FAMILIES), positives
    negatives = sum(1 for c in cases if not any(c["labels"].values()))
    assert negatives >= 80
    assert any(t != t.lower() for t in texts) and any(t == t.lower() and t.isascii() for t in texts)


def test_precision_and_recall_meet_the_bar() -> None:
    metrics = evaluate_cases(CASES_PATH)
    print("\n" + format_table(metrics))
    for error in metrics["errors"]:
        print(f"  miss/extra {error['family']}: expected={error['expected']} {error['text']!r}")
    fam = metrics["families"]
    for family in ("crisis", "numbers"):
        assert fam[family]["recall"] >= 0.95, family
    for family in FAMILIES:
        assert fam[family]["precision"] >= 0.9, family


def test_load_cases_reports_bad_lines(tmp_path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "a", "labels": {}}\nnot json\n', encoding="utf-8")
    with pytest.raises(PrepareError, match="bad.jsonl: line 2 is not valid JSON"):
        load_cases(bad)
    bad.write_text(json.dumps({"text": "a", "labels": {"nope": True}}) + "\n", encoding="utf-8")
    with pytest.raises(PrepareError, match="unknown label"):
        load_cases(bad)
    bad.write_text(json.dumps({"text": 1, "labels": {}}) + "\n", encoding="utf-8")
    with pytest.raises(PrepareError, match="needs a string"):
        load_cases(bad)
    with pytest.raises(PrepareError, match="cannot read"):
        load_cases(tmp_path / "missing.jsonl")


HELDOUT = sorted((Path(__file__).resolve().parents[3] / "data" / "safety" / "heldout").glob("*.jsonl"))


@pytest.mark.parametrize("path", HELDOUT, ids=lambda p: p.stem)
def test_the_learned_backstop_raises_recall_on_texts_written_without_seeing_the_rules(path: Path) -> None:
    """Held-out sets (never trained on): the rules alone miss most crisis posts; rules + model must not."""
    rules, combined = evaluate_cases(path), evaluate_cases(path, model=True)
    print("\n" + format_table(rules) + "\n" + format_table(combined))
    for family in ("crisis", "pro_ed", "injection", "numbers"):
        assert combined["families"][family]["recall"] > rules["families"][family]["recall"], family
    assert combined["families"]["crisis"]["recall"] >= 0.8
    assert combined["families"]["numbers"]["recall"] >= 0.9
    assert combined["families"]["injection"]["recall"] >= 0.9
    for family in FAMILIES:
        assert combined["families"][family]["precision"] >= 0.7, family
