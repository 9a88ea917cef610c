"""Necessary literals of a compiled Python regex: a cheap prefilter that never changes a result.

`literal_filter(regex)` reads the parsed pattern and returns a
`LiteralFilter`: an AND/OR query over lower-case literals that every
match of `regex` satisfies in the case-folded text (`fold`).
`LiteralFilter.open(fold(text))` is False only when no match can exist,
so skipping the regex then is exact; the always-true query is used when
nothing is known. A query costs a few `str.__contains__` calls (~0.2 µs
each on a 400-character reply) where Python's backtracking `re` spends
20-500 µs failing on a long alternation.

The query is derived by a small algebra over the parse tree (the idea of
Cox's trigram-index prefilter, with whole literals instead of trigrams):
for each node the exact set of strings it can match (when finite and
small), its possible prefixes and suffixes, and a query its matches
satisfy. A sequence concatenates exact runs ("eat" + optional "ing" + one
`\\s` -> "eat ", "eating ") and ANDs its parts' queries, an alternation
ORs its branches', a repeat with a minimum of 0 and a backreference tell
nothing. Everything not understood (non-ASCII literals, `.`, negated or
large classes, Unicode `\\d`, unknown opcodes) counts as "any string",
which only weakens the query. A query is bounded (`_BUDGET` literal
checks at worst) by dropping AND terms or widening OR terms, both of which
keep it necessary; it is compiled once to a Python lambda.

Case folding: a pattern's literals are lower-cased whatever its flags (a
case-sensitive literal is then checked more loosely, never more strictly),
and `fold` lower-cases the text after mapping the four non-ASCII
characters that Python's Unicode IGNORECASE matches to ASCII letters
(İ ı -> i, ſ -> s, Kelvin sign -> k). Every character `\\s` matches folds
to " " and every ASCII digit to "0", the same map applied to the pattern's
characters, so `\\s` and `[0-9]` are literals too. Tests re-derive both
tables from every code point.

Edited text: no literal contains an `INERT` character and `fold` keeps
it, so a caller may check a filter on the text *before* overwriting parts
of it with `INERT` characters (the gate's benign blanking): such edits
only remove literals. Any other edit (the safety stage's sentinels, blank
spaces) needs the filter checked on the edited text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

try:  # Python >= 3.11
    from re import _constants as _c
    from re import _parser
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _parser  # type: ignore[no-redef]

#: Non-ASCII characters that Python's Unicode IGNORECASE matches to an ASCII letter.
CASE_FOLD_TO_ASCII = {"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"}
#: Every character Python's Unicode `\s` matches (`str.isspace`).
UNICODE_SPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200b)))
                 + "\u2028\u2029\u202f\u205f\u3000")
# Text and pattern characters go through the same map, so a literal of the text stays one.
_CHAR_MAP = {**{c: " " for c in UNICODE_SPACE}, **{c: "0" for c in "0123456789"}}
_ASCII_TABLE = str.maketrans({c: t for c, t in _CHAR_MAP.items() if c.isascii()})
_FOLD_TABLE = str.maketrans({**_CHAR_MAP, **CASE_FOLD_TO_ASCII})  # `fold` = translate(_FOLD_TABLE).lower()
_OTHER_SPACE_OR_DIGIT = re.compile(r"[^\S ]|[1-9]")  # whitespace other than " ", digits other than "0"
#: Characters no literal contains and `fold` keeps (the gate's blanking filler).
INERT = "\x1a"

_MAX_SET = 48  # most strings in an exact, prefix or suffix set
_MAX_LITS = 256  # most literals one OR of literals may hold (`_bound` then trims the query)
_MAX_CLASS = 24  # most characters a class may enumerate
_BUDGET = 320  # most literal checks a filter may cost


@lru_cache(maxsize=32)
def fold(text: str) -> str:
    """The text a `LiteralFilter` is checked against: case-folded, whitespace and digits unified, 1:1.

    Equal to ``text.translate(_FOLD_TABLE).lower()``; the non-ASCII path
    avoids `str.translate`'s slow generic mode (~3x).
    """
    if text.isascii():
        return text.lower().translate(_ASCII_TABLE)
    for special, ascii_letter in CASE_FOLD_TO_ASCII.items():  # before lower(): "İ".lower() is two characters
        if special in text:
            text = text.replace(special, ascii_letter)
    return _OTHER_SPACE_OR_DIGIT.sub(lambda m: "0" if m.group() in "123456789" else " ", text.lower())


def _usable_char(code: int) -> bool:
    """Whether a pattern character may appear in a literal: ASCII and not `INERT`."""
    return code < 128 and chr(code) not in INERT


def _char(code: int) -> str:
    """An ASCII pattern character as the filter sees it (the map `fold` applies to the text)."""
    ch = chr(code).lower()
    return _CHAR_MAP.get(ch, ch)


# --- queries: ("lits", literals) = any of them occurs; ("and", parts); ("or", parts) -----------------

Query = tuple
ALL: Query = ("and", ())  # always true


def _useful(options: frozenset[str] | None) -> bool:
    return bool(options) and "" not in options


def _minimal(options) -> tuple[str, ...]:
    """Drop literals that contain another literal of the set (same meaning, fewer checks); shortest first."""
    kept: list[str] = []
    for lit in sorted(options, key=lambda s: (len(s), s)):
        if not any(k in lit for k in kept):
            kept.append(lit)
    return tuple(kept)


def _lits(options: frozenset[str] | None) -> Query:
    if not _useful(options):
        return ALL
    kept = _minimal(options)
    return ("lits", kept) if len(kept) <= _MAX_LITS else ALL


def _implies(strong: tuple[str, ...], weak: tuple[str, ...]) -> bool:
    """True when any text with a literal of `strong` has one of `weak` (every strong one contains a weak one)."""
    return all(any(w in s for w in weak) for s in strong)


def _and(*parts: Query) -> Query:
    parts = tuple(p for p in parts if p != ALL)
    if len(parts) <= 1:
        return parts[0] if parts else ALL
    children: list[Query] = []
    for part in parts:
        children.extend(part[1] if part[0] == "and" else (part,))
    children = list(dict.fromkeys(children))
    lits = [c for c in children if c[0] == "lits"]
    children = [c for c in children
                if not (c[0] == "lits" and any(o is not c and _implies(o[1], c[1]) for o in lits))]
    return children[0] if len(children) == 1 else ("and", tuple(children))


def _or(*parts: Query) -> Query:
    children: list[Query] = []
    literals: set[str] = set()
    for part in parts:
        if part == ALL:
            return ALL
        for child in part[1] if part[0] == "or" else (part,):
            if child[0] == "lits":
                literals.update(child[1])
            else:
                children.append(child)
    if literals:
        merged = _lits(frozenset(literals))
        if merged == ALL:
            return ALL
        children.append(merged)
    children = list(dict.fromkeys(children))
    return children[0] if len(children) == 1 else ("or", tuple(children))


def _cost(q: Query) -> int:
    """Literal checks the query makes at worst."""
    return len(q[1]) if q[0] == "lits" else sum(map(_cost, q[1]))


# Words (and their prefixes) found in most replies: a literal that is one of them rarely closes a filter.
_COMMON_WORDS = (
    "a about all also am an and any are as at be been being but by can could did do does don't each eat eating "
    "even feel feeling feels food for from get go going good had has have help her him his how i if in into is "
    "it it's its just know like make may me might more most much my need no not now of on one only or other our "
    "out people really right said say says see she should so some someone something sounds still take than that "
    "that's the their them then there these they thing things think this those time to too try up us very want "
    "was way we well were what when which while who why will with would you you're your yourself").split()
_COMMON_PREFIXES = frozenset(word[:i] for word in _COMMON_WORDS for i in range(1, len(word) + 1))
_P_OPEN = (0.95, 0.8, 0.3, 0.15, 0.05, 0.02)  # guessed chance a literal occurs, by strength


def _strength(literal: str) -> int:
    """How selective a literal is (0-5): its length without edge spaces; 1 for a common word or a prefix of
    one, 0 for a single letter, 2 for a lone digit or punctuation mark."""
    core = literal.strip(" ")
    if len(core) <= 1:
        return 0 if not core or core.isalpha() else 2
    return 1 if core in _COMMON_PREFIXES else min(len(core), 5)


def _p_open(q: Query) -> float:
    """A rough chance that the query holds on a reply (only orders and bounds queries, never decides)."""
    kind, body = q
    if kind == "lits":
        closed = 1.0
        for lit in body:
            closed *= 1 - _P_OPEN[_strength(lit)]
        return 1 - closed
    probs = [_p_open(c) for c in body]
    if kind == "and":
        out = 1.0
        for p in probs:
            out *= p
        return out
    closed = 1.0
    for p in probs:
        closed *= 1 - p
    return 1 - closed


def _min_cost(q: Query) -> int:
    """The cost of the cheapest query implied by `q` other than `ALL` (AND: one term; OR: every term)."""
    kind, body = q
    if kind == "lits":
        return len(body)
    if not body:
        return 0
    return min(map(_min_cost, body)) if kind == "and" else sum(map(_min_cost, body))


def _bound(q: Query, budget: int) -> Query:
    """A query implied by `q` that costs at most `budget` checks (dropping AND terms, weakening OR terms)."""
    if _cost(q) <= budget:
        return q
    kind, body = q
    if kind == "lits" or _min_cost(q) > budget:
        return ALL
    if kind == "or":  # every term must stay: give each its minimum, share out the rest
        mins = [_min_cost(c) for c in body]
        needs = [_cost(c) - m for c, m in zip(body, mins)]
        spare = budget - sum(mins)
        return _or(*(_bound(c, m + spare * n // sum(needs)) for c, m, n in zip(body, mins, needs)))
    kept: list[Query] = []
    left = budget
    for child in sorted(body, key=_p_open):  # most selective first
        if _min_cost(child) <= left:
            child = _bound(child, left)
            kept.append(child)
            left -= _cost(child)
    return _and(*kept)


def _order(q: Query) -> Query:
    """Evaluation order: AND terms by cost per chance of closing, OR terms by cost per chance of opening;
    terms of single letters only are dropped (they hold on almost any text)."""
    kind, body = q
    if kind == "lits":
        return q
    children = [_order(c) for c in body if not (c[0] == "lits" and all(_strength(x) == 0 for x in c[1]))]
    if kind == "and":
        children.sort(key=lambda c: _cost(c) / max(1e-3, 1 - _p_open(c)))
    else:
        children.sort(key=lambda c: _cost(c) / max(1e-3, _p_open(c)))
    if kind == "or" and len(children) < len(body):
        return ALL  # an OR term was dropped as near-certain: the OR is too
    return children[0] if len(children) == 1 else (kind, tuple(children))


def _expr(q: Query) -> str:
    kind, body = q
    if kind == "lits":
        return "(" + " or ".join(f"{lit!r} in f" for lit in body) + ")"
    if not body:
        return "True"
    return "(" + (" and " if kind == "and" else " or ").join(map(_expr, body)) + ")"


@dataclass(frozen=True)
class LiteralFilter:
    """A necessary condition on a regex's matches: `open(fold(text))` is False only if none can exist."""

    query: Query = ALL
    open: Callable[[str], bool] = field(default=lambda folded: True, compare=False, repr=False)

    @classmethod
    def of(cls, query: Query) -> LiteralFilter:
        """The filter for `query`, compiled to one short-circuiting expression."""
        return cls(query, eval(f"lambda f: {_expr(query)}", {"__builtins__": {}}))  # noqa: S307 - our literals

    def literals(self) -> tuple[str, ...]:
        """Every literal the query checks, in order."""
        def walk(q: Query) -> list[str]:
            return list(q[1]) if q[0] == "lits" else [x for c in q[1] for x in walk(c)]
        return tuple(walk(self.query))


ALWAYS_OPEN = LiteralFilter()


def both(first: LiteralFilter, second: LiteralFilter) -> LiteralFilter:
    """The filter that is open only where both are (both conditions are necessary)."""
    return LiteralFilter.of(_order(_and(first.query, second.query)))


def multi_selector(groups: tuple[tuple[tuple, tuple[LiteralFilter, ...]], ...]) -> Callable[[str], tuple[list, ...]]:
    """One compiled function of a folded text returning, per group ``(items, filters)``, the items whose
    filter is open, in order.

    Same answer as ``[x for x, lf in zip(items, filters) if lf.open(folded)]``
    per group, without a Python call per filter, and a condition shared by
    several filters (the digits or number words of most ED-number rules,
    a common prefilter) is evaluated once per call.
    """
    for items, filters in groups:
        if len(items) != len(filters):
            raise ValueError("multi_selector: one filter per item")
    uses: dict[Query, int] = {}

    def count(q: Query) -> None:
        uses[q] = uses.get(q, 0) + 1
        if uses[q] == 1 and q[0] != "lits":
            for child in q[1]:
                count(child)

    for _items, filters in groups:
        for lf in filters:
            count(lf.query)
    shared = {q: i for i, q in enumerate(q for q, n in uses.items() if n > 1 and q != ALL)}

    def expr(q: Query) -> str:
        kind, body = q
        if kind == "lits":
            inner = " or ".join(f"{lit!r} in f" for lit in body)
        elif not body:
            return "True"
        else:
            inner = (" and " if kind == "and" else " or ").join(map(expr, body))
        if q in shared:
            j = shared[q]
            return f"(m{j} if m{j} is not None else (m{j} := ({inner})))"
        return f"({inner})"

    lines = ["def select(f):"]
    if shared:
        lines.append("    " + " = ".join(f"m{j}" for j in shared.values()) + " = None")
    for g, (_items, filters) in enumerate(groups):
        lines.append(f"    out{g} = []")
        for i, lf in enumerate(filters):
            lines.append(f"    if {expr(lf.query)}: out{g}.append(items{g}[{i}])")
    lines.append("    return (" + "".join(f"out{g}, " for g in range(len(groups))) + ")")
    namespace: dict = {"__builtins__": {}, **{f"items{g}": tuple(items) for g, (items, _f) in enumerate(groups)}}
    exec("\n".join(lines), namespace)  # noqa: S102 - built from our own literals (repr'd)
    return namespace["select"]


def selector(items: tuple, filters: tuple[LiteralFilter, ...]) -> Callable[[str], list]:
    """`multi_selector` for one group: a function of a folded text returning the `items` whose filter is open."""
    select = multi_selector(((items, filters),))
    return lambda folded: select(folded)[0]


# --- the algebra over the parse tree -------------------------------------------------------------------

@dataclass(frozen=True)
class _Info:
    """What is known of a node's matches (None: nothing)."""

    exact: frozenset[str] | None = None  # every match is one of these
    prefix: frozenset[str] | None = None  # every match starts with one of these
    suffix: frozenset[str] | None = None  # every match ends with one of these
    query: Query = ALL  # every match satisfies this (besides `exact`)


_UNKNOWN = _Info()
_EMPTY = _Info(exact=frozenset({""}))


def _pre(info: _Info) -> frozenset[str] | None:
    return info.exact if info.exact is not None else info.prefix


def _suf(info: _Info) -> frozenset[str] | None:
    return info.exact if info.exact is not None else info.suffix


def _q(info: _Info) -> Query:
    """The node's whole necessary condition: its query and its exact set."""
    return _and(info.query, _lits(info.exact)) if info.exact is not None else info.query


def _product(left: frozenset[str] | None, right: frozenset[str] | None) -> frozenset[str] | None:
    """All concatenations, or None when unknown or too many."""
    if left is None or right is None or len(left) * len(right) > _MAX_SET:
        return None
    return frozenset(a + b for a in left for b in right)


def _union(sets: list[frozenset[str] | None]) -> frozenset[str] | None:
    if any(s is None for s in sets):
        return None
    out = frozenset().union(*sets)
    return out if len(out) <= _MAX_SET else None


def _concat(x: _Info, y: _Info) -> _Info:
    if x.exact is not None and y.exact is not None:
        both = _product(x.exact, y.exact)
        if both is not None:
            return _Info(exact=both, query=_and(x.query, y.query))
    prefix = _product(x.exact, _pre(y)) if x.exact is not None else None
    if prefix is None:
        prefix = _pre(x)
    suffix = _product(_suf(x), y.exact) if y.exact is not None else None
    if suffix is None:
        suffix = _suf(y)
    return _Info(prefix=prefix, suffix=suffix, query=_and(_q(x), _q(y), _lits(_product(_suf(x), _pre(y)))))


def _alternate(branches: list[_Info]) -> _Info:
    exact = _union([b.exact for b in branches])
    if exact is not None:
        return _Info(exact=exact, query=_or(*(b.query for b in branches)))
    return _Info(prefix=_union([_pre(b) for b in branches]), suffix=_union([_suf(b) for b in branches]),
                 query=_or(*(_q(b) for b in branches)))


def _repeat(lo: int, hi: int, body: _Info) -> _Info:
    if lo == 0:
        if hi == 1 and body.exact is not None:
            return _Info(exact=body.exact | {""})
        return _UNKNOWN
    if lo == hi and body.exact is not None:
        exact: frozenset[str] | None = frozenset({""})
        for _ in range(lo):
            exact = _product(exact, body.exact)
            if exact is None:
                break
        if exact is not None:
            return _Info(exact=exact, query=body.query)
    query = _q(body)
    if lo >= 2:
        query = _and(query, _lits(_product(_suf(body), _pre(body))))
    return _Info(prefix=_pre(body), suffix=_suf(body), query=query)


def _class(items: list, ascii_mode: bool) -> _Info:
    chars: set[str] = set()
    for op, arg in items:
        if op is _c.LITERAL and _usable_char(arg):
            chars.add(_char(arg))
        elif op is _c.RANGE and arg[1] - arg[0] < _MAX_CLASS and all(map(_usable_char, range(arg[0], arg[1] + 1))):
            chars.update(_char(i) for i in range(arg[0], arg[1] + 1))
        elif op is _c.CATEGORY and ascii_mode and arg is _c.CATEGORY_DIGIT:
            chars.add("0")
        elif op is _c.CATEGORY and arg is _c.CATEGORY_SPACE:  # ASCII or Unicode: `fold` maps both to " "
            chars.add(" ")
        else:  # NEGATE, non-ASCII or inert members, \w, Unicode \d ...
            return _UNKNOWN
    return _Info(exact=frozenset(chars)) if 0 < len(chars) <= _MAX_CLASS else _UNKNOWN


def _sequence(nodes, ascii_mode: bool) -> _Info:
    info, run = _EMPTY, ""
    for op, arg in nodes:
        if op is _c.LITERAL and _usable_char(arg):  # a run of plain characters is one exact string
            run += _char(arg)
            continue
        if run:
            info, run = _concat(info, _Info(exact=frozenset({run}))), ""
        info = _concat(info, _node(op, arg, ascii_mode))
    return _concat(info, _Info(exact=frozenset({run}))) if run else info


def _node(op, arg, ascii_mode: bool) -> _Info:
    if op is _c.LITERAL:
        return _Info(exact=frozenset({_char(arg)})) if _usable_char(arg) else _UNKNOWN
    if op is _c.IN:
        return _class(arg, ascii_mode)
    if op in (_c.AT, _c.ASSERT, _c.ASSERT_NOT):
        return _EMPTY  # zero-width: ignoring an assertion only weakens the filter
    if op is _c.SUBPATTERN:
        _group, add_flags, del_flags, sub = arg
        scoped = (ascii_mode or bool(add_flags & re.ASCII)) and not del_flags & re.ASCII
        return _sequence(sub, scoped)
    if op is _c.BRANCH:
        return _alternate([_sequence(branch, ascii_mode) for branch in arg[1]])
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", None)):
        lo, hi, sub = arg
        return _repeat(lo, hi, _sequence(sub, ascii_mode))
    if op is getattr(_c, "ATOMIC_GROUP", None):
        return _sequence(arg, ascii_mode)
    return _UNKNOWN  # ANY, NOT_LITERAL, GROUPREF, GROUPREF_EXISTS, anything new


def query_of(regex: re.Pattern[str]) -> Query:
    """The bounded, ordered query every match of `regex` satisfies (`ALL` if nothing is known)."""
    parsed = _parser.parse(regex.pattern, regex.flags)
    info = _sequence(list(parsed), bool(parsed.state.flags & re.ASCII))
    query = _and(_q(info), _lits(info.prefix), _lits(info.suffix))
    return _order(_bound(query, _BUDGET))


@lru_cache(maxsize=None)
def literal_filter(regex: re.Pattern[str]) -> LiteralFilter:
    """Return the `LiteralFilter` of a compiled pattern (cached); `ALWAYS_OPEN` if nothing is known."""
    try:
        query = query_of(regex)
    except Exception:  # an unknown parser version or construct: no filter, never a wrong one
        return ALWAYS_OPEN
    return ALWAYS_OPEN if query == ALL else LiteralFilter.of(query)


__all__ = ["ALL", "ALWAYS_OPEN", "CASE_FOLD_TO_ASCII", "INERT", "UNICODE_SPACE", "LiteralFilter", "both", "fold",
           "literal_filter", "multi_selector", "query_of", "selector"]
