"""Tests for the deterministic sample-data generator (interosight_core.samplegen)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import time
import zipfile
from collections import Counter
from itertools import islice
from pathlib import Path

import pytest

from interosight_core.samplegen import (
    ANNOTATORS, LLM_ANNOTATORS, TOPICS, build_csvs, deposit_zip_bytes, generate_posts,
    human_labels, llm_scores, write_dataverse_folder, write_dataverse_zip, write_sample,
)
from interosight_core.samplegen.__main__ import main
from interosight_core.samplegen.dataverse import quote
from interosight_core.samplegen.noise import normalise
from interosight_core.samplegen.other_sources import ANNOMI_COLUMNS, COUNSELCHAT_COLUMNS
from interosight_core.samplegen.posts import SUBREDDITS
from interosight_core.sources.subreddits import group_of

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample"
SHARED = ROOT.parent / "shared" / "data"
N_BIG = 20_000
EXPECTED_CSVS = {"reddit_posts.csv", "key.csv"} | {f"topic_{a}.csv" for a in ANNOTATORS}


def _sha(path: Path) -> str:
    """sha256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _rows(data: bytes, limit: int | None = None) -> list[dict[str, str]]:
    """Parse (the first ``limit`` rows of) CSV bytes with the csv module."""
    return list(islice(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")), limit))


def _unzip_deposit(data: bytes) -> dict[str, bytes]:
    """Return ``{csv name: bytes}`` from a dataverse_files.zip."""
    out = {}
    with zipfile.ZipFile(io.BytesIO(data)) as outer:
        for name in outer.namelist():
            if name.endswith(".zip"):
                with zipfile.ZipFile(io.BytesIO(outer.read(name))) as inner:
                    assert inner.namelist() == [name.removesuffix(".zip")]
                    out[inner.namelist()[0]] = inner.read(inner.namelist()[0])
    return out


@pytest.fixture(scope="module")
def big():
    """A 20,000-post deposit built once, with the CPU seconds it took.

    CPU time rather than wall time: the test machine is shared.
    """
    start = time.process_time()
    posts = generate_posts(N_BIG, seed=11)
    csvs = build_csvs(posts, seed=11)
    zipped = deposit_zip_bytes(csvs)
    return posts, csvs, zipped, time.process_time() - start


def test_full_size_generation_is_fast(big):
    """20k posts -> zipped deposit well within budget (77,175 should take < ~20 s)."""
    *_, elapsed = big
    assert elapsed < 10, f"20k-post deposit took {elapsed:.1f} CPU s"


def test_generate_posts_is_deterministic_and_prefix_stable():
    """Same seed -> same posts; first k of n equal a k-post run; seeds differ."""
    a, b = generate_posts(400, seed=3), generate_posts(400, seed=3)
    assert a == b
    assert generate_posts(150, seed=3) == a[:150]
    assert [p.text for p in generate_posts(50, seed=4)] != [p.text for p in a[:50]]


def test_sample_files_are_byte_identical_across_runs(tmp_path):
    """Two runs write identical bytes (same sha256) for every file."""
    one, two = tmp_path / "one", tmp_path / "two"
    paths = write_sample(one, seed=5, n_posts=500)
    write_sample(two, seed=5, n_posts=500)
    files = sorted(p.relative_to(one) for p in one.rglob("*") if p.is_file())
    assert len(files) == len(list(p for p in two.rglob("*") if p.is_file())) >= 10
    for rel in files:
        assert _sha(one / rel) == _sha(two / rel), rel
    assert one / "dataverse_files.zip" in paths


def test_committed_sample_matches_generator(tmp_path):
    """data/sample is what the generator writes (zip compared by CSV content)."""
    if not (SAMPLE / "dataverse_files.zip").exists():
        pytest.skip("data/sample not present")
    write_sample(tmp_path)
    assert _unzip_deposit((tmp_path / "dataverse_files.zip").read_bytes()) == \
        _unzip_deposit((SAMPLE / "dataverse_files.zip").read_bytes())
    for path in tmp_path.rglob("*"):
        if path.is_file() and path.suffix != ".zip":
            assert path.read_bytes() == (SAMPLE / path.relative_to(tmp_path)).read_bytes(), path
    total = sum(p.stat().st_size for p in SAMPLE.rglob("*") if p.is_file())
    assert total < 3_000_000


def test_zip_layout(big):
    """Outer zip holds one nested zip per CSV (+ MANIFEST.TXT), sorted, fixed metadata."""
    _, csvs, zipped, _ = big
    with zipfile.ZipFile(io.BytesIO(zipped)) as outer:
        names = outer.namelist()
        assert names == sorted(names)
        assert set(names) == {f"{n}.zip" for n in EXPECTED_CSVS} | {"MANIFEST.TXT"}
        for info in outer.infolist():
            assert info.date_time == (1980, 1, 1, 0, 0, 0)
            assert info.compress_type == zipfile.ZIP_DEFLATED
    assert _unzip_deposit(zipped) == csvs


def test_unzipped_folder_matches_zip(tmp_path):
    """write_dataverse_folder writes the same CSVs the zip holds."""
    posts = generate_posts(300, seed=2)
    folder = write_dataverse_folder(tmp_path, posts, seed=2)
    zipped = write_dataverse_zip(tmp_path, posts, seed=2).read_bytes()
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == _unzip_deposit(zipped)


def test_column_sets_and_values(big):
    """Required columns present, junk columns where the real deposit has them, valid values."""
    posts, csvs, _, _ = big
    assert list(_rows(csvs["reddit_posts.csv"], 1)[0]) == ["sm_id", "text"]
    assert list(_rows(csvs["key.csv"], 1)[0]) == ["sm_id", "sr_name"]
    junk = {"ensemble": {"group", "sr_name"}, "gpt4o": {"text_w_eos", "answer_string"},
            "Llama-3.1-8B-Instruct": {"url", "restrict_phrases", "binge_phrases"},
            "Qwen2.5-7B-Instruct": {"sr_name.x", "sr_name.y"}, "Vicuna-7b-v1.5": {""}}
    scored = {t for t in TOPICS} | {f"{t}01" for t in TOPICS}
    for name in LLM_ANNOTATORS + ("ensemble",):
        data = csvs[f"topic_{name}.csv"]
        if name != "gpt4o":  # the only topic file whose extra text may span lines
            assert data.count(b"\n") == len(posts) + 1
        rows = _rows(data, 1500)
        assert set(rows[0]) == {"sm_id"} | scored | junk.get(name, set())
        for row in rows:
            for t in TOPICS:
                score, flag = row[t], row[f"{t}01"]
                assert 0 <= float(score) <= 1 and len(score.partition(".")[2]) <= 3
                assert flag == ("1" if float(score) >= 0.5 else "0")
    human = _rows(csvs["topic_human.csv"])
    assert set(human[0]) == {"sm_id"} | {f"{t}01" for t in TOPICS}
    assert all(v in "01" for row in human for k, v in row.items() if k != "sm_id")


def test_posts_roundtrip_through_csv(big):
    """Texts (incl. multi-line, quotes, commas) parse back exactly; ids unique."""
    posts, csvs, _, _ = big
    rows = _rows(csvs["reddit_posts.csv"])
    assert [(r["sm_id"], r["text"]) for r in rows] == [(p.sm_id, p.text) for p in posts]
    assert len({p.sm_id for p in posts}) == len(posts)
    assert all(p.sm_id.removeprefix("t3_").isalnum() and len(p.sm_id.removeprefix("t3_")) == 6
               for p in posts)
    assert {r["sr_name"] for r in _rows(csvs["key.csv"])} <= {s for g in SUBREDDITS.values() for s, _ in g}
    assert sum("\n" in p.text for p in posts) > 50
    assert any('"' in p.text for p in posts) and any("," in p.text for p in posts)


def test_subreddits_map_to_their_groups():
    """Every generated subreddit name maps to its group with the shared lookup."""
    for group, subs in SUBREDDITS.items():
        for name, _ in subs:
            assert group_of(name) == group


def _rate(posts, category, groups=None):
    """Fraction of posts (optionally restricted to groups) carrying a category."""
    pool = [p for p in posts if groups is None or p.group in groups]
    return sum(category in p.categories for p in pool) / len(pool)


def test_proportions_roughly_as_specified(big):
    """Group shares and special-category rates are close to the spec."""
    posts = big[0]
    share = Counter(p.group for p in posts)
    for group, want in {"ed": 0.45, "diet": 0.25, "fitness": 0.15, "control": 0.15}.items():
        assert abs(share[group] / len(posts) - want) < 0.02
    assert 0.25 < _rate(posts, "weight_number", {"ed", "diet"}) < 0.35
    assert 0.15 < _rate(posts, "weight_number", {"fitness"}) < 0.25
    assert _rate(posts, "weight_number", {"control"}) == 0
    checks = {"harmless_number": (0.17, 0.23), "pro_ed": (0.02, 0.04), "crisis": (0.012, 0.028),
              "crisis_lookalike": (0.006, 0.015), "pii": (0.04, 0.06), "raw": (0.27, 0.33),
              "multiline": (0.006, 0.02), "injection": (0.002, 0.009)}
    for category, (lo, hi) in checks.items():
        assert lo < _rate(posts, category) < hi, category
    assert _rate(posts, "pro_ed", {"ed"}) > 3 * _rate(posts, "pro_ed", {"diet", "fitness", "control"})
    levels = {c for p in posts for c in p.categories if c.startswith("crisis:")}
    assert levels == {f"crisis:{x}" for x in ("wish_dead", "ideation", "method", "intent", "plan", "self_harm")}
    texts = [p.text for p in posts]
    assert len(set(texts)) > 0.98 * len(texts)
    assert all(1 <= len(p.text) for p in posts)


def test_categories_are_visible_in_text(big):
    """Ground-truth categories correspond to what is in the text."""
    posts = big[0]
    for p in posts:
        if "pii:email" in p.categories:
            assert "@" in p.text
        if "pii:md_link" in p.categories:
            assert "](http" in p.text
        if "multiline" in p.categories:
            assert "\n" in p.text
        if "raw" not in p.categories:
            assert p.text == p.text.lower() and "\n" not in p.text and "  " not in p.text
        if p.group == "control":
            assert not set(p.themes) - {"depressedmood"}
    assert any("<|im_start|>" in p.text for p in posts)
    assert any("&amp;" in p.text or "&#x200B;" in p.text for p in posts)
    assert any("\u200b" in p.text for p in posts)


def test_scores_correlate_with_themes(big):
    """Composed themes score high, others low; LLMs disagree on ~10% of cells."""
    posts = big[0][:8000]
    scores = llm_scores(posts, seed=11)
    truth = [t in p.themes for p in posts for t in TOPICS]
    ens = scores["ensemble"]
    pos = [s for s, t in zip(ens, truth) if t]
    neg = [s for s, t in zip(ens, truth) if not t]
    assert sum(pos) / len(pos) > 600 and sum(neg) / len(neg) < 200
    for cell in range(0, len(ens), 97):  # ensemble = mean of the five LLMs
        assert abs(ens[cell] - sum(scores[a][cell] for a in LLM_ANNOTATORS) / 5) <= 0.5
    flags = [[s >= 500 for s in scores[a]] for a in LLM_ANNOTATORS]
    disagreement = sum(len(set(cell)) > 1 for cell in zip(*flags)) / len(truth)
    assert 0.06 < disagreement < 0.15
    control = [i for i, p in enumerate(posts) if p.group == "control" and not p.themes]
    control_flags = sum(ens[i * 15 + j] >= 500 for i in control for j in range(15))
    assert control_flags / (15 * len(control)) < 0.01
    for a in LLM_ANNOTATORS:  # each annotator mostly right but not perfect
        acc = sum((s >= 500) == t for s, t in zip(scores[a], truth)) / len(truth)
        assert 0.93 < acc < 0.995


def test_human_file_coverage(big):
    """Human labels cover ~1.4% of posts, are keyed on real ids, follow the themes."""
    posts, csvs, _, _ = big
    rows = _rows(csvs["topic_human.csv"])
    assert len(rows) == round(0.014 * len(posts))
    assert len(human_labels(generate_posts(77175 // 50, seed=1), seed=1)) == round(77175 // 50 * 0.014)
    by_id = {p.sm_id: p for p in posts}
    assert len({r["sm_id"] for r in rows}) == len(rows) and all(r["sm_id"] in by_id for r in rows)
    agree = sum((r[f"{t}01"] == "1") == (t in by_id[r["sm_id"]].themes) for r in rows for t in TOPICS)
    assert agree / (15 * len(rows)) > 0.97


def test_normalise_and_quote():
    """Pre-normalised style keeps numbers/protected spans; quote matches csv.writer."""
    assert normalise("I can't eat, it's \x01bmi 16.5\x02!!") == "i cannot eat it is bmi 16.5"
    for field in ['plain', 'a,b', 'say "hi"', 'two\nlines', '']:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow(["x", field])
        assert buf.getvalue() == f"x,{quote(field)}\n"


def test_cli_writes_deposit_only_or_sample(tmp_path, capsys):
    """--posts writes only the zip (or folder with --unzipped); no --posts writes everything."""
    assert main(["--out", str(tmp_path / "d"), "--posts", "200", "--seed", "9"]) == 0
    assert [p.name for p in (tmp_path / "d").iterdir()] == ["dataverse_files.zip"]
    assert main(["--out", str(tmp_path / "u"), "--posts", "200", "--unzipped"]) == 0
    assert {p.name for p in (tmp_path / "u" / "dataverse_files").iterdir()} == EXPECTED_CSVS
    assert "dataverse_files.zip" in capsys.readouterr().out


def test_other_sources(tmp_path):
    """Authored CounselChat, AnnoMI, Context/Response, sessions and tool calls are well-formed."""
    write_sample(tmp_path, n_posts=30)
    cc = list(csv.reader(open(tmp_path / "counselchat.csv", newline="", encoding="utf-8")))
    assert cc[0] == COUNSELCHAT_COLUMNS and 38 <= len(cc) - 1 <= 45
    real_cc = SHARED / "counselchat" / "20200325_counsel_chat.csv"
    if real_cc.exists():
        assert next(csv.reader(open(real_cc, newline="", encoding="utf-8"))) == COUNSELCHAT_COLUMNS
    topics = {r[5] for r in cc[1:]}
    assert {"eating-disorders", "depression", "anxiety", "self-esteem"} <= topics
    assert any("\n" in r[8] for r in cc[1:]) and any('"' in r[3] for r in cc[1:])
    am = list(csv.DictReader(open(tmp_path / "annomi.csv", newline="", encoding="utf-8")))
    assert list(am[0]) == ANNOMI_COLUMNS
    real_am = SHARED / "annomi" / "AnnoMI-simple.train.csv"
    if real_am.exists():
        assert next(csv.reader(open(real_am, newline="", encoding="utf-8"))) == ANNOMI_COLUMNS
    quality = {r["transcript_id"]: r["mi_quality"] for r in am}
    assert sorted(Counter(quality.values()).items()) == [("high", 2), ("low", 2)]
    for r in am:
        if r["interlocutor"] == "therapist":
            assert r["main_therapist_behaviour"] in {"reflection", "question", "therapist_input", "other"}
            assert r["client_talk_type"] == "n/a"
        else:
            assert r["client_talk_type"] in {"change", "neutral", "sustain"}
            assert r["main_therapist_behaviour"] == "n/a"
    cr = list(csv.DictReader(open(tmp_path / "context_response.csv", newline="", encoding="utf-8")))
    assert list(cr[0]) == ["Context", "Response"] and len(cr) >= 30
    shapes, exchanges = set(), []
    for path in sorted((tmp_path / "sessions").glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        turns = doc if isinstance(doc, list) else next(v for v in doc.values() if isinstance(v, list))
        shapes.add("list" if isinstance(doc, list) else next(k for k, v in doc.items() if isinstance(v, list)))
        exchanges.append(len(turns) / 2)
    assert shapes == {"list", "turns", "dialogue", "conversation"}
    assert min(exchanges) >= 6 and max(exchanges) == 40
    lines = (tmp_path / "tool_calls.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) >= 15
    for line in lines:
        msgs = json.loads(line)["messages"]
        assert [m["role"] for m in msgs[:3]] == ["system", "user", "assistant"]
        calls = msgs[2]["tool_calls"]
        assert msgs[2]["content"] is None and calls
        assert [m["tool_call_id"] for m in msgs[3:-1]] == [c["id"] for c in calls]
        assert all(isinstance(json.loads(c["function"]["arguments"]), dict) for c in calls)
        assert msgs[-1]["role"] == "assistant" and msgs[-1]["content"]
