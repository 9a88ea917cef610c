"""Train the MI coder on AnnoMI and write its artefact.

``train_mi_coder(simple_csv, full_csv, out_dir)`` reads the AnnoMI simple
and full CSVs (the repository's release or the project's shared copy),
builds one example per utterance with the previous utterance of the same
transcript as context, measures every task by cross-validation grouped by
``transcript_id`` (no transcript is in both train and test folds), then
fits the final heads on all data and writes into ``out_dir``:

- ``weights.npz``: per task ``<task>__mean``, ``__scale``, ``__coef``,
  ``__intercept`` (float32 arrays; no pickle);
- ``config.json``: classes, feature version, hyper-parameters, data hash;
- ``metrics.json``: grouped-CV macro-F1 per task with per-fold values,
  per-class reports and confusion matrices;
- ``card.md``: a model card (data, method, metrics, limits).

Labels: ``main_therapist_behaviour`` and ``client_talk_type`` come from the
simple file (which holds the majority label where several annotators coded
an utterance); ``reflection_subtype`` and ``question_subtype`` come from
the full file, majority over annotators (ties: the label of the annotator
listed first). The subtype heads are trained on every therapist utterance
that carries the subtype, whatever its main behaviour.
"""

from __future__ import annotations

import csv
import datetime as _dt
import hashlib
import logging
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Callable

import numpy as np

from interosight_core.errors import SourceError
from interosight_core.encoder import ENCODER_NAME
from interosight_core.evaluate.features import FEATURE_VERSION, build_features, without_context
from interosight_core.evaluate.mi_coder import TASKS, LinearTask
from interosight_core.evaluate.mi_coder_artefact import write_artefact

log = logging.getLogger(__name__)

SIMPLE_COLUMNS = (
    "transcript_id", "utterance_id", "interlocutor", "utterance_text",
    "main_therapist_behaviour", "client_talk_type",
)
FULL_COLUMNS = ("transcript_id", "utterance_id", "reflection_subtype", "question_subtype")
DEFAULT_C = 0.003
DEFAULT_PRIOR_EXPONENT = 0.5
DEFAULT_CONTEXT_DROPOUT = 0.3
MODEL_VERSION = "1.0.0"

TrainProgress = Callable[[str, int, int], None]

def _sha256(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _read_csv(path: Path, required: tuple[str, ...], kind: str) -> list[dict[str, str]]:
    """Read an AnnoMI CSV; ``SourceError`` naming file and column on problems."""
    if not path.is_file():
        raise SourceError(f"AnnoMI {kind} file not found: {path}")
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            header = reader.fieldnames or []
            for col in required:
                if col not in header:
                    raise SourceError(
                        f"{path}: missing column '{col}' (AnnoMI {kind} CSV needs {', '.join(required)})"
                    )
            return list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise SourceError(f"{path}: unreadable AnnoMI {kind} CSV ({exc})") from exc


def _int(value: str, path: Path, column: str, line: int) -> int:
    """Parse an integer id; ``SourceError`` naming file, line and column."""
    try:
        return int(float(value))
    except (TypeError, ValueError):
        raise SourceError(f"{path}:{line}: column '{column}' is not an integer: {value!r}") from None


def _majority(values: list[str]) -> str:
    """Most frequent non-n/a label (first seen wins ties); ``"n/a"`` if none."""
    labels = [v.strip() for v in values if v and v.strip() not in ("n/a", "nan", "")]
    if not labels:
        return "n/a"
    counts = Counter(labels)
    best = max(counts.values())
    return next(v for v in labels if counts[v] == best)


def load_annomi_examples(
    simple_csv: str | Path, full_csv: str | Path, max_transcripts: int | None = None
) -> list[dict[str, Any]]:
    """Build coder examples from AnnoMI simple + full CSVs.

    Returns one dict per utterance, ordered by transcript and
    ``utterance_id``: ``transcript_id, utterance_id, role, text, context``
    (previous utterance of the transcript, ``""`` for the first) and one
    label per ``TASKS`` key (``"n/a"`` where it does not apply).
    ``max_transcripts`` keeps only the first N transcript ids (for tests).
    """
    simple_path, full_path = Path(simple_csv), Path(full_csv)
    simple = _read_csv(simple_path, SIMPLE_COLUMNS, "simple")
    full = _read_csv(full_path, FULL_COLUMNS, "full")
    subtypes: dict[tuple[int, int], dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for n, row in enumerate(full, 2):
        key = (
            _int(row["transcript_id"], full_path, "transcript_id", n),
            _int(row["utterance_id"], full_path, "utterance_id", n),
        )
        for col in ("reflection_subtype", "question_subtype"):
            subtypes[key][col].append(row[col])
    rows = []
    for n, row in enumerate(simple, 2):
        tid = _int(row["transcript_id"], simple_path, "transcript_id", n)
        uid = _int(row["utterance_id"], simple_path, "utterance_id", n)
        role = (row["interlocutor"] or "").strip().lower()
        if role not in ("therapist", "client"):
            raise SourceError(
                f"{simple_path}:{n}: column 'interlocutor' must be therapist or client, got {role!r}"
            )
        rows.append((tid, uid, role, row))
    keep = sorted({r[0] for r in rows})
    if max_transcripts is not None:
        keep = keep[: max(1, int(max_transcripts))]
    keep_set = set(keep)
    rows = sorted((r for r in rows if r[0] in keep_set), key=lambda r: (r[0], r[1]))
    examples: list[dict[str, Any]] = []
    prev_tid, prev_text = None, ""
    for tid, uid, role, row in rows:
        text = (row["utterance_text"] or "").strip()
        context = prev_text if tid == prev_tid else ""
        sub = subtypes.get((tid, uid), {})
        therapist = role == "therapist"
        examples.append(
            {
                "transcript_id": tid,
                "utterance_id": uid,
                "role": role,
                "text": text,
                "context": context,
                "behaviour": (row["main_therapist_behaviour"] or "n/a").strip() if therapist else "n/a",
                "reflection_subtype": _majority(sub.get("reflection_subtype", [])) if therapist else "n/a",
                "question_subtype": _majority(sub.get("question_subtype", [])) if therapist else "n/a",
                "client_talk": (row["client_talk_type"] or "n/a").strip() if not therapist else "n/a",
            }
        )
        prev_tid, prev_text = tid, text
    return examples


def fit_head(
    x: np.ndarray,
    y: np.ndarray,
    classes: tuple[str, ...],
    c: float,
    seed: int,
    prior_exponent: float = DEFAULT_PRIOR_EXPONENT,
) -> LinearTask:
    """Fit a standardised logistic regression; return it as a ``LinearTask``.

    ``prior_exponent`` a folds a partial class-prior correction into the
    intercepts (logit_k - a * log prior_k, i.e. p_k / prior_k**a
    renormalised): 0 keeps the plain posterior, 1 gives a fully
    class-balanced decision rule; 0.5 trades a little accuracy for
    minority-class recall, which macro-F1 rewards. Classes absent from
    ``y`` get a constant very low logit, so the head always has one column
    per class in ``classes`` order.
    """
    from sklearn.linear_model import LogisticRegression

    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-6] = 1.0
    z = (x - mean) / scale
    present = [cl for cl in classes if cl in set(y.tolist())]
    coef = np.zeros((len(classes), x.shape[1]), dtype=np.float64)
    intercept = np.full(len(classes), -30.0)
    if len(present) == 1:
        intercept[classes.index(present[0])] = 0.0
    else:
        model = LogisticRegression(C=c, max_iter=3000, random_state=seed).fit(z, y)
        rows = [classes.index(cl) for cl in model.classes_]
        if len(model.classes_) == 2:  # sklearn stores one row for classes_[1]
            coef[rows[0]], intercept[rows[0]] = 0.0, 0.0
            coef[rows[1]], intercept[rows[1]] = model.coef_[0], model.intercept_[0]
        else:
            coef[rows], intercept[rows] = model.coef_, model.intercept_
        if prior_exponent:
            for cl in present:
                intercept[classes.index(cl)] -= prior_exponent * np.log(np.mean(y == cl))
    return LinearTask(
        classes=classes,
        mean=mean.astype(np.float32),
        scale=scale.astype(np.float32),
        coef=coef.astype(np.float32),
        intercept=intercept.astype(np.float32),
    )


def _report(y_true: list[str], y_pred: list[str], classes: tuple[str, ...]) -> dict[str, Any]:
    """Macro-F1, accuracy, per-class precision/recall/F1 and confusion matrix."""
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

    labels = [c for c in classes if c in set(y_true) | set(y_pred)]
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    return {
        "macro_f1": round(float(f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)), 4),
        "accuracy": round(float(accuracy_score(y_true, y_pred)), 4),
        "n": len(y_true),
        "per_class": {
            c: {"precision": round(float(p[i]), 4), "recall": round(float(r[i]), 4),
                "f1": round(float(f[i]), 4), "support": int(s[i])}
            for i, c in enumerate(labels)
        },
        "confusion": {"labels": labels, "matrix": confusion_matrix(y_true, y_pred, labels=labels).tolist()},
    }


def _miti_code(behaviour: str, refl: str, ques: str) -> str:
    """Combine main behaviour and subtype into one MITI code (SR/CR/OQ/CQ/…)."""
    if behaviour == "reflection":
        return "CR" if refl == "complex" else "SR"
    if behaviour == "question":
        return "OQ" if ques == "open" else "CQ"
    return {"therapist_input": "GI", "other": "other"}.get(behaviour, "other")


def train_mi_coder(
    simple_csv: str | Path,
    full_csv: str | Path,
    out_dir: str | Path,
    folds: int = 5,
    seed: int = 0,
    c: float = DEFAULT_C,
    prior_exponent: float = DEFAULT_PRIOR_EXPONENT,
    context_dropout: float = DEFAULT_CONTEXT_DROPOUT,
    cache_path: str | Path | None = None,
    max_transcripts: int | None = None,
    progress: TrainProgress | None = None,
) -> dict[str, Any]:
    """Train, cross-validate and save the MI coder; return the metrics dict.

    ``folds``-fold ``GroupKFold`` (shuffled with ``seed``) over
    ``transcript_id`` gives out-of-fold predictions for every task; the
    final heads are then fitted on all examples with inverse regularisation
    ``c`` and class-prior correction ``prior_exponent`` (see ``fit_head``).
    ``context_dropout`` adds that share of training rows again with an
    empty context, so the coder also works when no previous turn is given
    (measured: ``macro_f1_without_context`` per task). ``cache_path`` (an ``.npz``) caches encoder outputs across runs.
    ``max_transcripts`` trains on the first N transcripts only (tests).
    ``progress(stage, done, total)`` reports ``"encode"``, ``"cv"`` and
    ``"fit"`` steps. Writes ``weights.npz``, ``config.json``,
    ``metrics.json`` and ``card.md`` into ``out_dir`` (replaced atomically
    file by file). Raises ``SourceError`` for missing files/columns or too
    few transcripts.
    """
    from sklearn.model_selection import GroupKFold

    started = time.time()
    examples = load_annomi_examples(simple_csv, full_csv, max_transcripts=max_transcripts)
    groups_all = np.array([e["transcript_id"] for e in examples])
    n_groups = len(set(groups_all.tolist()))
    if n_groups < 2:
        raise SourceError(f"{simple_csv}: need at least 2 transcripts for grouped CV, found {n_groups}")
    folds = max(2, min(int(folds), n_groups))

    def encode_progress(done: int, total: int) -> None:
        """Forward encoder progress as the ``"encode"`` stage."""
        if progress is not None:
            progress("encode", done, total)

    x_all = build_features(
        [e["text"] for e in examples], [e["context"] for e in examples],
        cache_path=cache_path, progress=encode_progress,
    )
    texts_all = [e["text"] for e in examples]
    x_noctx = without_context(x_all, texts_all)
    rng = np.random.default_rng(seed)
    dropped = rng.random(len(examples)) < context_dropout

    def fit(rows_tr: np.ndarray, y_tr: np.ndarray, classes: tuple[str, ...]) -> LinearTask:
        """Fit a head on ``rows_tr`` plus their context-dropped duplicates."""
        dup = dropped[rows_tr]
        x_tr = np.vstack([x_all[rows_tr], x_noctx[rows_tr[dup]]])
        return fit_head(x_tr, np.concatenate([y_tr, y_tr[dup]]), classes, c, seed, prior_exponent)

    cv_pred: dict[str, np.ndarray] = {}
    task_rows: dict[str, np.ndarray] = {}
    metrics: dict[str, Any] = {"tasks": {}}
    heads: dict[str, LinearTask] = {}
    step, n_steps = 0, len(TASKS) * (folds + 1)
    for task, (role, column, classes) in TASKS.items():
        rows = np.array([i for i, e in enumerate(examples) if e["role"] == role and e[task] in classes])
        task_rows[task] = rows
        if len(rows) == 0:
            log.warning("task %s: no labelled examples, skipped", task)
            step += folds + 1
            continue
        x, y, g = x_all[rows], np.array([examples[i][task] for i in rows]), groups_all[rows]
        pred = np.empty(len(rows), dtype=object)
        pred_noctx = np.empty(len(rows), dtype=object)
        fold_f1 = []
        k = max(2, min(folds, len(set(g.tolist()))))
        for tr, te in GroupKFold(n_splits=k, shuffle=True, random_state=seed).split(x, y, g):
            head = fit(rows[tr], y[tr], classes)
            pred[te] = np.array(classes)[head.predict_proba(x[te]).argmax(axis=1)]
            pred_noctx[te] = np.array(classes)[head.predict_proba(x_noctx[rows[te]]).argmax(axis=1)]
            fold_f1.append(_report(y[te].tolist(), pred[te].tolist(), classes)["macro_f1"])
            step += 1
            if progress is not None:
                progress("cv", step, n_steps)
        cv_pred[task] = pred
        rep = _report(y.tolist(), pred.tolist(), classes)
        rep.update(column=column, role=role, folds=k, fold_macro_f1=fold_f1,
                   fold_macro_f1_mean=round(float(np.mean(fold_f1)), 4),
                   fold_macro_f1_std=round(float(np.std(fold_f1)), 4),
                   macro_f1_without_context=_report(y.tolist(), pred_noctx.tolist(), classes)["macro_f1"])
        metrics["tasks"][task] = rep
        heads[task] = fit(rows, y, classes)
        step += 1
        if progress is not None:
            progress("fit", step, n_steps)

    # Subtype heads measured on the utterances whose main behaviour matches,
    # and the combined MITI code (behaviour + subtype) as the coder produces it.
    extra: dict[str, Any] = {}
    for task, main in (("reflection_subtype", "reflection"), ("question_subtype", "question")):
        if task in cv_pred:
            sel = [j for j, i in enumerate(task_rows[task]) if examples[i]["behaviour"] == main]
            if sel:
                y_sub = [examples[task_rows[task][j]][task] for j in sel]
                extra[f"{task}_where_main_is_{main}"] = _report(
                    y_sub, [cv_pred[task][j] for j in sel], TASKS[task][2]
                )
    if "behaviour" in cv_pred:
        oof = {t: dict(zip(task_rows[t].tolist(), cv_pred[t].tolist())) for t in cv_pred}
        gold, got = [], []
        for i in task_rows["behaviour"].tolist():
            e = examples[i]
            if e["behaviour"] == "reflection" and e["reflection_subtype"] == "n/a":
                continue
            if e["behaviour"] == "question" and e["question_subtype"] == "n/a":
                continue
            gold.append(_miti_code(e["behaviour"], e["reflection_subtype"], e["question_subtype"]))
            # Subtype predictions for rows without a gold subtype are not
            # out-of-fold (their heads never saw them): predict them with
            # the final heads, which also never trained on them.
            pb = oof["behaviour"][i]
            pr = oof.get("reflection_subtype", {}).get(i) or _final(heads, "reflection_subtype", x_all[i])
            pq = oof.get("question_subtype", {}).get(i) or _final(heads, "question_subtype", x_all[i])
            got.append(_miti_code(pb, pr, pq))
        extra["miti_code"] = _report(gold, got, ("SR", "CR", "OQ", "CQ", "GI", "other"))
    metrics["derived"] = extra
    n_ther = sum(e["role"] == "therapist" for e in examples)
    metrics["data"] = {
        "simple_csv": Path(simple_csv).name, "full_csv": Path(full_csv).name,
        "simple_sha256": _sha256(Path(simple_csv)), "full_sha256": _sha256(Path(full_csv)),
        "transcripts": n_groups, "utterances": len(examples),
        "therapist_utterances": n_ther, "client_utterances": len(examples) - n_ther,
    }
    metrics["method"] = {
        "encoder": ENCODER_NAME, "feature_version": FEATURE_VERSION, "n_features": int(x_all.shape[1]),
        "classifier": "standardised multinomial logistic regression (scikit-learn, lbfgs)",
        "C": c,
        "prior_exponent": prior_exponent,
        "context_dropout": context_dropout,
        "cv": f"GroupKFold(n_splits={folds}, shuffle=True, random_state={seed}) by transcript_id",
        "seed": seed,
    }
    metrics["model_version"] = MODEL_VERSION
    metrics["trained_at"] = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    metrics["train_seconds"] = round(time.time() - started, 1)
    write_artefact(Path(out_dir), heads, metrics)
    return metrics


def _final(heads: dict[str, LinearTask], task: str, row: np.ndarray) -> str:
    """Label of one feature row by a final head (``"n/a"`` if no head)."""
    head = heads.get(task)
    if head is None:
        return "n/a"
    return head.classes[int(head.predict_proba(row[None, :]).argmax())]
