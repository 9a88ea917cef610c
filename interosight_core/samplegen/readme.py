"""The README written next to the committed sample data."""

from __future__ import annotations

from pathlib import Path

README = """\
# InteroSight sample data (authored / synthetic)

Everything in this folder is **authored or synthetic**. No real Reddit
post, CounselChat answer, AnnoMI transcript or therapy session is included.
Names, e-mail addresses, phone numbers (fictional 555-01xx / 07700 900xxx
ranges), addresses, usernames and URLs inside the posts are invented. The
support services named in `tool_calls.jsonl` are real public organisations,
but the entries are sample content: check them before relying on them.

Regenerate (byte-identical for the same seed):

    python -m interosight_core.samplegen --out data/sample

A full-size corpus for benchmarks (Dataverse zip only):

    python -m interosight_core.samplegen --posts 77175 --out /tmp/full
    python -m interosight_core.samplegen --posts 77175 --out /tmp/full --unzipped

## Files

- `dataverse_files.zip`: {n_posts} synthetic posts (seed {seed}) in the exact
  layout of the Dataverse deposit doi:10.18130/V3/NENELT. It holds
  `MANIFEST.TXT` and one zip per CSV:
  - `reddit_posts.csv.zip` -> `reddit_posts.csv`: `sm_id,text`. About 70% of
    texts are in the deposit's pre-normalised style (lower-case, contractions
    expanded, punctuation stripped, numbers kept); about 30% are raw
    Reddit-style (Markdown, HTML entities, zero-width spaces, EDIT lines), and
    about 1% span several lines.
  - `key.csv.zip` -> `key.csv`: `sm_id,sr_name` (groups: ed about 45%, diet
    25%, fitness 15%, control 15%).
  - `topic_<annotator>.csv.zip` for gpt4o, Llama-3.1-8B-Instruct,
    Qwen2.5-7B-Instruct, Mistral-7B-Instruct-v0.3, Vicuna-7b-v1.5, ensemble
    and human: `sm_id` plus, per topic (relation protein ed exercise crave
    restrict binge loss gain calorie idealbody bodyhate feargain fearfood
    depressedmood), a 0-1 score `<topic>` and a 0/1 `<topic>01`. Scores
    follow the themes each post was composed from. The human file has only
    the `<topic>01` columns and covers about 1.4% of posts. Like the real
    deposit, some files carry extra columns that loaders must ignore
    (ensemble: `group,sr_name`; gpt4o: `text_w_eos,answer_string`; Llama:
    `url,restrict_phrases,binge_phrases`; Qwen: `sr_name.x,sr_name.y`;
    Vicuna: an unnamed leading row-index column; Mistral puts all scores
    before all flags).
  The posts deliberately contain what later stages must handle: weight,
  calorie, BMI, size and exercise numbers; harmless numbers; pro-ED
  vocabulary and its variants; crisis language (C-SSRS ladder and
  self-harm) plus benign look-alikes; PII; prompt-injection attempts.
  Per-post ground truth comes from
  `interosight_core.samplegen.generate_posts(n, seed)`.
- `counselchat.csv`: 41 authored answers to 16 questions, with the real
  CounselChat columns (unnamed index, `questionID, questionTitle,
  questionText, questionLink, topic, therapistInfo, therapistURL,
  answerText, upvotes, views, split`). Texts contain newlines and quotes.
- `annomi.csv`: 4 authored transcripts (2 high-quality, 2 low-quality MI) in
  AnnoMI-simple columns; "n/a" marks labels that do not apply.
- `context_response.csv`: 30 `Context,Response` pairs (user message ->
  supportive, MI-style reply).
- `sessions/`: 5 therapy sessions in four JSON shapes: `{{session_id,
  turns: [{{speaker, text}}]}}`, `{{id, dialogue: [{{role, content}}]}}`,
  `{{conversation: [{{from: human|gpt, value}}]}}` and a bare list of
  `{{speaker, text}}` (capitalised speaker names). Sessions have 6 to 40
  exchanges; `session_05_long_checkin.json` is the long one.
- `tool_calls.jsonl`: 16 OpenAI-style tool-calling conversations (tools:
  find_support_resources, log_mood, grounding_exercise, schedule_checkin).
"""


def write_readme(path: str | Path, n_posts: int, seed: int) -> Path:
    """Write the sample README describing ``n_posts`` posts made with ``seed``."""
    out = Path(path)
    out.write_text(README.format(n_posts=n_posts, seed=seed), encoding="utf-8")
    return out
