"""Dataverse deposit ingestion: layouts, long topic table, idempotency, replacement."""

from __future__ import annotations

from pathlib import Path

import pytest
from builders import csv_bytes, dataverse_files, snapshot, write_dataverse_zip

from interosight_core import warehouse
from interosight_core.config import DataverseSource
from interosight_core.errors import SourceError
from interosight_core.ingest import ingest_source


def _src(path: Path, **kw) -> DataverseSource:
    return DataverseSource(kind="dataverse", path=path, **kw)


def test_zip_layout_loads_posts_groups_and_long_topic_table(tmp_path, wh):
    report = ingest_source(wh, _src(write_dataverse_zip(tmp_path / "dataverse_files.zip")))
    assert report.status == "ingested"
    assert report.row_counts == {"posts": 6, "topic_annotations": 6 + 6 + 3}
    with warehouse.open_warehouse(wh, read_only=True) as con:
        groups = dict(con.execute("SELECT subreddit, forum_group FROM posts").fetchall())
        assert groups == {"EatingDisorders": "ed", "loseit": "diet", "Fitness": "fitness", "AskReddit": "control",
                          "SomethingElse": "unknown", "bulimia": "ed"}
        assert con.execute("SELECT count(*) FROM topic_scores").fetchone()[0] == 6 * 15 * 2 + 3 * 15
        annotators = dict(con.execute("SELECT annotator, count(DISTINCT post_id) FROM topic_scores GROUP BY 1").fetchall())
        assert annotators == {"gpt4o": 6, "ensemble": 6, "human": 3}
        # human rows have labels but no scores; LLM rows have both
        assert con.execute("SELECT count(*) FROM topic_scores WHERE annotator='human' AND score IS NOT NULL").fetchone()[0] == 0
        row = con.execute("SELECT score, label FROM topic_scores WHERE post_id='p1' AND annotator='gpt4o' AND topic='protein'").fetchone()
        assert row == (0.2, False)
        lineage = con.execute("SELECT DISTINCT source, source_sha256 FROM posts").fetchall()
        assert lineage == [("dataverse", report.source_sha256)]


def test_unzipped_folder_layout_gives_same_rows(tmp_path, wh):
    folder = tmp_path / "deposit"
    folder.mkdir()
    for name, payload in dataverse_files().items():
        (folder / name).write_bytes(payload)
    report = ingest_source(wh, _src(folder))
    assert report.row_counts == {"posts": 6, "topic_annotations": 15}


def test_reingest_unchanged_is_noop_and_changed_file_replaces_rows(tmp_path, wh):
    path = write_dataverse_zip(tmp_path / "d.zip")
    ingest_source(wh, _src(path))
    before = snapshot(wh)
    assert ingest_source(wh, _src(path)).status == "unchanged"
    assert snapshot(wh) == before
    write_dataverse_zip(path, dataverse_files(n_posts=4))
    report = ingest_source(wh, _src(path))
    assert report.status == "ingested" and report.row_counts["posts"] == 4
    with warehouse.open_warehouse(wh, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM posts").fetchone()[0] == 4


def test_annotator_selection_and_missing_annotator(tmp_path, wh):
    path = write_dataverse_zip(tmp_path / "d.zip")
    report = ingest_source(wh, _src(path, annotators=["human"]))
    assert report.row_counts["topic_annotations"] == 3
    with pytest.raises(SourceError, match="no topic_<annotator> file for annotator.s. Qwen"):
        ingest_source(wh, _src(path, annotators=["Qwen2.5-7B-Instruct"]))


def test_body_and_post_id_column_aliases_and_na_scores(tmp_path, wh):
    files = dataverse_files(n_posts=3, extra_columns=False)
    files["reddit_posts.csv"] = csv_bytes(["post_id", "body"], [["p0", "a"], ["p1", "b"], ["p2", "c"]])
    header = files["topic_gpt4o.csv"].decode().splitlines()[0].split(",")
    files["topic_gpt4o.csv"] = csv_bytes(header, [["p0"] + ["NA"] * 30, ["p1"] + ["0.5", "1"] * 15])
    report = ingest_source(wh, _src(write_dataverse_zip(tmp_path / "d.zip", files)))
    with warehouse.open_warehouse(wh, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM topic_scores WHERE annotator='gpt4o' AND post_id='p0'").fetchone()[0] == 0
    assert report.row_counts["posts"] == 3
