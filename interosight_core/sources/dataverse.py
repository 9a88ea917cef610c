"""The Dataverse ED-Reddit deposit: posts, subreddits and per-annotator topic scores.

Layout (Qiu 2025, doi:10.18130/V3/NENELT): `dataverse_files.zip` holding
`reddit_posts.csv.zip`, `key.csv.zip` and `topic_<annotator>.csv.zip`, or the
same files (zipped or not) in a folder. Posts go to `posts` (with subreddit
and forum group); topic scores go to `topic_annotations` (one row per post and
annotator, a score and a label per topic; the warehouse view `topic_scores` is
its long form: post, annotator, topic, score, label). Unknown extra columns
are ignored; NA-style cells are missing values.
"""

from __future__ import annotations

import contextlib
import io
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import duckdb

from interosight_core.config import DataverseSource
from interosight_core.errors import SourceError
from interosight_core.sources.common import (
    Reject,
    Staged,
    Target,
    check_exists,
    check_file,
    read_header,
    pick_column,
    quote,
    read_csv_staged,
)
from interosight_core.sources.subreddits import SUBREDDIT_GROUPS
from interosight_core.warehouse import TOPICS

ANNOTATORS = (
    "gpt4o",
    "Llama-3.1-8B-Instruct",
    "Qwen2.5-7B-Instruct",
    "Mistral-7B-Instruct-v0.3",
    "Vicuna-7b-v1.5",
    "ensemble",
    "human",
)
POST_ID_COLUMNS = ("sm_id", "post_id", "id")
TEXT_COLUMNS = ("text", "body")
_MEMBER = re.compile(r"^(reddit_posts|key|topic_.+?)\.csv(\.zip)?$")


def _member_key(name: str) -> str | None:
    match = _MEMBER.match(Path(name).name)
    return match.group(1) if match else None


def _unzip_csv(blob: bytes, label: str, out: Path) -> Path:
    """Extract the single CSV inside a `.csv.zip` blob to `out`."""
    try:
        with zipfile.ZipFile(io.BytesIO(blob)) as inner:
            names = [n for n in inner.namelist() if n.endswith(".csv") and not n.startswith("__MACOSX")]
            if not names:
                raise SourceError(f"{label}: holds no .csv file")
            out.write_bytes(inner.read(names[0]))
    except (zipfile.BadZipFile, zlib.error, EOFError) as error:
        raise SourceError(f"{label}: not a valid zip (truncated or corrupt: {error}): re-download it") from None
    return out


@contextlib.contextmanager
def open_members(path: Path, scratch: Path) -> Iterator[dict[str, Future[Path]]]:
    """Yield {'reddit_posts'|'key'|'topic_<annotator>': future CSV path}, extracting zips into `scratch`.

    Inner zips are inflated by two background threads (zlib releases the GIL),
    so DuckDB parses one file while the next is still being extracted.
    """
    check_exists(path, "Dataverse deposit")
    with contextlib.ExitStack() as stack:
        jobs: list[tuple[str, Callable[[], Path]]] = []
        if path.is_dir():
            for child in sorted(path.iterdir()):
                key = _member_key(child.name)
                if key is None or not child.is_file():
                    continue
                if child.name.endswith(".zip"):
                    jobs.append((key, lambda c=child, k=key: _unzip_csv(c.read_bytes(), str(c), scratch / f"{k}.csv")))
                elif key not in dict(jobs):
                    jobs.append((key, lambda c=child: c))
        else:
            if path.stat().st_size == 0:
                raise SourceError(f"{path}: Dataverse zip is empty (0 bytes): re-download it")
            try:
                outer = stack.enter_context(zipfile.ZipFile(path))
                infos = [i for i in outer.infolist() if _member_key(i.filename) and not i.is_dir()]
            except (zipfile.BadZipFile, zlib.error, EOFError) as error:
                raise SourceError(f"{path}: not a valid zip (truncated or corrupt: {error}): re-download it") from None
            for info in infos:
                key = _member_key(info.filename)
                label, out = f"{path}!{info.filename}", scratch / f"{key}.csv"
                jobs.append((key, lambda i=info, lb=label, o=out: _extract_one(outer, i, lb, o)))
        # Entered after the zip, so it is shut down (pending jobs cancelled, running ones
        # finished) before the zip closes; posts and key go first since they are parsed first.
        pool = stack.enter_context(ThreadPoolExecutor(max_workers=2, thread_name_prefix="unzip"))
        stack.callback(pool.shutdown, cancel_futures=True)
        jobs.sort(key=lambda job: job[0] not in ("reddit_posts", "key"))
        yield {key: pool.submit(job) for key, job in jobs}


def _extract_one(outer: zipfile.ZipFile, info: zipfile.ZipInfo, label: str, out: Path) -> Path:
    try:
        blob = outer.read(info)
    except (zipfile.BadZipFile, zlib.error, EOFError) as error:
        raise SourceError(f"{label}: not a valid zip (truncated or corrupt: {error}): re-download it") from None
    if info.filename.endswith(".zip"):
        return _unzip_csv(blob, label, out)
    out.write_bytes(blob)
    return out


def stage(con: duckdb.DuckDBPyConnection, cfg: DataverseSource, scratch: Path, target: Target) -> Staged:
    """Stage posts in `stage_posts`; write topic annotations straight into `topic_annotations`.

    Runs inside the ingest transaction: the 7-annotator topic files are the bulk
    of the deposit, so they are scanned once, directly into the warehouse table,
    and any error rolls the whole source back.
    """
    with open_members(cfg.path, scratch) as members:
        return _stage(con, cfg, members, target)


def _stage(con: duckdb.DuckDBPyConnection, cfg: DataverseSource, members: dict[str, Future[Path]], target: Target) -> Staged:
    if "reddit_posts" not in members:
        found = ", ".join(sorted(members)) or "nothing recognisable"
        raise SourceError(
            f"{cfg.path}: no reddit_posts.csv(.zip) in the deposit (found: {found}); point `path` at "
            "dataverse_files.zip or the folder holding its files"
        )
    staged = Staged()
    label = f"{cfg.path} (reddit_posts.csv)"
    posts_csv = members["reddit_posts"].result()
    header = read_header(check_file(posts_csv, "CSV"), label)
    id_col = pick_column(header, POST_ID_COLUMNS, label, "post id")
    text_col = pick_column(header, TEXT_COLUMNS, label, "post text")
    _, staged.input_rows, rejects = read_csv_staged(
        con, posts_csv, "raw_posts", label, types={},
        select=f"trim({quote(id_col)}) AS post_id, {quote(text_col)} AS text, row_number() OVER () AS _row",
    )
    staged.rejects.extend(rejects)
    for row, reason in con.execute(
        "SELECT _row, CASE WHEN post_id IS NULL OR post_id = '' THEN 'missing post id' ELSE 'empty text' END "
        "FROM raw_posts WHERE post_id IS NULL OR post_id = '' OR text IS NULL OR length(trim(text)) = 0 ORDER BY _row"
    ).fetchall():
        staged.rejects.append(Reject(line=int(row) + 1, column=None, error=reason, raw=None))
    dupe = con.execute(
        "SELECT post_id, list(_row ORDER BY _row) FROM raw_posts WHERE post_id <> '' "
        "GROUP BY post_id HAVING count(*) > 1 ORDER BY min(_row) LIMIT 1"
    ).fetchone()
    if dupe:
        rows = " and ".join(str(r) for r in dupe[1][:2])
        raise SourceError(
            f"{label}: duplicate {id_col} {dupe[0]!r} (data rows {rows}): post ids must be unique; "
            "remove the duplicate rows"
        )
    _stage_subreddits(con, cfg, members, staged)
    staged.written["topic_annotations"] = _write_topics(con, cfg, members, staged, target)
    staged.tables = {"posts": "stage_posts"}
    return staged


def _stage_subreddits(con: duckdb.DuckDBPyConnection, cfg: DataverseSource, members: dict[str, Future[Path]], staged: Staged) -> None:
    groups = {**SUBREDDIT_GROUPS, **{k.lower(): v for k, v in cfg.extra_subreddit_groups.items()}}
    con.execute("CREATE OR REPLACE TEMP TABLE subreddit_groups (name VARCHAR, grp VARCHAR)")
    con.executemany("INSERT INTO subreddit_groups VALUES (?, ?)", sorted(groups.items()))
    if "key" in members:
        label = f"{cfg.path} (key.csv)"
        header, _, rejects = read_csv_staged(con, members["key"].result(), "raw_key", label)
        staged.rejects.extend(rejects)
        id_col = pick_column(header, POST_ID_COLUMNS, label, "post id")
        sr_col = pick_column(header, ("sr_name", "subreddit"), label, "subreddit")
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE raw_key_n AS SELECT {quote(id_col)} AS post_id, "
            f"any_value(trim({quote(sr_col)})) AS subreddit FROM raw_key GROUP BY 1"
        )
    else:
        staged.notes.append("no key.csv: subreddit and forum group are unknown")
        con.execute("CREATE OR REPLACE TEMP TABLE raw_key_n (post_id VARCHAR, subreddit VARCHAR)")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE stage_posts AS "
        "SELECT p.post_id, p.text, k.subreddit, coalesce(g.grp, 'unknown') AS forum_group "
        "FROM raw_posts p LEFT JOIN raw_key_n k USING (post_id) "
        "LEFT JOIN subreddit_groups g ON lower(k.subreddit) = g.name "
        "WHERE p.post_id <> '' AND length(trim(p.text)) > 0"
    )


def _write_topics(
    con: duckdb.DuckDBPyConnection, cfg: DataverseSource, members: dict[str, Future[Path]], staged: Staged, target: Target
) -> int:
    """Write every selected annotator file into `topic_annotations`; return the rows written."""
    available = {key.removeprefix("topic_"): p for key, p in members.items() if key.startswith("topic_")}
    wanted = cfg.annotators if cfg.annotators is not None else sorted(available)
    missing = [a for a in wanted if a not in available]
    if missing:
        raise SourceError(
            f"{cfg.path}: no topic_<annotator> file for annotator(s) {', '.join(missing)} "
            f"(available: {', '.join(sorted(available)) or 'none'}); fix `annotators` in the config"
        )
    return sum(
        _write_annotator(con, annotator, available[annotator].result(), f"{cfg.path} (topic_{annotator}.csv)", staged, target)
        for annotator in wanted
    )


def _write_annotator(
    con: duckdb.DuckDBPyConnection, annotator: str, path: Path, label: str, staged: Staged, target: Target
) -> int:
    """Append one `topic_<annotator>.csv` to `topic_annotations` in a single parallel CSV scan."""
    header = read_header(check_file(path, "CSV"), label)
    id_col = pick_column(header, POST_ID_COLUMNS, label, "post id")
    score_cols = [t for t in TOPICS if t in header]
    label_cols = [t for t in TOPICS if f"{t}01" in header]
    if not score_cols and not label_cols:
        raise SourceError(f"{label}: no topic columns (expected e.g. {TOPICS[0]}, {TOPICS[0]}01 … {TOPICS[-1]}01)")
    types = {t: "DOUBLE" for t in score_cols} | {f"{t}01": "DOUBLE" for t in label_cols}
    select = [f"trim({quote(id_col)}) AS post_id", f"'{annotator}' AS annotator"]
    for topic in TOPICS:
        score = quote(topic) if topic in score_cols else "NULL::DOUBLE"
        flag = f"{quote(topic + '01')} >= 0.5" if topic in label_cols else f"{score} >= 0.5"
        select += [f"{score} AS {topic}", f"({flag})::BOOLEAN AS {topic}01"]
    select.append(target.lineage_sql())
    _, written, rejects = read_csv_staged(
        con, path, "topic_annotations", label, types=types, select=", ".join(select),
        where=f"{quote(id_col)} IS NOT NULL", append=True,
    )
    for reject in rejects:
        if reject.error.startswith("CAST") and reject.column in types:
            value = reject.error.split('string "', 1)[-1].split('"', 1)[0]
            raise SourceError(
                f"{label}: non-numeric value {value!r} in column {reject.column} at line {reject.line}: topic scores "
                "must be numbers in 0–1 (labels 0/1); fix or blank that cell"
            )
    staged.rejects.extend(rejects)
    if score_cols:
        outside = " OR ".join(f"{t} NOT BETWEEN 0 AND 1" for t in score_cols)
        bad = con.execute(
            f"SELECT post_id FROM topic_annotations WHERE source = ? AND annotator = ? AND ({outside}) LIMIT 1",
            [target.source, annotator],
        ).fetchone()
        if bad is not None:
            raise SourceError(
                f"{label}: topic score outside 0–1 for post {bad[0]!r}: scores must be relevancy probabilities in 0–1"
            )
    return written - len(rejects)
