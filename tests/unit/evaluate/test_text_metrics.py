"""Text metrics with known values: ROUGE-L, BLEU, distinct-n, length, degenerate output, similarity."""

from __future__ import annotations

import pytest

from interosight_core.evaluate.text_metrics import (
    corpus_bleu,
    degenerate,
    distinct_n,
    embedding_similarities,
    length_stats,
    rouge_l,
    sentence_bleu,
    text_summary,
)

A = "It sounds like the guilt after eating is exhausting. What would you like to be different?"


def test_identical_texts_score_one_and_hundred():
    assert rouge_l(A, A) == pytest.approx(1.0)
    assert corpus_bleu([A, A], [A, A]) == pytest.approx(100.0)
    assert sentence_bleu(A, A) == pytest.approx(100.0)


def test_disjoint_and_empty_texts_score_zero():
    assert rouge_l("apples oranges", "quiet mountain river") == 0.0
    assert rouge_l("", A) == 0.0 and rouge_l(A, "") == 0.0
    assert corpus_bleu(["apples oranges pears plums"], ["quiet mountain river stones"]) == pytest.approx(0.0)
    assert corpus_bleu([], []) is None
    with pytest.raises(ValueError):
        corpus_bleu(["a"], [])


def test_rouge_l_by_hand():
    # LCS of "the cat sat" and "the cat ran away" is "the cat": P = 2/3, R = 2/4, F = 2PR/(P+R) = 4/7.
    assert rouge_l("the cat sat", "the cat ran away") == pytest.approx(4 / 7)


def test_distinct_n_by_hand():
    texts = ["a b a b", "a c"]
    # unigrams: a b a b a c -> 3 distinct of 6; bigrams: ab ba ab | ac -> 3 distinct of 4
    assert distinct_n(texts, 1) == pytest.approx(3 / 6)
    assert distinct_n(texts, 2) == pytest.approx(3 / 4)
    assert distinct_n(["One."], 2) is None
    assert distinct_n(["What brings you here?"], 1) == 1.0


def test_length_stats_and_degenerate():
    stats = length_stats(["one two three", "", "one two three four five six seven"])
    assert stats["n_answers"] == 3 and stats["mean_words"] == pytest.approx(10 / 3, abs=0.01)
    assert stats["median_words"] == 3.0 and stats["max_words"] == 7
    assert stats["share_empty"] == pytest.approx(1 / 3)
    assert stats["share_degenerate"] == pytest.approx(1 / 3)  # the empty one
    assert degenerate("") == "no letters"
    assert degenerate("mad mad mad mad") == "word loop: 'mad'"
    assert degenerate("you are here you are here you are here you are here") is not None
    assert degenerate(A) is None
    assert length_stats([])["mean_words"] is None


def test_gibberish_and_unprintable_output_is_degenerate():
    # what a random-init tiny model writes
    assert degenerate("really77 point late wemitamily tonill journeycakes myselfmitamily ton ill ionscakes").startswith("gibberish")
    assert degenerate("co" * 30) == "gibberish: a 60-letter word"
    assert degenerate("are\x02\x02\x02\x02 har\x02").startswith("unprintable characters")
    # clinical vocabulary is still language
    assert degenerate("It sounds like bingeing and purging have left you exhausted and ashamed.") is None
    assert degenerate("Restricting, counting macros and overexercising feel safer than uncertainty right now.") is None


def test_text_summary_without_references_needs_no_encoder():
    summary, per = text_summary(["a b c", "d e"], [None, None])
    assert summary["n_with_reference"] == 0
    assert summary["rouge_l"] is None and summary["bleu"] is None and summary["embedding_similarity"] is None
    assert summary["distinct_1"] == 1.0 and per == [None, None]


@pytest.mark.slow
def test_embedding_similarity_and_summary_with_references():
    sims = embedding_similarities([A, "The stock market closed higher today."], [A, A])
    assert sims[0] == pytest.approx(1.0, abs=1e-5)
    assert sims[1] < 0.5
    summary, per = text_summary([A, "hello", ""], [A, None, A])
    assert summary["n_with_reference"] == 2
    assert per[0] == {"rouge_l": pytest.approx(1.0), "bleu": pytest.approx(100.0), "embedding_similarity": pytest.approx(1.0, abs=1e-5)}
    assert per[1] is None and per[2]["rouge_l"] == 0.0 and per[2]["embedding_similarity"] == 0.0
    assert summary["rouge_l"] == pytest.approx(0.5)
