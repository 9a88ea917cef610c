"""run_prepare on the bundled sample: counts, idempotency, atomicity, safety decisions, spans, redaction."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

from interosight_core.errors import PrepareError
from interosight_core.prepare import stage
from interosight_core.prepare.config import PrepareConfig
from interosight_core.prepare.safety import FAMILIES, redact, scan
from interosight_core.prepare.safety_model import scan_with_model
from interosight_core.prepare.stage import input_fingerprint, run_prepare

from .stage_helpers import copy_warehouse, rows

PREPARE_TABLES = ("prepared_posts", "post_flags", "dialog_examples", "length_summary")


def snapshot(path: Path) -> dict[str, list[tuple]]:
    """Every prepare table's rows (sorted, without `prepared_at`)."""
    return {table: sorted(rows(path, f"SELECT * EXCLUDE (prepared_at) FROM {table}"), key=repr)
            for table in PREPARE_TABLES}


def test_report_counts_add_up(prepared_warehouse) -> None:
    path, report = prepared_warehouse
    assert report.status == "prepared" and report.posts_in == 3000
    assert report.kept + sum(report.excluded.values()) == report.posts_in
    assert sum(report.relevance_histogram) + report.relevance_missing == report.posts_in
    assert len(report.relevance_histogram) == 10
    assert all(report.flags[f] > 0 for f in FAMILIES)
    assert report.crisis_routed == report.excluded["crisis_routed"] > 0
    assert report.excluded["pro_ed"] > 0 and report.excluded["low_relevance"] > 0
    assert sum(report.dialog_examples.values()) == rows(path, "SELECT count(*) FROM dialog_examples")[0][0] > 0
    assert report.flag_spans == rows(path, "SELECT count(*) FROM post_flags")[0][0]
    assert {(r["source"], r["kind"]) for r in report.length_summary} == set(
        rows(path, "SELECT source, kind FROM length_summary"))
    json.dumps(report.to_dict())  # small and JSON-able: it is the Prefect task's result
    fingerprints = rows(path, "SELECT DISTINCT prepare_fingerprint FROM prepared_posts UNION "
                              "SELECT DISTINCT prepare_fingerprint FROM dialog_examples UNION "
                              "SELECT prepare_fingerprint FROM prepares")
    assert fingerprints == [(report.prepare_fingerprint,)]


def test_control_and_generic_diet_posts_score_low(prepared_warehouse) -> None:
    from interosight_core.samplegen.posts import generate_posts

    path, report = prepared_warehouse
    by_group = report.relevance_by_group
    assert by_group["control"] < 0.3 < by_group["ed"]
    assert by_group["control"] < by_group["fitness"] < by_group["diet"] < by_group["ed"]
    truth = {p.sm_id: p for p in generate_posts(3000, 0)}
    ed_topics = {"ed", "restrict", "binge", "bodyhate", "feargain", "fearfood", "idealbody", "depressedmood",
                 "crave", "relation"}
    no_signal = [rel for pid, group, rel in rows(path, "SELECT post_id, forum_group, relevance FROM prepared_posts")
                 if group != "ed" and not set(truth[pid].themes) & ed_topics]
    assert len(no_signal) > 800
    assert sum(rel >= 0.3 for rel in no_signal) / len(no_signal) < 0.03


def test_second_run_is_unchanged_and_a_forced_rerun_gives_identical_rows(prepared_warehouse, tmp_path) -> None:
    path, first = copy_warehouse(prepared_warehouse[0], tmp_path), prepared_warehouse[1]
    before = snapshot(path)
    stamp = rows(path, "SELECT DISTINCT prepared_at FROM prepared_posts")
    again = run_prepare(path, PrepareConfig())
    assert again.status == "unchanged" and again.prepare_fingerprint == first.prepare_fingerprint
    assert rows(path, "SELECT DISTINCT prepared_at FROM prepared_posts") == stamp  # not even rewritten
    # Recomputed on one thread under a small memory limit: the very same rows.
    forced = run_prepare(path, PrepareConfig(threads=1, memory_limit="256MB"), force=True)
    assert forced.status == "prepared" and snapshot(path) == before
    assert forced.prepare_fingerprint == first.prepare_fingerprint
    assert rows(path, "SELECT count(*), count(DISTINCT (source, post_id)) FROM prepared_posts")[0] == (3000, 3000)
    assert rows(path, "SELECT count(*) = count(DISTINCT example_id) FROM dialog_examples")[0][0]
    assert rows(path, "SELECT count(*) FROM prepares")[0][0] == 1
    changed = run_prepare(path, PrepareConfig(min_relevance_score=0.9))
    assert changed.status == "prepared" and changed.kept < first.kept
    assert rows(path, "SELECT count(*) FROM prepared_posts")[0][0] == 3000


def test_a_failure_leaves_the_previous_tables(prepared_warehouse, tmp_path, monkeypatch) -> None:
    path = copy_warehouse(prepared_warehouse[0], tmp_path)
    before = snapshot(path)
    original = stage._replace_tables

    def replace_then_crash(*args, **kwargs):
        original(*args, **kwargs)
        raise RuntimeError("killed mid-commit")

    monkeypatch.setattr(stage, "_replace_tables", replace_then_crash)
    with pytest.raises(RuntimeError, match="killed"):
        run_prepare(path, PrepareConfig(min_relevance_score=0.9))
    assert snapshot(path) == before


def test_input_fingerprint_tracks_the_inputs(sample_warehouse, tmp_path) -> None:
    import duckdb

    path = copy_warehouse(sample_warehouse, tmp_path)
    fp = input_fingerprint(path)
    assert fp == input_fingerprint(path) and len(fp) == 64
    with duckdb.connect(str(path)) as con:
        con.execute("DELETE FROM turns WHERE source = 'sessions' AND turn_index = 0")
    assert input_fingerprint(path) != fp
    assert input_fingerprint(copy_warehouse(sample_warehouse, tmp_path, "other.duckdb")) == fp


def test_crisis_posts_are_never_kept(prepared_warehouse) -> None:
    path, report = prepared_warehouse
    crisis = rows(path, "SELECT status, exclude_reason, crisis_level, list_contains(flags, 'crisis') "
                        "FROM prepared_posts WHERE crisis_level > 0 OR list_contains(flags, 'crisis')")
    assert len(crisis) == report.crisis_routed > 0
    assert all(r == ("excluded", "crisis_routed", r[2], True) and r[2] > 0 for r in crisis)
    assert sum(int(n) for n in report.crisis_levels.values()) == report.crisis_routed


def test_pro_ed_is_excluded_by_default_and_kept_but_flagged_when_allowed(prepared_warehouse, sample_warehouse,
                                                                          tmp_path) -> None:
    path, _ = prepared_warehouse
    default = rows(path, "SELECT DISTINCT status, exclude_reason FROM prepared_posts "
                         "WHERE list_contains(flags, 'pro_ed') AND crisis_level = 0")
    assert default == [("excluded", "pro_ed")]
    other = copy_warehouse(sample_warehouse, tmp_path)
    report = run_prepare(other, PrepareConfig(exclude_pro_ed=False))
    assert report.excluded["pro_ed"] == 0
    kept = rows(other, "SELECT p.post_id, count(f.rule) FROM prepared_posts p JOIN post_flags f "
                       "ON f.source = p.source AND f.post_id = p.post_id AND f.family = 'pro_ed' "
                       "WHERE p.status = 'kept' AND list_contains(p.flags, 'pro_ed') AND p.pro_ed_level > 0 "
                       "GROUP BY ALL")
    assert len(kept) > 20 and all(n > 0 for _, n in kept)


def test_injection_is_flagged_only_unless_excluded(prepared_warehouse, sample_warehouse, tmp_path) -> None:
    path, report = prepared_warehouse
    assert report.excluded["injection"] == 0
    assert rows(path, "SELECT count(*) FROM prepared_posts WHERE status = 'kept' AND "
                      "list_contains(flags, 'injection')")[0][0] > 0
    other = copy_warehouse(sample_warehouse, tmp_path)
    strict = run_prepare(other, PrepareConfig(exclude_injection=True, max_posts=500))
    assert strict.excluded["injection"] > 0 and strict.kept == 500
    assert rows(other, "SELECT count(*) FROM prepared_posts WHERE status = 'kept' AND "
                       "list_contains(flags, 'injection')")[0][0] == 0
    kept = rows(other, "SELECT min(relevance) FROM prepared_posts WHERE status = 'kept'")[0][0]
    over = rows(other, "SELECT max(relevance), count(*) FROM prepared_posts WHERE exclude_reason = 'over_max_posts'")
    assert over[0][0] <= kept and over[0][1] == strict.excluded["over_max_posts"] > 0


def test_every_post_flag_and_span_equals_the_python_scan(prepared_warehouse) -> None:
    """The stored flags are `scan_with_model`'s: rule spans, plus `<family>_model` flags where rules are silent."""
    path, _ = prepared_warehouse
    spans = defaultdict(list)
    for source, post_id, *flag, score in rows(path, "SELECT source, post_id, family, rule, start_char, end_char, "
                                                    "matched, level, score FROM post_flags"):
        spans[(source, post_id)].append((*flag, None if score is None else round(score, 3)))
    posts = rows(path, "SELECT source, post_id, text_clean, flags, crisis_level, pro_ed_level FROM prepared_posts "
                       "ORDER BY source, post_id")
    # Python's `re` is slow on these rules: check every crisis post and every third of the others.
    checked = [p for i, p in enumerate(posts) if p[4] > 0 or i % 3 == 0]
    assert sum(1 for p in checked if p[3]) > 250
    reports = scan_with_model([p[2] for p in checked])
    model_flags = 0
    for (source, post_id, text, families, crisis, pro_ed), report in zip(checked, reports):
        got = sorted(spans.get((source, post_id), []))
        for family, rule, start, end, matched, level, score in got:
            assert text[start:end] == matched, (post_id, rule)
            assert (score is not None) == rule.endswith("_model"), (post_id, rule)
        if not families:
            assert not got
            continue
        expected = sorted((f.family, f.rule, f.start, f.end, f.text, f.level, None if f.score is None else round(f.score, 3))
                          for f in report.flags)
        assert got == expected, post_id
        assert sorted(families) == sorted(report.families)
        assert (crisis, pro_ed) == (report.crisis_level, report.pro_ed_level)
        model_flags += sum(1 for f in report.flags if f.score is not None)
    assert model_flags > 0  # the backstop adds flags the rules do not raise on the sample


def test_kept_posts_are_redacted_like_python_and_excluded_ones_not_at_all(prepared_warehouse) -> None:
    path, report = prepared_warehouse
    kept = rows(path, "SELECT text_clean, text_redacted, flags FROM prepared_posts WHERE status = 'kept' "
                      "ORDER BY source, post_id")
    assert len(kept) == report.kept
    assert all(redacted == clean for clean, redacted, flags in kept if not {"pii", "numbers"} & set(flags))
    redacted_ones = [k for k in kept if {"pii", "numbers"} & set(k[2])][::2]
    reports = scan_with_model([clean for clean, _, _ in redacted_ones])
    assert all(redacted == report.redacted for (_, redacted, _), report in zip(redacted_ones, reports))
    assert any(redacted != redact(clean) for clean, redacted, _ in redacted_ones)  # model-flagged: every number goes
    kept = [(c, r) for c, r, _ in kept]
    assert sum("[number]" in r for _, r in kept) > 100 and sum("[email]" in r or "[phone]" in r for _, r in kept) > 5
    assert rows(path, "SELECT count(*) FROM prepared_posts WHERE status = 'excluded' AND text_redacted IS NOT NULL"
                )[0][0] == 0


def test_redaction_switches(sample_warehouse, tmp_path) -> None:
    path = copy_warehouse(sample_warehouse, tmp_path)
    run_prepare(path, PrepareConfig(redact_numbers=False))
    kept = rows(path, "SELECT text_clean, text_redacted, flags FROM prepared_posts WHERE status = 'kept'")
    assert not any("[number]" in r for _, r, _ in kept)
    assert any("[email]" in r for _, r, _ in kept)
    assert all(r == c for c, r, flags in kept if "pii" not in flags)


@pytest.mark.parametrize("annotator", ["llm_mean", "human", "gpt4o"])
def test_annotator_choice_changes_relevance_as_documented(annotator, prepared_warehouse, sample_warehouse,
                                                          tmp_path) -> None:
    from interosight_core.prepare.config import DEFAULT_TOPIC_WEIGHTS, llm_annotators
    from interosight_core.warehouse import TOPICS

    base, _ = prepared_warehouse
    path = copy_warehouse(sample_warehouse, tmp_path)
    report = run_prepare(path, PrepareConfig(annotator=annotator))
    assert report.annotator == annotator
    ensemble = dict(((s, p), r) for s, p, r in rows(base, "SELECT source, post_id, relevance FROM prepared_posts"))
    chosen = dict(((s, p), r) for s, p, r in rows(path, "SELECT source, post_id, relevance FROM prepared_posts"))
    differs = [k for k in chosen if abs(chosen[k] - ensemble[k]) > 1e-9]
    names = {"llm_mean": llm_annotators(), "human": ("human",), "gpt4o": ("gpt4o",)}[annotator]
    scored = ", ".join(f"{t}, {t}01" for t in TOPICS)
    by_post = defaultdict(list)
    for source, post_id, annot, *values in rows(
            sample_warehouse, f"SELECT source, post_id, annotator, {scored} FROM topic_annotations "
                              f"WHERE annotator IN ({', '.join('?' * len(names))})", list(names)):
        by_post[(source, post_id)].append(values)
    for key, cells in list(by_post.items())[:300]:
        if annotator == "human":
            labels = cells[0][1::2]
            expected = max((DEFAULT_TOPIC_WEIGHTS[t] * (1.0 if lab else 0.0) for t, lab in zip(TOPICS, labels)
                            if lab is not None), default=0.0)
        else:
            means = [sum(c[2 * i] for c in cells) / len(cells) for i in range(len(TOPICS))]
            expected = max(DEFAULT_TOPIC_WEIGHTS[t] * m for t, m in zip(TOPICS, means))
        assert chosen[key] == pytest.approx(expected), key
    if annotator == "human":
        assert set(differs) <= set(by_post) and 0 < len(by_post) < 100
        assert all(chosen[k] == ensemble[k] for k in chosen if k not in by_post)
        themes = rows(path, "SELECT p.themes FROM prepared_posts p JOIN topic_annotations a USING (source, post_id) "
                            "WHERE a.annotator = 'human' AND a.ed01")
        assert themes and all("ed" in t for (t,) in themes)
    else:
        assert len(differs) > 1000


def test_an_annotator_missing_from_the_warehouse_is_one_clear_line(sample_warehouse, tmp_path) -> None:
    import duckdb

    path = copy_warehouse(sample_warehouse, tmp_path)
    with duckdb.connect(str(path)) as con:
        con.execute("DELETE FROM topic_annotations WHERE annotator = 'Vicuna-7b-v1.5'")
    with pytest.raises(PrepareError) as info:
        run_prepare(path, PrepareConfig(annotator="llm_mean"))
    message = str(info.value)
    assert "\n" not in message and "prepare.annotator" in message and "Vicuna-7b-v1.5" in message
    assert "gpt4o" in message  # what the warehouse does have
    assert rows(path, "SELECT count(*) FROM prepared_posts")[0][0] == 0


def test_a_warehouse_without_posts_still_builds_dialogs(tmp_path) -> None:
    from .stage_helpers import ROOT

    from interosight_core.config import CounselChatSource
    from interosight_core.ingest import ingest_source

    path = tmp_path / "w.duckdb"
    ingest_source(path, CounselChatSource(kind="counselchat", path=ROOT / "data/sample/counselchat.csv"))
    report = run_prepare(path, PrepareConfig(annotator="gpt4o"))
    assert report.posts_in == 0 and report.kept == 0 and report.relevance_histogram == [0] * 10
    assert report.dialog_kinds == {"session": 41}
