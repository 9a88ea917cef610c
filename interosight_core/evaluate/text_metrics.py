"""Text metrics of generated answers: ROUGE-L, BLEU, embedding similarity, length, distinct-n.

- ``rouge_l``: ROUGE-L F1 (``rouge_score``, Porter stemming) of an answer
  against its reference, 0–1; identical texts score 1.
- ``corpus_bleu``: sacreBLEU corpus BLEU (13a tokenisation, exponential
  smoothing off, the standard setting) over (answer, reference) pairs,
  0–100; identical texts score 100. ``sentence_bleu`` is the per-pair value
  (effective-order smoothing, so short answers do not score 0 by construction).
- ``embedding_similarities``: cosine similarity of the bundled MiniLM sentence
  embeddings (`encoder.encode_unique`, layer 6 = the standard
  all-MiniLM-L6-v2 embedding) of each answer and its reference, -1–1.
- ``distinct_n``: distinct n-grams / all n-grams over a model's answers
  (lower-cased word tokens): 1 = no repetition.
- ``length_stats``: words per answer (mean, median, p90), share of empty answers.
- ``degenerate``: why an answer is not language (no letters, a word repeated
  4 times in a row, a 4-gram 3 times, a sentence twice, under 30% distinct
  words in 30+, over 5% unprintable characters, or gibberish: a 25+ letter
  word, or under 75% (8+ words; 50% for 4+) of the words in the bundled
  encoder's English vocabulary). MI codes of such answers are noise: the
  MITI summary leaves them out and reports their share.

``text_summary`` bundles them for one model. Only pairs that have a
reference enter ROUGE-L, BLEU and similarity; length and diversity use
every answer.
"""

from __future__ import annotations

import re
import statistics
from functools import lru_cache
from typing import Any, Sequence

_TOKEN = re.compile(r"[a-z0-9']+")


def words(text: str) -> list[str]:
    """Lower-cased word tokens of `text` (letters, digits, apostrophes)."""
    return _TOKEN.findall((text or "").lower())


@lru_cache(maxsize=1)
def _rouge_scorer():
    from rouge_score import rouge_scorer

    return rouge_scorer.RougeScorer(["rougeL"], use_stemmer=True)


def rouge_l(prediction: str, reference: str) -> float:
    """ROUGE-L F1 of `prediction` against `reference` (0 when either is empty)."""
    if not (prediction or "").strip() or not (reference or "").strip():
        return 0.0
    return float(_rouge_scorer().score(reference, prediction)["rougeL"].fmeasure)


def corpus_bleu(predictions: Sequence[str], references: Sequence[str]) -> float | None:
    """sacreBLEU corpus BLEU (0–100) of predictions against one reference each; None for no pairs."""
    if len(predictions) != len(references):
        raise ValueError(f"corpus_bleu: {len(predictions)} predictions but {len(references)} references")
    if not predictions:
        return None
    import sacrebleu

    return float(sacrebleu.corpus_bleu(list(predictions), [list(references)]).score)


def sentence_bleu(prediction: str, reference: str) -> float:
    """sacreBLEU sentence BLEU (0–100, effective-order smoothing) of one pair."""
    import sacrebleu

    return float(sacrebleu.sentence_bleu(prediction or "", [reference or ""]).score)


def distinct_n(texts: Sequence[str], n: int) -> float | None:
    """Distinct n-grams / total n-grams over all `texts` (None when there are no n-grams)."""
    total = 0
    seen: set[tuple[str, ...]] = set()
    for text in texts:
        toks = words(text)
        grams = [tuple(toks[i:i + n]) for i in range(len(toks) - n + 1)]
        total += len(grams)
        seen.update(grams)
    return len(seen) / total if total else None


#: Share of an answer's words that must be English words (encoder vocabulary) for it to read as language.
MIN_KNOWN_WORDS = 0.75


@lru_cache(maxsize=1)
def english_vocabulary() -> frozenset[str]:
    """Whole-word entries of the bundled MiniLM (uncased WordPiece) vocabulary: ~20k English words."""
    from interosight_core.encoder import model_path

    lines = (model_path() / "vocab.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(w for w in lines if w.isalpha())


def known_word_share(text: str) -> float | None:
    """Share of the alphabetic words of `text` found in `english_vocabulary` (None: no words)."""
    toks = re.findall(r"[a-z]+", (text or "").lower())
    if not toks:
        return None
    vocab = english_vocabulary()
    return sum(t in vocab for t in toks) / len(toks)


def degenerate(text: str) -> str | None:
    """Why `text` is degenerate output (see module docstring), or None when it reads as language."""
    if not re.search(r"[A-Za-z]", text or ""):
        return "no letters"
    odd = sum(ch == "\ufffd" or (not ch.isprintable() and ch not in "\n\t") for ch in text)
    if odd / len(text) > 0.05:
        return f"unprintable characters: {odd} of {len(text)}"
    longest = max((len(w) for w in re.findall(r"[a-z]+", text.lower())), default=0)
    if longest >= 25:
        return f"gibberish: a {longest}-letter word"
    share = known_word_share(text)
    n_words = len(words(text))
    if share is not None and ((n_words >= 8 and share < MIN_KNOWN_WORDS) or (n_words >= 4 and share < 0.5)):
        return f"gibberish: {share:.0%} English words"
    toks = words(text)
    for i in range(len(toks) - 3):
        if toks[i] == toks[i + 1] == toks[i + 2] == toks[i + 3]:
            return f"word loop: {toks[i]!r}"
    grams: dict[tuple[str, ...], int] = {}
    for i in range(len(toks) - 3):
        gram = tuple(toks[i:i + 4])
        grams[gram] = grams.get(gram, 0) + 1
        if grams[gram] >= 3:
            return f"4-gram loop: {' '.join(gram)!r}"
    seen: set[str] = set()
    for sentence in re.split(r"[.!?\n]+", text.lower()):
        key = " ".join(words(sentence))
        if len(key.split()) >= 4:
            if key in seen:
                return "repeated sentence"
            seen.add(key)
    if len(toks) >= 30 and len(set(toks)) / len(toks) < 0.3:
        return f"{len(set(toks))} distinct of {len(toks)} words"
    return None


def length_stats(texts: Sequence[str]) -> dict[str, Any]:
    """Words per answer: mean, median, 90th percentile, max, and the share of empty answers."""
    counts = [len(words(t)) for t in texts]
    if not counts:
        return {"n_answers": 0, "mean_words": None, "median_words": None, "p90_words": None, "max_words": None, "share_empty": None,
                "share_degenerate": None}
    ordered = sorted(counts)
    p90 = ordered[min(len(ordered) - 1, int(round(0.9 * (len(ordered) - 1))))]
    return {
        "n_answers": len(counts),
        "mean_words": round(statistics.fmean(counts), 2),
        "median_words": float(statistics.median(counts)),
        "p90_words": p90,
        "max_words": ordered[-1],
        "share_empty": sum(c == 0 for c in counts) / len(counts),
        "share_degenerate": sum(degenerate(t) is not None for t in texts) / len(counts),
    }


def embedding_similarities(predictions: Sequence[str], references: Sequence[str], threads: int | None = 1,
                           cache_path=None) -> list[float]:
    """Cosine similarity of each prediction's MiniLM embedding to its reference's (0 for an empty text)."""
    if len(predictions) != len(references):
        raise ValueError(f"embedding_similarities: {len(predictions)} predictions but {len(references)} references")
    if not predictions:
        return []
    from interosight_core.encoder import encode_unique

    vectors = encode_unique(list(predictions) + list(references), threads=threads, cache_path=cache_path)
    n = len(predictions)
    # The vectors are L2-normalised (zero for empty texts), so the dot product is the cosine.
    return [float(vectors[i] @ vectors[n + i]) for i in range(n)]


def text_summary(predictions: Sequence[str], references: Sequence[str | None], threads: int | None = 1,
                 cache_path=None) -> tuple[dict[str, Any], list[dict[str, float] | None]]:
    """One model's text metrics and the per-answer reference scores.

    `references[i]` is None where answer i has no reference. Returns
    ``(summary, per_answer)``: the summary holds ``n_with_reference``,
    ``rouge_l`` (mean F1), ``bleu`` (corpus), ``embedding_similarity``
    (mean cosine), the length statistics and ``distinct_1`` / ``distinct_2``;
    ``per_answer[i]`` is ``{"rouge_l", "bleu", "embedding_similarity"}`` or None.
    """
    if len(predictions) != len(references):
        raise ValueError(f"text_summary: {len(predictions)} predictions but {len(references)} references")
    pairs = [(i, p, r) for i, (p, r) in enumerate(zip(predictions, references)) if r is not None and str(r).strip()]
    preds = [p or "" for _, p, _ in pairs]
    refs = [str(r) for _, _, r in pairs]
    rouge = [rouge_l(p, r) for p, r in zip(preds, refs)]
    sims = embedding_similarities(preds, refs, threads=threads, cache_path=cache_path)
    per: list[dict[str, float] | None] = [None] * len(predictions)
    for k, (i, p, r) in enumerate(pairs):
        per[i] = {"rouge_l": round(rouge[k], 6), "bleu": round(sentence_bleu(p, r), 4),
                  "embedding_similarity": round(sims[k], 6)}
    summary: dict[str, Any] = {
        "n_with_reference": len(pairs),
        "rouge_l": statistics.fmean(rouge) if rouge else None,
        "bleu": corpus_bleu(preds, refs),
        "embedding_similarity": statistics.fmean(sims) if sims else None,
        "distinct_1": distinct_n(predictions, 1),
        "distinct_2": distinct_n(predictions, 2),
    }
    summary.update(length_stats(predictions))
    return summary, per
