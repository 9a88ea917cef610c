"""MITI 4.2.1-style summary scores from coded therapist utterances.

Pure functions (no model, no I/O). Inputs are coded utterances: anything
with the attributes or keys ``behaviour`` (``reflection`` / ``question`` /
``therapist_input`` / ``other``), ``reflection_subtype`` (``simple`` /
``complex``) and ``question_subtype`` (``open`` / ``closed``), such as the
``CodedUtterance`` objects of ``mi_coder`` or plain dicts. Client
utterances (``role == "client"``) are ignored.

Counts and ratios (MITI 4.2.1 behaviour counts):

- SR, CR: simple / complex reflections; Q = open + closed questions;
  advice/information = utterances coded ``therapist_input``.
- ``pct_complex_reflections`` = CR / (SR + CR).
- ``reflection_to_question`` = (SR + CR) / Q.
- ``pct_open_questions`` = open / Q.
- ``pct_advice`` = therapist_input / all therapist utterances (the share of
  unsolicited advice or information: the coder cannot see whether
  permission was asked, so every ``therapist_input`` counts as unsolicited).

Thresholds (MITI 4.2.1 relational/technical summary guidance):
fair = %CR >= 40 % and R:Q >= 1:1; good = %CR >= 50 % and R:Q >= 2:1.

Zero divisions, documented and deliberate:

- %CR with no reflections is ``None`` (undefined) and fails both levels.
- R:Q with no questions is ``math.inf`` when there is at least one
  reflection (reflections without questions meet any R:Q threshold) and
  ``None`` when there are neither reflections nor questions (fails).
- %open with no questions is ``None`` (not scored, no threshold uses it).
- %advice with no therapist utterances is ``None``.

``split_into_utterances`` splits a multi-sentence model response into
sentences, so a response is coded per sentence and then aggregated with
``miti_summary``.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass
from typing import Any, Iterable, Mapping

FAIR_PCT_CR = 0.40
FAIR_R_TO_Q = 1.0
GOOD_PCT_CR = 0.50
GOOD_R_TO_Q = 2.0

_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "st", "vs", "etc", "e.g", "i.e", "approx",
    "jr", "sr", "no", "mt",
}

# A sentence ends at . ! ? (or a run of them, or an ellipsis), optionally
# followed by closing quotes/brackets, then whitespace.
_BOUNDARY = re.compile(r"""(?<=[.!?…])\s+|(?<=[.!?…]["')\]])\s+""")


@dataclass(frozen=True)
class MITISummary:
    """MITI 4.2.1-style counts, ratios and threshold verdicts.

    Ratios are fractions (0.45 means 45 %); ``None`` marks an undefined
    ratio (see module docstring for the zero-division rules).
    """

    n_therapist: int
    simple_reflections: int
    complex_reflections: int
    open_questions: int
    closed_questions: int
    therapist_input: int
    other: int
    pct_complex_reflections: float | None
    reflection_to_question: float | None
    pct_open_questions: float | None
    pct_advice: float | None
    fair_pct_cr: bool
    fair_r_to_q: bool
    good_pct_cr: bool
    good_r_to_q: bool
    level: str  # "good", "fair" or "below fair"

    @property
    def reflections(self) -> int:
        """Total reflections (SR + CR)."""
        return self.simple_reflections + self.complex_reflections

    @property
    def questions(self) -> int:
        """Total questions (open + closed)."""
        return self.open_questions + self.closed_questions

    @property
    def passes_fair(self) -> bool:
        """True when both fair thresholds are met."""
        return self.fair_pct_cr and self.fair_r_to_q

    @property
    def passes_good(self) -> bool:
        """True when both good thresholds are met."""
        return self.good_pct_cr and self.good_r_to_q

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-friendly dict (``inf`` R:Q becomes the string ``"inf"``)."""
        out = asdict(self)
        for key, value in out.items():
            if isinstance(value, float) and math.isinf(value):
                out[key] = "inf"
        out["reflections"] = self.reflections
        out["questions"] = self.questions
        out["passes_fair"] = self.passes_fair
        out["passes_good"] = self.passes_good
        return out


def split_into_utterances(response: str) -> list[str]:
    """Split a response into sentence-level utterances for coding.

    Splits after ``.``, ``!``, ``?`` or ``…`` followed by whitespace, but
    not after common abbreviations (``Dr.``, ``e.g.``), single initials, a
    leading list number (``3.``) or before a lower-case word (``"Really?"
    she said``); also splits on blank lines and on line breaks that start
    bullet or numbered items. Empty pieces are dropped; a text with
    no boundary is returned as one utterance. ``""`` gives ``[]``.
    """
    if not response or not str(response).strip():
        return []
    out: list[str] = []
    for block in re.split(r"\n\s*\n|\n(?=\s*(?:[-*•]|\d+[.)])\s)", str(response)):
        block = " ".join(block.split())
        if not block:
            continue
        pieces = [p for p in _BOUNDARY.split(block) if p]
        buf = ""
        for i, piece in enumerate(pieces):
            buf = f"{buf} {piece}" if buf else piece
            nxt = pieces[i + 1] if i + 1 < len(pieces) else ""
            last_word = buf.rstrip("\"')]").split(" ")[-1].lower()
            if nxt and (
                nxt[0].islower()  # '"Really?" she said.' continues
                or (
                    last_word.endswith(".")
                    and (
                        last_word.rstrip(".") in _ABBREVIATIONS
                        or (len(last_word) == 2 and last_word[0].isalpha())
                        or (last_word.rstrip(".").isdigit() and buf == piece and " " not in buf)
                    )
                )
            ):
                continue  # abbreviation, initial, list number or lower-case go-on
            out.append(buf.strip())
            buf = ""
        if buf:
            out.append(buf.strip())
    return [u for u in out if u.strip()]


def _get(item: Any, key: str, default: Any = None) -> Any:
    """Read ``key`` from a mapping or an attribute of an object."""
    if isinstance(item, Mapping):
        return item.get(key, default)
    return getattr(item, key, default)


def _ratio(num: int, den: int) -> float | None:
    """``num / den``, or ``None`` when ``den`` is zero."""
    return num / den if den else None


def miti_summary(coded: Iterable[Any]) -> MITISummary:
    """Compute MITI 4.2.1-style counts, ratios and pass/fail from coded utterances.

    Each item needs ``behaviour`` and, for reflections/questions, the
    subtype (a missing subtype counts as simple reflection / closed
    question, the conservative choice). Items whose ``role`` is
    ``"client"`` are skipped. See the module docstring for zero divisions.
    """
    sr = cr = oq = cq = ti = other = n = 0
    for item in coded:
        if (_get(item, "role", "therapist") or "therapist") == "client":
            continue
        behaviour = _get(item, "behaviour") or _get(item, "main_therapist_behaviour")
        n += 1
        if behaviour == "reflection":
            if _get(item, "reflection_subtype") == "complex":
                cr += 1
            else:
                sr += 1
        elif behaviour == "question":
            if _get(item, "question_subtype") == "open":
                oq += 1
            else:
                cq += 1
        elif behaviour == "therapist_input":
            ti += 1
        else:
            other += 1
    refl, ques = sr + cr, oq + cq
    pct_cr = _ratio(cr, refl)
    if ques:
        r_to_q: float | None = refl / ques
    else:
        r_to_q = math.inf if refl else None
    fair_cr = pct_cr is not None and pct_cr >= FAIR_PCT_CR
    good_cr = pct_cr is not None and pct_cr >= GOOD_PCT_CR
    fair_rq = r_to_q is not None and r_to_q >= FAIR_R_TO_Q
    good_rq = r_to_q is not None and r_to_q >= GOOD_R_TO_Q
    if good_cr and good_rq:
        level = "good"
    elif fair_cr and fair_rq:
        level = "fair"
    else:
        level = "below fair"
    return MITISummary(
        n_therapist=n,
        simple_reflections=sr,
        complex_reflections=cr,
        open_questions=oq,
        closed_questions=cq,
        therapist_input=ti,
        other=other,
        pct_complex_reflections=pct_cr,
        reflection_to_question=r_to_q,
        pct_open_questions=_ratio(oq, ques),
        pct_advice=_ratio(ti, n),
        fair_pct_cr=fair_cr,
        fair_r_to_q=fair_rq,
        good_pct_cr=good_cr,
        good_r_to_q=good_rq,
        level=level,
    )


def summarise_responses(coded_responses: Iterable[Iterable[Any]]) -> dict[str, Any]:
    """Aggregate several coded responses into one corpus-level summary.

    ``coded_responses`` is an iterable of per-response coded-utterance
    lists. Returns ``{"overall": MITISummary dict over all utterances,
    "n_responses", "share_responses_with_advice", "share_passing_fair",
    "share_passing_good"}``; shares are ``None`` when there are no responses.
    """
    all_items: list[Any] = []
    n_resp = with_advice = fair = good = 0
    for response in coded_responses:
        items = list(response)
        all_items.extend(items)
        summary = miti_summary(items)
        n_resp += 1
        with_advice += summary.therapist_input > 0
        fair += summary.passes_fair
        good += summary.passes_good
    return {
        "overall": miti_summary(all_items).to_dict(),
        "n_responses": n_resp,
        "share_responses_with_advice": _ratio(with_advice, n_resp),
        "share_passing_fair": _ratio(fair, n_resp),
        "share_passing_good": _ratio(good, n_resp),
    }
