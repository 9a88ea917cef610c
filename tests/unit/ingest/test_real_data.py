"""Ingest the real CounselChat and AnnoMI files from ../shared/data and check what its README states."""

from __future__ import annotations

import csv

import pytest

from interosight_core import warehouse
from interosight_core.config import AnnoMISource, CounselChatSource
from interosight_core.ingest import ingest_source

pytestmark = pytest.mark.realdata


def test_counselchat_counts_topics_and_splits(shared_data, wh):
    path = shared_data / "counselchat" / "20200325_counsel_chat.csv"
    report = ingest_source(wh, CounselChatSource(kind="counselchat", path=path))
    assert report.rejected_rows == 0
    assert report.row_counts == {"conversations": 2129, "turns": 4258}
    with warehouse.open_warehouse(wh, read_only=True) as con:
        q = lambda sql: con.execute(sql).fetchall()  # noqa: E731
        assert q("SELECT count(DISTINCT metadata->>'question_id') FROM conversations") == [(815,)]
        assert q("SELECT count(DISTINCT topic) FROM conversations") == [(31,)]
        assert q("SELECT count(*) FROM conversations WHERE topic = 'eating-disorders'") == [(10,)]
        assert {r[0] for r in q("SELECT DISTINCT split FROM conversations")} == {"train", "val", "test"}
        # every answer survives byte-for-byte, newlines and quotes included (checked against Python's csv)
        with open(path, encoding="utf-8", newline="") as handle:
            expected = sorted(row["answerText"].strip() for row in csv.DictReader(handle))
        assert sorted(r[0] for r in q("SELECT text FROM turns WHERE role = 'assistant'")) == expected
        assert q("SELECT DISTINCT role FROM turns ORDER BY 1") == [("assistant",), ("user",)]


@pytest.mark.parametrize("variant, annotation_rows", [("simple", 8043), ("full", 10887)])
def test_annomi_counts_and_value_sets(shared_data, wh, variant, annotation_rows):
    path = shared_data / "annomi" / f"AnnoMI-{variant}.train.csv"
    report = ingest_source(wh, AnnoMISource(kind="annomi", path=path))
    assert report.rejected_rows == 0
    assert report.row_counts == {"conversations": 106, "turns": 8043, "mi_annotations": annotation_rows}
    with warehouse.open_warehouse(wh, read_only=True) as con:
        q = lambda sql: {r[0] for r in con.execute(sql).fetchall()}  # noqa: E731
        assert q("SELECT mi_quality FROM conversations") == {"high", "low"}
        assert con.execute("SELECT count(*) FROM conversations WHERE mi_quality = 'high'").fetchone()[0] == 88
        assert q("SELECT interlocutor FROM mi_annotations") == {"therapist", "client"}
        assert q("SELECT main_therapist_behaviour FROM mi_annotations WHERE interlocutor = 'therapist'") == {
            "reflection", "question", "therapist_input", "other"}
        assert q("SELECT client_talk_type FROM mi_annotations WHERE interlocutor = 'client'") == {
            "change", "neutral", "sustain"}
        assert q("SELECT main_therapist_behaviour FROM mi_annotations WHERE interlocutor = 'client'") == {None}
        if variant == "full":
            assert q("SELECT reflection_subtype FROM mi_annotations WHERE reflection_subtype IS NOT NULL") == {"simple", "complex"}
            assert q("SELECT question_subtype FROM mi_annotations WHERE question_subtype IS NOT NULL") == {"open", "closed"}
            assert q("SELECT therapist_input_subtype FROM mi_annotations WHERE therapist_input_subtype IS NOT NULL") == {
                "information", "advice", "negotiation", "options"}
        # utterance order is kept: turn_index is utterance_id, contiguous from 0 per transcript
        gaps = con.execute(
            "SELECT count(*) FROM (SELECT conversation_id, max(turn_index) + 1 - count(*) AS gap FROM turns "
            "GROUP BY 1) WHERE gap <> 0"
        ).fetchone()[0]
        assert gaps == 0
