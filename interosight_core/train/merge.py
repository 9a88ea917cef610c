"""Fold a LoRA adapter into its base model and save a servable HF model with a model card.

Plain LoRA: ``W' = W + s·B·A`` on the float base, exact up to float rounding.

QLoRA (4-bit) and 8-bit: the adapter was trained against ``dequant(quant(W))``,
not ``W``. Merging onto the float base would add the quantization error to
every adapted layer. So the base is loaded with the *same* bitsandbytes
config the training used (same quantizer, same blocks, same constants),
dequantized back to float32 with transformers' ``model.dequantize()`` (which
calls ``bnb.functional.dequantize_4bit`` on every ``Linear4bit``), and the
adapter is merged onto that. For 4-bit the merged model reproduces the 4-bit
adapter model's logits to float rounding (tests: < 1e-4), while merging onto
the float base is measurably worse. For 8-bit the CPU int8 matmul also rounds
the activations (to float16), so the match is only approximate there.
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from interosight_core.atomic import atomic_dir
from interosight_core.train.config import MergeConfig, QuantizationSettings, TrainError
from interosight_core.train.models import as_quantization, load_base_model, load_tokenizer, torch_dtype
from interosight_core.train.sft import STAGE_CONFIG_FILE

if TYPE_CHECKING:
    from transformers import PreTrainedModel

log = logging.getLogger(__name__)

CARD_SECTIONS = [
    ("data_sources", "Data sources"),
    ("safety_filtering", "Safety filtering"),
    ("training_stages", "Training stages"),
    ("eval_summary", "Evaluation summary"),
]


def load_dequantized_base(base_model_path: str | Path, quant: QuantizationSettings) -> "PreTrainedModel":
    """The float32 base exactly as a quantized training run saw it: quantize like bnb did, then dequantize."""
    import torch

    if quant.mode == "none":
        return load_base_model(base_model_path, "none", "float32")
    model = load_base_model(base_model_path, quant, "float32")
    model = model.dequantize(dtype=torch.float32)
    # the saved config must not claim the merged weights are still quantized
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    for attr in ("is_loaded_in_4bit", "is_loaded_in_8bit"):
        if getattr(model, attr, False):
            setattr(model, attr, False)
    model.hf_quantizer = None
    return model.to(torch.float32)


def merged_model(
    base_model_path: str | Path,
    adapter_dir: str | Path,
    quantization_used: str | QuantizationSettings | None = "none",
    onto: str = "auto",
) -> "PreTrainedModel":
    """Return the merged model in memory.

    ``onto='auto'`` merges onto the dequantized base for quantized runs and
    onto the float base otherwise; ``onto='float'`` forces the float base
    (only for comparisons: it is the wrong target for QLoRA adapters).
    """
    from peft import PeftModel

    if not (Path(adapter_dir) / "adapter_config.json").is_file():
        raise TrainError(f"adapter_dir {adapter_dir}: no adapter_config.json; pass the adapter folder of a finished stage")
    quant = as_quantization(quantization_used)
    base = (load_base_model(base_model_path, "none", "float32") if onto == "float"
            else load_dequantized_base(base_model_path, quant))
    peft_model = PeftModel.from_pretrained(base, str(adapter_dir))
    model = peft_model.merge_and_unload()
    model.eval()
    return model


def _render_value(value: Any) -> str:
    """Markdown for one model-card value: text, bullet list, or key/value table."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, dict):
        if all(not isinstance(v, (dict, list)) for v in value.values()):
            rows = "\n".join(f"| {k} | {v} |" for k, v in value.items())
            return f"| item | value |\n| --- | --- |\n{rows}"
        return "\n".join(f"- **{k}**: {json.dumps(v, default=str) if not isinstance(v, str) else v}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return "\n".join(f"- {json.dumps(v, default=str) if not isinstance(v, str) else v}" for v in value)
    return str(value)


def model_card(card: dict[str, Any], base_model: str, adapter_dir: str, quantization: str) -> str:
    """The README.md text: provenance, the four standard sections, any extra keys, intended use."""
    name = card.get("name", "InteroSight MI model")
    parts = [
        f"# {name}\n",
        "A causal language model fine-tuned to answer eating-disorder community posts in the style of "
        "motivational interviewing (reflections, affirmations, open questions, autonomy support).\n",
        "## Provenance\n",
        f"| item | value |\n| --- | --- |\n| base model | `{base_model}` |\n| adapter | `{adapter_dir}` |\n"
        f"| training quantization | {quantization} |\n"
        f"| merge | LoRA merged onto the {'dequantized (quantize->dequantize, as bitsandbytes did in training)' if quantization != 'none' else 'float'} base |\n",
    ]
    for key, title in CARD_SECTIONS:
        parts.append(f"## {title}\n")
        parts.append((_render_value(card[key]) if key in card else "_not provided_") + "\n")
    known = {k for k, _ in CARD_SECTIONS} | {"name"}
    for key, value in card.items():
        if key not in known:
            parts.append(f"## {key.replace('_', ' ').capitalize()}\n")
            parts.append(_render_value(value) + "\n")
    parts.append(
        "## Intended use and limits\n"
        "Research on supportive, MI-style responses. Not a therapist, not a diagnostic tool and not a crisis "
        "service: anyone at risk should contact local emergency services or a crisis line. Outputs must be "
        "reviewed by qualified people before any use with real users.\n"
    )
    return "\n".join(parts)


def merge_adapter(
    base_model_path: str | Path,
    adapter_dir: str | Path,
    out_dir: str | Path,
    quantization_used: str | QuantizationSettings | None = "none",
    card: dict[str, Any] | None = None,
    config: MergeConfig | None = None,
) -> Path:
    """Merge ``adapter_dir`` into the base and save a standalone HF model to ``out_dir``.

    ``quantization_used``: the quantization of the training run ('none',
    '4bit', '8bit' or the stage's ``QuantizationSettings``); quantized runs
    are merged onto the dequantized base (see the module docstring). The
    folder gets the weights (``config.dtype``), the tokenizer with its chat
    template (from the adapter folder when saved there, else the base), and a
    ``README.md`` model card built from ``card`` (keys ``data_sources``,
    ``safety_filtering``, ``training_stages``, ``eval_summary``, ``name`` and
    any extras), and the adapter's ``interosight_stage.json`` (with the
    training system prompt) when present. Written atomically; returns ``out_dir``.
    """
    cfg = config or MergeConfig()
    quant = as_quantization(quantization_used)
    model = merged_model(base_model_path, adapter_dir, quant)
    model = model.to(torch_dtype(cfg.dtype))
    tok_src = adapter_dir if (Path(adapter_dir) / "tokenizer_config.json").is_file() else base_model_path
    tokenizer = load_tokenizer(tok_src)

    out_dir = Path(out_dir)
    with atomic_dir(out_dir) as tmp:
        model.save_pretrained(str(tmp), max_shard_size=cfg.max_shard_size)
        tokenizer.save_pretrained(str(tmp))
        text = model_card(card or {}, str(base_model_path), str(adapter_dir), quant.mode)
        (tmp / "README.md").write_text(text, encoding="utf-8")
        stage_file = Path(adapter_dir) / STAGE_CONFIG_FILE
        if stage_file.is_file():  # keeps the training system prompt next to the servable model
            shutil.copyfile(stage_file, tmp / STAGE_CONFIG_FILE)
    log.info("merged %s (+%s, %s) -> %s", base_model_path, adapter_dir, quant.mode, out_dir)
    return out_dir
