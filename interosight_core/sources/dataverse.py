"""The Dataverse ED-Reddit deposit: posts, subreddits and per-annotator topic scores.

Layout (Qiu 2025, doi:10.18130/V3/NENELT): `dataverse_files.zip` holding
`reddit_posts.csv.zip`, `key.csv.zip` and `topic_<annotator>.csv.zip`, or the
same files (zipped or not) in a folder. Posts go to `posts` (with subreddit
and forum group); topic scores go to the long table `topic_scores`
(post, annotator, topic, score, label). Unknown extra columns are ignored.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from pathlib import Path

import duckdb

from interosight_core.config import DataverseSource
from interosight_core.errors import SourceError
from interosight_core.sources.common import (
    Reject,
    Staged,
    check_exists,
    check_file,
    read_header,
    null_if_token,
    pick_column,
    quote,
    read_csv_staged,
)
from interosight_core.sources.subreddits import SUBREDDIT_GROUPS

TOPICS = (
    "relation protein ed exercise crave restrict binge loss gain calorie "
    "idealbody bodyhate feargain fearfood depressedmood"
).split()
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


def extract_members(path: Path, scratch: Path) -> dict[str, Path]:
    """Return {'reddit_posts'|'key'|'topic_<annotator>': csv path}, extracting zips into `scratch`."""
    check_exists(path, "Dataverse deposit")
    found: dict[str, Path] = {}
    if path.is_dir():
        for child in sorted(path.iterdir()):
            key = _member_key(child.name)
            if key is None or not child.is_file():
                continue
            if child.name.endswith(".zip"):
                found[key] = _unzip_csv(child.read_bytes(), str(child), scratch / f"{key}.csv")
            elif key not in found:
                found[key] = child
        return found
    if path.stat().st_size == 0:
        raise SourceError(f"{path}: Dataverse zip is empty (0 bytes): re-download it")
    try:
        with zipfile.ZipFile(path) as outer:
            for info in outer.infolist():
                key = _member_key(info.filename)
                if key is None or info.is_dir():
                    continue
                label = f"{path}!{info.filename}"
                blob = outer.read(info)
                if info.filename.endswith(".zip"):
                    found[key] = _unzip_csv(blob, label, scratch / f"{key}.csv")
                else:
                    target = scratch / f"{key}.csv"
                    target.write_bytes(blob)
                    found[key] = target
    except (zipfile.BadZipFile, zlib.error, EOFError) as error:
        raise SourceError(f"{path}: not a valid zip (truncated or corrupt: {error}): re-download it") from None
    return found


def stage(con: duckdb.DuckDBPyConnection, cfg: DataverseSource, scratch: Path) -> Staged:
    """Parse the deposit into temp tables `stage_posts` and `stage_topic_scores`."""
    members = extract_members(cfg.path, scratch)
    if "reddit_posts" not in members:
        found = ", ".join(sorted(members)) or "nothing recognisable"
        raise SourceError(
            f"{cfg.path}: no reddit_posts.csv(.zip) in the deposit (found: {found}); point `path` at "
            "dataverse_files.zip or the folder holding its files"
        )
    staged = Staged()
    posts_label = f"{cfg.path} (reddit_posts.csv)"
    header, staged.input_rows, rejects = read_csv_staged(con, members["reddit_posts"], "raw_posts", posts_label)
    staged.rejects.extend(rejects)
    id_col = pick_column(header, POST_ID_COLUMNS, posts_label, "post id")
    text_col = pick_column(header, TEXT_COLUMNS, posts_label, "post text")
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE raw_posts_n AS SELECT {null_if_token(quote(id_col))} AS post_id, "
        f"{quote(text_col)} AS text, _row FROM raw_posts"
    )
    for row, reason in con.execute(
        "SELECT _row, CASE WHEN post_id IS NULL THEN 'missing post id' ELSE 'empty text' END FROM raw_posts_n "
        "WHERE post_id IS NULL OR text IS NULL OR trim(text) = '' ORDER BY _row"
    ).fetchall():
        staged.rejects.append(Reject(line=int(row) + 1, column=None, error=reason, raw=None))
    dupe = con.execute(
        "SELECT post_id, list(_row ORDER BY _row) FROM raw_posts_n WHERE post_id IS NOT NULL "
        "GROUP BY post_id HAVING count(*) > 1 ORDER BY min(_row) LIMIT 1"
    ).fetchone()
    if dupe:
        rows = " and ".join(str(r) for r in dupe[1][:2])
        raise SourceError(
            f"{posts_label}: duplicate {id_col} {dupe[0]!r} (data rows {rows}): post ids must be unique; "
            "remove the duplicate rows"
        )
    _stage_subreddits(con, cfg, members, staged)
    _stage_topics(con, cfg, members, staged)
    staged.tables = {"posts": "stage_posts", "topic_scores": "stage_topic_scores"}
    return staged


def _stage_subreddits(con: duckdb.DuckDBPyConnection, cfg: DataverseSource, members: dict[str, Path], staged: Staged) -> None:
    groups = {**SUBREDDIT_GROUPS, **{k.lower(): v for k, v in cfg.extra_subreddit_groups.items()}}
    con.execute("CREATE OR REPLACE TEMP TABLE subreddit_groups (name VARCHAR, grp VARCHAR)")
    con.executemany("INSERT INTO subreddit_groups VALUES (?, ?)", sorted(groups.items()))
    if "key" in members:
        label = f"{cfg.path} (key.csv)"
        header, _, rejects = read_csv_staged(con, members["key"], "raw_key", label)
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
        "FROM raw_posts_n p LEFT JOIN raw_key_n k USING (post_id) "
        "LEFT JOIN subreddit_groups g ON lower(k.subreddit) = g.name "
        "WHERE p.post_id IS NOT NULL AND p.text IS NOT NULL AND trim(p.text) <> '' ORDER BY p._row"
    )


def _stage_topics(con: duckdb.DuckDBPyConnection, cfg: DataverseSource, members: dict[str, Path], staged: Staged) -> None:
    con.execute(
        "CREATE OR REPLACE TEMP TABLE stage_topic_scores (post_id VARCHAR, annotator VARCHAR, topic VARCHAR, "
        "score DOUBLE, label BOOLEAN)"
    )
    available = {key.removeprefix("topic_"): p for key, p in members.items() if key.startswith("topic_")}
    wanted = cfg.annotators if cfg.annotators is not None else sorted(available)
    missing = [a for a in wanted if a not in available]
    if missing:
        raise SourceError(
            f"{cfg.path}: no topic_<annotator> file for annotator(s) {', '.join(missing)} "
            f"(available: {', '.join(sorted(available)) or 'none'}); fix `annotators` in the config"
        )
    for annotator in wanted:
        _stage_annotator(con, annotator, available[annotator], f"{cfg.path} (topic_{annotator}.csv)", staged)


def _stage_annotator(con: duckdb.DuckDBPyConnection, annotator: str, path: Path, label: str, staged: Staged) -> None:
    header = read_header(check_file(path, "CSV"), label)
    score_cols = [t for t in TOPICS if t in header]
    label_cols = [t for t in TOPICS if f"{t}01" in header]
    topics = [t for t in TOPICS if t in score_cols or t in label_cols]
    if not topics:
        raise SourceError(f"{label}: no topic columns (expected e.g. {TOPICS[0]}, {TOPICS[0]}01 … {TOPICS[-1]}01)")
    types = {t: "DOUBLE" for t in score_cols} | {f"{t}01": "DOUBLE" for t in label_cols}
    header, _, rejects = read_csv_staged(con, path, "raw_topic", label, types=types)
    for reject in rejects:
        if reject.error.startswith("CAST") and reject.column in types:
            value = reject.error.split('string "', 1)[-1].split('"', 1)[0]
            raise SourceError(
                f"{label}: non-numeric value {value!r} in column {reject.column} at line {reject.line}: topic scores "
                "must be numbers in 0–1 (labels 0/1); fix or blank that cell"
            )
    staged.rejects.extend(rejects)
    id_col = pick_column(header, POST_ID_COLUMNS, label, "post id")
    if score_cols:
        outside = " OR ".join(f"{quote(t)} NOT BETWEEN 0 AND 1" for t in score_cols)
        row = con.execute(f"SELECT min(_row) FROM raw_topic WHERE {outside}").fetchone()[0]
        if row is not None:
            raise SourceError(
                f"{label}: topic score outside 0–1 at data row {row}: scores must be relevancy probabilities in 0–1"
            )
    pairs = []
    for topic in topics:
        score = quote(topic) if topic in score_cols else "NULL::DOUBLE"
        flag = f"{quote(topic + '01')} >= 0.5" if topic in label_cols else f"{score} >= 0.5"
        pairs.append(f'{score} AS "{topic}__s", ({flag})::BOOLEAN AS "{topic}__l"')
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE topic_wide AS SELECT {quote(id_col)} AS post_id, {', '.join(pairs)} "
        f"FROM raw_topic WHERE {quote(id_col)} IS NOT NULL"
    )
    members = ", ".join(f"(\"{t}__s\", \"{t}__l\") AS '{t}'" for t in topics)
    con.execute(
        f"INSERT INTO stage_topic_scores SELECT post_id, '{annotator}', topic, score, label FROM topic_wide "
        f"UNPIVOT INCLUDE NULLS ((score, label) FOR topic IN ({members})) "
        "WHERE score IS NOT NULL OR label IS NOT NULL"
    )
