"""MI coder: a learned classifier of motivational-interviewing behaviour.

For a therapist utterance it predicts the AnnoMI ``main_therapist_behaviour``
(reflection / question / therapist_input / other), the reflection subtype
(simple / complex) and the question subtype (open / closed); for a client
utterance it predicts ``client_talk_type`` (change / neutral / sustain).
The previous turn (``context``) is used as extra input.

Features (``features.FEATURE_VERSION``): the bundled all-MiniLM-L6-v2 sentence
encoder (see ``encoder``) gives mean-pooled, normalised layer 6, 2 and 4
states of the utterance, the layer-6 embedding of its last sentence and of
the context, plus a few cheap surface features (``surface_features``:
question marks, length, leading wh-/auxiliary words after fillers, …).
One standardised multinomial logistic regression per task, trained by
``mi_coder_train.train_mi_coder``, sits on top. The committed model lives in
``models/mi_coder/`` as ``weights.npz`` (arrays only, loaded with
``allow_pickle=False``) plus ``config.json``; ``card.md`` and
``metrics.json`` describe it.

Usage::

    coder = MICoder.load()
    coded = coder.predict(["What brings you here today?"])
    coded = coder.predict([("Yes, I want to stop.", "Do you want to quit?", "client")])
    coded = coder.code_response(model_answer, context=forum_post)
"""

from __future__ import annotations

import csv
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from interosight_core.errors import SourceError
from interosight_core.encoder import ProgressCallback
from interosight_core.evaluate.features import (  # re-exported, see __all__
    FEATURE_VERSION,
    build_features,
    surface_features,
    without_context,
)
from interosight_core.evaluate.miti import split_into_utterances
from interosight_core.sources.jsonio import jsonl_objects

DEFAULT_MODEL_DIR = Path(__file__).resolve().parent / "models" / "mi_coder"

# task name -> (role it applies to, AnnoMI column, classes in model order)
TASKS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "behaviour": (
        "therapist",
        "main_therapist_behaviour",
        ("other", "question", "reflection", "therapist_input"),
    ),
    "reflection_subtype": ("therapist", "reflection_subtype", ("complex", "simple")),
    "question_subtype": ("therapist", "question_subtype", ("closed", "open")),
    "client_talk": ("client", "client_talk_type", ("change", "neutral", "sustain")),
}

__all__ = [
    "TASKS", "DEFAULT_MODEL_DIR", "FEATURE_VERSION", "CodedUtterance", "LinearTask", "MICoder",
    "build_features", "surface_features", "without_context", "code_file",
]


@dataclass
class CodedUtterance:
    """One coded utterance: labels and class probabilities per task.

    Therapist utterances get ``behaviour`` and the subtype probabilities;
    ``reflection_subtype`` / ``question_subtype`` labels are set only when
    ``behaviour`` is reflection / question (their probabilities are always
    given, for analysis). Client utterances get ``client_talk`` only.
    """

    text: str
    context: str = ""
    role: str = "therapist"
    behaviour: str | None = None
    reflection_subtype: str | None = None
    question_subtype: str | None = None
    client_talk: str | None = None
    probabilities: dict[str, dict[str, float]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return a plain JSON-serialisable dict."""
        return asdict(self)


def _softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise softmax."""
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


@dataclass
class LinearTask:
    """A standardised multinomial (or binary) logistic regression head."""

    classes: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray  # (n_classes, n_features); binary heads are stored expanded
    intercept: np.ndarray  # (n_classes,)

    def predict_proba(self, features: np.ndarray) -> np.ndarray:
        """Class probabilities, columns in ``classes`` order."""
        z = ((features - self.mean) / self.scale) @ self.coef.T + self.intercept
        return _softmax(z)


def _normalise_items(
    items: Iterable[Any], contexts: Sequence[str] | None, roles: Sequence[str] | None
) -> list[tuple[str, str, str]]:
    """Turn strings, dicts or (text, context[, role]) tuples into triples."""
    out: list[tuple[str, str, str]] = []
    for i, item in enumerate(items):
        ctx, role = "", "therapist"
        if isinstance(item, str):
            text = item
        elif isinstance(item, Mapping):
            text = item.get("text") or item.get("utterance_text") or ""
            ctx = item.get("context") or ""
            role = item.get("role") or item.get("interlocutor") or "therapist"
        elif isinstance(item, (tuple, list)) and 1 <= len(item) <= 3:
            text = item[0]
            ctx = item[1] if len(item) > 1 and item[1] is not None else ""
            role = item[2] if len(item) > 2 and item[2] else "therapist"
        else:
            raise TypeError(f"item {i}: expected str, dict or (text, context[, role]), got {type(item).__name__}")
        if contexts is not None and contexts[i] is not None:
            ctx = contexts[i]
        if roles is not None and roles[i]:
            role = roles[i]
        role = str(role).strip().lower()
        if role not in ("therapist", "client"):
            raise ValueError(f"item {i}: role must be 'therapist' or 'client', got {role!r}")
        out.append((str(text), str(ctx), role))
    return out


class MICoder:
    """The trained MI coder: one linear head per task over encoder features."""

    def __init__(self, heads: dict[str, LinearTask], config: dict[str, Any]):
        """Wrap trained ``heads`` (task -> ``LinearTask``) and their ``config``."""
        self.heads = heads
        self.config = config

    @classmethod
    def load(cls, path: str | Path | None = None) -> "MICoder":
        """Load a coder from ``path`` (default: the committed model dir).

        The folder holds ``config.json`` and ``weights.npz``. Raises
        ``SourceError`` naming the missing/broken file.
        """
        folder = Path(path) if path is not None else DEFAULT_MODEL_DIR
        config_file, weights_file = folder / "config.json", folder / "weights.npz"
        for f in (config_file, weights_file):
            if not f.is_file():
                raise SourceError(f"MI coder file not found: {f} (train one with train_mi_coder)")
        try:
            config = json.loads(config_file.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise SourceError(f"MI coder config unreadable: {config_file}: {exc}") from exc
        if config.get("feature_version") != FEATURE_VERSION:
            raise SourceError(
                f"{config_file}: feature_version {config.get('feature_version')!r} does not match "
                f"this code ({FEATURE_VERSION!r}); retrain with train_mi_coder"
            )
        heads: dict[str, LinearTask] = {}
        try:
            with np.load(weights_file, allow_pickle=False) as w:
                for task, classes in config["classes"].items():
                    heads[task] = LinearTask(
                        classes=tuple(classes),
                        mean=w[f"{task}__mean"],
                        scale=w[f"{task}__scale"],
                        coef=w[f"{task}__coef"],
                        intercept=w[f"{task}__intercept"],
                    )
        except (OSError, KeyError, ValueError) as exc:
            raise SourceError(f"MI coder weights unreadable: {weights_file}: {exc}") from exc
        return cls(heads, config)

    def predict(
        self,
        items: Iterable[Any],
        contexts: Sequence[str] | None = None,
        roles: Sequence[str] | None = None,
        progress: ProgressCallback | None = None,
        cache_path: str | Path | None = None,
    ) -> list[CodedUtterance]:
        """Code utterances; return one ``CodedUtterance`` per item, in order.

        ``items`` may be strings, dicts with ``text`` (and optional
        ``context``, ``role``), or ``(text, context)`` / ``(text, context,
        role)`` tuples. ``contexts`` / ``roles`` lists, when given, override
        per item. Role defaults to therapist. The context is the previous
        turn (for a therapist utterance, the client's words). ``progress``
        receives ``(done, total)`` during encoding.
        """
        triples = _normalise_items(items, contexts, roles)
        if not triples:
            return []
        texts, ctxs, rls = zip(*triples)
        feats = build_features(texts, ctxs, cache_path=cache_path, progress=progress)
        probs = {task: head.predict_proba(feats) for task, head in self.heads.items()}
        out: list[CodedUtterance] = []
        for i, (text, ctx, role) in enumerate(triples):
            coded = CodedUtterance(text=text, context=ctx, role=role)
            for task, (task_role, _col, _cls) in TASKS.items():
                head = self.heads.get(task)
                if head is None or task_role != role:
                    continue
                p = probs[task][i]
                coded.probabilities[task] = {c: float(round(v, 6)) for c, v in zip(head.classes, p)}
                label = head.classes[int(np.argmax(p))]
                if task == "behaviour":
                    coded.behaviour = label
                elif task == "client_talk":
                    coded.client_talk = label
                else:
                    setattr(coded, task, label)
            if role == "therapist":
                if coded.behaviour != "reflection":
                    coded.reflection_subtype = None
                if coded.behaviour != "question":
                    coded.question_subtype = None
            out.append(coded)
        return out

    def code_response(self, response: str, context: str = "") -> list[CodedUtterance]:
        """Code a (multi-sentence) therapist response sentence by sentence.

        The response is split with ``split_into_utterances``; every sentence
        gets ``context`` (the post or client turn it answers) as its context,
        as in AnnoMI, where a therapist turn follows a client turn. Aggregate
        the result with ``miti.miti_summary``.
        """
        sentences = split_into_utterances(response)
        return self.predict([(s, context, "therapist") for s in sentences])


def _read_rows(path: Path) -> list[dict[str, Any]]:
    """Read a CSV or JSONL file into dicts; raise ``SourceError`` on failure."""
    if not path.is_file():
        raise SourceError(f"file not found: {path}")
    rows: list[dict[str, Any]] = []
    try:
        if path.suffix.lower() in (".jsonl", ".ndjson", ".json"):
            with path.open(encoding="utf-8") as fh:
                rows = [row for _, row in jsonl_objects(fh, path, SourceError)]
        else:
            with path.open(encoding="utf-8", newline="") as fh:
                rows = list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise SourceError(f"{path}: unreadable ({exc})") from exc
    return rows


def code_file(path: str | Path, coder: MICoder | None = None) -> list[dict[str, Any]]:
    """Code every row of a CSV or JSONL file; return one dict per row.

    Rows need ``text``; ``context`` and ``role`` (therapist/client, default
    therapist) are optional. Other columns are kept in the output, which
    adds the ``CodedUtterance`` fields (labels and ``probabilities``).
    Missing file or ``text`` column -> ``SourceError`` naming both.
    """
    path = Path(path)
    rows = _read_rows(path)
    if rows and "text" not in rows[0]:
        raise SourceError(f"{path}: missing column 'text' (optional: 'context', 'role')")
    for n, row in enumerate(rows, 2 if path.suffix.lower() == ".csv" else 1):
        if "text" not in row:
            raise SourceError(f"{path}: row {n} has no 'text'")
    coder = coder or MICoder.load()
    items = [
        {"text": r.get("text") or "", "context": r.get("context") or "", "role": r.get("role") or "therapist"}
        for r in rows
    ]
    try:
        coded = coder.predict(items)
    except ValueError as exc:
        raise SourceError(f"{path}: {exc}") from exc
    return [{**row, **c.to_dict()} for row, c in zip(rows, coded)]
