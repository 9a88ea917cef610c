"""The prepare stage's pure core: text cleaning and ED-safety detection.

- `rules`: the rule data model (`Rule`, `RuleSet`) and the helpers that run
  a rule list in Python (`re`) or render it as DuckDB SQL (RE2), with the
  same meaning in both engines.
- `clean`: `CLEAN_RULES` (raw Reddit markdown -> plain first-person text),
  `clean_text`, and `SEED_RULES` (the seed project's cleaning, for the
  benchmark).
- `safety`: the detectors (numbers, pro_ed, crisis, pii, injection):
  `SAFETY_RULES`, `scan`, `redact` and the SQL builders for the stage.
- `safety_eval`: precision/recall of the detectors on a labelled JSONL set.

Nothing here imports Prefect; the stage's task wraps these functions.
"""
