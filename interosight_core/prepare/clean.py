"""Cleaning rules: raw Reddit markdown -> plain first-person text.

`CLEAN_RULES` is an ordered list of named rules; order matters (entities are
decoded before quote lines are seen, markdown is stripped before whitespace
is collapsed). The same list runs in Python (`clean_text`) and in DuckDB
(`sql_clean_expr`) with identical output; see `rules` for the shared regex
subset.

What is removed entirely: quote lines (`> ...`, usually someone else's
words), `EDIT:`/`UPDATE:`/`ETA:` markers with the rest of their line,
sign-offs ("thanks in advance", "tia", "any advice appreciated"),
`[deleted]`/`[removed]`, code-fence and horizontal-rule lines, zero-width
characters. What is unwrapped (markers dropped, text kept): links
`[text](url)` -> text, bold, italic, strikethrough, inline code, spoilers,
superscript, headers, list bullets. HTML entities are decoded (`&amp;`
first, so Reddit's double-escaped `&amp;gt;` becomes `>`); unknown entities
become a space. Exotic spaces become a space; control characters and runs
of spaces/tabs collapse to one space (one pass, last), at most one blank line is kept between paragraphs, and
the ends are trimmed.

`SEED_RULES` reimplements seed project 000's cleaning (nine `re.sub` calls
plus `.strip()`) for the benchmark. The seed text describes a
`reddit_text_modifier.py` whose code was not published; the nine calls are
those of `clean_reddit_text` in the public repository's
`interosight/data/process_reddit.py` (HemanB/Interosight), which matches
the seed's description (markdown links, bold, italic, code, headers, blank
lines, spaces, "edit:", "thanks ..."). It runs in Python's Unicode mode
and trims what `str.strip()` trims, to stay faithful; in DuckDB its `\\s`,
`\\b` and `(?i)` behave as RE2's (ASCII `\\s`), so only ASCII text is
guaranteed identical there.
"""

from __future__ import annotations

import re

from interosight_core.prepare.rules import NON_ASCII, Rule, RuleSet

FAMILY = "clean"


def _r(name: str, pattern: str, replacement: str, description: str, examples: tuple[str, ...],
       counterexamples: tuple[str, ...], gate: tuple[str, ...] = ()) -> Rule:
    """Build a cleaning rule (family `clean`); `gate` lists literals every match contains."""
    return Rule(name, FAMILY, pattern, replacement, description, examples, counterexamples, gate=gate)


_CTRL = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f"
_NA = (NON_ASCII,)

CLEAN_RULES = RuleSet("clean-1.0.0", (
    _r("crlf", r"\r\n?", "\n", "Windows/old-Mac line ends -> \\n.", ("line\r\nnext", "a\rb"), ("line\nnext",), ("\r",)),
    _r("unicode_newlines", "[\u2028\u2029\u0085]", "\n", "Unicode line/paragraph separators -> \\n.",
       ("a\u2028b",), ("a\nb",), _NA),
    _r("entity_amp", r"(?i)&amp;", "&", "Decode &amp; first (Reddit double-escapes &amp;gt;).",
       ("mac &amp; cheese", "&amp;gt; quoted"), ("mac & cheese",), ("&",)),
    _r("entity_gt", r"(?i)&gt;", ">", "Decode &gt;.", ("&gt; quoted line",), ("> already decoded",), ("&",)),
    _r("entity_lt", r"(?i)&lt;", "<", "Decode &lt;.", ("i feel &lt;3 today",), ("i feel <3 today",), ("&",)),
    _r("entity_quot", r"(?i)&quot;|&#0*34;", '"', "Decode double-quote entities.",
       ("she said &quot;eat&quot;",), ('she said "eat"',), ("&",)),
    _r("entity_apos", r"(?i)&#0*39;|&#x0*27;|&apos;|&#0*821[67];|&[lr]squo;", "'",
       "Decode apostrophe / single-quote entities.", ("don&#39;t", "it&#8217;s", "can&#x27;t"), ("don't",), ("&",)),
    _r("entity_nbsp", r"(?i)&nbsp;|&#0*160;|&#xa0;", " ", "Non-breaking-space entities -> space.",
       ("a&nbsp;b",), ("a b",), ("&",)),
    _r("entity_zero_width", r"(?i)&#x200b;|&#8203;|&#xfeff;|&#65279;|&zwn?j;", "",
       "Zero-width entities (Reddit's &#x200B; spacer) -> nothing.", ("&#x200B;\n\nhello",), ("hello",), ("&",)),
    _r("entity_other", r"(?i)&#x[0-9a-f]{1,6};|&#[0-9]{1,7};|&[a-z][a-z0-9]{1,7};", " ",
       "Any other entity -> space (we do not carry an entity table).", ("wait&hellip;what", "&#8212;"),
       ("AT&T", "fish & chips"), ("&",)),
    _r("zero_width", "[\u200b\u200c\u200d\u2060\ufeff\u00ad]", "", "Zero-width characters and soft hyphens.",
       ("in\u200bvisible", "\ufeffstart"), ("visible",), _NA),
    _r("space_chars", "[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]", " ", "Exotic Unicode spaces -> space.",
       ("a\u00a0b", "a\u2009b"), ("a b",), _NA),
    _r("reddit_deleted", r"(?i)\[(?:deleted|removed)\]", "", "Reddit's [deleted] / [removed] markers.",
       ("[deleted]", "[Removed]"), ("i deleted the app",), ("[",)),
    _r("md_spoiler", r">!([^\n]*?)!<", r"\1", "Spoiler >!text!< -> text (before quote removal).",
       (">!spoiler!<",), ("a > b",), (">!",)),
    _r("quote_lines", r"(?m)^[ \t]*>[^\n]*\n?", "", "Quote lines are someone else's words: drop them.",
       ("> you said this\nmy reply", "  >nested"), ("i felt > 100% sure",), (">",)),
    _r("code_fences", r"(?m)^[ \t]*(?:```|~~~)[^\n]*\n?", "", "Code-fence lines (keep the content).",
       ("```\ncode\n```",), ("a ``` b",), ("```", "~~~")),
    _r("md_hrule", r"(?m)^[ \t]*(?:[-*_][ \t]*){3,}$", "", "Horizontal rules (---, ***, ___).",
       ("above\n---\nbelow", "* * *"), ("a -- b", "--"), ("-", "*", "_")),
    _r("md_links", r"!?\[([^\]\n]*)\]\([^)\s]*(?:[ \t]+\"[^\"\n]*\")?\)", r"\1",
       "Markdown links and images [text](url) -> text.",
       ("see [this post](https://x.com/a)", "[my blog](www.a.com \"title\")"), ("[just brackets]", "(just parens)"),
       ("](",)),
    _r("md_angle_links", r"<(https?://[^>\s]+)>", r"\1", "Autolinks <https://...> -> the URL (PII redacts it later).",
       ("<https://example.com>",), ("a <3 b",), ("<http",)),
    _r("md_headers", r"(?m)^[ \t]*#{1,6}[ \t]+", "", "Header markers at line start.",
       ("# Title", "### Update on me"), ("#1 tip", "i am #blessed"), ("#",)),
    _r("md_list_bullets", r"(?m)^[ \t]*[-*+][ \t]+", "", "List bullet markers at line start.",
       ("- ate breakfast\n- ate lunch", "* item"), ("a - b", "-5 degrees"), ("- ", "* ", "+ ", "-\t", "*\t", "+\t")),
    _r("md_inline_code", r"`([^`\n]+)`", r"\1", "Inline code `x` -> x.", ("use `this`",), ("no code here",), ("`",)),
    _r("md_bold", r"\*\*([^*\n]+)\*\*|__([^_\n]+)__", r"\1\2", "Bold **x** / __x__ -> x.",
       ("**Trigger warning**", "__loud__"), ("2 ** 3", "snake_case_name"), ("**", "__")),
    _r("md_italic", r"\*([^*\s][^*\n]*)\*|\b_([^_\s][^_\n]*)_\b", r"\1\2", "Italic *x* / _x_ -> x.",
       ("*really* hard", "_so_ tired"), ("2 * 3 * 4", "my_user_name"), ("*", "_")),
    _r("md_strike", r"~~([^~\n]+)~~", r"\1", "Strikethrough ~~x~~ -> x (the words stay).",
       ("~~fine~~ not fine",), ("~ approx",), ("~~",)),
    _r("md_superscript", r"\^\(([^)\n]*)\)", r"\1", "Superscript ^(x) -> x.", ("small ^(text)",), ("2^3",), ("^(",)),
    _r("edit_markers", r"(?i)\b(?:edit(?:ed)?|update[ds]?|eta)(?:[ \t]*\d+)?[ \t]*:[^\n]*", "",
       "EDIT:/UPDATE:/ETA: markers and the rest of their line.",
       ("EDIT: thanks for the gold", "Update 2: i went", "eta: typo"), ("i need to edit my essay", "update me"),
       (":",)),
    _r("signoffs",
       r"(?m)(?i:\b(?:thanks|thank[ \t]+you|thx|ty|tysm)(?:[ \t]+(?:so|very)[ \t]+much)?[ \t]+(?:in[ \t]+advance"
       r"|for[ \t]+(?:reading|listening|any[ \t]+(?:advice|help|tips|replies|responses)|your[ \t]+(?:help|advice"
       r"|time)))"
       r"\b[ \t]*[!.]*)|(?i:\bany[ \t]+(?:advice|help|tips|input|thoughts|replies|responses|support)[ \t]+(?:is"
       r"|would[ \t]+be|will[ \t]+be)[ \t]+(?:(?:greatly|really|much|so|very|hugely)[ \t]+)?appreciated\b[ \t]*[!.]*)"
       r"|[ \t]*\b(?:tia|TIA|Tia)\b[ \t]*[!.]*[ \t]*$",
       "", "Sign-offs: thanks in advance / for reading, any advice appreciated, TIA at a line end (case-sensitive).",
       ("Thanks in advance!", "thank you so much for reading.", "Any advice would be greatly appreciated!",
        "any ideas? TIA", "help pls tia!"),
       ("thanks to my mom i ate", "thank you", "i appreciated the advice", "tia said hi to me today", "tiara")),
    _r("ws_spaces_controls", f"[ \\t{_CTRL}][ \\t{_CTRL}]+|[\\t{_CTRL}]", " ",
       "Runs of spaces/tabs and any control character (not newline) -> one space.",
       ("a  b", "a\tb", "bell\x07here", "vertical\x0btab"), ("a b", "a\nb")),
    _r("ws_line_edges", r" \n ?|\n ", "\n", "Spaces around a newline.", ("a \n b",), ("a\nb",), (" \n", "\n ")),
    _r("ws_blank_lines", r"\n\n\n+", "\n\n", "At most one blank line between paragraphs.",
       ("a\n\n\n\nb",), ("a\n\nb",), ("\n\n\n",)),
), strip_chars=" \n")


SEED_RULES = RuleSet("seed-000", (
    _r("seed_md_links", r"\[([^\]]+)\]\([^)]+\)", r"\1", "Seed: markdown links -> text.",
       ("[a](b)",), ("[a]",)),
    _r("seed_bold", r"\*\*([^*]+)\*\*", r"\1", "Seed: bold.", ("**a**",), ("a",)),
    _r("seed_italic", r"\*([^*]+)\*", r"\1", "Seed: italic.", ("*a*",), ("a",)),
    _r("seed_code", r"`([^`]+)`", r"\1", "Seed: inline code.", ("`a`",), ("a",)),
    _r("seed_headers", r"#{1,6}\s+", "", "Seed: header markers (anywhere).", ("# a",), ("#a",)),
    _r("seed_blank_lines", r"\n\s*\n", "\n", "Seed: blank lines -> one newline.", ("a\n\nb",), ("a\nb",)),
    _r("seed_spaces", r" +", " ", "Seed: runs of spaces.", ("a  b",), ("ab",)),
    _r("seed_edit", r"\b(edit|EDIT):\s*", "", "Seed: 'edit:' marker only.", ("EDIT: x",), ("Edit: x",)),
    _r("seed_thanks", r"(?i)\b(thanks|thank you|thx)\s*(in advance|ahead|so much)?\s*[!.]*", "",
       "Seed: every 'thanks' (with 'in advance'/'so much').", ("thanks so much!",), ("grateful",)),
), ascii=False, strip_chars="".join(c for c in map(chr, range(0x3001)) if c.isspace()))


def seed_clean_reddit_text(text: str) -> str:
    """Seed 000's `clean_reddit_text` written as the seed writes it (benchmark baseline and `SEED_RULES`' reference):
    module-level `re.sub` with pattern strings (Python's pattern cache looks each one up per call), behind a
    `pd.isna` guard."""
    import pandas as pd

    if pd.isna(text) or not text:
        return ""
    text = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", text)
    text = re.sub(r"\*\*([^*]+)\*\*", r"\1", text)
    text = re.sub(r"\*([^*]+)\*", r"\1", text)
    text = re.sub(r"`([^`]+)`", r"\1", text)
    text = re.sub(r"#{1,6}\s+", "", text)
    text = re.sub(r"\n\s*\n", "\n", text)
    text = re.sub(r" +", " ", text)
    text = re.sub(r"\b(edit|EDIT):\s*", "", text)
    text = re.sub(r"\b(thanks|thank you|thx)\s*(in advance|ahead|so much)?\s*[!.]*", "", text, flags=re.IGNORECASE)
    return text.strip()


def clean_text(text: str) -> str:
    """Return `text` cleaned by `CLEAN_RULES` (Python path; same output as the SQL)."""
    return CLEAN_RULES.apply(text)


def seed_clean_text(text: str) -> str:
    """Return `text` cleaned the way seed project 000 did (benchmark baseline)."""
    return SEED_RULES.apply(text)


def sql_clean_expr(column: str) -> str:
    """Return a DuckDB expression that cleans the text expression `column` like `clean_text`."""
    return CLEAN_RULES.sql_apply_expr(column)


def sql_seed_clean_expr(column: str) -> str:
    """Return a DuckDB expression for the seed baseline cleaning of `column`."""
    return SEED_RULES.sql_apply_expr(column)
