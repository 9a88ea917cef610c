"""Training the MI coder: input validation and a small real-data retrain."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import pytest

from interosight_core.errors import SourceError
from interosight_core.evaluate.mi_coder import MICoder
from interosight_core.evaluate.mi_coder_train import load_annomi_examples, train_mi_coder

ANNOMI = Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "annomi"
SIMPLE = ANNOMI / "AnnoMI-simple.train.csv"
FULL = ANNOMI / "AnnoMI-full.train.csv"


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


SIMPLE_HEADER = ["transcript_id", "utterance_id", "interlocutor", "utterance_text",
                 "main_therapist_behaviour", "client_talk_type"]
FULL_HEADER = ["transcript_id", "utterance_id", "annotator_id", "reflection_subtype", "question_subtype"]


def test_missing_file_and_column(tmp_path):
    simple = _write(tmp_path / "s.csv", SIMPLE_HEADER, [["0", "0", "therapist", "Hi?", "question", "n/a"]])
    full = _write(tmp_path / "f.csv", FULL_HEADER, [["0", "0", "1", "n/a", "open"]])
    with pytest.raises(SourceError, match=r"AnnoMI full file not found: .*nope\.csv"):
        train_mi_coder(simple, tmp_path / "nope.csv", tmp_path / "out")
    no_col = _write(tmp_path / "s2.csv", SIMPLE_HEADER[:-1], [["0", "0", "therapist", "Hi?", "question"]])
    with pytest.raises(SourceError, match=r"s2\.csv: missing column 'client_talk_type'"):
        train_mi_coder(no_col, full, tmp_path / "out")
    bad_id = _write(tmp_path / "s3.csv", SIMPLE_HEADER, [["x", "0", "therapist", "Hi?", "question", "n/a"]])
    with pytest.raises(SourceError, match=r"s3\.csv:2: column 'transcript_id'"):
        train_mi_coder(bad_id, full, tmp_path / "out")
    with pytest.raises(SourceError, match="at least 2 transcripts"):
        train_mi_coder(simple, full, tmp_path / "out")


def test_examples_context_and_majority(tmp_path):
    simple = _write(tmp_path / "s.csv", SIMPLE_HEADER, [
        ["3", "1", "client", "I drink a lot.", "n/a", "neutral"],
        ["3", "0", "therapist", "What brings you in?", "question", "n/a"],
        ["3", "2", "therapist", "You drink a lot.", "reflection", "n/a"],
        ["4", "0", "therapist", "Hello.", "other", "n/a"],
    ])
    full = _write(tmp_path / "f.csv", FULL_HEADER, [
        ["3", "0", "1", "n/a", "open"],
        ["3", "2", "1", "simple", "n/a"], ["3", "2", "2", "complex", "n/a"], ["3", "2", "3", "complex", "n/a"],
    ])
    ex = load_annomi_examples(simple, full)
    assert [(e["transcript_id"], e["utterance_id"]) for e in ex] == [(3, 0), (3, 1), (3, 2), (4, 0)]
    assert [e["context"] for e in ex] == ["", "What brings you in?", "I drink a lot.", ""]
    assert ex[0]["question_subtype"] == "open" and ex[2]["reflection_subtype"] == "complex"
    assert ex[1]["client_talk"] == "neutral" and ex[1]["behaviour"] == "n/a"
    assert ex[3]["reflection_subtype"] == "n/a"


@pytest.mark.slow
@pytest.mark.realdata
def test_retrain_on_small_real_subset(tmp_path):
    if not (SIMPLE.is_file() and FULL.is_file()):
        pytest.skip(f"AnnoMI reference data not found under {ANNOMI} (a fresh clone has no ../shared/data)")
    import torch

    torch.set_num_threads(1)
    with SIMPLE.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        header, rows = reader.fieldnames, list(reader)
    sizes = Counter(r["transcript_id"] for r in rows)
    # The 8 shortest transcripts with at least 20 utterances keep this quick.
    keep = {t for t, n in sorted(sizes.items(), key=lambda kv: kv[1]) if n >= 20}
    keep = set(sorted(keep, key=lambda t: sizes[t])[:8])
    simple = _write(tmp_path / "simple.csv", header, [[r[c] for c in header] for r in rows if r["transcript_id"] in keep])
    with FULL.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        fheader, frows = reader.fieldnames, [r for r in reader if r["transcript_id"] in keep]
    full = _write(tmp_path / "full.csv", fheader, [[r[c] for c in fheader] for r in frows])

    out = tmp_path / "coder"
    stages = set()
    metrics = train_mi_coder(simple, full, out, folds=3, seed=0, progress=lambda s, d, n: stages.add(s))
    assert stages == {"encode", "cv", "fit"}
    for name in ("weights.npz", "config.json", "metrics.json", "card.md"):
        assert (out / name).is_file()
    saved = json.loads((out / "metrics.json").read_text())
    assert saved["data"]["transcripts"] == 8
    assert saved["tasks"]["behaviour"]["folds"] == 3
    assert 0.0 <= metrics["tasks"]["behaviour"]["macro_f1"] <= 1.0
    assert "Grouped cross-validation" in (out / "card.md").read_text()
    coded = MICoder.load(out).predict(["What brings you here today?", ("I want to quit.", "Why?", "client")])
    assert coded[0].behaviour in {"question", "reflection", "therapist_input", "other"}
    assert coded[1].client_talk in {"change", "neutral", "sustain"}
