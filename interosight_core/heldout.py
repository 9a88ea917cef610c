"""The evaluation hold-out: a fixed ~5% of posts that no training stage ever sees.

A post is held out when the md5 of ``"<source>:<post_id>"`` sorts below
``HELDOUT_BELOW`` (0x0ccccccc / 0xffffffff = 5%). The rule is a pure
function of the post's identity, so it is the same in SQL and Python, across
runs, machines and DuckDB versions. Synthesis still writes replies for these
posts (they become the reference answers of the text metrics); the training
data loaders exclude them and the evaluation stage uses them as its prompts.
"""

from __future__ import annotations

import hashlib

HELDOUT_BELOW = "0ccccccc"


def is_heldout(source: str, post_id: str) -> bool:
    """True when the post belongs to the evaluation hold-out."""
    return hashlib.md5(f"{source}:{post_id}".encode("utf-8")).hexdigest() < HELDOUT_BELOW


def heldout_sql(source: str = "source", post_id: str = "post_id") -> str:
    """A DuckDB boolean expression over the given columns, equal to `is_heldout`."""
    return f"(md5({source} || ':' || {post_id}) < '{HELDOUT_BELOW}')"
