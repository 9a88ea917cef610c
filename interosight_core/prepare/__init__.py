"""The prepare stage's pure core: cleaning, ED-safety detection, relevance, dialog examples, the runner.

- `rules`: the rule data model (`Rule`, `RuleSet`) and the helpers that run
  a rule list in Python (`re`) or render it as DuckDB SQL (RE2), with the
  same meaning in both engines.
- `literals`: necessary literals of a compiled regex (`literal_filter`), a
  prefilter that lets the Python path skip a rule that cannot match.
- `clean`: `CLEAN_RULES` (raw Reddit markdown -> plain first-person text),
  `clean_text`, and `SEED_RULES` (the seed project's cleaning, for the
  benchmark).
- `safety`: the detectors (numbers, pro_ed, crisis, pii, injection):
  `SAFETY_RULES`, `scan`, `redact` and the SQL builders for the stage.
- `safety_eval`: precision/recall of the detectors on a labelled JSONL set.
- `config`: `PrepareConfig` (mounted as `PipelineConfig.prepare`).
- `stage`: `run_prepare` and `input_fingerprint`, the stage's runner: it
  recomputes `prepared_posts`, `post_flags`, `dialog_examples` and
  `length_summary` and swaps them in with one transaction;
  `posts` (the posts' SQL steps), `flagging` (one-pass flags, levels and
  spans SQL), `relevance` (scores and themes from topic annotations),
  `turns` + `dialogs` (conversations -> session/chunk/window examples).

Nothing here imports Prefect; the stage's task wraps these functions.
"""
