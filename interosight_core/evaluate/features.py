"""Features for the MI coder: encoder states plus cheap surface cues.

``build_features`` turns (utterance, context) pairs into one row each:
mean-pooled, L2-normalised layer 6, 2 and 4 states of the utterance
(3 x 384), the layer-6 embedding of its last sentence (384) and of the
context (384) from the bundled all-MiniLM-L6-v2 (see ``encoder``), and
``N_SURFACE`` surface features (``surface_features``). ``FEATURE_VERSION``
names this layout; a trained coder records it and refuses other layouts.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Sequence

import numpy as np

from interosight_core.encoder import EMBEDDING_DIM, ProgressCallback, encode_unique
from interosight_core.evaluate.miti import split_into_utterances

FEATURE_VERSION = "minilm-l6.l2.l4+ctx+last+surface-v1"
UTTERANCE_LAYERS = (6, 2, 4)

_WORD = re.compile(r"[a-z']+")
_FILLERS = frozenset(
    "okay ok yeah yes mm mhm mm-hmm hmm uh-huh um uh right alright sure so well oh "
    "and but great good fine thanks thank hi hello now".split()
)
_WH = ("what", "how", "why", "when", "where", "who", "which", "whose", "tell", "describe", "explain")
_AUX = (
    "do", "does", "did", "is", "are", "was", "were", "have", "has", "had", "can", "could",
    "would", "will", "should", "shall", "may", "might", "am", "isn't", "aren't", "don't",
    "didn't", "doesn't", "won't", "wouldn't", "haven't", "hasn't", "couldn't",
)
_REFLECT_OPENERS = (
    "it sounds", "sounds like", "you feel", "you're", "you are", "it seems", "seems like",
    "i hear", "you've", "you have", "you want", "you don't", "you think", "you'd",
)
_ADVICE = (
    "you should", "you need to", "i recommend", "i suggest", "i'd suggest", "i would suggest",
    "try", "you could", "you might want", "it's important", "research", "studies", "the best",
    "i want you", "let's",
)
_CHANGE = (
    "i want", "i will", "i'm going to", "i can", "i need to", "i'd like", "i should",
    "i could", "i'll", "trying", "ready", "maybe i",
)
_SUSTAIN = (
    "i don't want", "i can't", "i won't", "not going to", "i like", "it helps",
    "i don't think", "no", "not really", "i don't see", "i enjoy", "not a problem", "i'm fine",
)
N_SURFACE = 26


def _phrase_re(phrases: Sequence[str]) -> re.Pattern[str]:
    """Compile a word-bounded alternation of ``phrases``."""
    return re.compile(r"\b(?:" + "|".join(re.escape(p) for p in phrases) + r")\b")


_REFLECT_RE = _phrase_re(_REFLECT_OPENERS[:6])
_ADVICE_RE = _phrase_re(_ADVICE)
_CHANGE_RE = _phrase_re(_CHANGE)
_SUSTAIN_RE = _phrase_re(_SUSTAIN)
_SELF_RE = re.compile(r"\b(?:i|i'm|i've|me|my)\b")
_YOU_RE = re.compile(r"\b(?:you|you're|your|you've)\b")


def _strip_fillers(text: str) -> str:
    """Lower-case ``text``, keep its words, drop leading fillers ("Okay. So, …")."""
    words = _WORD.findall(text.lower())
    i = 0
    while i < len(words) and words[i] in _FILLERS:
        i += 1
    return " ".join(words[i:])


def _starts(text: str, prefixes: Sequence[str]) -> float:
    """1.0 when ``text`` starts with one of ``prefixes`` as whole words."""
    return float(any(text == p or text.startswith(p + " ") for p in prefixes))


def last_sentence(text: str) -> str:
    """Return the last sentence of ``text`` (the text itself if only one)."""
    sentences = split_into_utterances(text or "")
    return sentences[-1] if sentences else ""


def surface_features(text: str, context: str = "") -> np.ndarray:
    """Cheap surface features of an utterance and its context (``N_SURFACE`` floats).

    Question marks (ends with, contains, count), length in words and
    sentences, interruption dashes, leading wh-/auxiliary word of the first,
    last and last-question sentence after fillers, tag questions, reflection
    openers, advice phrases, all-filler utterances, change/sustain phrases,
    first/second-person pronouns, and whether the context ends with ``?``,
    its length and whether it is empty.
    """
    text = (text or "").strip()
    context = (context or "").strip()
    sentences = split_into_utterances(text) or [""]
    first, last = _strip_fillers(sentences[0]), _strip_fillers(sentences[-1])
    questions = [s for s in sentences if s.rstrip(" -—").endswith("?")]
    last_q = _strip_fillers(questions[-1]) if questions else ""
    low = text.lower()
    words = _WORD.findall(low)
    values = [
        float(text.rstrip(" -—").endswith("?")),
        float("?" in text),
        min(text.count("?"), 3) / 3.0,
        math.log1p(len(words)) / 5.0,
        math.log1p(len(sentences)) / 2.0,
        float(len(words) <= 3),
        float(text.startswith("-")),
        float(text.endswith("-")),
        _starts(first, _WH),
        _starts(last, _WH),
        _starts(last_q, _WH),
        _starts(first, _AUX),
        _starts(last, _AUX),
        _starts(last_q, _AUX),
        float(last_q.endswith((" right", " yeah", " okay"))),
        _starts(first, _REFLECT_OPENERS),
        float(bool(_REFLECT_RE.search(low))),
        float(bool(_ADVICE_RE.search(low))),
        float(all(w in _FILLERS for w in words)),
        float(bool(_CHANGE_RE.search(low))),
        float(bool(_SUSTAIN_RE.search(low))),
        float(bool(_SELF_RE.search(low))),
        float(bool(_YOU_RE.search(low))),
        float(context.rstrip(" -—").endswith("?")),
        math.log1p(len(_WORD.findall(context.lower()))) / 5.0,
        float(not context),
    ]
    return np.asarray(values, dtype=np.float32)


def build_features(
    texts: Sequence[str],
    contexts: Sequence[str],
    cache_path: str | Path | None = None,
    progress: ProgressCallback | None = None,
    threads: int | None = 1,
) -> np.ndarray:
    """Feature matrix for (utterance, context) pairs, one row per pair.

    Columns: utterance layers 6/2/4 (3 x 384), last sentence layer 6 (384),
    context layer 6 (384), surface features (``N_SURFACE``). Each distinct
    text is encoded once (cached in ``cache_path`` when given).
    """
    texts = [str(t or "").strip() for t in texts]
    contexts = [str(c or "").strip() for c in contexts]
    lasts = [last_sentence(t) for t in texts]
    # One encoder pass over all distinct texts: contexts are usually other
    # utterances, and a one-sentence utterance is its own last sentence.
    pool = list(dict.fromkeys([*texts, *lasts, *contexts]))
    vectors = encode_unique(
        pool, cache_path=cache_path, progress=progress, threads=threads, layers=UTTERANCE_LAYERS
    )
    index = {t: i for i, t in enumerate(pool)}
    d = EMBEDDING_DIM
    utt = vectors[[index[t] for t in texts]]
    last = vectors[[index[t] for t in lasts], :d]
    ctx = vectors[[index[c] for c in contexts], :d]
    surface = np.stack([surface_features(t, c) for t, c in zip(texts, contexts)]) if texts else (
        np.zeros((0, N_SURFACE), dtype=np.float32)
    )
    return np.hstack([utt, last, ctx, surface]).astype(np.float32)


def without_context(features: np.ndarray, texts: Sequence[str]) -> np.ndarray:
    """Return a copy of ``build_features`` rows as if every context were empty.

    Zeroes the context-embedding block and recomputes the surface features
    with ``context=""``; no encoder call. Used for context-dropout training
    and for measuring the coder without context.
    """
    out = features.copy()
    start = 4 * EMBEDDING_DIM
    out[:, start : start + EMBEDDING_DIM] = 0.0
    for i, text in enumerate(texts):
        out[i, start + EMBEDDING_DIM :] = surface_features(text, "")
    return out
