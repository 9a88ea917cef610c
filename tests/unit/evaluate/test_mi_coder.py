"""The committed MI coder: artefact, obvious examples, input forms, code_file."""

from __future__ import annotations

import json

import pytest

from interosight_core.errors import SourceError
from interosight_core.evaluate.mi_coder import DEFAULT_MODEL_DIR, MICoder, code_file
from interosight_core.evaluate.miti import miti_summary

ARTEFACT_FILES = ("weights.npz", "config.json", "metrics.json", "card.md")


def test_artefact_is_committed_and_small():
    total = 0
    for name in ARTEFACT_FILES:
        path = DEFAULT_MODEL_DIR / name
        assert path.is_file(), f"missing {path}"
        total += path.stat().st_size
    assert total < 3 * 1024 * 1024
    metrics = json.loads((DEFAULT_MODEL_DIR / "metrics.json").read_text())
    assert set(metrics["tasks"]) == {"behaviour", "reflection_subtype", "question_subtype", "client_talk"}
    # Regression guard on the grouped-CV scores recorded with the artefact.
    assert metrics["tasks"]["behaviour"]["macro_f1"] >= 0.72
    assert metrics["tasks"]["question_subtype"]["macro_f1"] >= 0.70


def test_load_missing_folder_is_source_error(tmp_path):
    with pytest.raises(SourceError, match="config.json"):
        MICoder.load(tmp_path)


@pytest.fixture(scope="module")
def coder():
    import torch

    torch.set_num_threads(1)
    return MICoder.load()


@pytest.mark.slow
def test_obvious_examples(coder):
    q_open, q_closed, refl, advice = coder.predict(
        [
            "What brings you here today?",
            "Did you eat breakfast?",
            "It sounds like you feel trapped between wanting to change and being scared of it.",
            "You should try eating three meals a day.",
        ]
    )
    assert (q_open.behaviour, q_open.question_subtype) == ("question", "open")
    assert (q_closed.behaviour, q_closed.question_subtype) == ("question", "closed")
    assert (refl.behaviour, refl.reflection_subtype) == ("reflection", "complex")
    assert advice.behaviour == "therapist_input"
    assert advice.reflection_subtype is None and advice.question_subtype is None
    for coded in (q_open, refl):
        assert coded.role == "therapist" and coded.client_talk is None
        probs = coded.probabilities["behaviour"]
        assert set(probs) == {"other", "question", "reflection", "therapist_input"}
        assert sum(probs.values()) == pytest.approx(1.0, abs=1e-4)


@pytest.mark.slow
def test_input_forms_and_roles(coder):
    out = coder.predict(
        [
            {"text": "I really want to stop bingeing.", "context": "What would you like to change?", "role": "client"},
            ("I don't think I have a problem, I eat fine.", "How do you feel about your eating?", "client"),
            ("How was your week?", "Hi."),
        ]
    )
    assert [c.role for c in out] == ["client", "client", "therapist"]
    assert out[0].client_talk == "change" and out[0].behaviour is None
    assert out[1].client_talk == "sustain"
    assert set(out[0].probabilities) == {"client_talk"}
    assert out[2].behaviour == "question" and out[2].context == "Hi."
    same = coder.predict(["How was your week?"], contexts=["Hi."])
    assert same[0].probabilities == out[2].probabilities
    assert coder.predict([]) == []
    with pytest.raises(ValueError, match="role"):
        coder.predict([("text", "", "doctor")])
    with pytest.raises(TypeError):
        coder.predict([42])


@pytest.mark.slow
def test_code_response_aggregates_per_sentence(coder):
    coded = coder.code_response(
        "It sounds like food has started to feel like the enemy. What would it mean for you to eat with your family again?",
        context="I can't stop thinking about food and I hate it.",
    )
    assert [c.behaviour for c in coded] == ["reflection", "question"]
    summary = miti_summary(coded)
    assert summary.reflections == 1 and summary.questions == 1
    assert summary.reflection_to_question == 1.0
    assert coder.code_response("") == []


@pytest.mark.slow
def test_code_file_csv_and_jsonl(coder, tmp_path):
    csv_path = tmp_path / "in.csv"
    csv_path.write_text('id,text,context\n1,"What brings you here today?",\n2,"Okay.","I ate."\n', encoding="utf-8")
    rows = code_file(csv_path, coder=coder)
    assert [r["id"] for r in rows] == ["1", "2"]
    assert rows[0]["behaviour"] == "question" and rows[1]["behaviour"] == "other"
    jsonl = tmp_path / "in.jsonl"
    jsonl.write_text(
        json.dumps({"text": "Yes, I want to change.", "context": "Do you want to change?", "role": "client"}) + "\n\n"
        + json.dumps({"text": "Did you eat breakfast?"}) + "\n",
        encoding="utf-8",
    )
    rows = code_file(jsonl, coder=coder)
    assert rows[0]["role"] == "client" and rows[0]["client_talk"] in {"change", "neutral", "sustain"}
    assert rows[1]["question_subtype"] == "closed"


def test_code_file_errors(tmp_path):
    with pytest.raises(SourceError, match="not found"):
        code_file(tmp_path / "nope.csv")
    bad = tmp_path / "bad.csv"
    bad.write_text("utterance,context\nhi,\n", encoding="utf-8")
    with pytest.raises(SourceError, match=r"bad\.csv: missing column 'text'"):
        code_file(bad)
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"text": "ok"}\n{oops\n', encoding="utf-8")
    with pytest.raises(SourceError, match=r"broken\.jsonl: line 2 is not valid JSON"):
        code_file(broken)
