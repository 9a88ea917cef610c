"""Training data shapes: chat conversations and preference pairs as ``datasets.Dataset``.

Conversations are ``list[{"role", "content"}]``; a dataset of them has one
``messages`` column (TRL's conversational format). Preference pairs have a
``prompt`` (messages), a ``chosen`` and a ``rejected`` answer (a string or an
assistant message list). The configured system prompt (the crisis one for
crisis-source rows) is injected here, so training and inference see the same
first turn.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable, Literal, Mapping, Sequence

from interosight_core.train.config import TrainError

if TYPE_CHECKING:
    from datasets import Dataset

Message = dict[str, str]
Conversation = list[Message]
ROLES = {"system", "user", "assistant", "tool"}


def _clean_messages(messages: Any, where: str) -> Conversation:
    """Validate one conversation and keep only ``role`` and ``content`` (strings)."""
    if not isinstance(messages, Sequence) or isinstance(messages, (str, bytes)) or not messages:
        raise TrainError(f"{where}: expected a non-empty list of {{'role', 'content'}} messages, got {type(messages).__name__}")
    out: Conversation = []
    for j, m in enumerate(messages):
        if not isinstance(m, Mapping) or "role" not in m or "content" not in m:
            raise TrainError(f"{where}, message {j}: needs 'role' and 'content' keys")
        if m["role"] not in ROLES:
            raise TrainError(f"{where}, message {j}: unknown role {m['role']!r} (use one of {sorted(ROLES)})")
        out.append({"role": str(m["role"]), "content": "" if m["content"] is None else str(m["content"])})
    return out


def inject_system_prompt(
    messages: Conversation, system_prompt: str | None, mode: Literal["replace", "keep"] = "replace"
) -> Conversation:
    """Return ``messages`` starting with ``system_prompt``.

    ``mode='replace'`` drops any system turns and puts the configured prompt
    first; ``mode='keep'`` keeps an example's own leading system turn and adds
    the configured one only where none exists. ``system_prompt=None`` returns
    the messages unchanged.
    """
    if system_prompt is None:
        return list(messages)
    if mode == "keep" and messages and messages[0]["role"] == "system":
        return list(messages)
    rest = [m for m in messages if m["role"] != "system"]
    return [{"role": "system", "content": system_prompt}, *rest]


def to_conversation_dataset(
    data: "Dataset | Iterable[Conversation] | Iterable[Mapping[str, Any]]",
    system_prompt: str | None = None,
    mode: Literal["replace", "keep"] = "replace",
    crisis_system_prompt: str | None = None,
) -> "Dataset":
    """Normalise conversations into a ``Dataset`` with a single ``messages`` column.

    Accepts a ``datasets.Dataset`` with a ``messages`` column, a list of
    conversations, or a list of ``{"messages": [...]}`` rows. Rows whose
    ``source`` is the crisis source get ``crisis_system_prompt`` (when given)
    instead of ``system_prompt``. Every conversation must contain at least
    one assistant turn with text (the only tokens that carry loss). Raises
    ``TrainError`` naming the bad row.
    """
    from datasets import Dataset

    from interosight_core.train.config import CRISIS_SOURCE

    convs: list[Conversation] = []
    for i, row in enumerate(data):
        msgs = row["messages"] if isinstance(row, Mapping) else row
        crisis = crisis_system_prompt is not None and isinstance(row, Mapping) and row.get("source") == CRISIS_SOURCE
        msgs = inject_system_prompt(_clean_messages(msgs, f"example {i}"), crisis_system_prompt if crisis else system_prompt, mode)
        if not any(m["role"] == "assistant" and m["content"].strip() for m in msgs):
            raise TrainError(f"example {i}: no assistant turn with text; nothing to learn from")
        convs.append(msgs)
    if not convs:
        raise TrainError("the training dataset is empty")
    return Dataset.from_dict({"messages": convs})


def _as_assistant(answer: Any, where: str) -> Conversation:
    """A chosen/rejected answer as a one-or-more message list ending with an assistant turn."""
    if isinstance(answer, str):
        return [{"role": "assistant", "content": answer}]
    msgs = _clean_messages(answer, where)
    if msgs[-1]["role"] != "assistant":
        raise TrainError(f"{where}: the answer must end with an assistant message")
    return msgs


def to_preference_dataset(
    pairs: "Dataset | Iterable[Mapping[str, Any]]",
    system_prompt: str | None = None,
    mode: Literal["replace", "keep"] = "replace",
) -> "Dataset":
    """Normalise preference pairs into TRL's conversational ``prompt/chosen/rejected`` format.

    ``prompt`` is a message list (a bare string becomes one user turn) and
    must not end with an assistant turn; ``chosen`` / ``rejected`` are strings
    or assistant message lists. The system prompt is injected into the prompt.
    """
    from datasets import Dataset

    out: dict[str, list] = {"prompt": [], "chosen": [], "rejected": []}
    for i, row in enumerate(pairs):
        where = f"pair {i}"
        for key in ("prompt", "chosen", "rejected"):
            if key not in row:
                raise TrainError(f"{where}: missing {key!r}")
        prompt = row["prompt"]
        if isinstance(prompt, str):
            prompt = [{"role": "user", "content": prompt}]
        prompt = inject_system_prompt(_clean_messages(prompt, f"{where} prompt"), system_prompt, mode)
        if prompt[-1]["role"] == "assistant":
            raise TrainError(f"{where}: the prompt ends with an assistant turn; the answer belongs in chosen/rejected")
        chosen = _as_assistant(row["chosen"], f"{where} chosen")
        rejected = _as_assistant(row["rejected"], f"{where} rejected")
        if chosen == rejected:
            raise TrainError(f"{where}: chosen and rejected are identical")
        out["prompt"].append(prompt)
        out["chosen"].append(chosen)
        out["rejected"].append(rejected)
    if not out["prompt"]:
        raise TrainError("the preference dataset is empty")
    return Dataset.from_dict(out)
