"""Synthesis: versioned MI prompts, pluggable generation backends, the resumable runner, DPO pairs.

Modules: `config` (SynthesisConfig), `prompts` (versioned prompt templates),
`backends` (template, transformers, vllm, openai behind one interface),
`gate` (the response safety gate), `runner` (batched, resumable generation
into the warehouse), `preferences` (DPO pairs).
"""
