"""`transformers` backend: batched `generate` with left padding, for machines without vLLM.

The model is a full Hugging Face causal LM folder (or Hub name, when
configured) or a PEFT adapter folder (`adapter_config.json`): an adapter is
loaded onto its base (`base_model_name_or_path`) and merged in memory, so
generation runs at base-model speed. Requests are sorted by prompt length
and batched (`transformers.batch_size`) to keep padding small.

Seeding: `generate` draws from torch's global generator, so per-request
seeds cannot be honoured inside one batch. Each batch is seeded with a hash
of its requests' seeds, which makes a run reproducible for the same requests
and batch size (greedy decoding, temperature 0, is reproducible regardless).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING

from interosight_core.synth.backends.base import BackendInfo, Generation, GenerationRequest, SynthesisError

if TYPE_CHECKING:
    from interosight_core.synth.config import SynthesisConfig


def _load(model_ref: str, dtype_name: str):
    """Load (model, tokenizer) from a model folder, a Hub name, or a PEFT adapter folder."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    dtype = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}.get(dtype_name)
    if dtype is None:  # auto
        dtype = torch.bfloat16 if torch.cuda.is_available() else torch.float32
    adapter_cfg = Path(model_ref) / "adapter_config.json"
    base_ref = model_ref
    if adapter_cfg.is_file():
        base_ref = json.loads(adapter_cfg.read_text(encoding="utf-8"))["base_model_name_or_path"]
    try:
        model = AutoModelForCausalLM.from_pretrained(base_ref, dtype=dtype)
        tok_ref = model_ref if (Path(model_ref) / "tokenizer_config.json").is_file() else base_ref
        tokenizer = AutoTokenizer.from_pretrained(tok_ref)
    except OSError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SynthesisError(
            f"cannot load model {base_ref!r} for the transformers backend ({first}); "
            "use a local folder, or a Hub name with network access or a warm HF cache"
        ) from None
    if adapter_cfg.is_file():
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, model_ref).merge_and_unload()
    if torch.cuda.is_available():
        model = model.to("cuda")
    model.eval()
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    tokenizer.padding_side = "left"
    if not tokenizer.chat_template:
        raise SynthesisError(f"{model_ref}: the tokenizer has no chat template; the synthesis prompts are chat messages")
    return model, tokenizer


class TransformersBackend:
    """Batched, left-padded `model.generate` on CPU or one GPU."""

    def __init__(self, cfg: "SynthesisConfig", model_path: str | None = None):
        """Load the model named by `model_path` (or `cfg.model`) and set CPU threads."""
        import torch

        self.cfg = cfg
        settings = cfg.transformers
        if not torch.cuda.is_available():
            torch.set_num_threads(settings.num_threads)
        ref = model_path or cfg.model
        if ref == "tiny":
            raise SynthesisError("model 'tiny' must be resolved to the work dir's model folder before building the backend")
        self.model, self.tokenizer = _load(ref, settings.dtype)
        self.info = BackendInfo(
            backend="transformers",
            model=str(ref),
            params={"batch_size": settings.batch_size, "dtype": str(self.model.dtype).removeprefix("torch.")},
        )

    def _prompt(self, request: GenerationRequest) -> str:
        return self.tokenizer.apply_chat_template(request.messages, tokenize=False, add_generation_prompt=True)

    def generate(self, requests: list[GenerationRequest]) -> list[list[Generation]]:
        """Generate `request.n` completions per request, in request order."""
        prompts = [self._prompt(r) for r in requests]
        order = sorted(range(len(requests)), key=lambda i: len(prompts[i]))
        out: list[list[Generation] | None] = [None] * len(requests)
        size = self.cfg.transformers.batch_size
        for start in range(0, len(order), size):
            idx = order[start : start + size]
            # Same n inside a batch keeps num_return_sequences simple.
            for n in sorted({requests[i].n for i in idx}):
                group = [i for i in idx if requests[i].n == n]
                for i, gens in zip(group, self._generate_batch([prompts[i] for i in group], [requests[i].seed for i in group], n)):
                    out[i] = gens
        return [g for g in out if g is not None]

    def _generate_batch(self, prompts: list[str], seeds: list[int], n: int) -> list[list[Generation]]:
        import torch

        sampling = self.cfg.sampling
        enc = self.tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=False).to(self.model.device)
        greedy = sampling.temperature == 0
        kwargs = {"max_new_tokens": sampling.max_new_tokens, "num_return_sequences": n,
                  "pad_token_id": self.tokenizer.pad_token_id, "eos_token_id": self.tokenizer.eos_token_id}
        if greedy:
            if n > 1:
                raise SynthesisError("sampling.temperature=0 (greedy) cannot give n > 1 different candidates; raise the temperature")
            kwargs.update(do_sample=False)
        else:
            kwargs.update(do_sample=True, temperature=sampling.temperature, top_p=sampling.top_p)
        digest = hashlib.sha256(json.dumps(seeds).encode()).digest()
        torch.manual_seed(int.from_bytes(digest[:8], "little") & 0x7FFFFFFF)
        with torch.inference_mode():
            seqs = self.model.generate(**enc, **kwargs)
        width = enc["input_ids"].shape[1]
        prompt_lens = enc["attention_mask"].sum(dim=1).tolist()
        results: list[list[Generation]] = []
        for b in range(len(prompts)):
            gens = []
            for k in range(n):
                new = seqs[b * n + k, width:].tolist()
                stopped = self.tokenizer.eos_token_id in new
                if stopped:
                    new = new[: new.index(self.tokenizer.eos_token_id)]
                new = [t for t in new if t != self.tokenizer.pad_token_id]
                text = self.tokenizer.decode(new, skip_special_tokens=True).strip()
                gens.append(Generation(text=text, prompt_tokens=int(prompt_lens[b]), completion_tokens=len(new) + int(stopped),
                                       finish_reason="stop" if stopped else "length"))
            results.append(gens)
        return results

    def close(self) -> None:
        """Drop the model (and free GPU memory when on CUDA)."""
        import torch

        self.model = None
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
