"""The learned backstop of the safety rules: flags the regexes miss, per family.

The rules (`safety`) are exact and explainable but only know the wordings
someone wrote down: on labelled texts written without seeing them, they
found about a third of the crisis posts. This model reads a text two ways
and averages them, per family:

- a logistic regression on the text's all-MiniLM-L6-v2 embedding (the
  packaged offline encoder, `interosight_core.encoder`), which generalises
  to paraphrases ("not gonna be around much longer");
- a logistic regression on its word 1-2-gram TF-IDF vector, which keeps
  exact slang and spellings (kms, ctb, th1nspo).

A family is flagged by the model when the averaged probability reaches the
family's threshold (chosen by cross-validation, see `safety_model_train`).
It backs up the rules: the final decision is *rules or model*, and a model
flag carries the rule name `<family>_model`, level 1, its probability and
the whole text as its span. Families: crisis, pro_ed, injection and
numbers (for numbers, a model-only flag makes the redaction replace every
number in the text, see `safety.redact_all_numbers`); PII stays with the
rules, which already find its formats.

The fitted model is small (TF-IDF vocabulary, IDF weights and two weight
vectors per family, no pickle) and lives in `models/safety_model/` with its
card and metrics. Scoring needs the encoder: about 170 texts/s on two CPU
cores, so the prepare stage caches each text's embedding in the warehouse.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np

from interosight_core.errors import PrepareError
from interosight_core.prepare.safety import Flag, SafetyReport, model_rule_name, scan

MODEL_FAMILIES: tuple[str, ...] = ("crisis", "pro_ed", "injection", "numbers")
DEFAULT_MODEL_DIR = Path(__file__).resolve().parent / "models" / "safety_model"
#: Word 1-2-grams; single-character tokens kept ("i want to die").
TOKEN_PATTERN = r"(?u)\b\w+\b"
NGRAM_RANGE = (1, 2)


@dataclass(frozen=True)
class FamilyHead:
    """The two logistic regressions of one family and its decision threshold."""

    emb_coef: np.ndarray
    emb_intercept: float
    ngram_coef: np.ndarray
    ngram_intercept: float
    threshold: float


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


@dataclass(frozen=True)
class SafetyModel:
    """A fitted backstop: the TF-IDF vocabulary and IDF weights, and one `FamilyHead` per family."""

    version: str
    vocabulary: tuple[str, ...]
    idf: np.ndarray
    heads: dict[str, FamilyHead]
    fingerprint: str

    @property
    def families(self) -> tuple[str, ...]:
        """The families this model scores."""
        return tuple(self.heads)

    def ngram_features(self, texts: Sequence[str]):
        """The texts' TF-IDF vectors over the stored vocabulary (sparse, one row per text)."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        vectorizer = TfidfVectorizer(vocabulary=list(self.vocabulary), ngram_range=NGRAM_RANGE, sublinear_tf=True,
                                     token_pattern=TOKEN_PATTERN, dtype=np.float32)
        vectorizer.idf_ = self.idf
        return vectorizer.transform(list(texts))

    def probabilities(self, texts: Sequence[str], embeddings: np.ndarray) -> dict[str, np.ndarray]:
        """Per family, the averaged probability of each text (`embeddings`: one 384-d row per text)."""
        if len(texts) != len(embeddings):
            raise PrepareError(f"safety model: {len(texts)} texts but {len(embeddings)} embeddings")
        if not len(texts):
            return {family: np.zeros(0, dtype=np.float32) for family in self.heads}
        ngrams = self.ngram_features(texts)
        out = {}
        for family, head in self.heads.items():
            p_emb = _sigmoid(embeddings @ head.emb_coef + head.emb_intercept)
            p_ngram = _sigmoid(ngrams @ head.ngram_coef + head.ngram_intercept)
            out[family] = ((p_emb + p_ngram) / 2).astype(np.float32)
        return out

    def hits(self, texts: Sequence[str], embeddings: np.ndarray) -> list[dict[str, float]]:
        """Per text, {family: probability} for the families at or above their threshold."""
        probs = self.probabilities(texts, embeddings)
        out: list[dict[str, float]] = [{} for _ in texts]
        for family, p in probs.items():
            threshold = self.heads[family].threshold
            for i in np.flatnonzero(p >= threshold):
                out[i][family] = round(float(p[i]), 4)
        return out


def save_safety_model(model: SafetyModel, out_dir: Path, config: dict) -> None:
    """Write `weights.npz` and `config.json` (version, families, thresholds, training facts) into `out_dir`."""
    arrays = {"vocabulary": np.array(model.vocabulary, dtype=str), "idf": model.idf.astype(np.float32)}
    for family, head in model.heads.items():
        arrays[f"{family}__emb_coef"] = head.emb_coef.astype(np.float32)
        arrays[f"{family}__ngram_coef"] = head.ngram_coef.astype(np.float32)
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = out_dir / "weights.tmp.npz"
    np.savez_compressed(tmp, **arrays)
    tmp.replace(out_dir / "weights.npz")
    config = {**config, "version": model.version, "families": {
        family: {"threshold": head.threshold, "emb_intercept": head.emb_intercept,
                 "ngram_intercept": head.ngram_intercept} for family, head in model.heads.items()}}
    (out_dir / "config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")


@lru_cache(maxsize=4)
def load_safety_model(path: str | Path = DEFAULT_MODEL_DIR) -> SafetyModel:
    """Load a fitted model folder (cached per process); `PrepareError` (one line) when it is missing or broken."""
    folder = Path(path)
    weights, config_file = folder / "weights.npz", folder / "config.json"
    if not weights.is_file() or not config_file.is_file():
        raise PrepareError(f"safety model not found in {folder} (train one with "
                           "`python -m interosight_core.prepare.safety_model_train`)")
    try:
        config = json.loads(config_file.read_text(encoding="utf-8"))
        with np.load(weights, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
        heads = {family: FamilyHead(arrays[f"{family}__emb_coef"], float(spec["emb_intercept"]),
                                    arrays[f"{family}__ngram_coef"], float(spec["ngram_intercept"]),
                                    float(spec["threshold"]))
                 for family, spec in config["families"].items()}
    except (OSError, ValueError, KeyError) as exc:
        raise PrepareError(f"safety model in {folder} is unreadable ({exc}); retrain it") from None
    digest = hashlib.sha256(weights.read_bytes() + config_file.read_bytes()).hexdigest()[:16]
    return SafetyModel(config["version"], tuple(arrays["vocabulary"].tolist()), arrays["idf"], heads, digest)


def embed(texts: Sequence[str], threads: int | None = None, progress=None) -> np.ndarray:
    """The standard all-MiniLM-L6-v2 sentence embeddings of `texts` (384-d, L2-normalised; empty text -> zeros)."""
    from interosight_core.encoder import encode_unique

    return encode_unique(list(texts), threads=threads, progress=progress)


def score_texts(texts: Sequence[str], path: str | Path = DEFAULT_MODEL_DIR, threads: int | None = None) -> list[dict[str, float]]:
    """Embed `texts` and return, per text, {family: probability} for the families the model flags."""
    model = load_safety_model(path)
    return model.hits(texts, embed(texts, threads=threads))


def with_model_flags(report: SafetyReport, scores: dict[str, float]) -> SafetyReport:
    """`report` plus one model flag (level 1, whole text) per family in `scores` that no rule flagged."""
    extra = tuple(Flag(model_rule_name(family), family, 0, len(report.text), report.text, 1, score)
                  for family, score in sorted(scores.items()) if family not in report.families)
    if not extra:
        return report
    families = report.families | {flag.family for flag in extra}
    return SafetyReport(report.text, report.flags + extra, frozenset(families),
                        max(report.crisis_level, int("crisis" in families)),
                        max(report.pro_ed_level, int("pro_ed" in families)))


def scan_with_model(texts: Sequence[str], path: str | Path = DEFAULT_MODEL_DIR, threads: int | None = None) -> list[SafetyReport]:
    """`scan` each text, then add the model's flags where the rules are silent (the decision the prepare stage stores)."""
    return [with_model_flags(scan(text), hits) for text, hits in zip(texts, score_texts(texts, path, threads))]


__all__ = ["DEFAULT_MODEL_DIR", "MODEL_FAMILIES", "FamilyHead", "SafetyModel", "embed", "load_safety_model",
           "save_safety_model", "scan_with_model", "score_texts", "with_model_flags"]
