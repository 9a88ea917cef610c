"""One-pass flagging SQL for the prepare stage: flags, levels, rule hits and spans per family.

`safety` defines the detectors and builds a DuckDB expression per question
(`sql_flag_columns`, `sql_level_expr`, `sql_rule_hits_expr`). Each of those
re-derives the family's *detector view* (the text with benign idioms blanked
or look-alikes protected) inside every sub-expression: `sql_rule_hits_expr`
rebuilds it once per detector, which made the hits pass 10x slower than the
flags on the 77k-post deposit. The stage instead derives each view once per
row and answers every question from it:

- prefilter `pre_<family>`: RE2 passes of the family's detector unions over
  the cleaned text (as in `safety`; unions of at most `rules.UNION_CHUNK`
  patterns, which RE2's DFA can hold);
- view `v_<family>` (only where the prefilter passed), exactly the text
  `safety.scan` runs detectors on: redacting families (pii, numbers) get
  their protect rules (sentinel `\\x1f` inserted at look-alikes); flag-only
  families with benign idioms (crisis) get each idiom blanked with spaces of
  the *same length*, so offsets stay those of the cleaned text;
- hits `h_<family>`: the names of the detectors that match the view. The
  flag is `len(hits) > 0` and the level the highest level among the hits,
  which is what `sql_flag_columns` / `sql_level_expr` compute (tests assert
  it on the safety corpus and the sample posts);
- spans: for each hit rule only, `regexp_split_to_array` and
  `regexp_extract_all` over the view give the lengths of the pieces between
  matches and of the matches (sentinels not counted), from which
  `offsets_sql` derives the character offsets on the cleaned text.
  RE2 iterates matches exactly as Python's `finditer` (leftmost-first,
  non-empty, resuming at the previous end; checked for every rule), so the
  spans equal those of `safety.scan(text, rules=hits)` without running
  Python's backtracking `re` at all (that took 14 s on the deposit, RE2 well
  under one).

Column names are inserted verbatim: pass identifiers, never data. The text
must not contain the sentinel chr(31): cleaned text never does (cleaning
removes every control character), and offsets are counted without it.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from interosight_core.prepare.rules import Rule, sql_any_match, sql_literal, sql_replace_chain, union_pattern
from interosight_core.prepare.safety import FAMILIES, REDACTING, SAFETY_RULES, model_rule_name, sql_redact_expr

#: Character offsets are counted without the protect sentinel (chr(31)).
_SENTINEL_SQL = "chr(31)"


def detectors(family: str) -> tuple[Rule, ...]:
    """The detector rules of `family`, in rule-set order."""
    return SAFETY_RULES.family(family, benign=False)


def _benign(family: str) -> tuple[Rule, ...]:
    return SAFETY_RULES.family(family, benign=True)


@lru_cache(maxsize=None)
def prefilter_sql(family: str, column: str) -> str:
    """DuckDB boolean: does any detector of `family` match `column` (the cheap first pass)."""
    return f"coalesce({sql_any_match(column, [r.pattern for r in detectors(family)])}, false)"


@lru_cache(maxsize=None)
def view_sql(family: str, column: str) -> str:
    """DuckDB text: what `family`'s detectors see (same offsets as `column`, plus sentinels for pii/numbers)."""
    benign = _benign(family)
    if not benign:
        return column
    if family in REDACTING:
        return sql_replace_chain(benign, column)
    union = sql_literal(union_pattern(r.pattern for r in benign))
    blanked = (f"array_to_string(list_transform(list_zip(regexp_split_to_array(_bv, {union}), "
               f"list_transform(regexp_extract_all(_bv, {union}), lambda _bm: repeat(' ', length(_bm)))), "
               f"lambda _bz: _bz[1] || coalesce(_bz[2], '')), '')")
    return (f"list_transform([{column}], lambda _bv: CASE WHEN regexp_matches(_bv, {union}) "
            f"THEN {blanked} ELSE _bv END)[1]")


@lru_cache(maxsize=None)
def hits_sql(family: str, view: str) -> str:
    """DuckDB VARCHAR[]: names of `family`'s detectors matching the view column (empty when it is NULL)."""
    items = ", ".join(f"CASE WHEN regexp_matches({view}, {sql_literal(r.pattern)}) THEN {sql_literal(r.name)} END"
                      for r in detectors(family))
    return (f"CASE WHEN {view} IS NULL THEN []::VARCHAR[] "
            f"ELSE list_filter([{items}], lambda _h: _h IS NOT NULL) END")


@lru_cache(maxsize=None)
def level_sql(family: str, hits: str) -> str:
    """DuckDB INTEGER: the highest level among the rule names in `hits` (0 when none)."""
    by_level: dict[int, list[str]] = {}
    for rule in detectors(family):
        by_level.setdefault(rule.level, []).append(rule.name)
    by_level.setdefault(1, []).append(model_rule_name(family))  # a learned-model flag counts as level 1
    whens = " ".join(
        f"WHEN list_has_any({hits}, [{', '.join(sql_literal(n) for n in names)}]) THEN {level}"
        for level, names in sorted(by_level.items(), reverse=True) if level > 0
    )
    return f"(CASE {whens} ELSE 0 END)" if whens else "0"


def _length_sql(family: str, var: str) -> str:
    """Length of a view fragment, not counting protect sentinels."""
    return f"length(replace({var}, {_SENTINEL_SQL}, ''))" if family in REDACTING else f"length({var})"


@lru_cache(maxsize=None)
def spans_sql(family: str, view: str, hits: str) -> str:
    """DuckDB list of {family, rule, pieces, matches} (fragment lengths) for each rule named in `hits`.

    `pieces` are the lengths of the text between matches, `matches` those
    of the matches (sentinels not counted); `offsets_sql` turns them into
    character offsets on the cleaned text. Empty list when there are no hits.
    """
    items = []
    for rule in detectors(family):
        pattern, length = sql_literal(rule.pattern), _length_sql(family, "_s")
        items.append(
            f"CASE WHEN list_contains({hits}, {sql_literal(rule.name)}) THEN {{'family': {sql_literal(family)}, "
            f"'rule': {sql_literal(rule.name)}, "
            f"'pieces': list_transform(regexp_split_to_array({view}, {pattern}), lambda _s: {length}), "
            f"'matches': list_transform(regexp_extract_all({view}, {pattern}), lambda _s: {length})}} END"
        )
    return (f"CASE WHEN coalesce(len({hits}), 0) = 0 THEN [] "
            f"ELSE list_filter([{', '.join(items)}], lambda _x: _x IS NOT NULL) END")


def offsets_sql(item: str) -> str:
    """DuckDB list of {start_char, length}: the matches of one `spans_sql` item, as offsets.

    Match i starts after pieces 1..i and matches 1..i-1 (RE2, like
    Python's `finditer`, resumes each search where the last match ended).
    """
    return (f"list_transform(range(1, len({item}.matches) + 1), lambda _i: {{"
            f"'start_char': (coalesce(list_sum({item}.pieces[1:_i]), 0) "
            f"+ coalesce(list_sum({item}.matches[1:_i - 1]), 0))::BIGINT, "
            f"'length': {item}.matches[_i]::BIGINT}})")


def spans_from_lengths(pieces: list[int], matches: list[int]) -> list[tuple[int, int]]:
    """Python twin of `offsets_sql`: (start, end) of each match from the piece and match lengths."""
    spans, position = [], 0
    for piece, match in zip(pieces, matches):
        position += piece
        spans.append((position, position + match))
        position += match
    return spans


@lru_cache(maxsize=None)
def rule_levels() -> dict[str, tuple[str, int]]:
    """{detector name: (family, level)} for every safety detector."""
    return {r.name: (family, r.level) for family in FAMILIES for r in detectors(family)}


def _redact_stage(family: str, column: str) -> str:
    """One redacting family applied to `column`: protect look-alikes, replace detector matches, drop sentinels."""
    replaced = sql_replace_chain(detectors(family), sql_replace_chain(_benign(family), column))
    return f"replace({replaced}, {_SENTINEL_SQL}, '')"


def redact_sql(column: str, families: Iterable[str] = REDACTING, hits: dict[str, str] | None = None) -> str:
    """DuckDB text: `column` with the given redacting families applied (PII before numbers).

    Without `hits` and with both families this is `safety.sql_redact_expr`
    itself (the tested equal of `safety.redact`); one family gets the same
    construction limited to it. With `hits` ({family: hits column} from
    `hits_sql` over the same text) each family's stage only runs on rows
    where that family has hits (numbers also after PII fired, whose
    placeholders it then sees): a family without hits leaves the text
    unchanged, so the result is the same at half the cost on the corpus.
    """
    chosen = tuple(f for f in REDACTING if f in set(families))
    if not chosen:
        return column
    if hits is None:
        if chosen == REDACTING:
            return sql_redact_expr(column)
        (family,) = chosen
        return f"CASE WHEN {prefilter_sql(family, column)} THEN {_redact_stage(family, column)} ELSE {column} END"
    if chosen == REDACTING:
        both = _redact_stage("numbers", _redact_stage("pii", column))
        return (f"CASE WHEN len({hits['pii']}) > 0 THEN {both} "
                f"WHEN len({hits['numbers']}) > 0 THEN {_redact_stage('numbers', column)} ELSE {column} END")
    (family,) = chosen
    return f"CASE WHEN len({hits[family]}) > 0 THEN {_redact_stage(family, column)} ELSE {column} END"


__all__ = ["detectors", "hits_sql", "level_sql", "offsets_sql", "prefilter_sql", "redact_sql", "rule_levels",
           "spans_from_lengths", "spans_sql", "view_sql"]
