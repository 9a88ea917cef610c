"""Training core: tiny bootstrap model, SFT (LoRA/QLoRA), curriculum mixing, DPO, merge.

Pure Python on top of transformers, PEFT and TRL; no Prefect import. The
submodules import torch lazily, so ``import interosight_core.train.config``
stays cheap for the pipeline config and the CLI.

- ``config``: pydantic config models (``SFTStageConfig``, ``DPOStageConfig``, ...)
- ``models``: ``build_tiny_model``, ``load_model_for_training``
- ``data``: conversation / preference-pair normalisation, system-prompt injection
- ``sft``: ``run_sft``; ``curriculum``: ``mix_sources``, ``run_curriculum``
- ``dpo``: ``run_dpo``; ``merge``: ``merge_adapter``
- ``runtime``: threads, tracker choice, progress callback, checkpoints, plots
"""
