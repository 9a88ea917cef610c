"""The DuckDB safety path equals the Python path on every corpus text, in one query."""

from __future__ import annotations

import pandas as pd
import pytest

from interosight_core.prepare.clean import clean_text, sql_clean_expr
from interosight_core.prepare.safety import (
    FAMILIES,
    flag_families,
    levels,
    redact,
    scan,
    sql_flag_columns,
    sql_level_expr,
    sql_redact_expr,
    sql_rule_hits_expr,
)


@pytest.fixture(scope="module")
def sql_results(duck, corpus: list[str]) -> pd.DataFrame:
    """Flags, levels, rule hits and redaction for the corpus, computed by DuckDB."""
    duck.register("safety_corpus", pd.DataFrame({"text": corpus}))
    flags = sql_flag_columns("text")
    select = ", ".join([f"{expr} AS {name}" for name, expr in flags.items()]
                       + [f"{sql_level_expr(f, 'text')} AS {f}_level" for f in ("crisis", "pro_ed")]
                       + [f"{sql_rule_hits_expr(f, 'text')} AS {f}_hits" for f in FAMILIES]
                       + [f"{sql_redact_expr('text')} AS redacted"])
    frame = duck.execute(f"SELECT text, {select} FROM safety_corpus").df()
    duck.unregister("safety_corpus")
    return frame


def test_flags_agree(sql_results: pd.DataFrame) -> None:
    bad = []
    for row in sql_results.itertuples(index=False):
        py = flag_families(row.text)
        sql = {f: bool(getattr(row, f)) for f in FAMILIES}
        if py != sql:
            bad.append((row.text, py, sql))
    assert not bad, bad[:3]


def test_levels_agree(sql_results: pd.DataFrame) -> None:
    for row in sql_results.itertuples(index=False):
        assert levels(row.text) == {"crisis": row.crisis_level, "pro_ed": row.pro_ed_level}, repr(row.text)


def test_redaction_agrees(sql_results: pd.DataFrame) -> None:
    bad = [(r.text, redact(r.text), r.redacted) for r in sql_results.itertuples(index=False) if redact(r.text) != r.redacted]
    assert not bad, bad[:3]


def test_rule_hits_give_the_same_flags_as_a_full_scan(sql_results: pd.DataFrame) -> None:
    for row in sql_results.itertuples(index=False):
        hits = [name for f in FAMILIES for name in getattr(row, f"{f}_hits")]
        full = scan(row.text)
        assert sorted(hits) == sorted({flag.rule for flag in full.flags}), repr(row.text)
        assert scan(row.text, rules=hits).flags == full.flags


def test_null_text_gives_false_flags_and_null_redaction(duck) -> None:
    flags = sql_flag_columns("t")
    row = duck.execute(f"SELECT {', '.join(flags.values())}, {sql_redact_expr('t')}, {sql_level_expr('crisis', 't')} "
                       "FROM (SELECT NULL::VARCHAR AS t)").fetchall()[0]
    assert row[:-2] == (False,) * len(FAMILIES)
    assert row[-2] is None and row[-1] == 0


def test_clean_then_flag_pipeline_in_one_query(duck, corpus: list[str]) -> None:
    duck.register("pipeline_corpus", pd.DataFrame({"raw": corpus[:300]}))
    flags = sql_flag_columns("clean")
    rows = duck.execute(f"WITH c AS (SELECT raw, {sql_clean_expr('raw')} AS clean FROM pipeline_corpus) "
                        f"SELECT raw, {flags['crisis']}, {sql_redact_expr('clean')} FROM c").fetchall()
    duck.unregister("pipeline_corpus")
    for raw, crisis, redacted in rows:
        cleaned = clean_text(raw)
        assert crisis == flag_families(cleaned)["crisis"]
        assert redacted == redact(cleaned)


def test_scan_rejects_unknown_rule_names() -> None:
    from interosight_core.errors import PrepareError

    with pytest.raises(PrepareError, match="unknown detector"):
        scan("x", rules=["no_such_rule"])
