"""Small hand-built input files for ingest tests (independent of the sample generator)."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

from interosight_core import warehouse

TOPICS = (
    "relation protein ed exercise crave restrict binge loss gain calorie "
    "idealbody bodyhate feargain fearfood depressedmood"
).split()


def csv_bytes(header: list[str], rows: list[list]) -> bytes:
    """Render rows as CSV bytes with a header."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode()


def zipped(name: str, payload: bytes) -> bytes:
    """Return a zip (bytes) holding one member."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, payload)
    return buffer.getvalue()


def dataverse_files(n_posts: int = 6, extra_columns: bool = True) -> dict[str, bytes]:
    """The deposit's CSVs as {file name: bytes}: posts, key, an LLM annotator, ensemble and human."""
    posts = [[f"p{i}", f"post number {i} about food and feelings"] for i in range(n_posts)]
    subs = ["EatingDisorders", "loseit", "Fitness", "AskReddit", "SomethingElse", "bulimia"]
    key = [[f"p{i}", subs[i % len(subs)]] for i in range(n_posts)]
    llm_header = ["sm_id"] + [c for t in TOPICS for c in (t, f"{t}01")]
    llm_rows = [[f"p{i}"] + [v for j, _ in enumerate(TOPICS) for v in (round(((i + j) % 10) / 10, 2), int((i + j) % 10 >= 5))] for i in range(n_posts)]
    if extra_columns:
        llm_header += ["text_w_eos", "sr_name.x", "restrict_phrases"]
        llm_rows = [r + ["junk, with comma", "x", "phrase"] for r in llm_rows]
    human_header = ["sm_id"] + [f"{t}01" for t in TOPICS]
    human_rows = [[f"p{i}"] + [int(j == i % 15) for j in range(15)] for i in range(0, n_posts, 2)]
    return {
        "reddit_posts.csv": csv_bytes(["sm_id", "text"], posts),
        "key.csv": csv_bytes(["sm_id", "sr_name"], key),
        "topic_gpt4o.csv": csv_bytes(llm_header, llm_rows),
        "topic_ensemble.csv": csv_bytes(llm_header, llm_rows),
        "topic_human.csv": csv_bytes(human_header, human_rows),
    }


def write_dataverse_zip(path: Path, files: dict[str, bytes] | None = None) -> Path:
    """Write the real deposit layout: an outer zip of `<name>.csv.zip` members."""
    files = files if files is not None else dataverse_files()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as outer:
        for name, payload in files.items():
            outer.writestr(f"{name}.zip", zipped(name, payload))
    return path


def write_counselchat(path: Path, rows: list[list] | None = None, drop: str | None = None) -> Path:
    """Write a CounselChat-format CSV (optionally without column `drop`)."""
    header = ["", "questionID", "questionTitle", "questionText", "questionLink", "topic", "therapistInfo",
              "therapistURL", "answerText", "upvotes", "views", "split"]
    rows = rows or [
        [0, "q1", "How do I stop hating my body?", "I look in the mirror and\nfeel \"awful\".", "http://x", "eating-disorders",
         "Jo, LPC", "http://t", "It sounds like the mirror has become a hard place.", 3, 40, "train"],
        [1, "q1", "How do I stop hating my body?", "I look in the mirror and\nfeel \"awful\".", "http://x", "eating-disorders",
         "Al, LMFT", "http://t2", "What would it mean to you to feel at peace?", 1, 40, "train"],
        [2, "q2", "Always anxious", "I worry all day.", "http://y", "anxiety", "Jo, LPC", "http://t",
         "You carry a lot of worry.", 0, 12, "val"],
    ]
    if drop:
        index = header.index(drop)
        header = header[:index] + header[index + 1:]
        rows = [r[:index] + r[index + 1:] for r in rows]
    path.write_bytes(csv_bytes(header, rows))
    return path


def write_jsonl(path: Path, records: list) -> Path:
    """Write records as JSONL (strings are written verbatim as lines)."""
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in records) + "\n")
    return path


def snapshot(path: Path) -> tuple:
    """Everything observable in a warehouse: row counts per table/source and the ingest records."""
    with warehouse.open_warehouse(path, read_only=True) as con:
        return tuple(warehouse.table_counts(con)), tuple(
            tuple(sorted(r.items())) for r in warehouse.ingest_records(con)
        )
