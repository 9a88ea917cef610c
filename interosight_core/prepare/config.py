"""Configuration of the prepare stage: `PrepareConfig` and its sub-models.

Mounted by the pipeline config as `PipelineConfig.prepare`. Like every
config model it forbids unknown keys, is frozen, and gives every field a
description and a default that serves the embedded (sample data, CPU) mode.
Out-of-range values are pydantic errors, which `load_config` renders as one
line naming the field (`prepare.min_relevance_score: Input should be less
than or equal to 1`). Unknown annotators are rejected with the allowed names.

The relevance weights live here (`DEFAULT_TOPIC_WEIGHTS`) because they are a
decision a user may want to revisit; `relevance` documents and justifies them.
"""

from __future__ import annotations

import typing
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from interosight_core.warehouse import TOPICS

#: Annotator choices that are not a single deposit file.
COMBINED_ANNOTATORS: tuple[str, ...] = ("llm_mean",)
#: Deposit annotators that are not LLMs.
NON_LLM_ANNOTATORS: tuple[str, ...] = ("ensemble", "human")

#: Per-topic weights of the relevance score (see `interosight_core.prepare.relevance`).
#: 1.0: core eating-disorder psychopathology; 0.5-0.8: ED-adjacent; <= 0.25: topics
#: every diet or fitness forum talks about, which alone must not make a post relevant.
DEFAULT_TOPIC_WEIGHTS: dict[str, float] = {
    "ed": 1.0, "restrict": 1.0, "binge": 1.0, "bodyhate": 1.0, "feargain": 1.0, "fearfood": 1.0,
    "idealbody": 0.8, "depressedmood": 0.6, "crave": 0.5, "relation": 0.5,
    "calorie": 0.25, "loss": 0.2, "gain": 0.2, "exercise": 0.2, "protein": 0.1,
}


def known_annotators() -> tuple[str, ...]:
    """Every accepted `annotator` value: the deposit's annotator files plus `llm_mean`."""
    # Imported here: the sources package imports the pipeline config, which mounts this module.
    from interosight_core.sources.dataverse import ANNOTATORS

    return tuple(ANNOTATORS) + COMBINED_ANNOTATORS


def llm_annotators() -> tuple[str, ...]:
    """The deposit's LLM annotators (whose per-topic mean is the `llm_mean` choice)."""
    from interosight_core.sources.dataverse import ANNOTATORS

    return tuple(a for a in ANNOTATORS if a not in NON_LLM_ANNOTATORS)


class _Strict(BaseModel):
    """Same rules as `interosight_core.config.StrictModel` (kept local to avoid an import cycle)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class SplitConfig(_Strict):
    """Train/validation/test fractions of the dialog examples, grouped by conversation."""

    train: float = Field(default=0.8, ge=0.0, le=1.0, description="Share of conversation groups in `train`.")
    val: float = Field(default=0.1, ge=0.0, le=1.0, description="Share of conversation groups in `val`.")
    test: float = Field(default=0.1, ge=0.0, le=1.0, description="Share of conversation groups in `test`.")
    seed: int = Field(
        default=0,
        description="Salt of the split hash: the same seed always puts a conversation in the same split.",
    )

    @model_validator(mode="after")
    def _sums_to_one(self) -> "SplitConfig":
        total = self.train + self.val + self.test
        if abs(total - 1.0) > 1e-6:
            raise PydanticCustomError(
                "split_sum", "train + val + test must be 1 (got {total})", {"total": round(total, 6)}
            )
        return self


class DialogConfig(_Strict):
    """How conversations (sessions, CounselChat, AnnoMI, context/response, tool calls) become examples.

    An *exchange* is a run of user turns plus the assistant (and tool) turns
    answering it; a conversation's opening assistant turn is an exchange of
    its own. A conversation of at most `max_exchanges_per_chunk` exchanges
    (and at most `max_words`) is one `session` example; a longer one is cut
    into `chunk` examples of exactly that many exchanges, evenly spaced so
    consecutive chunks overlap by at least `chunk_overlap` of a chunk.
    `window` examples are sliding windows of each size in `window_exchanges`.
    Tool and system turns are never cleaned or redacted (they are data).
    """

    sources: list[str] | None = Field(
        default=None,
        description="Conversation sources (names as in `ingest.sources`) to turn into examples; null = all.",
    )
    mi_quality: list[Literal["high", "low"]] = Field(
        default_factory=lambda: ["high"],
        description="Keep AnnoMI transcripts of these MI qualities (conversations without a quality are "
        "always kept); the default drops the deliberately poor `low` sessions.",
    )
    max_exchanges_per_chunk: int = Field(
        default=8, ge=1, le=1000,
        description="N: conversations of at most N exchanges stay whole; longer ones become chunks of N.",
    )
    chunk_overlap: float = Field(
        default=0.2, ge=0.0, lt=1.0,
        description="Minimum share of a chunk repeated from the previous chunk (rounded to whole exchanges).",
    )
    window_exchanges: list[int] = Field(
        default_factory=lambda: [2, 3],
        description="Sizes (in exchanges) of the sliding-window examples, stride 1; [] = no windows. "
        "Conversations no longer than a size get no window of that size (the session covers it).",
    )
    min_words: int = Field(default=5, ge=0, description="Drop examples with fewer words (all messages).")
    max_words: int = Field(default=1500, ge=1, description="Drop examples with more words (all messages).")
    clean_turns: bool = Field(
        default=True,
        description="Clean user/assistant turn texts with the post cleaning rules (markdown, entities, spaces).",
    )
    redact_numbers: bool = Field(
        default=True,
        description="Replace weight/calorie/BMI/size/exercise numbers in user/assistant turns: an assistant "
        "target must never teach numbers.",
    )
    redact_pii: bool = Field(
        default=False,
        description="Replace PII in user/assistant turns. Off by default: the conversation sources are "
        "curated, anonymised data sets whose answers cite helplines (URLs, phone numbers) on purpose.",
    )
    split: SplitConfig = Field(default_factory=SplitConfig, description="Train/val/test split of the examples.")

    @field_validator("window_exchanges")
    @classmethod
    def _positive_windows(cls, value: list[int]) -> list[int]:
        if any(size < 1 for size in value):
            raise PydanticCustomError("window_size", "window sizes must be >= 1 exchange (got {value})",
                                      {"value": value})
        return sorted(set(value))

    @model_validator(mode="after")
    def _word_range(self) -> "DialogConfig":
        if self.min_words > self.max_words:
            raise PydanticCustomError("word_range", "min_words ({lo}) must not exceed max_words ({hi})",
                                      {"lo": self.min_words, "hi": self.max_words})
        return self


class SafetyModelConfig(_Strict):
    """The learned backstop of the safety rules (`prepare/safety_model.py`)."""

    enabled: bool = Field(
        default=True,
        description="Back up the crisis, pro-ED, injection and numbers rules with the learned safety model "
        "(MiniLM embedding + word n-grams): it flags what the rules miss. Embeds every post once (about 170 "
        "posts/s on two CPU cores; cached in <work_dir>/cache/), so a large corpus costs minutes the first time.",
    )
    path: str | None = Field(
        default=None,
        description="A model folder written by `python -m interosight_core.prepare.safety_model_train`; "
        "null = the packaged model.",
    )


class PrepareConfig(_Strict):
    """Prepare stage: clean, flag, redact and score posts; turn conversations into dialog examples."""

    annotator: str = Field(
        default="ensemble",
        description="Whose topic scores decide relevance and themes: `ensemble` (the deposit's ensemble "
        "file), one annotator file (gpt4o, Llama-3.1-8B-Instruct, Qwen2.5-7B-Instruct, "
        "Mistral-7B-Instruct-v0.3, Vicuna-7b-v1.5), `llm_mean` (per-topic mean of the five LLMs) or "
        "`human` (human 0/1 labels where a post has them, the ensemble score elsewhere).",
    )
    topic_weights: dict[str, float] = Field(
        default_factory=lambda: dict(DEFAULT_TOPIC_WEIGHTS),
        description="Relevance = max over topics of weight x score. Topics left out weigh 0. The default "
        "weighs core ED topics 1.0 and generic diet/fitness topics <= 0.25 (see prepare/relevance.py).",
    )
    min_relevance_score: float = Field(
        default=0.3, ge=0.0, le=1.0,
        description="Keep posts whose relevance is at least this (posts without scores are excluded).",
    )
    max_posts: int | None = Field(
        default=None, ge=1,
        description="Keep at most this many posts (highest relevance first, then source and post_id); null = all.",
    )
    theme_threshold: float = Field(
        default=0.5, gt=0.0, le=1.0,
        description="A topic is a post theme when the chosen annotator's score (or human label) is >= this.",
    )
    exclude_pro_ed: bool = Field(
        default=True, description="Exclude posts flagged pro-ED (at `pro_ed_min_level` or above)."
    )
    pro_ed_min_level: int = Field(
        default=1, ge=1, le=3,
        description="Lowest pro-ED level that excludes: 1 vocabulary, 2 community/identity, 3 instructions.",
    )
    exclude_injection: bool = Field(
        default=False,
        description="Exclude posts flagged as prompt injection; by default they are only flagged (later "
        "stages always wrap post text as data).",
    )
    redact_numbers: bool = Field(default=True, description="Replace weight/calorie/BMI/size/exercise numbers.")
    redact_pii: bool = Field(default=True, description="Replace e-mails, phones, URLs, user names, names, addresses.")
    dialogs: DialogConfig = Field(default_factory=DialogConfig, description="Dialog examples from conversations.")
    safety_model: SafetyModelConfig = Field(default_factory=SafetyModelConfig,
                                            description="The learned backstop of the safety rules.")
    memory_limit: str | None = Field(
        default=None, pattern=r"^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$",
        description="DuckDB memory limit for the stage (e.g. '2GB'); beyond it DuckDB spills to disk. "
        "null = DuckDB's default (80% of RAM). Never changes results, so it is not part of the cache key.",
    )
    threads: int | None = Field(
        default=None, ge=1,
        description="DuckDB threads for the stage; null = one per core. Not part of the cache key.",
    )

    #: Fields that tune resources only: left out of the stage's fingerprint.
    RESOURCE_FIELDS: typing.ClassVar[frozenset[str]] = frozenset({"memory_limit", "threads"})

    @field_validator("annotator")
    @classmethod
    def _known_annotator(cls, value: str) -> str:
        allowed = known_annotators()
        for name in allowed:
            if name.lower() == value.lower():
                return name
        raise PydanticCustomError(
            "annotator", "unknown annotator {value} (allowed: {allowed})",
            {"value": repr(value), "allowed": ", ".join(allowed)},
        )

    @field_validator("topic_weights")
    @classmethod
    def _known_topics(cls, value: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(value) - set(TOPICS))
        if unknown:
            raise PydanticCustomError("topic", "unknown topic(s) {unknown} (allowed: {allowed})",
                                      {"unknown": ", ".join(unknown), "allowed": ", ".join(TOPICS)})
        bad = sorted(t for t, w in value.items() if not 0.0 <= w <= 1.0)
        if bad:
            raise PydanticCustomError("weight", "weights must be within 0..1 (check {bad})", {"bad": ", ".join(bad)})
        if not any(w > 0 for w in value.values()):
            raise PydanticCustomError("weight", "at least one topic weight must be > 0", {})
        return {t: float(value[t]) for t in TOPICS if t in value}


__all__ = ["COMBINED_ANNOTATORS", "DEFAULT_TOPIC_WEIGHTS", "DialogConfig", "PrepareConfig", "SafetyModelConfig",
           "SplitConfig",
           "known_annotators", "llm_annotators"]
