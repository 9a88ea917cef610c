"""Mixture sampling and the curriculum schedule (seed 004) trained stage after stage."""

from __future__ import annotations

from collections import Counter

import pytest

from interosight_core.train.config import CurriculumConfig, CurriculumStage, TrainError
from interosight_core.train.curriculum import apportion, curriculum_datasets, mix_sources, run_curriculum

from .toy import conversations, sft_config


def _sources():
    """Three named toy sources of different sizes."""
    convs = conversations(40)
    return {"synthetic_mi": convs[:20], "counselchat": convs[20:30], "annomi": convs[30:33]}


def test_apportion_is_exact_and_proportional():
    """Counts sum to the target and follow the weights (largest remainder)."""
    assert apportion({"a": 0.5, "b": 0.3, "c": 0.2}, 10) == {"a": 5, "b": 3, "c": 2}
    got = apportion({"a": 1, "b": 1, "c": 1}, 10)
    assert sum(got.values()) == 10 and sorted(got.values()) == [3, 3, 4]
    assert apportion({"a": 1.0, "b": 0.0}, 7) == {"a": 7}


def test_mixture_is_deterministic_and_weighted():
    """Same seed -> same rows in the same order; a different seed reorders; counts follow the weights."""
    mix = {"synthetic_mi": 0.5, "counselchat": 0.3, "annomi": 0.2}
    a = mix_sources(_sources(), mix, 20, seed=1)
    b = mix_sources(_sources(), mix, 20, seed=1)
    c = mix_sources(_sources(), mix, 20, seed=2)
    assert a["messages"] == b["messages"] and a["source"] == b["source"]
    assert a["source"] != c["source"] or a["messages"] != c["messages"]
    assert Counter(a["source"]) == {"synthetic_mi": 10, "counselchat": 6, "annomi": 4}
    # annomi has 3 rows: 4 draws need replacement, but every row is used before any repeats
    annomi = [str(m) for m, s in zip(a["messages"], a["source"]) if s == "annomi"]
    assert len(set(annomi)) == 3
    with pytest.raises(TrainError, match="replacement='never'"):
        mix_sources(_sources(), mix, 20, replacement="never")
    with pytest.raises(TrainError, match="unknown sources"):
        mix_sources(_sources(), {"reddit": 1.0}, 5)


def test_default_curriculum_is_seed_004():
    """Five phases from 100% CounselChat to 100% AnnoMI with decreasing learning rates."""
    cfg = CurriculumConfig()
    assert [s.name for s in cfg.stages] == ["foundation", "introduction", "integration", "specialization", "mastery"]
    assert [s.mixture["counselchat"] for s in cfg.stages] == [1.0, 0.8, 0.6, 0.4, 0.0]
    assert [s.mixture["annomi"] for s in cfg.stages] == [0.0, 0.2, 0.4, 0.6, 1.0]
    lrs = [s.learning_rate for s in cfg.stages]
    assert lrs == sorted(lrs, reverse=True) and lrs[0] == 1e-4 and lrs[-1] == 2e-5
    datasets = curriculum_datasets(cfg, _sources())
    assert [Counter(ds["source"]) for _, ds in datasets][2] == {"counselchat": 19, "annomi": 13}
    assert all(len(ds) == 32 for _, ds in datasets)
    with pytest.raises(ValueError):
        CurriculumStage(name="x", mixture={"a": -1.0})


@pytest.mark.slow
def test_curriculum_trains_one_adapter_stage_after_stage(tiny_model, tmp_path):
    """Each stage continues the previous adapter with its own lr; a re-run skips finished stages."""
    cfg = CurriculumConfig(stages=[
        CurriculumStage(name="broad", mixture={"counselchat": 1.0}, num_examples=8, learning_rate=3e-3, max_steps=2),
        CurriculumStage(name="mi", mixture={"counselchat": 0.5, "annomi": 0.5}, num_examples=8, learning_rate=1e-3, max_steps=2),
    ])
    base = sft_config(max_steps=-1)
    res = run_curriculum(cfg, base, tiny_model, _sources(), tmp_path)
    s1, s2 = res.stages
    assert s1.continued_adapter is None and s2.continued_adapter == str(s1.adapter_dir)
    assert res.adapter_dir == s2.adapter_dir and res.mixtures == [{"counselchat": 8}, {"annomi": 4, "counselchat": 4}]
    assert s2.loss_history[0][1] < s1.loss_history[0][1]
    again = run_curriculum(cfg, base, tiny_model, _sources(), tmp_path)
    assert [r.model_dump() for r in again.stages] == [r.model_dump() for r in res.stages]
