"""Command line: ``python -m interosight_core.samplegen``.

Without ``--posts`` it writes the full committed sample (3,000-post
Dataverse zip, the other source formats and README.md) into ``--out``.
With ``--posts N`` it writes only an N-post Dataverse deposit (e.g. the
full-size 77,175 posts for benchmarks). ``--unzipped`` writes the deposit
as a ``dataverse_files/`` folder of CSVs instead of the nested zip.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from interosight_core.samplegen import (
    DEFAULT_SEED, SAMPLE_POSTS, write_dataverse_folder, write_dataverse_zip, write_sample,
)


def _size(path: Path) -> int:
    """Total bytes of a file or of every file under a folder."""
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, write the requested files, print one line per output."""
    parser = argparse.ArgumentParser(
        prog="python -m interosight_core.samplegen",
        description="Write InteroSight's authored, deterministic sample data.",
    )
    parser.add_argument("--out", required=True, type=Path, help="output folder (created if missing)")
    parser.add_argument("--posts", type=int, default=None,
                        help="write only an N-post Dataverse deposit (default: the full "
                             f"{SAMPLE_POSTS}-post sample with every source format)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed (default 0)")
    parser.add_argument("--unzipped", action="store_true",
                        help="write the deposit as a dataverse_files/ folder of CSVs instead of the zip")
    args = parser.parse_args(argv)
    if args.posts is not None and args.posts < 0:
        parser.error("--posts must be >= 0")
    start = time.perf_counter()
    if args.posts is None:
        paths = write_sample(args.out, seed=args.seed, unzipped=args.unzipped)
    else:
        writer = write_dataverse_folder if args.unzipped else write_dataverse_zip
        paths = [writer(args.out, n_posts=args.posts, seed=args.seed)]
    for path in paths:
        print(f"{path}\t{_size(path)} bytes")
    print(f"done in {time.perf_counter() - start:.1f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
