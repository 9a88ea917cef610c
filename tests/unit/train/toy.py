"""Toy MI conversations and fast configs shared by the training-core tests."""

from __future__ import annotations

from transformers import TrainerCallback

from interosight_core.train.config import SFTStageConfig

SYSTEM = "You are a warm, non-judgmental peer supporter."

USERS = [
    "I can't stop thinking about food, it's all day.",
    "I feel guilty after every meal.",
    "My family doesn't understand what I'm going through and I don't know how to explain it to them.",
    "I want to recover but I'm scared of what happens if I let go.",
    "Today I ate lunch with friends for the first time in months.",
    "Everyone says I look fine, so maybe I don't have a problem.",
    "I relapsed again last night.",
    "I don't know why I'm posting this.",
]
ASSISTANTS = [
    "It sounds like food takes up a lot of space in your day. What would you like to be different?",
    "You're noticing a lot of guilt. What do you think it is telling you?",
    "Feeling misunderstood by the people closest to you is hard. What would you most want them to know?",
    "Part of you wants change and part of you is scared. What matters most to you about recovery?",
    "That took courage. How did it feel to share that meal?",
    "Other people's comments leave you unsure. What do you notice in yourself?",
    "You're being honest about a hard night. What helped you reach out today?",
    "Something brought you here. What's on your mind?",
]


def conversations(n: int = 32) -> list[list[dict[str, str]]]:
    """n toy single- and multi-turn conversations of varied length (deterministic)."""
    out = []
    for i in range(n):
        j = i % len(USERS)
        conv = [{"role": "user", "content": USERS[j]}, {"role": "assistant", "content": ASSISTANTS[j]}]
        if i % 3 == 0:
            k = (j + 3) % len(USERS)
            conv += [{"role": "user", "content": USERS[k]}, {"role": "assistant", "content": ASSISTANTS[k]}]
        out.append(conv)
    return out


def corpus() -> list[str]:
    """Texts the tiny tokenizer is trained on."""
    return [SYSTEM] + USERS * 3 + ASSISTANTS * 3


def sft_config(**kw) -> SFTStageConfig:
    """A fast SFT config for the tiny model (6 steps of 4 examples, checkpoint every 3)."""
    base = dict(system_prompt=SYSTEM, max_steps=6, per_device_train_batch_size=4, learning_rate=3e-3,
                warmup_ratio=0.0, lr_scheduler_type="linear", save_steps=3, max_length=256, report_to=[])
    base.update(kw)
    return SFTStageConfig(**base)


class Crash(Exception):
    """Raised by CrashAfter to simulate a killed training run."""


class CrashAfter(TrainerCallback):
    """Raise ``Crash`` once the global step reaches k (before that step's checkpoint is written)."""

    def __init__(self, k: int):
        """Crash at step k."""
        self.k = k

    def on_step_end(self, args, state, control, **kwargs):
        """Raise once the step is reached."""
        if state.global_step >= self.k:
            raise Crash()
