"""Safety detectors rule by rule, spans, redaction outputs and the family contracts."""

from __future__ import annotations

import pandas as pd
import pytest

from interosight_core.errors import PrepareError
from interosight_core.prepare.rules import Rule
from interosight_core.prepare.safety import (
    FAMILIES,
    REDACTING,
    SAFETY_RULES,
    SENTINEL,
    detector_view,
    flag_families,
    levels,
    redact,
    scan,
)

RULES = list(SAFETY_RULES)
IDS = [rule.name for rule in RULES]


def _view(rule: Rule, text: str) -> str:
    """What `rule` runs on: the family view for detectors, the raw text for benign rules."""
    return text if rule.benign else detector_view(rule.family, text)


@pytest.fixture(scope="module")
def rule_agreement(duck) -> dict[str, list[tuple]]:
    """Per rule: (text, py_match, py_sub, sql_match, sql_sub) on its raw examples, from one DuckDB query."""
    rows = [(r.name, r.pattern, r.replacement or "", t) for r in RULES for t in r.examples + r.counterexamples]
    frame = pd.DataFrame(rows, columns=["name", "pattern", "replacement", "text"])
    duck.register("safety_rule_rows", frame)
    got = duck.execute("select regexp_matches(text, pattern), regexp_replace(text, pattern, replacement, 'g') "
                       "from safety_rule_rows").fetchall()
    duck.unregister("safety_rule_rows")
    out: dict[str, list] = {}
    for (name, _, replacement, text), (sql_match, sql_sub) in zip(rows, got):
        rule = SAFETY_RULES.get(name)
        out.setdefault(name, []).append((text, rule.matches(text), rule.regex.sub(replacement, text), sql_match, sql_sub))
    return out


@pytest.mark.parametrize("rule", RULES, ids=IDS)
def test_rule_has_examples_that_match_and_counterexamples_that_do_not(rule: Rule) -> None:
    assert rule.examples, f"{rule.name}: add at least one example"
    assert rule.counterexamples, f"{rule.name}: add at least one counterexample"
    for text in rule.examples:
        assert rule.regex.search(_view(rule, text)), f"{rule.name} should match {text!r}"
    for text in rule.counterexamples:
        assert not rule.regex.search(_view(rule, text)), f"{rule.name} should not match {text!r}"
    assert not rule.matches(""), f"{rule.name} matches the empty string"


@pytest.mark.parametrize("rule", RULES, ids=IDS)
def test_duckdb_agrees_with_python_on_rule_examples(rule: Rule, rule_agreement) -> None:
    for text, py_match, py_sub, sql_match, sql_sub in rule_agreement[rule.name]:
        assert py_match == sql_match, (rule.name, text)
        assert py_sub == sql_sub, (rule.name, text)


def test_families_levels_and_versions() -> None:
    assert SAFETY_RULES.version == "safety-1.2.0"
    assert set(SAFETY_RULES.families) == set(FAMILIES)
    crisis = {r.level for r in SAFETY_RULES.family("crisis", benign=False)}
    assert crisis == {1, 2, 3, 4, 5, 6}
    assert {r.level for r in SAFETY_RULES.family("pro_ed", benign=False)} == {1, 2, 3}
    for rule in SAFETY_RULES.family("numbers", benign=False):
        assert "[number]" in rule.replacement
    placeholders = {r.replacement.split("]")[0].split("[")[-1] for r in SAFETY_RULES.family("pii", benign=False)}
    assert placeholders == {"email", "phone", "url", "user", "subreddit", "name", "address"}
    with pytest.raises(PrepareError, match="unknown safety family"):
        detector_view("nope", "x")


@pytest.mark.parametrize(("text", "expected"), [
    ("i ate under 1200 calories today", "i ate under [number] calories today"),
    ("Logged 1,200 kcal", "Logged [number] kcal"),
    ("im 95 lbs and lost 35 pounds", "im [number] lbs and lost [number] pounds"),
    ("bmi 16.5, a BMI of 16.5", "bmi [number], a BMI of [number]"),
    ("size 00 jeans and size 2", "size [number] jeans and size [number]"),
    ("23 inch waist", "[number] inch waist"),
    ("fasted for 72 hours after a 72 hour fast", "fasted for [number] hours after a [number] hour fast"),
    ("2 hours on the treadmill, 10k steps, ran 5 miles", "[number] hours on the treadmill, [number] steps, ran [number] miles"),
    ("goal weight 110", "goal weight [number]"),
    ("I'm 5'4 and 7st 2lbs", "I'm [number]'[number] and [number]st [number]lbs"),
    ("spent 20 pounds on food but lost 2 pounds of fat", "spent 20 pounds on food but lost [number] pounds of fat"),
    ("3 siblings, 2 weeks since my last binge, at 7 pm, i am 19, day 3, 2 cups of tea",
     "3 siblings, 2 weeks since my last binge, at 7 pm, i am 19, day 3, 2 cups of tea"),
    ("email jane.doe@gmail.com or call 555-123-4567", "email [email] or call [phone]"),
    ("see https://x.com/a and www.b.org, thanks u/bob_1 in r/EDAnonymous",
     "see [url] and [url], thanks [user] in [subreddit]"),
    ("my name is Sarah Jones and i live at 12 Oak Street", "my name is [name] and i live at [address]"),
    ("my name is not important", "my name is not important"),
    ("i ate 3 meals on main street", "i ate 3 meals on main street"),
    ("call me on 07700 900123, 221b baker st", "call me on [phone], [address]"),
    ("text \x1f kept? 95 lbs", "text  kept? [number] lbs"),
    ("nothing to see here", "nothing to see here"),
])
def test_redact_expected_outputs(text: str, expected: str, duck) -> None:
    from interosight_core.prepare.safety import sql_redact_expr

    assert redact(text) == expected
    assert duck.execute(f"select {sql_redact_expr('$1')}", [text]).fetchall()[0][0] == expected


def test_scan_spans_index_the_original_text() -> None:
    text = "this workout is killing me but i want to kill myself. spent 20 pounds, weigh 95 lbs, a@b.co"
    report = scan(text)
    for flag in report.flags:
        assert text[flag.start:flag.end] == flag.text
        assert SENTINEL not in flag.text
    by_rule = {f.rule: f.text for f in report.flags}
    assert by_rule["crisis_kill_myself"] == "kill myself"
    assert by_rule["num_weight_unit"] == "95 lbs"
    assert by_rule["pii_email"] == "a@b.co"
    assert "20 pounds" not in {f.text for f in report.flags}
    assert report.crisis_level == 2 and report.has("crisis") and report.has("pii")
    assert report.redacted == redact(text)


def test_scan_levels_follow_the_ladder() -> None:
    assert scan("i wish i was dead").crisis_level == 1
    assert scan("i feel suicidal").crisis_level == 2
    assert scan("thinking about jumping off the bridge").crisis_level == 3
    assert scan("im going to kill myself").crisis_level == 4
    assert scan("i wrote my suicide note").crisis_level == 5
    assert scan("i tried to kill myself last year").crisis_level == 6
    assert scan("thinspo").pro_ed_level == 1
    assert scan("looking for an ana buddy").pro_ed_level == 2
    assert scan("how do you hide not eating from your parents").pro_ed_level == 3
    assert scan("a calm day").crisis_level == 0


def test_scan_agrees_with_flag_families_and_levels(corpus: list[str]) -> None:
    for text in corpus:
        report = scan(text)
        flags = flag_families(text)
        assert report.families == {f for f, on in flags.items() if on}, repr(text)
        lv = levels(text)
        assert (report.crisis_level, report.pro_ed_level) == (lv["crisis"], lv["pro_ed"]), repr(text)


def test_redacting_family_order_is_pii_then_numbers() -> None:
    assert REDACTING == ("pii", "numbers")
    assert redact("+1 (415) 555-0132 and 1200 calories") == "[phone] and [number] calories"
