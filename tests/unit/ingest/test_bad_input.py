"""Every bad input fails with one clear line and leaves the warehouse exactly as it was."""

from __future__ import annotations

from pathlib import Path

import pytest
from builders import csv_bytes, dataverse_files, snapshot, write_counselchat, write_dataverse_zip

from interosight_core import warehouse
from interosight_core.config import AnnoMISource, CounselChatSource, DataverseSource, SessionsSource, ToolCallsSource
from interosight_core.errors import SourceError
from interosight_core.ingest import ingest_source


@pytest.fixture
def populated(tmp_path: Path, wh: Path) -> Path:
    """A warehouse already holding a good Dataverse deposit and a good CounselChat file."""
    ingest_source(wh, DataverseSource(kind="dataverse", path=write_dataverse_zip(tmp_path / "good.zip")))
    ingest_source(wh, CounselChatSource(kind="counselchat", path=write_counselchat(tmp_path / "cc.csv")))
    return wh


def _fails(wh: Path, source, pattern: str) -> str:
    before = snapshot(wh)
    with pytest.raises(SourceError, match=pattern) as info:
        ingest_source(wh, source)
    message = str(info.value)
    assert "\n" not in message, "errors must be one line"
    assert snapshot(wh) == before, "a failed ingest must leave the warehouse unchanged"
    return message


def _dv(path: Path) -> DataverseSource:
    return DataverseSource(kind="dataverse", path=path)


def test_missing_file(populated, tmp_path):
    _fails(populated, _dv(tmp_path / "nope.zip"), "not found")


def test_truncated_zip(populated, tmp_path):
    good = write_dataverse_zip(tmp_path / "full.zip").read_bytes()
    (tmp_path / "cut.zip").write_bytes(good[: len(good) // 2])
    _fails(populated, _dv(tmp_path / "cut.zip"), "not a valid zip")


def test_not_a_zip(populated, tmp_path):
    (tmp_path / "fake.zip").write_text("sm_id,text\n1,hello\n")
    _fails(populated, _dv(tmp_path / "fake.zip"), "not a valid zip")


def test_csv_missing_required_column(populated, tmp_path):
    path = write_counselchat(tmp_path / "cc2.csv", drop="answerText")
    message = _fails(populated, CounselChatSource(kind="counselchat", name="cc2", path=path), "missing required column")
    assert "answerText" in message and str(path) in message


def test_unparseable_rows_go_to_rejects_and_the_rest_is_ingested(tmp_path, wh):
    lines = ["sm_id,text"] + [f"p{i},fine post {i}" for i in range(40)] + ['p99,"unterminated quote']
    files = dataverse_files(extra_columns=False)
    files["reddit_posts.csv"] = ("\n".join(lines[:20] + ["p50,too,many,columns"] + lines[20:]) + "\n").encode()
    report = ingest_source(wh, _dv(write_dataverse_zip(tmp_path / "d.zip", files)))
    assert report.rejected_rows == 2 and report.row_counts["posts"] == 40
    with warehouse.open_warehouse(wh, read_only=True) as con:
        rejects = con.execute("SELECT raw, error FROM rejects ORDER BY line").fetchall()
    assert [r[0].strip() for r in rejects] == ["p50,too,many,columns", 'p99,"unterminated quote']
    assert "TOO MANY COLUMNS" in rejects[0][1] and "unterminated quote" in rejects[1][1]


def test_too_many_unparseable_rows_fail(populated, tmp_path):
    files = dataverse_files(extra_columns=False)
    files["reddit_posts.csv"] = b"sm_id,text\np1,ok\np2,a,b,c\np3,x,y\n"
    _fails(populated, _dv(write_dataverse_zip(tmp_path / "d.zip", files)), "max_reject_fraction")


def test_duplicate_post_ids(populated, tmp_path):
    files = dataverse_files()
    files["reddit_posts.csv"] = csv_bytes(["sm_id", "text"], [["a", "x"], ["b", "y"], ["a", "z"]])
    message = _fails(populated, _dv(write_dataverse_zip(tmp_path / "d.zip", files)), "duplicate sm_id 'a'")
    assert "rows 1 and 3" in message


def test_non_numeric_topic_score(populated, tmp_path):
    files = dataverse_files()
    text = files["topic_gpt4o.csv"].decode().splitlines()
    cells = text[3].split(",")
    cells[3] = "high"  # the `protein` score of the third data row
    text[3] = ",".join(cells)
    files["topic_gpt4o.csv"] = ("\n".join(text) + "\n").encode()
    message = _fails(populated, _dv(write_dataverse_zip(tmp_path / "d.zip", files)), "non-numeric value 'high'")
    assert "column protein" in message and "line 4" in message and "topic_gpt4o" in message


def test_topic_score_out_of_range(populated, tmp_path):
    files = dataverse_files(extra_columns=False)
    text = files["topic_gpt4o.csv"].decode().splitlines()
    cells = text[1].split(",")
    cells[1] = "7.5"
    text[1] = ",".join(cells)
    files["topic_gpt4o.csv"] = ("\n".join(text) + "\n").encode()
    message = _fails(populated, _dv(write_dataverse_zip(tmp_path / "d.zip", files)), "outside 0–1")
    assert "post 'p0'" in message


def test_non_utf8_file(populated, tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes(write_counselchat(tmp_path / "tmp.csv").read_bytes().replace(b"awful", b"caf\xe9 awful"))
    _fails(populated, CounselChatSource(kind="counselchat", name="latin", path=path), "not UTF-8")


def test_non_utf8_jsonl(populated, tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_bytes(b'{"messages": [{"role": "user", "content": "caf\xe9"}]}\n')
    _fails(populated, ToolCallsSource(kind="tool_calls", path=path), r"not UTF-8 \(bad byte at line 1\)")


@pytest.mark.parametrize("kind", ["counselchat", "annomi", "tool_calls"])
def test_empty_file(populated, tmp_path, kind):
    path = tmp_path / f"empty.{'jsonl' if kind == 'tool_calls' else 'csv'}"
    path.write_bytes(b"")
    cls = {"counselchat": CounselChatSource, "annomi": AnnoMISource, "tool_calls": ToolCallsSource}[kind]
    _fails(populated, cls(kind=kind, name="empty", path=path), "empty")


def test_empty_zip_file(populated, tmp_path):
    (tmp_path / "e.zip").write_bytes(b"")
    _fails(populated, _dv(tmp_path / "e.zip"), "empty")


def test_directory_where_file_expected(populated, tmp_path):
    folder = tmp_path / "a_folder.csv"
    folder.mkdir()
    _fails(populated, CounselChatSource(kind="counselchat", name="dir", path=folder), "is a directory")


def test_deposit_without_posts_file(populated, tmp_path):
    files = dataverse_files()
    del files["reddit_posts.csv"]
    _fails(populated, _dv(write_dataverse_zip(tmp_path / "d.zip", files)), "no reddit_posts.csv")


def test_sessions_bad_shape_names_file_and_turn(populated, tmp_path):
    folder = tmp_path / "sessions"
    folder.mkdir()
    (folder / "s1.json").write_text('{"session_id": "a", "turns": [{"speaker": "client", "text": "hi"}, {"speaker": "therapist"}]}')
    message = _fails(populated, SessionsSource(kind="sessions", path=folder), "turn 1: no text")
    assert "s1.json" in message
    (folder / "s1.json").write_text('{"session_id": "a", "chat": []}')
    _fails(populated, SessionsSource(kind="sessions", path=folder), "no turn list")
    (folder / "s1.json").write_text('{"session_id": "a", "turns": [')
    _fails(populated, SessionsSource(kind="sessions", path=folder), "invalid JSON at line 1")
