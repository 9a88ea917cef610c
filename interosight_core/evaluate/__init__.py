"""Evaluation of generated MI responses.

- ``miti``: pure MITI 4.2.1-style summary scores from coded utterances and
  ``split_into_utterances`` for multi-sentence responses (no heavy imports).
- ``mi_coder``: ``MICoder`` (load the committed classifier, ``predict``,
  ``code_response``) and ``code_file`` for CSV/JSONL input.
- ``mi_coder_train``: ``train_mi_coder`` (AnnoMI -> artefact + card).

Names are imported lazily so ``import interosight_core.evaluate`` stays
cheap (no torch / scikit-learn until a coder is used).
"""

from __future__ import annotations

from typing import Any

_EXPORTS = {
    "MITISummary": "miti",
    "miti_summary": "miti",
    "summarise_responses": "miti",
    "split_into_utterances": "miti",
    "MICoder": "mi_coder",
    "CodedUtterance": "mi_coder",
    "code_file": "mi_coder",
    "train_mi_coder": "mi_coder_train",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    """Import an exported name from its submodule on first access."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f"{__name__}.{module}"), name)
