"""Write the synthetic corpus in the Dataverse deposit's layout.

The real deposit (doi:10.18130/V3/NENELT) downloads as ``dataverse_files.zip``
holding one zip per CSV: ``reddit_posts.csv.zip`` (``sm_id,text``),
``key.csv.zip`` (``sm_id,sr_name``) and ``topic_<annotator>.csv.zip`` for the
seven annotators, plus the ``MANIFEST.TXT`` that Dataverse adds to every
multi-file download. Like the real files, several topic files carry extra
columns a loader must ignore (``group, sr_name, url, text_w_eos,
answer_string, <topic>_phrases``, ``.x``/``.y`` merge leftovers, an unnamed
R row-index column) and use different column orders.

Output is byte-deterministic: CSVs use ``\\n`` line ends, and zips use fixed
timestamps (1980-01-01), fixed permissions, ZIP_DEFLATED level 1 (fast; the
full-size deposit is ~100 MB of CSV) and sorted
entry names.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path
from typing import Sequence

from interosight_core.samplegen.posts import SamplePost, gc_paused, generate_posts
from interosight_core.samplegen.scores import ANNOTATORS, human_labels, llm_scores
from interosight_core.samplegen.themes import TOPICS

ZIP_NAME = "dataverse_files.zip"
FOLDER_NAME = "dataverse_files"
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
COMPRESS_LEVEL = 1

_FMT = tuple(f"{i / 1000:.3f}".rstrip("0").rstrip(".") for i in range(1001))
_FLAG = tuple("1" if i >= 500 else "0" for i in range(1001))
_PAIR = tuple(f"{f},{b}" for f, b in zip(_FMT, _FLAG))
_N = len(TOPICS)
_PAIR_HEADER = [c for t in TOPICS for c in (t, f"{t}01")]
_BLOCK_HEADER = list(TOPICS) + [f"{t}01" for t in TOPICS]
_GROUP_ORDER = {"ed": 0, "diet": 1, "fitness": 2, "control": 3}


def quote(field: str) -> str:
    """Quote one CSV field exactly as `csv.writer` (QUOTE_MINIMAL) would."""
    if "," in field or '"' in field or "\n" in field or "\r" in field:
        return '"' + field.replace('"', '""') + '"'
    return field


def _header(columns: list[str]) -> str:
    """Return the CSV header line written by `csv.writer`."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(columns)
    return buf.getvalue()


def _table(header: list[str], *columns: Sequence[str]) -> bytes:
    """Join per-row column strings (already quoted) into CSV bytes.

    Rows are assembled with C-level ``map``/``zip`` so a full-size corpus
    serialises in about a second; fields must already be CSV-safe.
    """
    body = "\n".join(map(",".join, zip(*columns)))
    return (_header(header) + body + ("\n" if body else "")).encode("utf-8")


def _per_post(strings: list[str]) -> list[str]:
    """Join a flat row-major list into one comma-separated block per post."""
    it = iter(strings)
    return list(map(",".join, zip(*[it] * _N)))


class _Answers(dict):
    """gpt4o's raw ``answer_string`` per 15-char flag pattern, built on demand."""

    def __missing__(self, pattern: str) -> str:
        """Build and cache the JSON-like list of flagged topics for ``pattern``."""
        names = ", ".join(f'"{t}"' for t, f in zip(TOPICS, pattern) if f == "1")
        value = self[pattern] = quote(f'{{"relevant_topics": [{names}]}}')
        return value


def _phrases(flat: list[int], posts: Sequence[SamplePost], topic: str) -> list[str]:
    """Llama's ``<topic>_phrases``: first words of the text when flagged, else empty."""
    at = TOPICS.index(topic)
    return [quote(" ".join(p.text.split()[:5])) if flat[i * _N + at] >= 500 else ""
            for i, p in enumerate(posts)]


def _topic_csv(name: str, flat: list[int], posts: Sequence[SamplePost], ids: list[str]) -> bytes:
    """Serialise one LLM or ensemble topic file with its junk columns."""
    pairs = _per_post(list(map(_PAIR.__getitem__, flat)))
    if name == "gpt4o":
        eos = [quote(p.text[:160] + "<|endoftext|>") for p in posts]
        it = iter(map(_FLAG.__getitem__, flat))
        answers = list(map(_Answers().__getitem__, map("".join, zip(*[it] * _N))))
        return _table(["sm_id"] + _PAIR_HEADER + ["text_w_eos", "answer_string"], ids, pairs, eos, answers)
    if name == "Llama-3.1-8B-Instruct":
        urls = [f"https://www.reddit.com/r/{p.subreddit}/comments/{p.sm_id.removeprefix('t3_')}/"
                for p in posts]
        return _table(["sm_id", "url"] + _PAIR_HEADER + ["restrict_phrases", "binge_phrases"],
                      ids, urls, pairs, _phrases(flat, posts, "restrict"), _phrases(flat, posts, "binge"))
    if name == "Qwen2.5-7B-Instruct":
        subs = [p.subreddit for p in posts]
        return _table(["sm_id", "sr_name.x"] + _PAIR_HEADER + ["sr_name.y"], ids, subs, pairs, subs)
    if name == "Mistral-7B-Instruct-v0.3":
        fmt = _per_post(list(map(_FMT.__getitem__, flat)))
        flags = _per_post(list(map(_FLAG.__getitem__, flat)))
        return _table(["sm_id"] + _BLOCK_HEADER, ids, fmt, flags)
    if name == "Vicuna-7b-v1.5":
        return _table(["", "sm_id"] + _PAIR_HEADER, [str(i + 1) for i in range(len(posts))], ids, pairs)
    # ensemble: ordered by group, like the study's merged table
    order = sorted(range(len(posts)), key=lambda i: _GROUP_ORDER.get(posts[i].group, 9))
    return _table(["sm_id", "group", "sr_name"] + _PAIR_HEADER, [ids[i] for i in order],
                  [posts[i].group for i in order], [posts[i].subreddit for i in order],
                  [pairs[i] for i in order])


def build_csvs(posts: Sequence[SamplePost], seed: int = 0) -> dict[str, bytes]:
    """Return ``{csv file name: bytes}`` for every CSV of the deposit."""
    with gc_paused():
        return _build_csvs(posts, seed)


def _build_csvs(posts: Sequence[SamplePost], seed: int) -> dict[str, bytes]:
    """Body of `build_csvs` (run with the garbage collector paused)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["sm_id", "text"])
    writer.writerows([p.sm_id, p.text] for p in posts)
    ids = [p.sm_id for p in posts]
    files = {
        "reddit_posts.csv": buf.getvalue().encode("utf-8"),
        "key.csv": _table(["sm_id", "sr_name"], ids, [p.subreddit for p in posts]),
    }
    for name, flat in llm_scores(posts, seed).items():
        files[f"topic_{name}.csv"] = _topic_csv(name, flat, posts, ids)
    human = sorted(human_labels(posts, seed).items())
    files["topic_human.csv"] = _table(
        ["sm_id"] + [f"{t}01" for t in TOPICS],
        [k for k, _ in human], [",".join(map(str, v)) for _, v in human],
    )
    assert sorted(files) == sorted(["reddit_posts.csv", "key.csv"] + [f"topic_{a}.csv" for a in ANNOTATORS])
    return files


def zip_bytes(entries: dict[str, bytes]) -> bytes:
    """Return a byte-deterministic zip of ``entries`` (sorted, fixed metadata)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o100644 << 16
            zf.writestr(info, entries[name], compresslevel=COMPRESS_LEVEL)
    return buf.getvalue()


def _manifest(inner: dict[str, bytes]) -> bytes:
    """Dataverse-style MANIFEST.TXT listing the deposit's files."""
    lines = [f"{name} (application/zip): {len(data)} bytes." for name, data in sorted(inner.items())]
    return ("\n".join(lines) + "\n").encode("utf-8")


def deposit_zip_bytes(csvs: dict[str, bytes]) -> bytes:
    """Return the outer ``dataverse_files.zip`` bytes for the given CSVs."""
    inner = {f"{name}.zip": zip_bytes({name: data}) for name, data in csvs.items()}
    return zip_bytes({**inner, "MANIFEST.TXT": _manifest(inner)})


def _posts(posts: Sequence[SamplePost] | None, n_posts: int | None, seed: int) -> Sequence[SamplePost]:
    """Return ``posts`` or generate ``n_posts`` of them."""
    if posts is not None:
        return posts
    if n_posts is None:
        raise ValueError("give either posts or n_posts")
    return generate_posts(n_posts, seed)


def write_dataverse_zip(out_dir: str | Path, posts: Sequence[SamplePost] | None = None, *,
                        n_posts: int | None = None, seed: int = 0) -> Path:
    """Write ``<out_dir>/dataverse_files.zip`` (nested zips); return its path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / ZIP_NAME
    path.write_bytes(deposit_zip_bytes(build_csvs(_posts(posts, n_posts, seed), seed)))
    return path


def write_dataverse_folder(out_dir: str | Path, posts: Sequence[SamplePost] | None = None, *,
                           n_posts: int | None = None, seed: int = 0) -> Path:
    """Write the deposit's CSVs unzipped into ``<out_dir>/dataverse_files/``; return it."""
    folder = Path(out_dir) / FOLDER_NAME
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in build_csvs(_posts(posts, n_posts, seed), seed).items():
        (folder / name).write_bytes(data)
    return folder
