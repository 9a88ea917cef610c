"""Subreddit -> forum group mapping (ed, diet, fitness, control).

The Dataverse deposit's `key.csv` names each post's subreddit; the study
groups subreddits into eating-disorder (ed), dieting (diet), fitness and
control forums. Lookup is case-insensitive; unknown subreddits map to
"unknown". Users extend the map with `dataverse.extra_subreddit_groups`.
"""

from __future__ import annotations

SUBREDDIT_GROUPS: dict[str, str] = {
    # eating-disorder forums
    "eatingdisorders": "ed",
    "edanonymous": "ed",
    "anorexianervosa": "ed",
    "anorexiarecovery": "ed",
    "bingeeatingdisorder": "ed",
    "bulimia": "ed",
    "fuckeatingdisorders": "ed",
    "edrecovery": "ed",
    "arfid": "ed",
    "edanonymemes": "ed",
    # dieting forums
    "loseit": "diet",
    "1200isplenty": "diet",
    "intermittentfasting": "diet",
    "keto": "diet",
    "cico": "diet",
    "mealprepsunday": "diet",
    # fitness forums
    "fitness": "fitness",
    "bodyweightfitness": "fitness",
    "xxfitness": "fitness",
    "running": "fitness",
    "gainit": "fitness",
    # control forums
    "askreddit": "control",
    "casualconversation": "control",
    "books": "control",
    "gardening": "control",
    "cooking": "control",
}

GROUPS = ("ed", "diet", "fitness", "control", "unknown")


def group_of(subreddit: str | None, extra: dict[str, str] | None = None) -> str:
    """Return the forum group of a subreddit name ("unknown" when not mapped)."""
    if not subreddit:
        return "unknown"
    key = subreddit.strip().lower().removeprefix("r/")
    if extra:
        lowered = {k.lower(): v for k, v in extra.items()}
        if key in lowered:
            return lowered[key]
    return SUBREDDIT_GROUPS.get(key, "unknown")
