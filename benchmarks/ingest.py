"""Benchmark: ingest the full-size Dataverse deposit vs a straightforward pandas baseline.

Generates (once, cached under benchmarks/out/) the 77,175-post, 7-annotator
deposit with the sample generator, then runs each contender in its own
subprocess, side by side in this one run:

- ours:   `interosight_core.ingest.ingest_source` into a fresh DuckDB file
          (nested-zip extraction, validation, rejects, long topic table, commit);
- pandas: nested-zip extraction + `pandas.read_csv` of every file + merge of
          posts with subreddits + melt of every annotator file to the same long
          table (kept in memory: nothing written).

Prints wall time, posts/s and peak RSS for each, and the speed ratio.
Usage: python benchmarks/ingest.py [--posts 77175] [--repeat 2]
"""

from __future__ import annotations

import argparse
import io
import json
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"


def deposit(n_posts: int) -> Path:
    """The generated deposit zip for `n_posts` (made once, then reused)."""
    from interosight_core.samplegen import write_dataverse_zip

    target = OUT / f"deposit-{n_posts}"
    path = target / "dataverse_files.zip"
    if not path.exists():
        target.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        write_dataverse_zip(target, n_posts=n_posts)
        print(f"generated {path} in {time.perf_counter() - started:.1f}s", file=sys.stderr)
    return path


def run_ours(path: Path) -> dict:
    """Ingest with InteroSight into a fresh warehouse."""
    from interosight_core.config import DataverseSource
    from interosight_core.ingest import ingest_source

    import duckdb

    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        report = ingest_source(Path(tmp) / "w.duckdb", DataverseSource(kind="dataverse", path=path))
        seconds = time.perf_counter() - started
        with duckdb.connect(str(Path(tmp) / "w.duckdb"), read_only=True) as con:
            topic_rows = con.execute("SELECT count(*) FROM topic_scores").fetchone()[0]
    return {"seconds": seconds, "posts": report.row_counts["posts"], "topic_rows": topic_rows}


def run_pandas(path: Path) -> dict:
    """The straightforward baseline: pandas read_csv + merge + melt."""
    import pandas as pd

    started = time.perf_counter()
    frames = {}
    with zipfile.ZipFile(path) as outer:
        for name in outer.namelist():
            if not name.endswith(".csv.zip"):
                continue
            with zipfile.ZipFile(io.BytesIO(outer.read(name))) as inner:
                csv_name = inner.namelist()[0]
                frames[csv_name.removesuffix(".csv")] = pd.read_csv(io.BytesIO(inner.read(csv_name)))
    posts = frames.pop("reddit_posts").merge(frames.pop("key"), on="sm_id", how="left")
    longs = []
    for name, frame in frames.items():
        if not name.startswith("topic_"):
            continue
        topics = [c for c in frame.columns if c.endswith("01")]
        labels = frame.melt(id_vars="sm_id", value_vars=topics, var_name="topic", value_name="label")
        labels["topic"] = labels["topic"].str[:-2]
        scores_cols = [c[:-2] for c in topics if c[:-2] in frame.columns]
        if scores_cols:
            scores = frame.melt(id_vars="sm_id", value_vars=scores_cols, var_name="topic", value_name="score")
            labels = labels.merge(scores, on=["sm_id", "topic"], how="left")
        labels["annotator"] = name.removeprefix("topic_")
        longs.append(labels)
    topic_scores = pd.concat(longs, ignore_index=True)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "posts": len(posts), "topic_rows": len(topic_scores)}


def child(contender: str, path: Path) -> dict:
    """Run one contender in this process and add its peak RSS."""
    result = {"ours": run_ours, "pandas": run_pandas}[contender](path)
    result["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def main() -> None:
    """Generate the deposit, time both contenders (alternating, `--repeat` times), print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=77175)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--child", choices=["ours", "pandas"], help=argparse.SUPPRESS)
    parser.add_argument("--path", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.path)))
        return
    path = deposit(args.posts)
    best: dict[str, dict] = {}
    for _ in range(args.repeat):
        for contender in ("ours", "pandas"):
            out = subprocess.run(
                [sys.executable, __file__, "--child", contender, "--path", str(path)],
                check=True, capture_output=True, text=True,
            ).stdout
            result = json.loads(out.strip().splitlines()[-1])
            if contender not in best or result["seconds"] < best[contender]["seconds"]:
                best[contender] = result
    print(f"deposit: {path.name}, {args.posts} posts, {path.stat().st_size / 2**20:.1f} MiB; best of {args.repeat}")
    print(f"{'contender':<10}{'wall s':>9}{'posts/s':>11}{'topic rows':>12}{'peak RSS MiB':>14}")
    for name, r in best.items():
        print(f"{name:<10}{r['seconds']:>9.2f}{r['posts'] / r['seconds']:>11.0f}{r['topic_rows']:>12}{r['peak_rss_mib']:>14.0f}")
    print(f"speed-up ours vs pandas: {best['pandas']['seconds'] / best['ours']['seconds']:.2f}x "
          f"(target > 1x and ours < 10 s)")


if __name__ == "__main__":
    main()
