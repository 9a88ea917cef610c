"""Pydantic config models for the training core (SFT, curriculum, DPO, merge).

Every model forbids unknown fields and every field has a description and a
default that serves the embedded CPU mode (tiny local model, a few steps).
The pipeline config (``interosight_core.config``) imports these models; the
training functions take them as their only knobs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from interosight_core.errors import InteroSightError

DEFAULT_SYSTEM_PROMPT = (
    "You are a warm, non-judgmental peer supporter who answers posts from an "
    "eating-disorder community in the style of motivational interviewing: reflect "
    "what the person said, affirm their strengths, ask one open question, and "
    "respect their autonomy. Never give numbers (weights, calories, BMI), never "
    "diagnose, and if someone may be in danger, encourage them to contact local "
    "emergency services or a crisis line."
)


#: The system prompt of the crisis path: crisis-routed inputs in training (the `crisis` source), and inputs the
#: prepare crisis rules flag in evaluation and chat (`interosight_core.routing`).
DEFAULT_CRISIS_SYSTEM_PROMPT = (
    "Crisis protocol. The person writing may be in danger. Acknowledge their pain, tell them their life matters, "
    "urge them to contact local emergency services or a crisis line now (such as 988 in the US or Samaritans on "
    "116 123 in the UK), encourage them to reach out to someone they trust, and ask whether they are safe. "
    "Never give numbers or diet advice."
)

#: The training source whose examples take the crisis system prompt.
CRISIS_SOURCE = "crisis"


class TrainError(InteroSightError):
    """Training cannot run on the model, data or config it was given."""


#: The named SFT data sources a mixture may draw from, and what produces each of them.
TRAINING_SOURCES: dict[str, str] = {
    "synthetic": "the synthesis stage (accepted 'mi' replies in synth_responses; run `interosight run` or the synthesize stage)",
    CRISIS_SOURCE: "the synthesis stage (accepted crisis-protocol replies to crisis-routed posts, synthesis.crisis_responses)",
    "counselchat": "a `counselchat` ingest source + the prepare stage (dialog_examples, split 'train')",
    "annomi": "an `annomi` ingest source with high-quality transcripts + the prepare stage (dialog_examples, split 'train')",
    "context_response": "a `context_response` ingest source + the prepare stage (dialog_examples, split 'train')",
    "sessions": "a `sessions` ingest source + the prepare stage (dialog_examples, split 'train')",
    "tool_calls": "a `tool_calls` ingest source + the prepare stage (dialog_examples, split 'train')",
}

AttnImplementation = Literal["auto", "eager", "sdpa", "flash_attention_2", "flash_attention_3"]


class _Strict(BaseModel):
    """Base for config models: unknown fields are errors."""

    model_config = ConfigDict(extra="forbid")


class TinyModelConfig(_Strict):
    """Shape of the tiny Llama model built locally for the embedded mode."""

    vocab_size: int = Field(2048, ge=300, description="Target BPE vocabulary size (the real size can be smaller on a small corpus).")
    hidden_size: int = Field(128, ge=16, description="Hidden width of the tiny Llama model.")
    intermediate_size: int = Field(256, ge=16, description="MLP width of the tiny Llama model.")
    num_hidden_layers: int = Field(2, ge=1, description="Number of decoder layers.")
    num_attention_heads: int = Field(4, ge=1, description="Number of attention heads.")
    num_key_value_heads: int = Field(2, ge=1, description="Number of key/value heads (grouped-query attention).")
    max_position_embeddings: int = Field(1024, ge=64, description="Longest sequence the model accepts.")
    min_frequency: int = Field(2, ge=1, description="Minimum pair frequency for a BPE merge.")
    seed: int = Field(0, description="Seed for the random weight initialisation.")


class LoRASettings(_Strict):
    """LoRA adapter shape (``peft.LoraConfig``); r=1 (seed 001) and r=64 (seed 004) are both valid."""

    r: int = Field(8, ge=1, le=1024, description="LoRA rank.")
    alpha: int = Field(16, ge=1, description="LoRA scaling numerator (lora_alpha); the update is scaled by alpha/r.")
    dropout: float = Field(0.05, ge=0.0, lt=1.0, description="Dropout on the LoRA input.")
    target_modules: list[str] | Literal["all-linear"] = Field(
        default_factory=lambda: ["q_proj", "k_proj", "v_proj", "o_proj"],
        description="Module names to adapt (e.g. ['qkv_proj','o_proj'] for Phi-3) or 'all-linear'.",
    )
    bias: Literal["none", "all", "lora_only"] = Field("none", description="Which biases to train.")
    use_rslora: bool = Field(False, description="Rank-stabilised scaling alpha/sqrt(r) instead of alpha/r.")
    modules_to_save: list[str] | None = Field(
        None, description="Modules trained in full and saved with the adapter, e.g. ['lm_head', 'embed_tokens'] for a "
        "randomly initialised tiny model (the demo); None for pretrained models (QLoRA proper)."
    )


class QuantizationSettings(_Strict):
    """How the frozen base is loaded: full precision, or bitsandbytes 4-bit (QLoRA) / 8-bit."""

    mode: Literal["none", "4bit", "8bit"] = Field("none", description="'none' = LoRA on the float base; '4bit' = QLoRA; '8bit' = LLM.int8 base.")
    quant_type: Literal["nf4", "fp4"] = Field("nf4", description="4-bit data type (QLoRA uses NF4).")
    double_quant: bool = Field(True, description="4-bit: also quantize the quantization constants (QLoRA double quantization).")
    compute_dtype: Literal["float32", "bfloat16", "float16"] = Field(
        "float32", description="Dtype of the 4-bit matmuls; float32 on CPU, bfloat16 on recent GPUs."
    )


class SFTStageConfig(_Strict):
    """One supervised fine-tuning stage (TRL SFTTrainer + PEFT LoRA)."""

    name: str = Field("sft", description="Stage name, used in logs and the run folder.")
    system_prompt: str | None = Field(DEFAULT_SYSTEM_PROMPT, description="System prompt injected into every example; None keeps the data as is.")
    system_prompt_mode: Literal["replace", "keep"] = Field(
        "replace", description="'replace': the configured prompt replaces any system turn; 'keep': examples that have one keep it."
    )
    crisis_system_prompt: str | None = Field(
        DEFAULT_CRISIS_SYSTEM_PROMPT,
        description="System prompt of the crisis path: examples of the 'crisis' source train with it, and evaluation and "
        "chat give it to inputs the prepare crisis rules flag, so the model learns one reply for them: emergency "
        "services and a crisis line. None = crisis examples take system_prompt like every other example.",
    )
    dtype: Literal["float32", "bfloat16", "float16"] = Field("float32", description="Dtype of the non-quantized weights (float32 on CPU).")
    attn_implementation: AttnImplementation = Field(
        "auto", description="Attention kernel: 'auto' = flash_attention_2 when the flash-attn package and a CUDA GPU are present, "
        "else transformers' default (sdpa); or force 'eager', 'sdpa', 'flash_attention_2', 'flash_attention_3'."
    )
    lora: LoRASettings = Field(default_factory=LoRASettings, description="LoRA adapter shape.")
    quantization: QuantizationSettings = Field(default_factory=QuantizationSettings, description="Base-model quantization (QLoRA).")
    learning_rate: float = Field(2e-4, gt=0, description="Peak learning rate.")
    lr_scheduler_type: Literal["linear", "cosine", "constant", "constant_with_warmup", "cosine_with_restarts", "polynomial"] = Field(
        "cosine", description="Learning-rate schedule after warm-up."
    )
    warmup_ratio: float = Field(0.1, ge=0.0, lt=1.0, description="Fraction of the steps used for linear warm-up.")
    num_train_epochs: float = Field(1.0, gt=0, description="Epochs over the stage dataset (ignored when max_steps > 0).")
    max_steps: int = Field(-1, description="Stop after this many optimizer steps; -1 = use num_train_epochs.")
    per_device_train_batch_size: int = Field(4, ge=1, description="Micro-batch size.")
    gradient_accumulation_steps: int = Field(1, ge=1, description="Micro-batches per optimizer step.")
    max_length: int | None = Field(512, ge=8, description="Truncate (or pack to) this many tokens; must be None with padding_free and no packing.")
    batching: Literal["padding", "packing", "padding_free"] = Field(
        "padding",
        description="'padding': pad each batch; 'packing': BFD-pack into max_length blocks (then the batch size counts blocks); "
        "'padding_free': flatten the batch, no packing. Without FlashAttention (CPU) packing/padding_free attend densely "
        "over the whole flattened batch, so keep the packed batch size at 1 and use gradient_accumulation_steps.",
    )
    group_by_length: bool = Field(
        False, description="'padding' only: batch examples of similar length (transformers' LengthGroupedSampler) so "
        "less compute goes to padding; batches are still drawn at random."
    )
    assistant_only_loss: bool = Field(True, description="Compute the loss on assistant turns only (needs {% generation %} in the chat template).")
    loss_head: Literal["auto", "fused", "logits"] = Field(
        "auto", description="How the loss is computed from the last hidden states. 'fused': TRL's chunked LM head, which "
        "never materialises the logits (the memory-saving choice for 128k-token vocabularies on a GPU; also logs entropy). "
        "'logits': the model's own causal-LM loss over the full logits (the same loss; ~1.6x faster steps on CPU with the "
        "tiny model, measured by benchmarks/training.py). 'auto': fused with a CUDA GPU, logits otherwise."
    )
    weight_decay: float = Field(0.0, ge=0.0, description="AdamW weight decay.")
    max_grad_norm: float = Field(1.0, gt=0, description="Gradient clipping norm.")
    optim: str = Field("adamw_torch", description="transformers optimizer name (e.g. 'paged_adamw_8bit' on GPU).")
    gradient_checkpointing: bool = Field(False, description="Recompute activations in backward (saves GPU memory; slower, off on CPU).")
    logging_steps: int = Field(1, ge=1, description="Log the loss every N optimizer steps.")
    save_steps: int = Field(50, ge=1, description="Write a resumable checkpoint every N optimizer steps.")
    save_total_limit: int | None = Field(2, ge=1, description="Keep at most this many checkpoints (None = all).")
    resume: bool = Field(True, description="Resume from the latest checkpoint-* in the output folder if one exists.")
    seed: int = Field(0, description="Seed for shuffling, dropout and LoRA init.")
    report_to: list[str] | Literal["auto"] = Field(
        "auto", description="Trackers (e.g. ['tensorboard'], ['wandb']); 'auto' = tensorboard if installed, else none."
    )
    num_threads: int = Field(1, ge=1, description="torch intra-op threads while training on CPU.")

    @model_validator(mode="after")
    def _check_batching(self) -> "SFTStageConfig":
        """Reject batching/max_length combinations TRL refuses."""
        if self.batching == "packing" and self.max_length is None:
            raise ValueError("batching='packing' needs max_length (the block size)")
        return self


class CurriculumStage(_Strict):
    """One phase of a curriculum: a weighted mixture of named sources and its learning rate."""

    name: str = Field(..., description="Phase name, e.g. 'foundation'.")
    mixture: dict[str, float] = Field(..., description="Source name -> weight (normalised to sum 1), e.g. {'counselchat': 0.8, 'annomi': 0.2}.")
    num_examples: int = Field(32, ge=1, description="Examples drawn for this phase.")
    learning_rate: float = Field(1e-4, gt=0, description="Peak learning rate of this phase.")
    num_train_epochs: float = Field(1.0, gt=0, description="Epochs over the phase dataset.")
    max_steps: int = Field(-1, description="Optimizer steps for this phase; -1 = use num_train_epochs.")

    @model_validator(mode="after")
    def _check_weights(self) -> "CurriculumStage":
        """Weights must be non-negative with a positive sum."""
        if any(w < 0 for w in self.mixture.values()) or sum(self.mixture.values()) <= 0:
            raise ValueError(f"stage {self.name!r}: mixture weights must be >= 0 with a positive sum")
        return self


def _seed004_stages() -> list[CurriculumStage]:
    """Seed 004's five phases, 100% CounselChat -> 100% AnnoMI, with decreasing learning rates."""
    phases = [
        ("foundation", 1.0, 1e-4),
        ("introduction", 0.8, 8e-5),
        ("integration", 0.6, 6e-5),
        ("specialization", 0.4, 4e-5),
        ("mastery", 0.0, 2e-5),
    ]
    return [
        CurriculumStage(name=n, mixture={"counselchat": c, "annomi": round(1.0 - c, 6)}, learning_rate=lr)
        for n, c, lr in phases
    ]


class CurriculumConfig(_Strict):
    """A list of stages trained one after the other on the same adapter."""

    stages: list[CurriculumStage] = Field(default_factory=_seed004_stages, description="Phases in training order (default: seed 004's five phases).")
    seed: int = Field(0, description="Seed for the deterministic mixture sampling.")
    replacement: Literal["auto", "always", "never"] = Field(
        "auto", description="Sample with replacement: 'auto' only when a source has fewer examples than requested."
    )


class DPOStageConfig(_Strict):
    """Direct preference optimisation on top of the SFT adapter (TRL DPOTrainer)."""

    name: str = Field("dpo", description="Stage name, used in logs and the run folder.")
    system_prompt: str | None = Field(
        DEFAULT_SYSTEM_PROMPT, description="System prompt injected into every prompt; None keeps the data as is. "
        "In the pipeline config it defaults to training.sft.system_prompt."
    )
    system_prompt_mode: Literal["replace", "keep"] = Field("replace", description="Same meaning as in SFTStageConfig.")
    dtype: Literal["float32", "bfloat16", "float16"] = Field("float32", description="Dtype of the non-quantized weights.")
    attn_implementation: AttnImplementation = Field("auto", description="Attention kernel; same meaning as in SFTStageConfig.")
    quantization: QuantizationSettings = Field(default_factory=QuantizationSettings, description="Must match the SFT stage the adapter came from.")
    beta: float = Field(0.1, gt=0, description="DPO temperature: how far the policy may move from the reference (SFT) policy.")
    loss_type: list[str] = Field(default_factory=lambda: ["sigmoid"], description="TRL loss type(s): 'sigmoid' (DPO), 'ipo', 'hinge', 'robust', ...")
    label_smoothing: float = Field(0.0, ge=0.0, lt=0.5, description="Conservative-DPO label smoothing.")
    learning_rate: float = Field(5e-5, gt=0, description="Peak learning rate.")
    lr_scheduler_type: Literal["linear", "cosine", "constant", "constant_with_warmup"] = Field("cosine", description="Learning-rate schedule.")
    warmup_ratio: float = Field(0.1, ge=0.0, lt=1.0, description="Fraction of steps used for warm-up.")
    num_train_epochs: float = Field(1.0, gt=0, description="Epochs over the pairs (ignored when max_steps > 0).")
    max_steps: int = Field(-1, description="Optimizer steps; -1 = use num_train_epochs.")
    per_device_train_batch_size: int = Field(4, ge=1, description="Pairs per micro-batch.")
    gradient_accumulation_steps: int = Field(1, ge=1, description="Micro-batches per optimizer step.")
    max_length: int | None = Field(512, ge=8, description="Truncate prompt+completion to this many tokens.")
    precompute_ref_log_probs: bool = Field(False, description="Compute the reference log-probs once before training (saves a forward per step).")
    logging_steps: int = Field(1, ge=1, description="Log every N optimizer steps.")
    save_steps: int = Field(50, ge=1, description="Checkpoint every N optimizer steps.")
    save_total_limit: int | None = Field(2, ge=1, description="Keep at most this many checkpoints.")
    resume: bool = Field(True, description="Resume from the latest checkpoint-* in the output folder if one exists.")
    seed: int = Field(0, description="Seed for shuffling and dropout.")
    report_to: list[str] | Literal["auto"] = Field("auto", description="Trackers; 'auto' = tensorboard if installed, else none.")
    num_threads: int = Field(1, ge=1, description="torch intra-op threads while training on CPU.")


class MergeConfig(_Strict):
    """How the final adapter is folded into the base weights for serving."""

    dtype: Literal["float32", "bfloat16", "float16"] = Field("float32", description="Dtype of the saved merged weights.")
    max_shard_size: str = Field("5GB", description="Shard size for save_pretrained.")


class LauncherConfig(_Strict):
    """Run each training stage through ``accelerate launch`` (several processes: DDP, DeepSpeed ZeRO or FSDP)."""

    processes: int = Field(2, ge=1, description="Processes to start (one per GPU; on a CPU-only machine gloo ranks).")
    config_file: Path | None = Field(
        None, description="accelerate config YAML (deployments/accelerate/*.yaml: DeepSpeed ZeRO-2/3, FSDP, CPU gloo); "
        "None = accelerate's own default config."
    )
    main_process_port: int | None = Field(None, ge=1, le=65535, description="Rendezvous port; None = a free local port.")
    extra_args: list[str] = Field(default_factory=list, description="More `accelerate launch` arguments, inserted before the module.")
    timeout_s: float | None = Field(None, gt=0, description="Kill the launched stage after this many seconds; None = no limit.")


def _default_mixture() -> dict[str, float]:
    """The single-stage default: mostly synthetic MI replies plus some human counsellor answers."""
    return {"synthetic": 0.8, "counselchat": 0.1, "annomi": 0.1}


class TrainingConfig(_Strict):
    """Everything the training part of the pipeline needs, in one place."""

    base_model: str = Field("tiny", description="'tiny' = build the local tiny Llama; else a local path or a Hub name (needs network or a warm HF cache).")
    tiny: TinyModelConfig = Field(default_factory=TinyModelConfig, description="Shape of the tiny model (used when base_model='tiny').")
    sft: SFTStageConfig = Field(default_factory=SFTStageConfig, description="SFT settings (the template for every curriculum stage).")
    mixture: dict[str, float] = Field(
        default_factory=_default_mixture,
        description=f"Single-stage SFT (no curriculum): source -> weight (normalised), sources: {', '.join(TRAINING_SOURCES)}.",
    )
    num_examples: int = Field(256, ge=1, description="Single-stage SFT: examples drawn from the mixture (with replacement only when a source is too small).")
    curriculum: CurriculumConfig | None = Field(None, description="Multi-stage mixture curriculum; None = one SFT stage on `mixture`.")
    dpo: DPOStageConfig | None = Field(default_factory=DPOStageConfig, description="Preference stage; None skips DPO.")
    merge: MergeConfig = Field(default_factory=MergeConfig, description="Adapter merge settings.")
    launcher: LauncherConfig | None = Field(None, description="None = train in the task's own process; set = every SFT/DPO stage runs under `accelerate launch`.")

    @model_validator(mode="after")
    def _check_sources_and_quantization(self) -> "TrainingConfig":
        """Mixtures name known sources with a positive total weight; DPO loads the base like SFT did."""
        mixtures = {"mixture": self.mixture}
        if self.curriculum is not None:
            mixtures.update({f"curriculum.stages[{i}].mixture": s.mixture for i, s in enumerate(self.curriculum.stages)})
        for where, mixture in mixtures.items():
            unknown = sorted(set(mixture) - set(TRAINING_SOURCES))
            if unknown:
                raise ValueError(f"{where}: unknown source(s) {unknown} (known: {', '.join(TRAINING_SOURCES)})")
            if any(w < 0 for w in mixture.values()) or sum(mixture.values()) <= 0:
                raise ValueError(f"{where}: weights must be >= 0 with a positive sum")
        if self.dpo is not None and "system_prompt" not in self.dpo.model_fields_set:
            self.dpo.system_prompt = self.sft.system_prompt  # DPO prompts look like the SFT policy's unless set on purpose
        if self.dpo is not None and self.dpo.quantization != self.sft.quantization:
            raise ValueError("dpo.quantization must equal sft.quantization (DPO continues the SFT adapter on the same base)")
        return self

    def sft_source_names(self) -> list[str]:
        """Every source some SFT stage draws from (weight > 0), sorted."""
        mixtures = [s.mixture for s in self.curriculum.stages] if self.curriculum is not None else [self.mixture]
        return sorted({name for m in mixtures for name, w in m.items() if w > 0})
