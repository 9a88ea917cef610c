"""MITI arithmetic on hand-coded utterances, zero divisions and sentence splitting."""

from __future__ import annotations

import math

import pytest

from interosight_core.evaluate.miti import (
    miti_summary,
    split_into_utterances,
    summarise_responses,
)


def code(behaviour: str, sub: str | None = None, role: str = "therapist") -> dict:
    """A hand-coded utterance as a plain dict."""
    item = {"behaviour": behaviour, "role": role}
    if behaviour == "reflection":
        item["reflection_subtype"] = sub
    if behaviour == "question":
        item["question_subtype"] = sub
    return item


SR, CR = code("reflection", "simple"), code("reflection", "complex")
OQ, CQ = code("question", "open"), code("question", "closed")
GI, OTHER = code("therapist_input"), code("other")


def test_good_session():
    s = miti_summary([CR, CR, CR, SR, SR, SR, OQ, CQ, OTHER])
    assert (s.simple_reflections, s.complex_reflections) == (3, 3)
    assert (s.open_questions, s.closed_questions) == (1, 1)
    assert s.pct_complex_reflections == pytest.approx(0.5)
    assert s.reflection_to_question == pytest.approx(3.0)
    assert s.pct_open_questions == pytest.approx(0.5)
    assert s.pct_advice == 0.0
    assert s.passes_good and s.passes_fair and s.level == "good"


def test_fair_but_not_good():
    # %CR = 2/5 = 40 % (fair, not good); R:Q = 5/4 = 1.25 (fair, not good)
    s = miti_summary([CR, CR, SR, SR, SR, OQ, OQ, CQ, CQ, GI])
    assert s.pct_complex_reflections == pytest.approx(0.4)
    assert s.reflection_to_question == pytest.approx(1.25)
    assert s.fair_pct_cr and s.fair_r_to_q
    assert not s.good_pct_cr and not s.good_r_to_q
    assert s.level == "fair"
    assert s.pct_advice == pytest.approx(0.1)
    assert s.therapist_input == 1


def test_below_fair_question_heavy():
    s = miti_summary([CR, OQ, CQ, CQ, GI, GI])
    assert s.pct_complex_reflections == 1.0
    assert s.reflection_to_question == pytest.approx(1 / 3)
    assert s.pct_open_questions == pytest.approx(1 / 3)
    assert s.good_pct_cr and not s.fair_r_to_q
    assert s.level == "below fair" and not s.passes_fair


def test_no_reflections_no_questions():
    s = miti_summary([GI, OTHER])
    assert s.pct_complex_reflections is None
    assert s.reflection_to_question is None
    assert s.pct_open_questions is None
    assert s.pct_advice == pytest.approx(0.5)
    assert s.level == "below fair"


def test_reflections_without_questions_meet_ratio():
    s = miti_summary([CR, SR])
    assert math.isinf(s.reflection_to_question)
    assert s.good_r_to_q and s.pct_complex_reflections == 0.5
    assert s.level == "good"
    assert s.to_dict()["reflection_to_question"] == "inf"


def test_questions_without_reflections():
    s = miti_summary([OQ, OQ])
    assert s.reflection_to_question == 0.0
    assert s.pct_complex_reflections is None
    assert s.pct_open_questions == 1.0
    assert s.level == "below fair"


def test_empty_and_client_only():
    for items in ([], [code("other", role="client")]):
        s = miti_summary(items)
        assert s.n_therapist == 0
        assert s.pct_advice is None and s.pct_complex_reflections is None
        assert s.reflection_to_question is None
        assert s.level == "below fair"


def test_client_rows_ignored_and_missing_subtype_is_conservative():
    s = miti_summary([{"behaviour": "reflection"}, {"behaviour": "question"}, code("reflection", "complex", "client")])
    assert (s.simple_reflections, s.complex_reflections, s.closed_questions) == (1, 0, 1)


def test_attribute_objects_accepted():
    class Coded:
        def __init__(self, behaviour, reflection_subtype=None, question_subtype=None):
            self.behaviour = behaviour
            self.reflection_subtype = reflection_subtype
            self.question_subtype = question_subtype

    s = miti_summary([Coded("reflection", "complex"), Coded("question", None, "open")])
    assert s.complex_reflections == 1 and s.open_questions == 1
    assert s.reflection_to_question == 1.0


def test_summarise_responses():
    out = summarise_responses([[CR, CR, OQ], [GI, CQ], []])
    assert out["n_responses"] == 3
    assert out["share_responses_with_advice"] == pytest.approx(1 / 3)
    assert out["share_passing_good"] == pytest.approx(1 / 3)
    assert out["overall"]["reflections"] == 2 and out["overall"]["questions"] == 2
    assert summarise_responses([])["share_passing_fair"] is None


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", []),
        ("   ", []),
        ("One sentence without end", ["One sentence without end"]),
        ("Hello. How are you? I am fine!", ["Hello.", "How are you?", "I am fine!"]),
        ("Dr. Smith said so. You see e.g. this.", ["Dr. Smith said so.", "You see e.g. this."]),
        ('"Really?" she said. Ok', ['"Really?" she said.', "Ok"]),
        ("It sounds hard... What now?", ["It sounds hard...", "What now?"]),
        ("One thing.\n\n- first\n- second", ["One thing.", "- first", "- second"]),
        ("1. Do this. 2. Do that.", ["1. Do this.", "2. Do that."]),
    ],
)
def test_split_into_utterances(text, expected):
    assert split_into_utterances(text) == expected
