"""PNG charts of the evaluation report (matplotlib, Agg backend: no display needed).

`render_charts(results, out_dir)` writes, for the per-model summaries in
evaluation order:

- ``miti.png``: %CR, R:Q (capped at 5 for display) and the MI coder's shares
  per model, with the MITI 4.2.1 fair/good thresholds as dashed lines;
- ``safety.png``: harm rates (target 0) and required behaviour (crisis
  resources, injections resisted; target 100%);
- ``text.png``: ROUGE-L, BLEU/100, embedding similarity and distinct-2.

Every bar is labelled with its value, so a zero is visible.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Sequence

from interosight_core.evaluate.miti import FAIR_PCT_CR, FAIR_R_TO_Q, GOOD_PCT_CR, GOOD_R_TO_Q


def get(summary: dict, key: str) -> Any:
    """Value at a dotted `key` of a nested dict (None when missing)."""
    value: Any = summary
    for part in key.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _num(value: Any) -> float | None:
    """A comparable float: 'inf' -> inf, None stays None."""
    if value is None:
        return None
    if value == "inf":
        return math.inf
    return float(value)


def _bars(ax, labels: Sequence[str], series: dict[str, list[float | None]], title: str, ylim: float | None = None,
          value_fmt: str = "{:.0%}") -> None:
    """Grouped bars, one group per model; each bar labelled with its value ('n/a' for an undefined one)."""
    import numpy as np

    width = 0.8 / max(1, len(series))
    x = np.arange(len(labels))
    for k, (name, values) in enumerate(series.items()):
        heights = [0.0 if v is None else v for v in values]
        bars = ax.bar(x + (k - (len(series) - 1) / 2) * width, heights, width, label=name)
        ax.bar_label(bars, labels=["n/a" if v is None else value_fmt.format(v) for v in values], fontsize=6, padding=1)
    ax.set_xticks(x, labels, rotation=20, ha="right", fontsize=8)
    ax.set_title(title, fontsize=10)
    if ylim is not None:
        ax.set_ylim(0, ylim)
        if value_fmt.endswith("%}") and ylim > 1.0:  # shares: room above 100% for the legend, ticks stop at 1
            ax.set_yticks([0.0, 0.2, 0.4, 0.6, 0.8, 1.0])
    if len(series) > 1:
        ax.legend(fontsize=7, loc="upper center", ncol=min(3, len(series)), frameon=False)


def _v(value: Any, cap: float | None = None) -> float | None:
    """A plottable float ('inf' -> cap); None (undefined) stays None and is drawn as 'n/a'."""
    n = _num(value)
    if n is None:
        return None
    return min(n, cap) if cap is not None else n


def _save(plt, fig, path: Path, title: str | None = None) -> Path:
    """Title, lay out and write one figure as a reproducible PNG (no software stamp), then free it."""
    if title:
        fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=90, metadata={"Software": None})
    plt.close(fig)
    return path


def render_charts(results: Sequence[dict], out_dir: Path) -> dict[str, Path]:
    """Write miti.png, safety.png and text.png into `out_dir`; return {name: path}."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = [r["label"] for r in results]
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {}

    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    _bars(axes[0], labels, {"%CR": [_v(get(r, "miti.overall.pct_complex_reflections")) for r in results]},
          "% complex reflections", 1.0)
    axes[0].axhline(FAIR_PCT_CR, color="orange", ls="--", lw=1, label="fair 40%")
    axes[0].axhline(GOOD_PCT_CR, color="green", ls="--", lw=1, label="good 50%")
    axes[0].legend(fontsize=7)
    rq = [_v(get(r, "miti.overall.reflection_to_question"), cap=5.0) for r in results]
    _bars(axes[1], labels, {"R:Q": rq}, "reflection : question (capped at 5)", max(5.0, max([v for v in rq if v is not None] + [0]) * 1.1),
          value_fmt="{:.2f}")
    axes[1].axhline(FAIR_R_TO_Q, color="orange", ls="--", lw=1, label="fair 1:1")
    axes[1].axhline(GOOD_R_TO_Q, color="green", ls="--", lw=1, label="good 2:1")
    axes[1].legend(fontsize=7)
    _bars(axes[2], labels, {
        "reflections": [_v(get(r, "miti.share_reflections")) for r in results],
        "open questions": [_v(get(r, "miti.share_open_questions")) for r in results],
        "% open of Q": [_v(get(r, "miti.overall.pct_open_questions")) for r in results],
        "advice answers": [_v(get(r, "miti.share_responses_with_advice")) for r in results],
        "degenerate answers": [_v(get(r, "miti.share_degenerate")) for r in results],
    }, "shares (MI coder; degenerate answers not coded)", 1.45)
    paths["miti"] = _save(plt, fig, out_dir / "miti.png", "MITI 4.2.1-style scores per model (dashed: thresholds)")

    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    _bars(axes[0], labels, {
        "ED numbers/advice": [_v(get(r, "safety.share_ed_harm")) for r in results],
        "on pro-ED prompts": [_v(get(r, "safety.ed_harm_on_pro_ed")) for r in results],
        "shaming": [_v(get(r, "safety.share_shaming")) for r in results],
    }, "harm rates (target 0)", 1.25)
    _bars(axes[1], labels, {
        "crisis answers with resources": [_v(get(r, "safety.crisis_resource_rate")) for r in results],
        "injections resisted": [_v(get(r, "safety.injection_resisted_rate")) for r in results],
    }, "required behaviour (target 100%)", 1.25)
    axes[1].axhline(1.0, color="green", ls="--", lw=1)
    paths["safety"] = _save(plt, fig, out_dir / "safety.png", "Safety per model")

    fig, ax = plt.subplots(1, 1, figsize=(8, 3.6))
    _bars(ax, labels, {
        "ROUGE-L": [_v(get(r, "text.rouge_l")) for r in results],
        "BLEU / 100": [None if _v(get(r, "text.bleu")) is None else _v(get(r, "text.bleu")) / 100 for r in results],
        "embedding sim.": [_v(get(r, "text.embedding_similarity")) for r in results],
        "distinct-2": [_v(get(r, "text.distinct_2")) for r in results],
    }, "text metrics against references", 1.25)
    paths["text"] = _save(plt, fig, out_dir / "text.png")
    return paths
