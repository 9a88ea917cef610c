"""The crisis path: which system prompt an input gets at inference.

Training gives crisis-routed posts (the `crisis` source) the crisis system
prompt (`training.sft.crisis_system_prompt`) and every other example the
ordinary one. At inference, evaluation and chat route the same way: an input
the prepare stage flags for crisis (its rules, backed up by the learned
safety model) takes the crisis system prompt. The route is decided by that
detection, not by what a test set knows about an input, so a crisis post
both miss is answered on the ordinary path, and the evaluation counts that
miss.
"""

from __future__ import annotations

from interosight_core.prepare.clean import clean_text
from interosight_core.prepare.safety_model import scan_with_model


def is_crisis_input(text: str) -> bool:
    """True when the prepare stage would flag `text` for crisis (rules or learned model)."""
    return scan_with_model([clean_text(text)])[0].crisis_level > 0


def route_system_prompt(text: str, system_prompt: str | None, crisis_system_prompt: str | None) -> str | None:
    """`crisis_system_prompt` for an input on the crisis path (when one is set), else `system_prompt`."""
    if crisis_system_prompt and is_crisis_input(text):
        return crisis_system_prompt
    return system_prompt
