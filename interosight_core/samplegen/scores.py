"""Synthetic topic scores, correlated with each post's composed themes.

For every LLM annotator a post's 15 topic scores are drawn from two
per-annotator distributions: topics the post was composed from score high
(about 0.6-1.0), the others low (mostly near 0, at most 0.3). Each annotator
has its own miss rate, false-positive rate and bias, so the five LLMs
disagree on roughly 10% of (post, topic) cells; control posts rarely get a
false positive. ``<topic>01`` is ``score >= 0.5``. The ensemble is the mean
of the five LLMs; human labels (about 1.4% of posts) are the true themes
with slight noise.

Scores are integers in thousandths (0-1000). Cells are drawn with one random
byte each through 256-entry lookup tables, so scoring a full-size corpus
stays fast in pure Python while remaining deterministic for a seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from itertools import chain
from operator import add, getitem
from typing import Sequence

from interosight_core.samplegen.posts import SamplePost
from interosight_core.samplegen.themes import TOPICS

LLM_ANNOTATORS: tuple[str, ...] = (
    "gpt4o", "Llama-3.1-8B-Instruct", "Qwen2.5-7B-Instruct",
    "Mistral-7B-Instruct-v0.3", "Vicuna-7b-v1.5",
)
ANNOTATORS: tuple[str, ...] = LLM_ANNOTATORS + ("ensemble", "human")
HUMAN_FRACTION = 0.014


@dataclass(frozen=True)
class Profile:
    """How one simulated annotator scores: miss/false-positive rates, bias."""

    miss: float
    false_pos: float
    bias: int  # thousandths added to every score before clamping


PROFILES: dict[str, Profile] = {
    "gpt4o": Profile(miss=0.05, false_pos=0.010, bias=0),
    "Llama-3.1-8B-Instruct": Profile(miss=0.08, false_pos=0.022, bias=40),
    "Qwen2.5-7B-Instruct": Profile(miss=0.07, false_pos=0.014, bias=0),
    "Mistral-7B-Instruct-v0.3": Profile(miss=0.09, false_pos=0.016, bias=-30),
    "Vicuna-7b-v1.5": Profile(miss=0.12, false_pos=0.026, bias=20),
}
CONTROL_FALSE_POS_FACTOR = 0.2


def _clamp(v: float) -> int:
    """Round ``v`` to an int in 0..1000."""
    return max(0, min(1000, int(round(v))))


def _positive_table(miss: float, bias: int) -> tuple[int, ...]:
    """Scores for a topic the post is about: mostly 600-1000, some misses."""
    out = []
    for i in range(256):
        u = (i + 0.5) / 256
        if u < miss:
            out.append(_clamp(200 + (u / miss) * 290))
        else:
            out.append(_clamp(600 + (u - miss) / (1 - miss) * 400 + bias))
    return tuple(out)


def _negative_table(false_pos: float, bias: int) -> tuple[int, ...]:
    """Scores for an unrelated topic: mostly near 0 (<=300), a few false positives."""
    out = []
    for i in range(256):
        u = (i + 0.5) / 256
        if u < false_pos:
            out.append(_clamp(500 + (u / false_pos) * 300))
        else:
            out.append(_clamp(((u - false_pos) / (1 - false_pos)) ** 2 * 300 + min(bias, 0)))
    return tuple(out)


def _tables(profile: Profile) -> dict[tuple[bool, bool], tuple[int, ...]]:
    """Lookup tables keyed by ``(topic_is_true, post_is_control)``."""
    neg = _negative_table(profile.false_pos, profile.bias)
    neg_control = _negative_table(profile.false_pos * CONTROL_FALSE_POS_FACTOR, profile.bias)
    pos = _positive_table(profile.miss, profile.bias)
    return {(True, False): pos, (True, True): pos, (False, False): neg, (False, True): neg_control}


def _rng(seed: int, purpose: str) -> random.Random:
    """Return a `random.Random` for ``purpose`` derived from ``seed``."""
    return random.Random(f"interosight-samplegen-{purpose}-{seed}")


def llm_scores(posts: Sequence[SamplePost], seed: int = 0) -> dict[str, list[int]]:
    """Return each LLM annotator's and the ensemble's scores.

    Result maps annotator name to a flat row-major list of ``15 * len(posts)``
    integer scores in thousandths (topic order `TOPICS`).
    """
    key_index: dict[tuple[tuple[str, ...], bool], int] = {}
    idx = [key_index.setdefault((p.themes, p.group == "control"), len(key_index)) for p in posts]
    out: dict[str, list[int]] = {}
    for name in LLM_ANNOTATORS:
        tables = _tables(PROFILES[name])
        rows = [tuple(tables[(t in themes, control)] for t in TOPICS) for themes, control in key_index]
        flat_tables = list(chain.from_iterable(map(rows.__getitem__, idx)))
        draws = _rng(seed, name).randbytes(len(flat_tables))
        out[name] = list(map(getitem, flat_tables, draws))
    total = out[LLM_ANNOTATORS[0]]
    for name in LLM_ANNOTATORS[1:]:
        total = list(map(add, total, out[name]))
    mean = tuple(_clamp(s / len(LLM_ANNOTATORS)) for s in range(1000 * len(LLM_ANNOTATORS) + 1))
    out["ensemble"] = list(map(mean.__getitem__, total))
    return out


def human_labels(posts: Sequence[SamplePost], seed: int = 0,
                 fraction: float = HUMAN_FRACTION) -> dict[str, tuple[int, ...]]:
    """Return human 0/1 labels for a ``fraction`` of posts, keyed by sm_id.

    Labels are the true themes with slight noise (3% misses, 0.5% false
    positives). The covered posts are a seeded random subset, returned in
    post order.
    """
    rng = _rng(seed, "human")
    k = min(len(posts), round(len(posts) * fraction))
    chosen = sorted(rng.sample(range(len(posts)), k))
    labels: dict[str, tuple[int, ...]] = {}
    for i in chosen:
        post = posts[i]
        row = []
        for topic in TOPICS:
            u = rng.random()
            truth = topic in post.themes
            row.append(int(u >= 0.03) if truth else int(u < 0.005))
        labels[post.sm_id] = tuple(row)
    return labels
