"""The rule model: the RE2/Python common subset is enforced and SQL rendering is exact."""

from __future__ import annotations

import re

import pytest

from interosight_core.errors import PrepareError
from interosight_core.prepare.rules import (
    Rule,
    RuleSet,
    compile_python,
    sql_any_match_expr,
    sql_literal,
    sql_match_expr,
    sql_replace_chain,
    union_pattern,
)


def _rule(pattern: str, replacement: str | None = None, name: str = "r") -> Rule:
    return Rule(name, "test", pattern, replacement, "test rule", ("x",), ("y",))


@pytest.mark.parametrize(("pattern", "why"), [
    (r"a(?=b)", "lookahead"), (r"a(?!b)", "lookahead"), (r"(?<=a)b", "lookbehind"), (r"(?<!a)b", "lookbehind"),
    (r"(a)\1", "backreference"), (r"a++", "possessive"), (r"a{2}+", "possessive"), (r"(?>a)", "atomic"),
    (r"a$", "'$'"), (r"a\Z", "\\Z"), (r"\x{200b}", "x{"), (r"\u200b", "\\u"), (r"[^\S]", "\\S inside"),
])
def test_rule_rejects_syntax_outside_the_common_subset(pattern: str, why: str) -> None:
    with pytest.raises(PrepareError, match=re.escape(why)):
        _rule(pattern)


@pytest.mark.parametrize("pattern", [r"(?m)a$", r"[$]", r"\$", r"a\+\+", r"[+]+", r"(?i:ab)c", r"[\s<>]+x", r"\S+"])
def test_rule_accepts_common_subset(pattern: str, duck) -> None:
    rule = _rule(pattern)
    duck.execute(f"select {sql_match_expr(rule, chr(39) + 'x' + chr(39))}").fetchall()


@pytest.mark.parametrize(("replacement", "why"), [
    ("\\0", "\\0"), ("\\n", "\\n"), ("\\g<1>", "\\g"), ("\\12", "followed by a digit"), ("x\\", "\\"),
])
def test_rule_rejects_bad_replacements(replacement: str, why: str) -> None:
    with pytest.raises(PrepareError, match=re.escape(why)):
        _rule(r"(a)(b)", replacement)


def test_rule_rejects_bad_name_and_broken_regex() -> None:
    with pytest.raises(PrepareError, match="snake_case"):
        _rule("a", name="Bad-Name")
    with pytest.raises(PrepareError, match="does not compile"):
        _rule("(a")


def test_ruleset_rejects_duplicates_and_fingerprints_behaviour() -> None:
    with pytest.raises(PrepareError, match="duplicate"):
        RuleSet("v1", (_rule("a"), _rule("b")))
    one = RuleSet("v1", (_rule("a", "b"),))
    assert one.fingerprint() == RuleSet("v1", (_rule("a", "b"),)).fingerprint()
    assert one.fingerprint() != RuleSet("v1", (_rule("a", "c"),)).fingerprint()
    assert one.fingerprint() != RuleSet("v2", (_rule("a", "b"),)).fingerprint()
    with pytest.raises(PrepareError, match="no rule named"):
        one.get("missing")
    with pytest.raises(PrepareError, match="only flags"):
        _rule("a").apply("a")


@pytest.mark.parametrize("value", ["", "plain", "it's", "''", "a\nb", "\x1f", "tab\there", "é’\u200b", "\\1 \\"])
def test_sql_literal_round_trips(value: str, duck) -> None:
    assert duck.execute(f"select {sql_literal(value)}").fetchall()[0][0] == value


def test_union_scopes_leading_flags_in_both_engines(duck) -> None:
    union = union_pattern([r"(?i)abc", r"(?m)^x", r"def"])
    assert union == r"(?i:abc)|(?m:^x)|(?:def)"
    texts = ["ABC", "q\nx", "DEF", "def", "zz"]
    py = [bool(compile_python(union).search(t)) for t in texts]
    sql = [duck.execute(f"select regexp_matches(?, {sql_literal(union)})", [t]).fetchall()[0][0] for t in texts]
    assert py == sql == [True, True, False, True, False]
    with pytest.raises(PrepareError):
        union_pattern([])


def test_python_whitespace_is_re2_whitespace(duck) -> None:
    rule = _rule(r"a\sb[\s]c\Sd")
    for text in ["a b c-d", "a\x0bb c-d", "a b\x0bc-d", "a b c d", "a\u00a0b c-d"]:
        sql = duck.execute(f"select {sql_match_expr(rule, '?')}", [text]).fetchall()[0][0]
        assert rule.matches(text) == sql, repr(text)


def test_replace_chain_and_any_match_render_valid_sql(duck) -> None:
    rules = [_rule(r"(a)(b)", "\\2\\1", "swap"), _rule(r"'", "\x1f", "quote")]
    expr = sql_replace_chain(rules, "?")
    assert duck.execute(f"select {expr}", ["ab it's"]).fetchall()[0][0] == "ba it\x1fs"
    assert duck.execute(f"select {sql_any_match_expr(rules, '?')}", ["it's"]).fetchall()[0][0] is True
    with pytest.raises(PrepareError, match="no replacement"):
        sql_replace_chain([_rule("a")], "x")


def test_gates_validate_and_skip(duck) -> None:
    from interosight_core.prepare.rules import NON_ASCII, sql_gate_expr

    with pytest.raises(PrepareError, match="must not contain letters"):
        Rule("g", "test", r"(?i)&amp;", "&", "d", ("&amp;",), ("x",), gate=("&amp",))
    with pytest.raises(PrepareError, match="empty gate"):
        Rule("g", "test", r"&", "x", "d", ("&",), ("x",), gate=("",))
    rule = Rule("g", "test", r"é", "e", "d", ("é",), ("e",), gate=(NON_ASCII,))
    assert rule.gate_open("café") and not rule.gate_open("cafe")
    amp = Rule("a", "test", r"(?i)&amp;", "&", "d", ("&amp;",), ("x",), gate=("&",))
    chain = sql_replace_chain([rule, amp, _rule("x", "y", "plain")], "$1")
    assert chain.count("list_transform") == 3  # outer union gate + one per gate group
    assert duck.execute(f"select {chain}", ["café &AMP; x"]).fetchall()[0][0] == "cafe & y"
    assert duck.execute(f"select {sql_gate_expr((NON_ASCII, '&'), '$1')}", ["a"]).fetchall()[0][0] is False
