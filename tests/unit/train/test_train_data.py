"""Conversation / preference normalisation and system-prompt injection."""

from __future__ import annotations

import pytest

from interosight_core.train.config import TrainError
from interosight_core.train.data import inject_system_prompt, to_conversation_dataset, to_preference_dataset

U = {"role": "user", "content": "hi"}
A = {"role": "assistant", "content": "hello"}
S = {"role": "system", "content": "old"}


def test_inject_replace_and_keep():
    """'replace' swaps any system turn for the configured one; 'keep' keeps an example's own."""
    assert inject_system_prompt([S, U, A], "new") == [{"role": "system", "content": "new"}, U, A]
    assert inject_system_prompt([U, A], "new")[0] == {"role": "system", "content": "new"}
    assert inject_system_prompt([S, U, A], "new", mode="keep") == [S, U, A]
    assert inject_system_prompt([U, A], "new", mode="keep")[0]["content"] == "new"
    assert inject_system_prompt([S, U, A], None) == [S, U, A]


def test_conversation_dataset_accepts_lists_rows_and_datasets():
    """Lists, {'messages'} rows and Datasets all normalise to one 'messages' column with the prompt."""
    from datasets import Dataset

    ds1 = to_conversation_dataset([[U, A]], "sys")
    ds2 = to_conversation_dataset([{"messages": [U, A], "source": "x"}], "sys")
    ds3 = to_conversation_dataset(Dataset.from_dict({"messages": [[U, A]]}), "sys")
    for ds in (ds1, ds2, ds3):
        assert ds.column_names == ["messages"]
        assert ds[0]["messages"][0] == {"role": "system", "content": "sys"}


def test_crisis_source_rows_take_the_crisis_system_prompt():
    """Rows of the 'crisis' source train with the crisis prompt; every other row with the ordinary one."""
    rows = [{"messages": [U, A], "source": "crisis"}, {"messages": [S, U, A], "source": "synthetic"}, [U, A]]
    ds = to_conversation_dataset(rows, "sys", crisis_system_prompt="crisis sys")
    assert [r["messages"][0]["content"] for r in ds] == ["crisis sys", "sys", "sys"]
    assert to_conversation_dataset(rows[:1], "sys")[0]["messages"][0]["content"] == "sys"  # no crisis prompt set


@pytest.mark.parametrize("bad,msg", [
    ([[U]], "no assistant turn"),
    ([[{"role": "bot", "content": "x"}, A]], "unknown role"),
    ([[{"role": "user"}, A]], "needs 'role' and 'content'"),
    ([], "empty"),
    (["just text"], "list of"),
])
def test_conversation_errors_name_the_example(bad, msg):
    """Bad rows raise TrainError saying which example and what is wrong."""
    with pytest.raises(TrainError, match=msg):
        to_conversation_dataset(bad)


def test_preference_dataset():
    """Prompts get the system prompt; string answers become assistant messages; bad pairs are rejected."""
    ds = to_preference_dataset([{"prompt": "I binged", "chosen": "That sounds hard.", "rejected": "Just stop."}], "sys")
    row = ds[0]
    assert row["prompt"] == [{"role": "system", "content": "sys"}, {"role": "user", "content": "I binged"}]
    assert row["chosen"] == [{"role": "assistant", "content": "That sounds hard."}]
    with pytest.raises(TrainError, match="identical"):
        to_preference_dataset([{"prompt": [U], "chosen": "a", "rejected": "a"}])
    with pytest.raises(TrainError, match="missing 'rejected'"):
        to_preference_dataset([{"prompt": [U], "chosen": "a"}])
    with pytest.raises(TrainError, match="ends with an assistant"):
        to_preference_dataset([{"prompt": [U, A], "chosen": "a", "rejected": "b"}])
