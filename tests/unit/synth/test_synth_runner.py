"""The synthesis runner: planning keys, resume without duplicates, the gate and regeneration, atomic batches."""

from __future__ import annotations

import duckdb
import pytest

from interosight_core.synth.backends import backend_identity
from interosight_core.synth.config import SynthesisConfig
from interosight_core.synth.runner import plan_synthesis, run_synthesis

from synth_runner_helpers import CRISIS, POSTS, ScriptedBackend, make_prepared_warehouse

SAFE = "It sounds like this has been weighing on you. What would feel like a small step that fits you?"
UNSAFE = "You should eat 1200 calories a day and cut carbs."
SCRIPTED = ("scripted", "script")


@pytest.fixture()
def warehouse(tmp_path):
    return make_prepared_warehouse(tmp_path / "warehouse.duckdb")


def _rows(path, sql):
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


def _run(path, cfg, backend, identity=SCRIPTED):
    return run_synthesis(str(path), cfg, backend, plan_synthesis(str(path), cfg, identity), identity)


def _planned(path, cfg, identity, model_fp=""):
    return plan_synthesis(str(path), cfg, identity, model_fp).planned


def test_plan_has_one_key_per_post_and_kind_and_changes_with_prompt_model_and_params(warehouse):
    cfg = SynthesisConfig()
    identity = backend_identity(cfg)
    planned = _planned(warehouse, cfg, identity)
    kinds = sorted(p.request.kind for p in planned)
    assert kinds.count("mi") == len(POSTS) and kinds.count("contrast") == len(POSTS) and kinds.count("crisis") == len(CRISIS)
    keys = {p.request.key for p in planned}
    assert len(keys) == len(planned)
    assert keys == {p.request.key for p in _planned(warehouse, cfg, identity)}
    hotter = SynthesisConfig(sampling={"temperature": 0.3})
    assert keys.isdisjoint(p.request.key for p in _planned(warehouse, hotter, identity))
    assert keys.isdisjoint(p.request.key for p in _planned(warehouse, cfg, ("vllm", "/models/x")))
    assert keys.isdisjoint(p.request.key for p in _planned(warehouse, cfg, identity, model_fp="abc"))


def test_posts_with_the_same_text_get_a_reply_each(tmp_path):
    from interosight_core.synth.backends.template import TemplateBackend

    path = make_prepared_warehouse(tmp_path / "warehouse.duckdb")
    with duckdb.connect(str(path)) as con:  # a repost: same text, another id
        con.execute("INSERT INTO prepared_posts SELECT source, 'p-repost', * EXCLUDE (source, post_id) "
                    "FROM prepared_posts WHERE post_id = 'p000'")
    cfg = SynthesisConfig(preferences={"enabled": False}, crisis_responses=False)
    report = _run(path, cfg, TemplateBackend(cfg), backend_identity(cfg))
    assert report.requests == len(POSTS) + 1 and report.accepted == {"mi": len(POSTS) + 1}
    assert _rows(path, "SELECT count(DISTINCT post_id) FROM synth_responses")[0][0] == len(POSTS) + 1


def test_max_posts_takes_highest_relevance_and_crisis_posts_get_the_crisis_path(warehouse):
    cfg = SynthesisConfig(max_posts=3, preferences={"enabled": False})
    planned = _planned(warehouse, cfg, backend_identity(cfg))
    assert [p.post_id for p in planned if p.request.kind == "mi"] == ["p000", "p001", "p002"]
    crisis = [p for p in planned if p.request.kind == "crisis"]
    assert {p.post_id for p in crisis} == {"c000", "c001"}
    assert all(p.request.kind != "mi" for p in planned if p.post_id.startswith("c"))


def test_template_run_then_rerun_generates_nothing_and_duplicates_nothing(warehouse):
    from interosight_core.synth.backends.template import TemplateBackend

    cfg = SynthesisConfig(batch_size=5)
    identity = backend_identity(cfg)
    first = _run(warehouse, cfg, TemplateBackend(cfg), identity)
    assert first.requests == 2 * len(POSTS) + len(CRISIS)
    assert first.accepted == {"mi": len(POSTS), "contrast": len(POSTS), "crisis": len(CRISIS)}
    second = _run(warehouse, cfg, TemplateBackend(cfg), identity)
    assert second.requests == 0 and second.already_done == first.requests
    assert _rows(warehouse, "SELECT count(*), count(DISTINCT request_key) FROM synth_requests")[0] == (first.requests, first.requests)
    (n, ok), = _rows(warehouse, "SELECT count(*), count(*) FILTER (accepted) FROM synth_responses")
    assert n == ok == first.requests
    lineage = _rows(warehouse, "SELECT DISTINCT backend, model, prompt_version, params->>'temperature', run_id FROM synth_responses")
    assert len(lineage) == 1 and lineage[0][0] == "template" and lineage[0][2].startswith("mi-v1-")


def test_unsafe_replies_are_stored_with_reasons_regenerated_and_never_accepted(warehouse):
    cfg = SynthesisConfig(max_regenerations=2, preferences={"enabled": False}, crisis_responses=False)
    # attempt 1 unsafe for every post; attempt 2 safe for even posts only; attempt 3 unsafe again.
    backend = ScriptedBackend(lambda r, call: SAFE if call == 2 and int(r.key, 16) % 2 == 0 else UNSAFE)
    report = _run(warehouse, cfg, backend)
    assert backend.calls == 3
    rows = _rows(warehouse, "SELECT request_key, attempt, accepted, gate_reasons, ed_harm FROM synth_responses ORDER BY request_key, attempt")
    unsafe = [r for r in rows if not r[2]]
    assert unsafe and all(r[3] and r[4] for r in unsafe)  # reasons recorded, ED-harmful
    assert any(reason.startswith("numbers") for r in unsafe for reason in r[3])
    status = dict(_rows(warehouse, "SELECT request_key, status FROM synth_requests"))
    for key, st in status.items():
        attempts = [r for r in rows if r[0] == key]
        if int(key, 16) % 2 == 0:
            assert st == "accepted" and [r[2] for r in attempts] == [False, True]
        else:
            assert st == "exhausted" and len(attempts) == 3 and not any(r[2] for r in attempts)
    assert report.accepted.get("mi", 0) + report.exhausted.get("mi", 0) == len(POSTS)


def test_a_crash_keeps_finished_batches_and_the_rerun_adds_only_the_rest(warehouse):
    cfg = SynthesisConfig(batch_size=4, preferences={"enabled": False}, crisis_responses=False)
    with pytest.raises(RuntimeError, match="engine crashed"):
        _run(warehouse, cfg, ScriptedBackend(lambda r, c: SAFE, fail_on_call=2))
    assert _rows(warehouse, "SELECT count(*) FROM synth_requests")[0][0] == 4  # batch 1 committed, batch 2 rolled back
    assert _rows(warehouse, "SELECT count(*) FROM synth_responses")[0][0] == 4
    assert len(plan_synthesis(str(warehouse), cfg, SCRIPTED).pending) == len(POSTS) - 4
    report = _run(warehouse, cfg, ScriptedBackend(lambda r, c: SAFE))
    assert report.requests == len(POSTS) - 4
    assert _rows(warehouse, "SELECT count(*), count(DISTINCT request_key), count(DISTINCT run_id) FROM synth_responses")[0] == (len(POSTS), len(POSTS), 2)


def test_contrast_replies_are_kept_as_rejected_material_only_without_ed_harm(warehouse):
    cfg = SynthesisConfig(max_regenerations=0, crisis_responses=False)
    lecture = "You should really just try harder. Everyone feels this way sometimes."
    backend = ScriptedBackend(lambda r, c: lecture if r.kind == "contrast" else SAFE)
    _run(warehouse, cfg, backend)
    rows = _rows(warehouse, "SELECT kind, accepted, ed_harm FROM synth_responses WHERE kind = 'contrast'")
    assert rows and all(accepted and not harm for _, accepted, harm in rows)
