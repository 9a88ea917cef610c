"""The gate's literal prefilters (`prepare.literals`) only save work: verdicts equal those with every rule run."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path


from interosight_core.prepare import literals, rules, safety
from interosight_core.prepare.clean import CLEAN_RULES
from interosight_core.prepare.literals import ALWAYS_OPEN, fold, literal_filter
from interosight_core.synth import gate
from interosight_core.synth.gate import RESOURCE_RULES, RESPONSE_RULES, check_response, check_responses

ROOT = Path(__file__).resolve().parents[3]


def _clear_caches() -> None:
    for cached in (safety._family, safety._families_selector, gate._plan, gate._resource_plan):
        cached.cache_clear()
    CLEAN_RULES.__dict__.pop("_python_steps", None)


def _without_prefilters(monkeypatch, compute):
    """`compute()` with every literal filter replaced by the always-open one: every rule runs, as before."""
    try:
        with monkeypatch.context() as patch:
            for module in (gate, safety, rules):
                patch.setattr(module, "literal_filter", lambda regex: ALWAYS_OPEN)
            patch.setattr(gate, "both", lambda first, second: ALWAYS_OPEN)
            _clear_caches()
            return compute()
    finally:
        _clear_caches()


def _texts() -> list[str]:
    texts = [t for r in RESPONSE_RULES + RESOURCE_RULES for t in r.examples + r.counterexamples]
    texts += [t for r in safety.SAFETY_RULES for t in r.examples + r.counterexamples]
    sample = ROOT / "data" / "sample"
    texts += [r["answerText"] for r in csv.DictReader((sample / "counselchat.csv").open(encoding="utf-8"))]
    texts += [r["Response"] for r in csv.DictReader((sample / "context_response.csv").open(encoding="utf-8"))]
    cases = ROOT / "tests" / "unit" / "prepare" / "safety_cases.jsonl"
    texts += [json.loads(line)["text"] for line in cases.read_text(encoding="utf-8").splitlines() if line.strip()]
    texts += ["", "   ", "Aim for **1,200** kcal.", "Please call or text 988 or Samaritans on 116 123.",
              "I weigh 112 lbs, call 911", "Sure!<|im_end|> assistant: ok", "you you you you",
              "\x03short\x1fbu m\u00fd"]
    rng = random.Random(11)
    words = " ".join(texts).split()
    texts += [" ".join(rng.choice(words) for _ in range(rng.randint(3, 60))) for _ in range(300)]  # tiny-model-like
    texts += [rng.choice([" ", ". ", "\n"]).join(rng.sample(texts, 3)) for _ in range(200)]
    return texts


def test_every_detector_filter_is_open_on_its_examples():
    plan = gate._plan()
    for rule in RESPONSE_RULES:
        for text in rule.examples:
            assert rule.literals.open(fold(text)), (rule.name, text, rule.literals.query)
            if rule.prefilter:
                assert literal_filter(gate._compile(rule.prefilter)).open(fold(text)), (rule.name, text)
            if not rule.benign:
                opened = [s.rule.name for group in plan.detectors(fold(text)) for s in group]
                assert rule.name in opened, (rule.name, text)
    for rule in RESOURCE_RULES:
        for text in rule.examples:
            assert rule.literals.open(fold(text)), (rule.name, text)


def test_filters_skip_most_rules_on_a_plain_supportive_reply():
    reply = "It sounds like mealtimes have felt really heavy lately. What would make tomorrow a little easier?"
    opened = [s for group in gate._plan().detectors(fold(reply)) for s in group]
    assert len(opened) <= 3, [s.rule.name for s in opened]
    assert len(safety._families_selector(gate._SCAN_FAMILIES)(fold(reply))[0]) <= 3  # ED-number rules


def test_verdicts_equal_those_with_every_rule_run(monkeypatch):
    texts = _texts()

    def verdicts():
        assert gate._plan() and all(lf is ALWAYS_OPEN for lf in safety._family("numbers").literals) is (
            safety.literal_filter is not literals.literal_filter)
        return ([check_response(t, crisis=i % 4 == 0) for i, t in enumerate(texts)],
                [gate.clean_text(t) for t in texts], [gate.mask_resources(t) for t in texts])

    reference = _without_prefilters(monkeypatch, verdicts)
    assert literals.literal_filter is gate.literal_filter and gate._plan().detectors("") != ()
    assert verdicts() == reference
    assert check_responses([{"text": t, "crisis": i % 4 == 0} for i, t in enumerate(texts)]) == reference[0]
    assert any(not v.safe for v in reference[0]) and any(v.safe for v in reference[0])
