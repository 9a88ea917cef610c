"""Precision and recall of the safety detectors on a labelled JSONL set.

Each line is `{"text": ..., "labels": {"numbers": bool, "pro_ed": bool,
"crisis": bool, "pii": bool, "injection": bool}}`; a family missing from
`labels` counts as False. A family is predicted for a text when
`flag_families` (the same logic as the SQL flag columns) says so, or, with
`model=True`, when the rules or the learned backstop (`safety_model`) flag it
— the decision the prepare stage stores.
"""

from __future__ import annotations

from pathlib import Path

from interosight_core.errors import PrepareError
from interosight_core.prepare.safety import FAMILIES, SAFETY_RULES, flag_families
from interosight_core.sources.jsonio import jsonl_objects


def load_cases(path: str | Path) -> list[dict]:
    """Read and validate a labelled cases file."""
    cases = []
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise PrepareError(f"cannot read safety cases {path}: {exc}") from exc
    for number, case in jsonl_objects(lines, path, PrepareError):
        if not isinstance(case.get("text"), str) or not isinstance(case.get("labels"), dict):
            raise PrepareError(f"{path}:{number}: needs a string 'text' and an object 'labels'")
        unknown = set(case["labels"]) - set(FAMILIES)
        if unknown:
            raise PrepareError(f"{path}:{number}: unknown label(s) {sorted(unknown)}; use {', '.join(FAMILIES)}")
        cases.append(case)
    return cases


def evaluate_cases(path: str | Path, model: bool = False) -> dict:
    """Return per-family metrics and the misclassified texts for a labelled cases file (rules; or rules + model).

    Result: `{"ruleset": version, "fingerprint": ..., "cases": n, "families":
    {family: {"tp", "fp", "fn", "tn", "precision", "recall", "support"}},
    "errors": [{"text", "family", "expected", "predicted"}]}`. Precision
    (recall) is 1.0 when nothing was predicted (expected).
    """
    cases = load_cases(path)
    if model:
        from interosight_core.prepare.safety_model import scan_with_model

        reports = scan_with_model([case["text"] for case in cases])
        predictions = [{f: f in report.families for f in FAMILIES} for report in reports]
    else:
        predictions = [flag_families(case["text"]) for case in cases]
    counts = {f: {"tp": 0, "fp": 0, "fn": 0, "tn": 0} for f in FAMILIES}
    errors = []
    for case, predicted in zip(cases, predictions):
        for family in FAMILIES:
            expected = bool(case["labels"].get(family, False))
            got = predicted[family]
            key = ("tp" if got else "fn") if expected else ("fp" if got else "tn")
            counts[family][key] += 1
            if got != expected:
                errors.append({"text": case["text"], "family": family, "expected": expected, "predicted": got})
    families = {}
    for family, c in counts.items():
        precision = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 1.0
        recall = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 1.0
        families[family] = {**c, "precision": precision, "recall": recall, "support": c["tp"] + c["fn"]}
    return {"ruleset": SAFETY_RULES.version + (" + model" if model else ""), "fingerprint": SAFETY_RULES.fingerprint(),
            "cases": len(cases), "families": families, "errors": errors}


def format_table(metrics: dict) -> str:
    """Render `evaluate_cases` output as a fixed-width table (for `-s` and the README)."""
    lines = [f"{metrics['ruleset']} ({metrics['fingerprint']}), {metrics['cases']} cases",
             f"{'family':<10} {'support':>7} {'tp':>4} {'fp':>4} {'fn':>4} {'precision':>9} {'recall':>7}"]
    for family, m in metrics["families"].items():
        lines.append(f"{family:<10} {m['support']:>7} {m['tp']:>4} {m['fp']:>4} {m['fn']:>4} "
                     f"{m['precision']:>9.3f} {m['recall']:>7.3f}")
    return "\n".join(lines)
