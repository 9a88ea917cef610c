"""Inference for a trained model: the prompt shape it was trained on, the safety gate, the crisis path.

`inference_messages` says what a trained model sees, the same shape as its
SFT examples and the evaluation's prompts (`evaluation.prompt_style:
training`): the training system prompt (`training.sft.system_prompt`), then
the conversation so far, the user's words cleaned and with PII and ED
numbers redacted by the prepare rules (training inputs were redacted the
same way).

`Chat.reply` scans each user text with the prepare stage's crisis rules: a
crisis input takes the crisis path (`interosight_core.routing`): the crisis
system prompt the model was trained with for crisis posts
(`training.sft.crisis_system_prompt`), and the reply must carry crisis
resources. Every reply goes through the output gate
(`synth.gate.check_response`) and is regenerated up to `attempts` times
with a new seed; if none passes, a fixed safe reply is returned instead
(for a crisis input, the crisis-resources message), and the verdicts say
why. An interactive session keeps the last `history_turns` messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from interosight_core.prepare.clean import clean_text
from interosight_core.prepare.safety import redact
from interosight_core.routing import is_crisis_input
from interosight_core.synth.backends.base import Generation, GenerationRequest
from interosight_core.synth.gate import GateVerdict, check_response

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


def user_turn(text: str) -> str:
    """A user's words as a trained model saw user turns: cleaned, PII and ED numbers redacted."""
    return redact(clean_text(text))


def inference_messages(system_prompt: str | None, history: list[dict[str, str]], text: str) -> list[dict[str, str]]:
    """[system?, *history, user] messages in the shape the model was trained on (`system_prompt` already routed)."""
    head = [{"role": "system", "content": system_prompt}] if system_prompt else []
    return head + list(history) + [{"role": "user", "content": user_turn(text)}]


@dataclass
class ChatReply:
    """A reply with how it was reached."""

    text: str
    crisis: bool
    fallback: bool
    verdicts: list[GateVerdict] = field(default_factory=list)


class Chat:
    """Answer texts with a backend (usually `transformers` on a merged model or an adapter)."""

    def __init__(self, backend, system_prompt: str | None, crisis_system_prompt: str | None = None, attempts: int = 3,
                 seed: int = 0, history_turns: int = 6):
        """Wrap a built backend; `attempts` = generations tried per reply before the fallback."""
        self.backend, self.system_prompt, self.crisis_system_prompt = backend, system_prompt, crisis_system_prompt
        self.attempts, self.seed, self.history_turns = max(1, attempts), seed, max(0, history_turns)
        self.history: list[dict[str, str]] = []

    def reply(self, text: str) -> ChatReply:
        """Generate a gated reply to one user text (in the context of the session's recent turns)."""
        crisis = is_crisis_input(text)
        kind = "crisis" if crisis else "mi"
        system = self.crisis_system_prompt if crisis and self.crisis_system_prompt else self.system_prompt
        messages = inference_messages(system, self.history, text)
        verdicts: list[GateVerdict] = []
        answer: ChatReply | None = None
        for attempt in range(self.attempts):
            request = GenerationRequest(key=f"chat-{attempt}", messages=messages, kind=kind, post_text=text,
                                        seed=self.seed + attempt)
            generation: Generation = self.backend.generate([request])[0][0]
            verdict = check_response(generation.text, crisis=crisis)
            verdicts.append(verdict)
            if verdict.safe:
                answer = ChatReply(generation.text, crisis, False, verdicts)
                break
        if answer is None:
            answer = ChatReply(CRISIS_FALLBACK_REPLY if crisis else FALLBACK_REPLY, crisis, True, verdicts)
        if self.history_turns:
            turns = self.history + [messages[-1], {"role": "assistant", "content": answer.text}]
            self.history = turns[-self.history_turns:] if len(turns) > self.history_turns else turns
            while self.history and self.history[0]["role"] != "user":  # a window starts with a user turn
                self.history = self.history[1:]
        return answer
