"""Base models for training: the tiny local bootstrap model, loading, quantization.

``build_tiny_model`` trains a byte-level BPE tokenizer on the given texts and
saves a randomly initialised tiny Llama in Hugging Face format, so the whole
pipeline (transformers, PEFT, TRL, vLLM) runs offline on a CPU.
``load_model_for_training`` loads that model, or any HF causal LM by local path
or Hub name (a Hub name needs network access or a warm ``HF_HOME`` cache), in
full precision or bitsandbytes 4-bit (QLoRA, NF4 + double quantization) / 8-bit.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from interosight_core.atomic import atomic_dir
from interosight_core.train.config import QuantizationSettings, TinyModelConfig, TrainError

if TYPE_CHECKING:  # heavy imports stay lazy
    import torch
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

log = logging.getLogger(__name__)

BOS, EOS, PAD = "<s>", "</s>", "<pad>"
ROLE_TOKENS = ["<|system|>", "<|user|>", "<|assistant|>", "<|tool|>"]
SPECIAL_TOKENS = [PAD, BOS, EOS, *ROLE_TOKENS]

# Each turn: role marker, newline, content, eos. The assistant content *and its
# eos* sit inside {% generation %} so assistant-only loss teaches the model to stop.
CHAT_TEMPLATE = (
    "{{ bos_token }}"
    "{% for message in messages %}"
    "{% if message['role'] not in ['system', 'user', 'assistant', 'tool'] %}"
    "{{ raise_exception('unknown role: ' + message['role']) }}"
    "{% endif %}"
    "{{ '<|' + message['role'] + '|>\n' }}"
    "{% if message['role'] == 'assistant' %}"
    "{% generation %}{{ message['content'] | trim }}{{ eos_token }}{% endgeneration %}"
    "{% else %}"
    "{{ message['content'] | trim }}{{ eos_token }}"
    "{% endif %}"
    "{{ '\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|assistant|>\n' }}{% endif %}"
)

_DTYPES = {"float32": "float32", "bfloat16": "bfloat16", "float16": "float16"}


def torch_dtype(name: str) -> "torch.dtype":
    """Map a config dtype name ('float32', 'bfloat16', 'float16') to a torch dtype."""
    import torch

    if name not in _DTYPES:
        raise TrainError(f"unknown dtype {name!r}: use one of {sorted(_DTYPES)}")
    return getattr(torch, _DTYPES[name])


def _train_tokenizer(texts: list[str], vocab_size: int, min_frequency: int):
    """Train a byte-level BPE ``tokenizers.Tokenizer`` with the project's special tokens."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=min_frequency,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(texts, trainer=trainer)
    return tok


def wrap_tokenizer(tok, model_max_length: int = 1024) -> "PreTrainedTokenizerBase":
    """Wrap a ``tokenizers.Tokenizer`` as a ``PreTrainedTokenizerFast`` with the chat template."""
    from transformers import PreTrainedTokenizerFast

    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token=BOS,
        eos_token=EOS,
        pad_token=PAD,
        chat_template=CHAT_TEMPLATE,
        model_max_length=model_max_length,
        padding_side="right",
        clean_up_tokenization_spaces=False,
    )


def build_tiny_model(
    out_dir: str | Path,
    corpus_texts: Iterable[str],
    seed: int | None = None,
    vocab_size: int | None = None,
    config: TinyModelConfig | None = None,
) -> Path:
    """Build and save a tiny random-init Llama + BPE tokenizer + chat template.

    ``seed`` and ``vocab_size`` override the same fields of ``config``
    (default ``TinyModelConfig()``, ~0.8M parameters). The build is
    deterministic: the same texts and config give byte-identical files
    (tokenizer trained single-threaded, weights from a seeded generator,
    safetensors with fixed metadata). The folder is written atomically
    (build in a temp sibling, then rename) and holds ``build_info.json``
    with the corpus hash and config. Returns ``out_dir``.
    """
    import torch
    from transformers import GenerationConfig, LlamaConfig, LlamaForCausalLM

    cfg = config or TinyModelConfig()
    updates = {k: v for k, v in {"seed": seed, "vocab_size": vocab_size}.items() if v is not None}
    cfg = TinyModelConfig(**{**cfg.model_dump(), **updates})
    texts = [t for t in corpus_texts if t and t.strip()]
    if not texts:
        raise TrainError("build_tiny_model: corpus_texts is empty; pass the prepared posts or sample texts")
    out_dir = Path(out_dir)

    # The Rust BPE trainer is parallel; a single thread removes any chance of tie-order drift.
    prev = os.environ.get("TOKENIZERS_PARALLELISM")
    os.environ["TOKENIZERS_PARALLELISM"] = "false"
    try:
        tok = _train_tokenizer(texts, cfg.vocab_size, cfg.min_frequency)
    finally:
        if prev is None:
            os.environ.pop("TOKENIZERS_PARALLELISM", None)
        else:
            os.environ["TOKENIZERS_PARALLELISM"] = prev
    tokenizer = wrap_tokenizer(tok, cfg.max_position_embeddings)

    ids = {t: tokenizer.convert_tokens_to_ids(t) for t in (BOS, EOS, PAD)}
    llama_cfg = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=cfg.hidden_size,
        intermediate_size=cfg.intermediate_size,
        num_hidden_layers=cfg.num_hidden_layers,
        num_attention_heads=cfg.num_attention_heads,
        num_key_value_heads=cfg.num_key_value_heads,
        max_position_embeddings=cfg.max_position_embeddings,
        bos_token_id=ids[BOS],
        eos_token_id=ids[EOS],
        pad_token_id=ids[PAD],
        tie_word_embeddings=False,
        initializer_range=0.02,
    )
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(cfg.seed)
        model = LlamaForCausalLM(llama_cfg).to(torch.float32).eval()
    model.generation_config = GenerationConfig(
        bos_token_id=ids[BOS], eos_token_id=ids[EOS], pad_token_id=ids[PAD], max_new_tokens=128
    )

    with atomic_dir(out_dir) as tmp:
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        corpus_hash = hashlib.sha256("\x00".join(texts).encode("utf-8")).hexdigest()
        info = {"config": cfg.model_dump(), "corpus_sha256": corpus_hash, "num_texts": len(texts),
                "num_parameters": sum(p.numel() for p in model.parameters())}
        (tmp / "build_info.json").write_text(json.dumps(info, indent=2, sort_keys=True) + "\n")
    log.info("tiny model: %d params, vocab %d -> %s", info["num_parameters"], len(tokenizer), out_dir)
    return out_dir


def load_tokenizer(model_path: str | Path) -> "PreTrainedTokenizerBase":
    """Load a tokenizer and make it trainable: a pad token, right padding, a chat template.

    A tokenizer without a pad token gets ``pad = eos``; one without a chat
    template gets the project's template (role markers then tokenize as text).
    """
    from transformers import AutoTokenizer

    try:
        tok = AutoTokenizer.from_pretrained(str(model_path))
    except OSError as exc:
        raise TrainError(f"cannot load tokenizer from {model_path!r}: {exc}. A Hub name needs network or a warm HF cache") from exc
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    tok.padding_side = "right"
    if not tok.chat_template:
        log.warning("%s has no chat template; using the InteroSight template", model_path)
        tok.chat_template = CHAT_TEMPLATE
    return tok


def bnb_config(quant: QuantizationSettings):
    """The ``BitsAndBytesConfig`` for a quantization setting (None for mode 'none')."""
    from transformers import BitsAndBytesConfig

    if quant.mode == "none":
        return None
    if quant.mode == "8bit":
        return BitsAndBytesConfig(load_in_8bit=True)
    return BitsAndBytesConfig(
        load_in_4bit=True,
        bnb_4bit_quant_type=quant.quant_type,
        bnb_4bit_use_double_quant=quant.double_quant,
        bnb_4bit_compute_dtype=torch_dtype(quant.compute_dtype),
    )


def as_quantization(quantization: str | QuantizationSettings | None) -> QuantizationSettings:
    """Accept 'none'/'4bit'/'8bit' or a QuantizationSettings."""
    if quantization is None:
        return QuantizationSettings()
    if isinstance(quantization, QuantizationSettings):
        return quantization
    return QuantizationSettings(mode=quantization)


def resolve_attn_implementation(name: str | None) -> str | None:
    """'auto' -> 'flash_attention_2' with flash-attn and a CUDA GPU, else None (transformers' default, sdpa)."""
    if name in (None, "auto"):
        import importlib.util

        import torch

        if torch.cuda.is_available() and importlib.util.find_spec("flash_attn") is not None:
            return "flash_attention_2"
        return None
    return name


def load_base_model(
    model_path: str | Path,
    quantization: str | QuantizationSettings | None = "none",
    dtype: str = "float32",
    attn_implementation: str | None = None,
) -> "PreTrainedModel":
    """Load a causal LM (local path or Hub name), optionally bitsandbytes-quantized, on CPU or GPU 0.

    ``attn_implementation``: None/'auto' (see ``resolve_attn_implementation``),
    'eager', 'sdpa', 'flash_attention_2' or 'flash_attention_3'.
    """
    import torch
    from transformers import AutoModelForCausalLM

    quant = as_quantization(quantization)
    kwargs: dict = {"dtype": torch_dtype(dtype)}
    attn = resolve_attn_implementation(attn_implementation)
    if attn is not None:
        kwargs["attn_implementation"] = attn
    qcfg = bnb_config(quant)
    if qcfg is not None:
        kwargs["quantization_config"] = qcfg
        kwargs["device_map"] = {"": 0} if torch.cuda.is_available() else {"": "cpu"}
    try:
        return AutoModelForCausalLM.from_pretrained(str(model_path), **kwargs)
    except OSError as exc:
        raise TrainError(f"cannot load model {model_path!r}: {exc}. A Hub name needs network or a warm HF cache") from exc


def load_model_for_training(
    model_path: str | Path,
    quantization: str | QuantizationSettings | None = "none",
    dtype: str = "float32",
    attn_implementation: str | None = None,
) -> tuple["PreTrainedModel", "PreTrainedTokenizerBase"]:
    """Load (model, tokenizer) ready for LoRA training.

    ``quantization``: 'none', '4bit' (QLoRA: NF4, double quantization,
    float32 compute on CPU) or '8bit' (LLM.int8), or a ``QuantizationSettings``.
    A tokenizer longer than the embedding matrix is a ``TrainError`` (with
    transformers 5, ``AutoTokenizer`` may pick the model type's tokenizer
    class, whose default special tokens can extend the vocabulary).
    ``attn_implementation`` as in ``load_base_model``.
    Quantized models go through ``prepare_model_for_kbit_training`` (norms and
    head in float32, input grads on) without gradient checkpointing, which is
    slower than it saves on CPU; turn it on yourself for large GPU models.
    """
    from peft import prepare_model_for_kbit_training

    quant = as_quantization(quantization)
    model = load_base_model(model_path, quant, dtype, attn_implementation)
    tokenizer = load_tokenizer(model_path)
    rows = model.get_input_embeddings().weight.shape[0]
    if len(tokenizer) > rows:
        raise TrainError(
            f"{model_path}: the tokenizer has {len(tokenizer)} tokens but the model's embedding only {rows} rows "
            f"(extra: {sorted(tokenizer.get_added_vocab(), key=tokenizer.get_added_vocab().get)[-(len(tokenizer) - rows):]}); "
            "the tokenizer class may add default special tokens. Save the matching tokenizer with the model or resize its embeddings"
        )
    if quant.mode != "none":
        model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=False)
    model.config.use_cache = False
    return model, tokenizer


def count_parameters(model: "torch.nn.Module") -> tuple[int, int]:
    """(trainable, total) parameter counts; 4-bit weights count as stored elements."""
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    total = sum(p.numel() for p in model.parameters())
    return trainable, total

