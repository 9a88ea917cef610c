"""Cleaning rules: examples per rule, expected outputs, and DuckDB == Python on a corpus."""

from __future__ import annotations


import pandas as pd
import pytest

from interosight_core.prepare.clean import (
    CLEAN_RULES,
    SEED_RULES,
    clean_text,
    seed_clean_reddit_text,
    seed_clean_text,
    sql_clean_expr,
    sql_seed_clean_expr,
)
from interosight_core.prepare.rules import Rule, RuleSet

ALL = [(rs, rule) for rs in (CLEAN_RULES, SEED_RULES) for rule in rs]
IDS = [rule.name for _, rule in ALL]


@pytest.fixture(scope="module")
def rule_agreement(duck) -> dict[str, list[tuple[str, bool, str, bool, str]]]:
    """For every rule and its examples: (text, py_match, py_sub, sql_match, sql_sub), from one query."""
    rows = [(rs.version, r.name, r.pattern, r.replacement, t) for rs, r in ALL for t in r.examples + r.counterexamples]
    frame = pd.DataFrame(rows, columns=["rs", "name", "pattern", "replacement", "text"])
    duck.register("clean_rule_rows", frame)
    got = duck.execute("select regexp_matches(text, pattern), regexp_replace(text, pattern, replacement, 'g') "
                       "from clean_rule_rows").fetchall()
    duck.unregister("clean_rule_rows")
    out: dict[str, list] = {}
    for (version, name, _, _, text), (sql_match, sql_sub) in zip(rows, got):
        rs = CLEAN_RULES if version == CLEAN_RULES.version else SEED_RULES
        rule = rs.get(name)
        from interosight_core.prepare.rules import compile_python
        regex = compile_python(rule.pattern, rs.ascii)
        out.setdefault(name, []).append((text, bool(regex.search(text)), regex.sub(rule.replacement, text),
                                         sql_match, sql_sub))
    return out


@pytest.mark.parametrize(("ruleset", "rule"), ALL, ids=IDS)
def test_rule_has_examples_that_match_and_counterexamples_that_do_not(ruleset: RuleSet, rule: Rule) -> None:
    assert rule.examples, f"{rule.name}: add at least one example"
    assert rule.counterexamples, f"{rule.name}: add at least one counterexample"
    for text in rule.examples:
        assert rule.matches(text), f"{rule.name} should match {text!r}"
    for text in rule.counterexamples:
        assert not rule.matches(text), f"{rule.name} should not match {text!r}"
    assert not rule.matches(""), f"{rule.name} matches the empty string"


@pytest.mark.parametrize(("ruleset", "rule"), ALL, ids=IDS)
def test_duckdb_agrees_with_python_on_rule_examples(ruleset: RuleSet, rule: Rule, rule_agreement) -> None:
    for text, py_match, py_sub, sql_match, sql_sub in rule_agreement[rule.name]:
        assert py_match == sql_match, (rule.name, text)
        assert py_sub == sql_sub, (rule.name, text)


@pytest.mark.parametrize(("raw", "expected"), [
    ("# My update\n\n&gt; someone said this\n\nI **really** struggle with [this](https://x.com) &amp; *that*.\u200b"
     "\n\n\n\n- ate lunch\nEDIT: thanks all\nThanks in advance!  \n",
     "My update\n\nI really struggle with this & that.\n\nate lunch"),
    ("&#x200B;\n\nhello&nbsp;there don&#39;t   worry\tok", "hello there don't worry ok"),
    ("~~fine~~ not fine `code` __bold__ _it_ my_user_name 2 * 3", "fine not fine code bold it my_user_name 2 * 3"),
    ("any ideas? TIA\nAny advice would be greatly appreciated!", "any ideas?"),
    ("tia said hi to me today", "tia said hi to me today"),
    ("[deleted]", ""),
    ("line one\r\nline two\x07bell", "line one\nline two bell"),
    ("```\nprint('x')\n```\n---\n>!spoiler!< ^(tiny)", "print('x')\n\nspoiler tiny"),
    ("i need to edit my essay but update: i ate", "i need to edit my essay but"),
    ("i feel > 100% sure & fine", "i feel > 100% sure & fine"),
])
def test_clean_text_expected_outputs(raw: str, expected: str, duck) -> None:
    assert clean_text(raw) == expected
    assert duck.execute(f"select {sql_clean_expr('?')}", [raw]).fetchall()[0][0] == expected


def test_clean_is_idempotent_on_plain_text() -> None:
    plain = "i had a hard day.\n\nbut i ate lunch and that counts"
    assert clean_text(plain) == plain
    assert clean_text(clean_text(plain)) == plain


def test_seed_rules_reproduce_the_seed(corpus: list[str]) -> None:
    assert len(SEED_RULES) == 9
    for text in corpus:
        assert seed_clean_text(text) == seed_clean_reddit_text(text), repr(text)


def test_duckdb_clean_equals_python_on_corpus(corpus: list[str], duck) -> None:
    frame = pd.DataFrame({"text": corpus})
    duck.register("clean_corpus", frame)
    got = duck.execute(f"select {sql_clean_expr('text')} from clean_corpus").fetchall()
    seed = duck.execute(f"select {sql_seed_clean_expr('text')} from clean_corpus").fetchall()
    duck.unregister("clean_corpus")
    mismatches = [t for t, (g,) in zip(corpus, got) if clean_text(t) != g]
    assert not mismatches, mismatches[:5]
    # The seed runs in Python's Unicode mode; in RE2 its \s and \b are ASCII, so only ASCII text must agree.
    seed_mismatches = [t for t, (g,) in zip(corpus, seed) if t.isascii() and "\x0b" not in t and seed_clean_text(t) != g]
    assert not seed_mismatches, seed_mismatches[:5]


def test_gates_are_necessary_conditions(corpus: list[str]) -> None:
    """A gate may only skip texts the rule cannot match, or it would change results."""
    gated = [rule for rule in CLEAN_RULES if rule.gate]
    assert len(gated) >= 20
    for rule in gated:
        for text in corpus + list(rule.examples):
            if rule.matches(text):
                assert rule.gate_open(text), (rule.name, text)
