"""Deterministic generator for InteroSight's authored sample data.

The project ships no real posts. This package composes synthetic
eating-disorder-forum posts (with per-post ground truth), writes them in the
Dataverse deposit's exact nested-zip layout (or unzipped), and writes small
authored examples of the other input formats (CounselChat, AnnoMI,
Context/Response, therapy-session JSON, tool-calling JSONL).

Public API:

- `generate_posts(n, seed=0) -> list[SamplePost]`: posts with ``sm_id, text,
  subreddit, group, themes, categories``.
- `llm_scores(posts, seed=0)`, `human_labels(posts, seed=0)`: the topic
  annotations written to the ``topic_*`` files.
- `build_csvs(posts, seed=0) -> dict[str, bytes]`, `deposit_zip_bytes(csvs)`.
- `write_dataverse_zip(out_dir, posts=None, *, n_posts=None, seed=0)`,
  `write_dataverse_folder(...)`: the deposit as ``dataverse_files.zip`` or
  ``dataverse_files/``.
- `write_other_sources(out_dir)`, `write_sample(out_dir, seed=0, ...)`.

CLI: ``python -m interosight_core.samplegen --out data/sample``.
"""

from __future__ import annotations

from pathlib import Path

from interosight_core.samplegen.dataverse import (
    FOLDER_NAME, ZIP_NAME, build_csvs, deposit_zip_bytes, write_dataverse_folder,
    write_dataverse_zip,
)
from interosight_core.samplegen.other_sources import write_other_sources
from interosight_core.samplegen.posts import GROUP_WEIGHTS, SamplePost, generate_posts
from interosight_core.samplegen.readme import write_readme
from interosight_core.samplegen.scores import ANNOTATORS, LLM_ANNOTATORS, human_labels, llm_scores
from interosight_core.samplegen.themes import TOPICS

SAMPLE_POSTS = 3000
DEFAULT_SEED = 0
FULL_SIZE_POSTS = 77175

__all__ = [
    "ANNOTATORS", "DEFAULT_SEED", "FOLDER_NAME", "FULL_SIZE_POSTS", "GROUP_WEIGHTS",
    "LLM_ANNOTATORS", "SAMPLE_POSTS", "SamplePost", "TOPICS", "ZIP_NAME", "build_csvs",
    "deposit_zip_bytes", "generate_posts", "human_labels", "llm_scores", "write_dataverse_folder",
    "write_dataverse_zip", "write_other_sources", "write_sample",
]


def write_sample(out_dir: str | Path, seed: int = DEFAULT_SEED, n_posts: int = SAMPLE_POSTS,
                 unzipped: bool = False) -> list[Path]:
    """Write the complete committed sample into ``out_dir``; return the paths.

    That is the Dataverse deposit (zip, or folder when ``unzipped``), the
    other source formats and ``README.md``.
    """
    writer = write_dataverse_folder if unzipped else write_dataverse_zip
    paths = [writer(out_dir, n_posts=n_posts, seed=seed)]
    paths += write_other_sources(out_dir)
    paths.append(write_readme(Path(out_dir) / "README.md", n_posts, seed))
    return paths
