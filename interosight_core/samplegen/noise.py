"""Render composed sentences as pre-normalised or raw Reddit-style text.

The real deposit's texts are pre-normalised (lower-cased, contractions
expanded, most punctuation stripped, numbers kept); `normalise` mimics
that. About 30% of sample posts are instead rendered *raw*
(`render_raw`), with Markdown, HTML entities, zero-width spaces, sign-offs
and EDIT lines, so the cleaning stage has something to clean.

Sentences carry protected spans ``\\x01...\\x02`` (see `specials`):
`normalise` lower-cases them but keeps their punctuation; `render_raw`
keeps them verbatim.
"""

from __future__ import annotations

import random
import re

_PROTECTED_RE = re.compile("\x01(.*?)\x02", re.S)
_CONTRACTIONS = (
    ("can't", "cannot"), ("won't", "will not"), ("shan't", "shall not"), ("it's", "it is"),
    ("that's", "that is"), ("what's", "what is"), ("there's", "there is"), ("here's", "here is"),
    ("he's", "he is"), ("she's", "she is"), ("let's", "let us"), ("who's", "who is"),
    ("how's", "how is"), ("where's", "where is"), ("y'all", "you all"),
    ("n't", " not"), ("'re", " are"), ("'ve", " have"), ("'ll", " will"), ("'d", " would"),
    ("'m", " am"), ("'", ""),
)
_PUNCT_CHARS = b"!\"#$%&()*+,-./:;<=>?@[\\]^_`{|}~"
_PUNCT = bytes.maketrans(_PUNCT_CHARS, b" " * len(_PUNCT_CHARS))
_I_RE = re.compile(r"\bi\b")


def _plain(part: str) -> str:
    """Normalise one unprotected, already lower-cased span."""
    if "'" in part:
        for short, long in _CONTRACTIONS:
            if short in part:
                part = part.replace(short, long)
    return part.encode().translate(_PUNCT).decode()


def normalise(text: str) -> str:
    """Return ``text`` in the deposit's pre-normalised style.

    Lower-cases, expands contractions, turns punctuation into spaces (dropping
    apostrophes) and collapses whitespace; protected spans are only
    lower-cased.
    """
    text = text.lower()
    if "\x01" not in text:
        return " ".join(_plain(text).split())
    parts = _PROTECTED_RE.split(text)
    out = [f" {part} " if i % 2 else _plain(part) for i, part in enumerate(parts)]
    return " ".join("".join(out).split())


HEADERS = ("# update", "## day {n}", "# need advice", "### vent", "# small win", "## long post sorry")
QUOTES = ("my therapist said \"progress not perfection\"", "you are not your illness",
          "what would you tell a friend?", "eat the cake")
EDITS = ("EDIT: thank you all so much for the replies", "UPDATE: talked to my doctor today",
         "edit: formatting", "EDIT 2: i'm okay, just needed to vent", "Update: it went better than expected")
SIGNOFFS = ("thanks in advance!", "TIA", "tia x", "thank you in advance", "Thanks in advance :)")
INLINE_OPS = ("bold", "italic", "code", "entity", "zero_width", "whitespace", "signoff", "edit")
MULTILINE_OPS = ("header", "quote", "edit_line", "paragraph")


def _wrap_word(sentences: list[str], rng: random.Random, left: str, right: str) -> None:
    """Wrap one alphabetic word of a random sentence in ``left``/``right``."""
    idx = rng.randrange(len(sentences))
    words = sentences[idx].split(" ")
    candidates = [i for i, w in enumerate(words) if w.isalpha()]
    if candidates:
        i = rng.choice(candidates)
        if left == "**" and rng.random() < 0.3:
            words[i:] = [left + " ".join(words[i:]) + right]
        else:
            words[i] = left + words[i] + right
        sentences[idx] = " ".join(words)


def _inline(op: str, sentences: list[str], rng: random.Random) -> None:
    """Apply one single-line noise operation in place."""
    if op == "bold":
        _wrap_word(sentences, rng, "**", "**")
    elif op == "italic":
        _wrap_word(sentences, rng, "*", "*")
    elif op == "code":
        _wrap_word(sentences, rng, "`", "`")
    elif op == "entity":
        idx = rng.randrange(len(sentences))
        s = sentences[idx]
        if " and " in s and rng.random() < 0.6:
            sentences[idx] = s.replace(" and ", " &amp; ", 1)
        else:
            sentences[idx] = s + rng.choice((" &lt;3", " &gt;_&lt;", "&nbsp;", " &quot;sigh&quot;"))
    elif op == "zero_width":
        idx = rng.randrange(len(sentences))
        s = sentences[idx]
        cut = rng.randrange(len(s) + 1)
        sentences[idx] = s[:cut] + "\u200b" + s[cut:]
    elif op == "whitespace":
        idx = rng.randrange(len(sentences))
        sentences[idx] = sentences[idx].replace(" ", rng.choice(("  ", "   ", " \t")), 1) + "  "
    elif op == "signoff":
        sentences.append(rng.choice(SIGNOFFS))
    elif op == "edit":
        sentences.append(rng.choice(EDITS))


def render_raw(sentences: list[str], rng: random.Random, multiline: bool) -> tuple[str, tuple[str, ...]]:
    """Render sentences as a raw Reddit post; return ``(text, noise_ops)``.

    Applies one or two inline noise operations and, when ``multiline``, one
    line-structure operation (header, quote, EDIT line, paragraph break).
    """
    capital = rng.random() < 0.6
    ends = (".", ".", ".", "!", "...", "") if rng.random() < 0.8 else ("",)
    out = []
    r = rng.random
    for s in sentences:
        if "\x01" in s:
            s = s.replace("\x01", "").replace("\x02", "")
        if capital:
            s = _I_RE.sub("I", s)
            s = s[:1].upper() + s[1:]
        if not s.endswith("?"):
            s += ends[int(r() * len(ends))]
        out.append(s)
    ops = rng.sample(INLINE_OPS, 2 if rng.random() < 0.35 else 1)
    for op in ops:
        _inline(op, out, rng)
    text = " ".join(out)
    if not multiline:
        return text, tuple(ops)
    line_op = rng.choice(MULTILINE_OPS)
    if line_op == "paragraph" and len(out) < 2:
        line_op = "edit_line"
    if line_op == "header":
        text = rng.choice(HEADERS).format(n=rng.randint(2, 90)) + "\n\n" + text
    elif line_op == "quote":
        quote = rng.choice(("> ", "&gt; ")) + rng.choice(QUOTES)
        text = quote + "\n\n" + text
    elif line_op == "edit_line":
        text = text + "\n\n" + rng.choice(EDITS)
    else:
        cut = max(1, len(out) // 2)
        sep = rng.choice(("\n\n", "\n\n&#x200B;\n\n", "\n"))
        text = " ".join(out[:cut]) + sep + " ".join(out[cut:])
    return text, tuple(ops) + (line_op,)
