"""Rule data model shared by cleaning and safety: one regex, two engines.

A `Rule` is a named regular expression with an optional replacement. The
prepare stage runs rules vectorised over whole columns inside DuckDB (RE2,
via `regexp_replace` / `regexp_matches`) and the by-hand CLI runs the same
rules in Python (`re`). Both engines must give the same answer, so every
pattern is restricted to the syntax the two share with the same meaning:

- no lookahead/lookbehind, backreferences, atomic groups or possessive
  quantifiers (RE2 has none of them);
- no `\\Z`, `\\z`, `\\u....`, `\\x{....}`, `\\N{...}` (each exists in only one
  engine): write non-ASCII characters literally;
- `$` only under a leading `(?m)`: without it Python's `$` also matches
  before a final newline and RE2's does not;
- flags only as a leading `(?i)` / `(?m)` / `(?s)` group or a scoped
  `(?i:...)`; Python patterns are compiled with `re.ASCII` so `\\w`, `\\d`,
  `\\s` and `\\b` are ASCII in both engines.

Python patterns get `re.ASCII` and have `\\s` rewritten to RE2's exact set
`[\\t\\n\\f\\r ]` (Python's would add `\\v`), so `\\S` is not allowed inside a
character class. Remaining difference (documented): RE2's `(?i)` folds a
few non-ASCII letters (Kelvin sign, long s) that Python's ASCII mode does
not. Patterns must not match the empty string (the engines place empty
matches differently); tests check this.

Replacements use `\\1`..`\\9` only (no `\\0`, no other backslash, no group
reference followed by a digit): that subset means the same in Python's
`re.sub` templates and RE2's rewrite strings.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache

from interosight_core.errors import PrepareError
from interosight_core.prepare.literals import ALWAYS_OPEN, LiteralFilter, fold, literal_filter

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
NON_ASCII = "\x00non-ascii\x00"  # gate member: "the text has a non-ASCII character"
_LEADING_FLAGS = re.compile(r"^\(\?([imsx]+)\)")
_BAD_ESCAPES = {"Z": "\\Z", "z": "\\z", "u": "\\u", "U": "\\U", "N": "\\N", "G": "\\G"}


def _syntax_problem(pattern: str) -> str | None:
    """Return why `pattern` is outside the RE2/Python common subset, or None."""
    lead = _LEADING_FLAGS.match(pattern)
    multiline = bool(lead) and "m" in lead.group(1)
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "\\":
            nxt = pattern[i + 1] if i + 1 < n else ""
            if nxt in "123456789":
                return "backreference"
            if nxt in _BAD_ESCAPES:
                return f"escape {_BAD_ESCAPES[nxt]} (not in both engines)"
            if nxt == "x" and pattern[i + 2:i + 3] == "{":
                return "escape \\x{...} (Python lacks it; write the character)"
            i += 2
            continue
        if ch == "[":
            # Skip a character class: a leading ']' (after optional '^') is literal.
            j = i + 1
            if pattern[j:j + 1] == "^":
                j += 1
            if pattern[j:j + 1] == "]":
                j += 1
            while j < n and pattern[j] != "]":
                if pattern[j:j + 2] == "\\S":
                    return "\\S inside a character class"
                j += 2 if pattern[j] == "\\" else 1
            i = j + 1
            continue
        if pattern.startswith(("(?=", "(?!"), i):
            return "lookahead"
        if pattern.startswith(("(?<=", "(?<!"), i):
            return "lookbehind"
        if pattern.startswith("(?>", i):
            return "atomic group"
        if ch in "*+?}" and pattern[i + 1:i + 2] == "+":
            return "possessive quantifier"
        if ch == "$" and not multiline:
            return "'$' without a leading (?m)"
        i += 1
    return None


def _replacement_problem(replacement: str) -> str | None:
    """Return why `replacement` is outside the shared template subset, or None."""
    for match in re.finditer(r"\\(.?)", replacement, re.DOTALL):
        ref = match.group(1)
        if ref not in tuple("123456789"):
            return f"backslash escape \\{ref} (only \\1..\\9 allowed)"
        following = replacement[match.end():match.end() + 1]
        if following.isdigit():
            return "group reference followed by a digit (ambiguous in Python)"
    return None


def _re2_whitespace(pattern: str) -> str:
    """Rewrite `\\s` / `\\S` to RE2's exact whitespace set `[\\t\\n\\f\\r ]` for Python.

    Python's ASCII `\\s` also matches `\\v`; RE2's does not. Inside a class
    `\\s` becomes the members; `\\S` inside a class is rejected by validation.
    """
    out: list[str] = []
    i, n, in_class = 0, len(pattern), False
    while i < n:
        ch = pattern[i]
        if ch == "\\" and i + 1 < n:
            nxt = pattern[i + 1]
            if nxt == "s":
                out.append("\\t\\n\\f\\r " if in_class else "[\\t\\n\\f\\r ]")
            elif nxt == "S" and not in_class:
                out.append("[^\\t\\n\\f\\r ]")
            else:
                out.append(pattern[i:i + 2])
            i += 2
            continue
        if not in_class and ch == "[":
            in_class = True
            out.append(ch)
            i += 1
            # A ']' right after '[' or '[^' is a literal member, not the end.
            if pattern[i:i + 1] == "^":
                out.append("^")
                i += 1
            if pattern[i:i + 1] == "]":
                out.append("]")
                i += 1
            continue
        if in_class and ch == "]":
            in_class = False
        out.append(ch)
        i += 1
    return "".join(out)


@lru_cache(maxsize=None)
def compile_python(pattern: str, ascii: bool = True) -> re.Pattern[str]:
    """Compile `pattern` with Python `re`, cached.

    With `ascii` (the default) the pattern gets `re.ASCII` and RE2's
    whitespace set, so it matches exactly what DuckDB matches; `ascii=False`
    compiles it untouched (Unicode classes, for the seed baseline).
    """
    try:
        return re.compile(_re2_whitespace(pattern), re.ASCII) if ascii else re.compile(pattern)
    except re.error as exc:
        raise PrepareError(f"regex {pattern!r} does not compile in Python: {exc}; fix the rule") from exc


@dataclass(frozen=True)
class Rule:
    """One named regex rule, valid in both RE2 (DuckDB) and Python `re`.

    `replacement` None means the rule only flags (safety detectors) or, for
    a `benign` rule, that its matches are blanked before detection.
    `examples` must match and `counterexamples` must not (tests enforce one
    of each). `level` is family-specific: the C-SSRS rung for `crisis`,
    the severity for `pro_ed`, 0 elsewhere. `benign` marks an allow-list
    rule applied before its family's detectors (see `safety`).

    `gate` is an optional speed hint: literal substrings (or `NON_ASCII`),
    at least one of which every match contains. Both engines skip the
    regex when none is present (`contains()` is ~10x cheaper than an RE2
    pass without a literal prefix). A gate never changes results if it is
    a true necessary condition; tests check it on examples and a corpus.
    Gates of case-insensitive patterns must not contain ASCII letters.
    """

    name: str
    family: str
    pattern: str
    replacement: str | None
    description: str
    examples: tuple[str, ...] = ()
    counterexamples: tuple[str, ...] = ()
    level: int = 0
    benign: bool = False
    gate: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        """Validate the name, the pattern subset and the replacement template."""
        where = f"rule {self.name!r} ({self.family})"
        if not _NAME.match(self.name):
            raise PrepareError(f"{where}: name must be snake_case ASCII")
        if not self.pattern:
            raise PrepareError(f"{where}: empty pattern")
        problem = _syntax_problem(self.pattern)
        if problem:
            raise PrepareError(f"{where}: pattern uses {problem}; RE2 and Python must agree")
        if self.replacement is not None:
            problem = _replacement_problem(self.replacement)
            if problem:
                raise PrepareError(f"{where}: replacement uses {problem}")
        compile_python(self.pattern)
        object.__setattr__(self, "gate", tuple(self.gate))
        if any(not g for g in self.gate):
            raise PrepareError(f"{where}: empty gate literal")
        if self.pattern.startswith("(?i") and any(re.search("[A-Za-z]", g) for g in self.gate if g != NON_ASCII):
            raise PrepareError(f"{where}: a case-insensitive rule's gate must not contain letters")
        object.__setattr__(self, "examples", tuple(self.examples))
        object.__setattr__(self, "counterexamples", tuple(self.counterexamples))

    @property
    def regex(self) -> re.Pattern[str]:
        """The compiled Python pattern (ASCII mode)."""
        return compile_python(self.pattern)

    def gate_open(self, text: str) -> bool:
        """Return False only when the gate proves the pattern cannot match `text`."""
        if not self.gate:
            return True
        return any((not text.isascii()) if g == NON_ASCII else (g in text) for g in self.gate)

    def matches(self, text: str) -> bool:
        """Return True if the pattern occurs anywhere in `text`."""
        return self.regex.search(text) is not None

    def apply(self, text: str) -> str:
        """Return `text` with every match replaced (the rule must have a replacement)."""
        if self.replacement is None:
            raise PrepareError(f"rule {self.name!r} has no replacement; it only flags")
        return self.regex.sub(self.replacement, text)


@dataclass(frozen=True)
class RuleSet:
    """An ordered, versioned list of rules.

    `version` is the human id recorded in lineage; `fingerprint()` hashes
    the rules' behaviour (patterns, replacements, levels, order) so caches
    invalidate even if someone forgets to bump the version. `ascii=False`
    compiles Python patterns in Unicode mode (only the seed baseline uses
    it, to stay faithful to the original `re.sub` calls). `strip_chars`,
    if set, is trimmed from both ends after the rules (`str.strip` in
    Python, `sql_strip_expr` in SQL: a trim that exists only in SQL, so the
    engines' different `$` does not matter).
    """

    version: str
    rules: tuple[Rule, ...]
    ascii: bool = True
    strip_chars: str = ""

    def __post_init__(self) -> None:
        """Freeze the rule list and reject duplicate names."""
        object.__setattr__(self, "rules", tuple(self.rules))
        seen: set[str] = set()
        for rule in self.rules:
            if rule.name in seen:
                raise PrepareError(f"rule set {self.version}: duplicate rule name {rule.name!r}")
            seen.add(rule.name)

    def __iter__(self) -> Iterator[Rule]:
        """Iterate over the rules in order."""
        return iter(self.rules)

    def __len__(self) -> int:
        """Return the number of rules."""
        return len(self.rules)

    @property
    def families(self) -> tuple[str, ...]:
        """The distinct family names, in first-seen order."""
        return tuple(dict.fromkeys(rule.family for rule in self.rules))

    def family(self, name: str, benign: bool | None = None) -> tuple[Rule, ...]:
        """Return the rules of family `name` (optionally only benign or only detectors)."""
        return tuple(r for r in self.rules if r.family == name and (benign is None or r.benign == benign))

    def get(self, name: str) -> Rule:
        """Return the rule called `name`."""
        for rule in self.rules:
            if rule.name == name:
                return rule
        raise PrepareError(f"rule set {self.version}: no rule named {name!r}")

    def fingerprint(self) -> str:
        """Return a 16-hex hash of the version and every rule's behaviour."""
        digest = hashlib.sha256(self.version.encode())
        for r in self.rules:
            for part in (r.name, r.family, r.pattern, r.replacement or "\x00", str(r.level), str(r.benign), *r.gate):
                digest.update(part.encode() + b"\x1e")
        digest.update(f"ascii={self.ascii};strip={self.strip_chars!r}".encode())
        return digest.hexdigest()[:16]

    @cached_property
    def _python_steps(self) -> tuple[tuple[Rule, re.Pattern[str], LiteralFilter], ...]:
        """The rules with a replacement, their compiled patterns and literal filters (`literals`)."""
        steps = []
        for rule in self.rules:
            if rule.replacement is not None:
                regex = compile_python(rule.pattern, self.ascii)
                steps.append((rule, regex, literal_filter(regex)))
        return tuple(steps)

    def apply(self, text: str) -> str:
        """Run every rule that has a replacement, in order, in Python.

        A rule is skipped when its gate is closed or its pattern's necessary
        literals (`literals.literal_filter`) are absent from the text as it
        stands: neither can change the result, the second saves the ungated
        rules' regex passes (the sign-off rule's was a third of `clean_text`).
        """
        folded = None
        for rule, regex, literals in self._python_steps:
            if not rule.gate_open(text):
                continue
            if literals is not ALWAYS_OPEN:
                if folded is None:
                    folded = fold(text)
                if not literals.open(folded):
                    continue
            changed = regex.sub(rule.replacement, text)
            if changed != text:
                text, folded = changed, None
        return text.strip(self.strip_chars) if self.strip_chars else text

    def sql_apply_expr(self, column: str) -> str:
        """Render `apply` as one DuckDB expression over `column` (nested regexp_replace)."""
        expr = sql_replace_chain([r for r in self.rules if r.replacement is not None], column)
        return sql_strip_expr(expr, self.strip_chars) if self.strip_chars else expr


def sql_strip_expr(expr: str, chars: str) -> str:
    """DuckDB expression equal to Python's `str.strip(chars)` on the text expression `expr`.

    An anchored RE2 replacement (`^[...]+|[...]+$`; without `(?m)` RE2's
    `$` is the end of the text only): DuckDB's `trim(x, chars)` walks the
    whole string and cost 5-10x more on the 77k-post corpus.
    """
    cls = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in dict.fromkeys(chars)) + "]"
    return f"regexp_replace({expr}, {sql_literal('^' + cls + '+|' + cls + '+$')}, '', 'g')"


def union_pattern(patterns: Iterable[str]) -> str:
    """Join patterns into one alternation, turning leading `(?i)` flags into scoped groups.

    Each pattern becomes `(?flags:...)` or `(?:...)`, so the union compiles
    in Python (which rejects global flags mid-pattern) and in RE2.
    """
    parts = []
    for pattern in patterns:
        lead = _LEADING_FLAGS.match(pattern)
        parts.append(f"(?{lead.group(1)}:{pattern[lead.end():]})" if lead else f"(?:{pattern})")
    if not parts:
        raise PrepareError("cannot build a union of zero patterns")
    return "|".join(parts)


def sql_literal(value: str) -> str:
    """Render `value` as a DuckDB string expression.

    Quotes are doubled; control characters (newline, the safety sentinel)
    become `chr(n)` so the SQL text stays printable and copy-safe.
    """
    parts: list[str] = []
    buf: list[str] = []
    for ch in value:
        if ch < " " or ch == "\x7f":
            if buf:
                parts.append("'" + "".join(buf).replace("'", "''") + "'")
                buf = []
            parts.append(f"chr({ord(ch)})")
        else:
            buf.append(ch)
    if buf or not parts:
        parts.append("'" + "".join(buf).replace("'", "''") + "'")
    return parts[0] if len(parts) == 1 else "(" + " || ".join(parts) + ")"


def sql_gate_expr(gate: tuple[str, ...], var: str) -> str:
    """Return the DuckDB boolean for a rule gate over the SQL expression `var`."""
    return " OR ".join("strlen(" + var + ") <> length(" + var + ")" if g == NON_ASCII
                       else f"contains({var}, {sql_literal(g)})" for g in gate)


def sql_replace_chain(rules: Iterable[Rule], column: str, replacement: str | None = None) -> str:
    """Nest one `regexp_replace(..., 'g')` per rule around the SQL expression `column`.

    `replacement` overrides every rule's own (used to blank benign matches).
    Gated rules are wrapped in `list_transform([x], lambda v: CASE WHEN
    gate THEN chain(v) ELSE v END)[1]` (the lambda names the intermediate
    value once, so the SQL grows linearly instead of repeating the inner
    expression per branch); a run of differently gated rules gets one outer
    lambda with the union of their gates, so a row that opens none of them
    pays for a single check. `column` is inserted verbatim: pass an
    identifier or expression, never data.
    """
    rules = list(rules)
    counter = iter(range(1, 1 << 30))
    expr, i = column, 0
    while i < len(rules):
        j = i
        while j < len(rules) and bool(rules[j].gate) == bool(rules[i].gate):
            j += 1
        run = rules[i:j]
        if not run[0].gate:
            expr = _plain_chain(run, expr, replacement)
        else:
            groups: list[list[Rule]] = []
            for rule in run:
                if groups and groups[-1][0].gate == rule.gate:
                    groups[-1].append(rule)
                else:
                    groups.append([rule])
            if len(groups) == 1:
                expr = _gated(expr, groups[0][0].gate, lambda v, g=groups[0]: _plain_chain(g, v, replacement), counter)
            else:
                union = tuple(dict.fromkeys(g for rule in run for g in rule.gate))

                def body(var: str, groups: list[list[Rule]] = groups) -> str:
                    """Chain each gate group's own lambda inside the union-gated one."""
                    inner = var
                    for group in groups:
                        inner = _gated(inner, group[0].gate,
                                       lambda v, g=group: _plain_chain(g, v, replacement), counter)
                    return inner

                expr = _gated(expr, union, body, counter)
        i = j
    return expr


def _gated(expr: str, gate: tuple[str, ...], body: Callable[[str], str], counter: Iterator[int]) -> str:
    """Wrap `body(var)` in a lambda that only runs when `gate` is open on `expr`."""
    var = f"_g{next(counter)}"
    return (f"list_transform([{expr}], lambda {var}: CASE WHEN {sql_gate_expr(gate, var)} "
            f"THEN {body(var)} ELSE {var} END)[1]")


def _plain_chain(rules: list[Rule], expr: str, replacement: str | None) -> str:
    """Nest `regexp_replace` calls for `rules` around `expr`, ignoring gates."""
    for rule in rules:
        rep = replacement if replacement is not None else rule.replacement
        if rep is None:
            raise PrepareError(f"rule {rule.name!r} has no replacement to render")
        expr = f"regexp_replace({expr}, {sql_literal(rule.pattern)}, {sql_literal(rep)}, 'g')"
    return expr


def sql_match_expr(rule: Rule, column: str) -> str:
    """Return a DuckDB boolean expression: does `rule` match anywhere in `column`."""
    return f"regexp_matches({column}, {sql_literal(rule.pattern)})"


def sql_any_match_expr(rules: Iterable[Rule], column: str) -> str:
    """Return a DuckDB boolean: does any of `rules` match `column` (see `sql_any_match`)."""
    return sql_any_match(column, [r.pattern for r in rules])


#: Patterns per RE2 union. RE2's lazy DFA has a fixed memory budget: past it a union falls back to the
#: slow NFA, and it does so abruptly (the 45 numbers rules in one union: 10 s on the 77k-post deposit;
#: in unions of 16: 0.05 s). Small unions ORed together stay on the DFA.
UNION_CHUNK = 16


def sql_any_match(column: str, patterns: Sequence[str]) -> str:
    """DuckDB boolean: does any of `patterns` match `column` (an OR of RE2 unions of `UNION_CHUNK` patterns)."""
    patterns = list(patterns)
    parts = [f"regexp_matches({column}, {sql_literal(union_pattern(patterns[i:i + UNION_CHUNK]))})"
             for i in range(0, len(patterns), UNION_CHUNK)]
    if not parts:
        raise PrepareError("cannot build a union of zero patterns")
    return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"
