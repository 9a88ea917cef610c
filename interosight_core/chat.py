"""Inference for a trained model: the prompt it was trained on, the safety gate, the crisis path.

`inference_messages` is the one place that says what a trained model sees:
the training system prompt (`training.sft.system_prompt`) and the user turn
of the synthesis prompt (`synth.prompts.build_messages`: the post as
delimited data, its themes, the task). SFT examples from synthesis are
stored with that user turn, so training, evaluation and chat agree.

`Chat.reply` scans the input with the prepare stage's safety rules: a
crisis input takes the crisis path (crisis task line; the reply must carry
crisis resources). Every reply goes through the output gate
(`synth.gate.check_response`) and is regenerated up to `attempts` times; if
none passes, a fixed safe reply is returned instead (for a crisis input,
the crisis-resources message), and the verdicts say why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from interosight_core.prepare.clean import clean_text
from interosight_core.prepare.safety import scan
from interosight_core.synth.backends.base import Generation, GenerationRequest
from interosight_core.synth.gate import GateVerdict, check_response
from interosight_core.synth.prompts import build_messages

#: Returned when no generated reply passes the gate (ordinary input).
FALLBACK_REPLY = (
    "Thank you for sharing this; it sounds like a lot to carry. I want to answer you carefully, and I could not "
    "find the right words just now. What feels most important for you to talk about?"
)
#: Returned when no generated reply to a crisis input passes the gate.
CRISIS_FALLBACK_REPLY = (
    "I'm really glad you told me, and I'm worried about your safety. Please contact your local emergency number "
    "now, or a crisis line: 988 (call or text) in the US, Samaritans on 116 123 in the UK. If you can, reach out "
    "to someone you trust and stay with them. You deserve support right now."
)


def inference_messages(system_prompt: str | None, text: str, themes: Iterable[str] = (), kind: str = "mi",
                       version: str = "mi-v1") -> list[dict[str, str]]:
    """[system, user] messages exactly as a trained model saw them in training."""
    user = build_messages(kind, text, tuple(themes), version)[1]
    return ([{"role": "system", "content": system_prompt}] if system_prompt else []) + [user]


@dataclass
class ChatReply:
    """A reply with how it was reached."""

    text: str
    crisis: bool
    fallback: bool
    verdicts: list[GateVerdict] = field(default_factory=list)


class Chat:
    """Answer texts with a backend (usually `transformers` on a merged model or an adapter)."""

    def __init__(self, backend, system_prompt: str | None, version: str = "mi-v1", attempts: int = 3, seed: int = 0):
        """Wrap a built backend; `attempts` = generations tried per reply before the fallback."""
        self.backend, self.system_prompt, self.version = backend, system_prompt, version
        self.attempts, self.seed = max(1, attempts), seed

    def reply(self, text: str) -> ChatReply:
        """Generate a gated reply to one user text."""
        crisis = scan(clean_text(text)).crisis_level > 0
        kind = "crisis" if crisis else "mi"
        messages = inference_messages(self.system_prompt, text, (), kind, self.version)
        verdicts: list[GateVerdict] = []
        for attempt in range(self.attempts):
            request = GenerationRequest(key=f"chat-{attempt}", messages=messages, kind=kind, post_text=text,
                                        seed=self.seed + attempt)
            generation: Generation = self.backend.generate([request])[0][0]
            verdict = check_response(generation.text, crisis=crisis)
            verdicts.append(verdict)
            if verdict.safe:
                return ChatReply(generation.text, crisis, False, verdicts)
        return ChatReply(CRISIS_FALLBACK_REPLY if crisis else FALLBACK_REPLY, crisis, True, verdicts)
