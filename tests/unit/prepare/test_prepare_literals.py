"""Literal prefilters (`prepare.literals`): never closed where the regex matches, and worth having."""

from __future__ import annotations

import random
import re
import string

import pytest

from interosight_core.prepare import literals
from interosight_core.prepare.clean import CLEAN_RULES, SEED_RULES
from interosight_core.prepare.literals import (
    ALL,
    ALWAYS_OPEN,
    CASE_FOLD_TO_ASCII,
    INERT,
    UNICODE_SPACE,
    fold,
    literal_filter,
    multi_selector,
    query_of,
)
from interosight_core.prepare.rules import compile_python
from interosight_core.prepare.safety import SAFETY_RULES

from .conftest import RAW_POSTS


def _mutations(text: str, rng: random.Random) -> list[str]:
    """Case changes, the non-ASCII case folds, other whitespace and digits: same matches expected to pass."""
    upper = "".join(c.upper() if rng.random() < 0.3 else c for c in text)
    special = text.replace("i", "\u0130").replace("s", "\u017f").replace("k", "\u212a").replace("I", "\u0131")
    spaces = text.replace(" ", "\u00a0").replace("\n", "\u2028")
    return [text, text.upper(), upper, special, spaces, text.replace("1", "7").replace(" ", "\t")]


def test_unicode_space_is_exactly_what_backslash_s_matches():
    space = re.compile(r"\s")
    assert "".join(c for c in map(chr, range(0x110000)) if space.match(c)) == UNICODE_SPACE


def test_case_fold_table_is_exactly_the_non_ascii_ignorecase_matches_of_ascii():
    ascii_class = re.compile("[\x00-\x7f]", re.IGNORECASE)
    found = {c: next(a for a in string.printable if re.fullmatch(re.escape(a), c, re.IGNORECASE)).lower()
             for c in map(chr, range(0x80, 0x110000)) if ascii_class.match(c)}
    assert found == CASE_FOLD_TO_ASCII


@pytest.mark.parametrize("text", ["Plain ASCII 1200 kcal\tand\nlines", "İstanbul ſtrong \u212aelvin ıi",
                                  "caf\u00e9\u00a0\u2003x\u2028y 9\x1f\x1c\x1a end", "", "\u03a3\u03a3 \u00df \u1e9e"])
def test_fold_is_the_documented_char_map(text):
    assert fold(text) == text.translate(literals._FOLD_TABLE).lower()
    assert INERT not in fold(text.replace(INERT, "")) and (INERT in text) == (INERT in fold(text))


@pytest.mark.parametrize(("pattern", "flags", "matching", "closed_on"), [
    (r"eat(?:ing)?\s+less", re.I, ["EAT  less", "eating\u2003less", "eat\nless"], "you ate less"),
    (r"\b(?:one|two|\d+)\s*(?:lbs?|pounds?)\b", re.I, ["2 lbs", "TWO POUNDS", "9lb", "\u0131 one pound"], "a kg"),
    (r"(?:ab|cd)?ef", 0, ["ef", "abef", "cdef"], "e f"),
    (r"a{2,3}b", 0, ["aab", "aaab"], "ab"),
    (r"(x+)y\1", 0, ["xyx", "xxyxx"], "x y"),
    (r"(?<!not )kill\s+yourself(?!\w)", re.I, ["KILL YOURSELF", "kill\t\tyourſelf"], "kill your self"),
    (r"café|naïve", 0, ["café", "naïve"], "zzz"),
    (r"(?i)k[a-c]t", 0, ["\u212aAT", "kbt"], "kzt"),
    (r"(?i)\bbmi\s*(?:of\s*)?\d", re.ASCII, ["BMI of 3", "bmi9"], "bmi is"),
    (r"[^abc]+z", 0, ["xz", "dz"], "abc"),
    (r"x\x1ay", 0, ["x\x1ay"], None),
    (r"(?:a|)b", 0, ["b", "ab"], "c"),
])
def test_filters_open_on_matches_and_close_without_their_literals(pattern, flags, matching, closed_on):
    regex = re.compile(pattern, flags)
    lf = literal_filter(regex)
    for text in matching:
        assert regex.search(text), (pattern, text)
        assert lf.open(fold(text)), (pattern, text, lf.query)
    if closed_on is None:
        assert lf is ALWAYS_OPEN or all(INERT not in lit for lit in lf.literals())
    else:
        assert not regex.search(closed_on)
        assert not lf.open(fold(closed_on)), (pattern, lf.query)


def test_a_pattern_without_literals_is_always_open():
    for pattern in (r"\w+", r".", r"[^a]", r"\d", r"(?:x)?"):
        assert literal_filter(re.compile(pattern)) is ALWAYS_OPEN, pattern


def _all_patterns() -> list[re.Pattern[str]]:
    from interosight_core.synth.gate import RESOURCE_RULES, RESPONSE_RULES, _compile

    patterns = [r.regex for r in SAFETY_RULES] + [compile_python(r.pattern) for r in CLEAN_RULES]
    patterns += [compile_python(r.pattern, ascii=False) for r in SEED_RULES]
    patterns += [r.regex for r in RESPONSE_RULES + RESOURCE_RULES]
    patterns += [_compile(r.prefilter) for r in RESPONSE_RULES if r.prefilter]
    return patterns


def test_every_rule_filter_is_open_wherever_its_regex_matches(corpus):
    """The property that makes skipping exact, on rule examples, labelled cases, fuzz and their mutations."""
    from interosight_core.synth.gate import RESOURCE_RULES, RESPONSE_RULES

    rng = random.Random(3)
    texts = list(corpus) + list(RAW_POSTS)
    for rule in (*RESPONSE_RULES, *RESOURCE_RULES):
        texts.extend(rule.examples + rule.counterexamples)
    texts = [m for t in texts for m in rng.sample(_mutations(t, rng), 2)]
    folded = [fold(t) for t in texts]
    closed = 0
    for regex in _all_patterns():
        lf = literal_filter(regex)
        for text, f in zip(texts, folded):
            is_open = lf.open(f)
            closed += not is_open
            if not is_open:
                assert not regex.search(text), (regex.pattern[:80], text[:80], lf.query)
    assert closed > len(texts) * len(_all_patterns()) // 2  # and they do skip most of the work


def test_filters_are_bounded_and_mostly_present():
    patterns = _all_patterns()
    for regex in patterns:
        assert literals._cost(query_of(regex)) <= literals._BUDGET, regex.pattern[:80]
    assert sum(literal_filter(r) is not ALWAYS_OPEN for r in patterns) > 0.8 * len(patterns)


def test_multi_selector_equals_one_filter_at_a_time(corpus):
    filters = tuple(literal_filter(r.regex) for r in SAFETY_RULES if not r.benign)
    names = tuple(r.name for r in SAFETY_RULES if not r.benign)
    half = len(names) // 2
    select = multi_selector(((names[:half], filters[:half]), (names[half:], filters[half:])))
    for text in corpus:
        f = fold(text)
        first, second = select(f)
        assert first + second == [n for n, lf in zip(names, filters) if lf.open(f)]


def test_rule_set_apply_with_filters_equals_every_rule_in_order(corpus):
    """`RuleSet.apply` skips rules by gate and literals; running every rule gives the same text."""
    for rules in (CLEAN_RULES, SEED_RULES):
        for text in corpus:
            expected = text
            for rule in rules:
                if rule.replacement is not None:
                    expected = compile_python(rule.pattern, rules.ascii).sub(rule.replacement, expected)
            expected = expected.strip(rules.strip_chars) if rules.strip_chars else expected
            assert rules.apply(text) == expected, (rules.version, text)


def test_all_query_is_the_always_open_filter():
    assert ALWAYS_OPEN.query == ALL and ALWAYS_OPEN.open("anything")
