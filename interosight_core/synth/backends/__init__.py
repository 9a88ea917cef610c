"""Generation backends behind one interface (`base.Backend`); `make_backend` picks one from config."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from interosight_core.synth.backends.base import Backend
    from interosight_core.synth.config import SynthesisConfig


def backend_identity(cfg: "SynthesisConfig", model_path: str | None = None) -> tuple[str, str]:
    """(backend, model) as recorded on every row and hashed into every request key.

    Known without starting an engine, so planning and resuming never load a
    model. `model` is the template's prompt version + phrase-bank hash, the OpenAI server and
    served model, or the model folder / Hub name (the content of a local
    folder enters the key separately, via `model_fingerprint`).
    """
    if cfg.backend == "template":
        from interosight_core.synth.backends.template import template_model_name

        return "template", template_model_name(cfg.prompt_version)
    if cfg.backend == "openai":
        return "openai", f"{cfg.openai.base_url}#{cfg.openai.served_model or cfg.model}"
    return cfg.backend, str(model_path or cfg.model)


def model_fingerprint(model_path: str | None) -> str:
    """Content fingerprint of a local model folder (file names, sizes and first MiB); '' for a Hub name or none."""
    import hashlib
    from pathlib import Path

    if not model_path or not Path(model_path).is_dir():
        return ""
    digest = hashlib.sha256()
    for f in sorted(p for p in Path(model_path).rglob("*") if p.is_file()):
        digest.update(f"{f.relative_to(model_path)}:{f.stat().st_size}:".encode())
        with f.open("rb") as fh:
            digest.update(fh.read(1 << 20))
    return digest.hexdigest()


def make_backend(cfg: "SynthesisConfig", model_path: str | None = None) -> "Backend":
    """Build the configured backend; `model_path` is the resolved local model folder (LLM backends)."""
    if cfg.backend == "template":
        from interosight_core.synth.backends.template import TemplateBackend

        return TemplateBackend(cfg)
    if cfg.backend == "transformers":
        from interosight_core.synth.backends.transformers_backend import TransformersBackend

        return TransformersBackend(cfg, model_path)
    if cfg.backend == "vllm":
        from interosight_core.synth.backends.vllm_backend import VLLMBackend

        return VLLMBackend(cfg, model_path)
    from interosight_core.synth.backends.openai_backend import OpenAIBackend

    return OpenAIBackend(cfg, model_path)
