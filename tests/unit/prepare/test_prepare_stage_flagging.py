"""The stage's one-pass flagging SQL equals the safety module's SQL and Python paths on the whole corpus."""

from __future__ import annotations

import pandas as pd
import pytest

from interosight_core.prepare.flagging import (
    hits_sql,
    level_sql,
    offsets_sql,
    prefilter_sql,
    redact_sql,
    spans_from_lengths,
    spans_sql,
    view_sql,
)
from interosight_core.prepare.safety import (
    FAMILIES,
    redact,
    scan,
    sql_flag_columns,
    sql_level_expr,
    sql_redact_expr,
    sql_rule_hits_expr,
)


@pytest.fixture(scope="module")
def staged(duck, corpus: list[str]) -> pd.DataFrame:
    """Views, hits, levels, spans and redactions of every corpus text, via the stage's SQL.

    Texts holding the protect sentinel chr(31) are left out: the stage only
    sees cleaned text, from which cleaning removes every control character.
    """
    texts = [t for t in corpus if "\x1f" not in t]
    assert len(texts) > 0.9 * len(corpus)
    duck.register("flag_corpus", pd.DataFrame({"t": texts}))
    views = ", ".join(f"CASE WHEN {prefilter_sql(f, 't')} THEN {view_sql(f, 't')} END AS v_{f}" for f in FAMILIES)
    duck.execute(f"CREATE OR REPLACE TEMP TABLE fv AS SELECT row_number() OVER () AS i, t, {views} FROM flag_corpus")
    hits = ", ".join(f"{hits_sql(f, f'v_{f}')} AS h_{f}" for f in FAMILIES)
    duck.execute(f"CREATE OR REPLACE TEMP TABLE fh AS SELECT *, {hits} FROM fv")
    spans = ", ".join(spans_sql(f, f"v_{f}", f"h_{f}") for f in FAMILIES)
    hit_cols = {f: f"h_{f}" for f in FAMILIES}
    frame = duck.execute(
        f"SELECT i, t, {', '.join(f'h_{f}' for f in FAMILIES)}, "
        f"{level_sql('crisis', 'h_crisis')} AS crisis_level, {level_sql('pro_ed', 'h_pro_ed')} AS pro_ed_level, "
        f"{', '.join(f'{e} AS ref_{n}' for n, e in sql_flag_columns('t').items())}, "
        f"{sql_level_expr('crisis', 't')} AS ref_crisis_level, {sql_level_expr('pro_ed', 't')} AS ref_pro_ed_level, "
        f"{', '.join(f'{sql_rule_hits_expr(f, chr(116))} AS ref_h_{f}' for f in FAMILIES)}, "
        f"list_transform(list_concat({spans}), lambda x: {{'rule': x.rule, 'family': x.family, "
        f"'offsets': {offsets_sql('x')}}}) AS spans, "
        f"{redact_sql('t', hits=hit_cols)} AS redacted, {sql_redact_expr('t')} AS ref_redacted, "
        f"{redact_sql('t', ['numbers'], hits=hit_cols)} AS numbers_only, "
        f"{redact_sql('t', ['numbers'])} AS numbers_only_ref, {redact_sql('t', ['pii'], hits=hit_cols)} AS pii_only "
        f"FROM fh ORDER BY i").df()
    duck.unregister("flag_corpus")
    return frame


def test_hits_flags_and_levels_equal_the_safety_sql(staged: pd.DataFrame) -> None:
    assert len(staged) > 1000
    for row in staged.itertuples(index=False):
        for family in FAMILIES:
            hits = list(getattr(row, f"h_{family}"))
            assert sorted(hits) == sorted(getattr(row, f"ref_h_{family}")), (family, row.t)
            assert bool(hits) == bool(getattr(row, f"ref_{family}")), (family, row.t)
        assert (row.crisis_level, row.pro_ed_level) == (row.ref_crisis_level, row.ref_pro_ed_level), row.t


def test_spans_equal_the_python_scan(staged: pd.DataFrame) -> None:
    flagged = 0
    for row in staged.itertuples(index=False):
        got = sorted((s["family"], s["rule"], o["start_char"], o["start_char"] + o["length"])
                     for s in row.spans for o in s["offsets"])
        expected = sorted((f.family, f.rule, f.start, f.end) for f in scan(row.t).flags)
        assert got == expected, row.t
        flagged += bool(got)
    assert flagged > 500


def test_gated_redaction_equals_the_safety_redaction(staged: pd.DataFrame) -> None:
    for row in staged.itertuples(index=False):
        assert row.redacted == row.ref_redacted == redact(row.t), row.t
        assert row.numbers_only == row.numbers_only_ref, row.t
    assert (staged.numbers_only != staged.t).sum() > 100 and (staged.pii_only != staged.t).sum() > 50
    assert not staged.numbers_only.str.contains(r"\[email\]", regex=True).any()


def test_offsets_from_lengths() -> None:
    assert spans_from_lengths([2, 3, 0], [4, 1]) == [(2, 6), (9, 10)]
    assert spans_from_lengths([0], []) == []
