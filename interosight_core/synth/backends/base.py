"""The backend interface: requests in, `n` generations per request out, with token counts.

Every backend (template, transformers, vllm, openai) implements `Backend`.
A request carries both the chat `messages` (what an LLM sees) and the
structured post (`post_text`, `themes`, `kind`) the template composer uses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

from interosight_core.errors import InteroSightError

#: What a request asks for: an ordinary MI reply, the crisis-protocol reply, or an MI-inconsistent contrast reply (DPO rejected).
RequestKind = Literal["mi", "crisis", "contrast"]


class SynthesisError(InteroSightError):
    """Synthesis cannot run: a backend, model, server or config problem."""


@dataclass(frozen=True)
class GenerationRequest:
    """One prompt to complete `n` times."""

    key: str
    messages: list[dict[str, str]]
    kind: RequestKind = "mi"
    post_text: str = ""
    themes: tuple[str, ...] = ()
    n: int = 1
    seed: int = 0


@dataclass(frozen=True)
class Generation:
    """One completion with its accounting."""

    text: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    finish_reason: str = "stop"


@dataclass
class BackendInfo:
    """What is recorded as lineage for every row a backend produced."""

    backend: str
    model: str
    params: dict = field(default_factory=dict)


class Backend(Protocol):
    """A generation engine. `generate` returns, per request, exactly `request.n` generations in order."""

    info: BackendInfo

    def generate(self, requests: list[GenerationRequest]) -> list[list[Generation]]:
        """Complete every request; raise `SynthesisError` (one line) on engine/server failure."""
        ...

    def close(self) -> None:
        """Release the engine (GPU/CPU memory, worker processes, HTTP sessions)."""
        ...
