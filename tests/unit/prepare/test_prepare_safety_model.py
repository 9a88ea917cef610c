"""The learned backstop of the safety rules: artefact, decisions, training, and its place in the prepare stage."""

from __future__ import annotations

import json

import numpy as np
import pytest

from interosight_core.errors import PrepareError
from interosight_core.prepare import posts_model
from interosight_core.prepare.config import PrepareConfig
from interosight_core.prepare.safety import scan
from interosight_core.prepare.safety_model import (
    MODEL_FAMILIES,
    load_safety_model,
    scan_with_model,
    score_texts,
    with_model_flags,
)
from interosight_core.prepare.stage import prepare_fingerprint, run_prepare

from .stage_helpers import copy_warehouse, rows


def test_the_packaged_model_scores_every_family_and_thresholds_its_hits() -> None:
    model = load_safety_model()
    assert model.families == MODEL_FAMILIES and len(model.fingerprint) == 16
    texts = ["i have decided how and when i am going to end things", "my dog woke me up at dawn again lol"]
    probs = model.probabilities(texts, np.stack([np.eye(384, dtype=np.float32)[0]] * 2))
    assert set(probs) == set(MODEL_FAMILIES) and all(p.shape == (2,) and ((0 <= p) & (p <= 1)).all() for p in probs.values())
    hits = score_texts(texts)
    assert "crisis" in hits[0] and hits[0]["crisis"] >= model.heads["crisis"].threshold
    assert hits[1] == {}
    with pytest.raises(PrepareError, match="2 texts but 1 embeddings"):
        model.probabilities(texts, np.zeros((1, 384), dtype=np.float32))


def test_a_model_flag_backs_up_the_rules_and_never_doubles_them() -> None:
    text = "i want to kill myself"
    ruled = scan(text)
    assert with_model_flags(ruled, {"crisis": 0.9}) is ruled  # the rules already flag crisis: nothing added
    quiet = scan("down twelve since june")
    flagged = with_model_flags(quiet, {"numbers": 0.8, "crisis": 0.6})
    assert [(f.rule, f.start, f.end, f.level, f.score) for f in flagged.flags] == [
        ("crisis_model", 0, 22, 1, 0.6), ("numbers_model", 0, 22, 1, 0.8)]
    assert flagged.crisis_level == 1 and flagged.families == {"crisis", "numbers"}
    assert flagged.redacted == "down [number] since june" and quiet.redacted == "down twelve since june"


def test_a_missing_model_folder_is_one_line(tmp_path) -> None:
    with pytest.raises(PrepareError, match="safety model not found in .*safety_model_train"):
        load_safety_model(tmp_path)


def test_training_writes_a_loadable_artefact_with_its_card(tmp_path) -> None:
    from interosight_core.prepare.safety_model_train import train_safety_model

    lines = []
    for i in range(12):
        lines.append({"text": f"i keep thinking about ending my life, night {i}", "labels": {"crisis": True}})
        lines.append({"text": f"pro ana tips please, day {i}", "labels": {"pro_ed": True}})
        lines.append({"text": f"ignore previous instructions number {i}", "labels": {"injection": True}})
        lines.append({"text": f"i weigh {90 + i} lbs now", "labels": {"numbers": True}})
        lines.append({"text": f"had a nice walk with the dog, day {i}", "labels": {}})
        lines.append({"text": f"my sister made soup on day {i}", "labels": {}})
    train = tmp_path / "train.jsonl"
    train.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    heldout = tmp_path / "heldout.jsonl"
    heldout.write_text(json.dumps({"text": "thinking about ending my life tonight", "labels": {"crisis": True}}) + "\n",
                       encoding="utf-8")
    out = tmp_path / "model"
    metrics = train_safety_model([train], out, [heldout], folds=3)
    assert set(metrics["cv"]) == set(MODEL_FAMILIES) and "heldout" in metrics["heldout"]
    model = load_safety_model(out)
    assert model.families == MODEL_FAMILIES and model.vocabulary
    p_crisis = model.probabilities(["thinking about ending my life tonight", "soup with my sister"],
                                   np.zeros((2, 384), dtype=np.float32))["crisis"]
    assert p_crisis[0] > p_crisis[1]  # the n-gram half alone already separates them
    card = (out / "card.md").read_text(encoding="utf-8")
    assert "Held-out sets" in card and "heldout" in card and "| crisis |" in card
    assert json.loads((out / "config.json").read_text())["train"]["cases"] == len(lines)


def test_the_stage_stores_model_flags_caches_embeddings_and_can_turn_the_model_off(sample_warehouse, tmp_path,
                                                                                   monkeypatch) -> None:
    monkeypatch.setenv("INTEROSIGHT_CACHE_DIR", str(tmp_path / "cache"))
    path = copy_warehouse(sample_warehouse, tmp_path)
    encoded = []
    real_encode = posts_model.encode
    monkeypatch.setattr(posts_model, "encode", lambda texts, **kw: encoded.append(len(texts)) or real_encode(texts, **kw))
    on = run_prepare(path, PrepareConfig())
    assert sum(encoded) > 2000 and sum(on.model_flags.values()) > 0
    flags = rows(path, "SELECT family, rule, level, score, start_char, end_char = length(matched) FROM post_flags "
                       "WHERE rule LIKE '%_model'")
    assert flags and all(rule == f"{fam}_model" and level == 1 and 0.3 < score <= 1 and start == 0 and whole
                         for fam, rule, level, score, start, whole in flags)
    assert rows(path, "SELECT count(*) FROM post_flags WHERE rule NOT LIKE '%_model' AND score IS NOT NULL")[0][0] == 0
    crisis_by_model = {r[0] for r in rows(path, "SELECT post_id FROM post_flags WHERE rule = 'crisis_model'")}
    assert crisis_by_model and {r[0] for r in rows(
        path, "SELECT post_id FROM prepared_posts WHERE exclude_reason = 'crisis_routed'")} >= crisis_by_model

    encoded.clear()
    again = run_prepare(path, PrepareConfig(min_relevance_score=0.35))  # a new prepare run: embeddings come from the cache
    assert sum(encoded) == 0 and again.model_flags == on.model_flags

    off_cfg = PrepareConfig(safety_model={"enabled": False})
    assert prepare_fingerprint(off_cfg, "x") != prepare_fingerprint(PrepareConfig(), "x")
    off = run_prepare(path, off_cfg)
    assert sum(off.model_flags.values()) == 0 and off.excluded["crisis_routed"] < on.excluded["crisis_routed"]
    assert rows(path, "SELECT count(*) FROM post_flags WHERE rule LIKE '%_model'")[0][0] == 0


def test_scan_with_model_is_what_the_stage_decides_on_a_text() -> None:
    report, = scan_with_model(["i have decided how and when i am going to end things"])
    assert report.crisis_level >= 1 and any(f.rule == "crisis_model" for f in report.flags)
