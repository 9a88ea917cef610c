"""The output safety gate: is a generated reply safe to train on or show to someone with an ED?

`check_response(text, crisis=False) -> GateVerdict` applies, to the reply as
written and to its cleaned form (`prepare.clean.clean_text`):

1. the prepare stage's safety rules (`prepare.safety.scan`): ED numbers
   (``numbers:<kind>``: weight, calories, bmi, size, measurement, fasting,
   exercise), pro-ED content (``pro_ed``), PII (``pii:<kind>``), prompt-
   injection echo (``injection``); before the scan, recognised crisis and
   support resources ("call or text 988", "Samaritans on 116 123",
   "beateatingdisorders.org.uk") are masked, so a helpline is never a phone
   number or an ED number;
2. the response rules below (`RESPONSE_RULES`, data: each named rule has a
   reason code, examples that must fire and counterexamples that must not):
   diet / weight / exercise ADVICE without numbers (``advice:diet``,
   ``advice:weight``, ``advice:exercise``), comments on bodies
   (``body_comment``), shaming or confrontational language (``shaming``),
   encouragement of self-harm (``harm:self_harm``), leaked role markers and
   special tokens (``degenerate:role_marker``);
3. degenerate output: empty (``degenerate:empty``) or looping
   (``degenerate:repetition``);
4. with ``crisis=True`` (the reply answers a crisis-routed post): no
   emergency service or crisis line named -> ``crisis:no_resources``. A
   trusted person alone is not enough; someone at risk needs a route to
   immediate professional help.

As in the prepare stage, a rule group's *benign* rules blank their matches
(same-length filler) before the group's detectors run: "part of you feels
you have to skip meals" reflects the person's belief and is not advice,
while "you have to skip meals" is.

Cost on 2 CPU cores with `check_response`: ~0.4 ms per 64-token reply of
the tiny model (vLLM or transformers) and ~0.3 ms per template-composer
reply (was ~1.3 and ~1.5 ms; same verdicts; the first call builds the
filters, ~0.3 s once per process): every rule here and in the prepare
scan first checks literals its matches must contain (`prepare.literals`,
derived from the pattern, exact), so Python's `re` runs only where a
match is possible; a group's benign rules run only if one of its
detectors may fire. `check_responses` is the same loop; its
DuckDB (RE2) pre-pass (`batch_min`) no longer pays and is off by default.

`GateVerdict.ed_harm` is True when any reason is harmful to someone with an
ED (`ED_HARM_PREFIXES`: numbers, advice, body comments, pro-ED, shaming,
self-harm, missing crisis resources). The synthesis stage may keep an
MI-inconsistent reply as a DPO "rejected" only when ``ed_harm`` is False;
PII, injection echo and degenerate output are unsafe but not ED harm.
"""

from __future__ import annotations

import operator
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from interosight_core.prepare.clean import clean_text
from interosight_core.prepare.literals import LiteralFilter, both, fold, literal_filter, multi_selector, selector
from interosight_core.prepare.safety import scan

GATE_VERSION = "gate-1.0.0"

#: Reason prefixes that mean "harmful to someone with an eating disorder".
ED_HARM_PREFIXES: tuple[str, ...] = ("numbers:", "advice:", "body_comment", "pro_ed", "shaming", "harm:",
                                     "crisis:")


@dataclass(frozen=True)
class GateRule:
    """One named response rule: a case-insensitive Python regex and the reason code it raises.

    `benign` rules are allow-list idioms blanked before the detectors of the
    same `group` run. `prefilter`, if set, is a pattern every match must
    contain (the advice action): when it is absent the rule is skipped, a
    5x saving on replies that mention no diet, weight or exercise action.
    `examples` must fire (a benign rule's must match) and
    `counterexamples` must not; tests check both against `check_response`.
    """

    name: str
    reason: str
    pattern: str
    description: str
    examples: tuple[str, ...] = ()
    counterexamples: tuple[str, ...] = ()
    benign: bool = False
    group: str = ""
    prefilter: str = ""

    @property
    def regex(self) -> re.Pattern[str]:
        """The compiled pattern (IGNORECASE | MULTILINE)."""
        return _compile(self.pattern)

    @property
    def literals(self) -> LiteralFilter:
        """Literals every match contains (`prepare.literals`): the rule is skipped when one set is absent."""
        return literal_filter(self.regex)

    @property
    def family(self) -> str:
        """The group whose benign rules apply first (defaults to the reason's prefix)."""
        return self.group or self.reason.split(":")[0]


@dataclass(frozen=True)
class GateHit:
    """Why a reason fired: the rule and the matched words."""

    reason: str
    rule: str
    text: str


@dataclass(frozen=True)
class GateVerdict:
    """The gate's decision on one reply: safe, the reasons it is not, whether they are ED harm."""

    safe: bool
    reasons: tuple[str, ...]
    ed_harm: bool
    hits: tuple[GateHit, ...] = ()

    def to_dict(self) -> dict:
        """JSON-able form."""
        return {"safe": self.safe, "reasons": list(self.reasons), "ed_harm": self.ed_harm,
                "hits": [{"reason": h.reason, "rule": h.rule, "text": h.text} for h in self.hits]}


@lru_cache(maxsize=None)
def _compile(pattern: str) -> re.Pattern[str]:
    """Compile a gate pattern once."""
    return re.compile(pattern, re.IGNORECASE | re.MULTILINE)


def is_ed_harm(reason: str) -> bool:
    """Return True if the reason code is harmful to someone with an ED."""
    return reason.startswith(ED_HARM_PREFIXES)


# --- building blocks ----------------------------------------------------------------------

_YOURE = r"you(?:'re|’re|\s+are|re)"
# Who-believes-what frames that reflect the person's own belief ("part of you feels you have to ...").
_BELIEVER = (r"(?:you|part\s+of\s+you|a\s+part\s+of\s+you|your\s+(?:mind|brain|ed|eating\s+disorder|inner\s+critic)"
             r"|a\s+voice(?:\s+inside)?|the\s+(?:ed|eating\s+disorder|illness|voice))")
_BELIEF_VERB = (r"(?:(?:still|sometimes|often|always|really|might|may|keep|keeps)\s+)?(?:feel|feels|felt|believe"
                r"|believes|fear|fears|worry|worries|worried|think|thinks|thought|tell\s+yourself|told\s+yourself"
                r"|tells\s+you|told\s+you|says|said|insists?|is\s+telling\s+you|keeps\s+telling\s+you"
                r"|(?:are|is|were|was)\s+(?:afraid|scared|worried|convinced|sure|terrified))")
_CLIENT_BELIEF = (rf"\b(?:{_BELIEVER}\s+{_BELIEF_VERB}|{_YOURE}\s+(?:afraid|scared|worried|convinced|sure|terrified)"
                  r"|feel(?:s|ing)?\s+like|felt\s+like|as\s+if|as\s+though)\s+(?:that\s+|like\s+)?")
_FRAME_WORDS = (r"\byou\s+(?:should|could|might\s+want\s+to|may\s+want\s+to|need\s+to|have\s+to|must|ought\s+to"
                r"|can\s+(?:always|just|try)|would\s+(?:benefit\s+from|do\s+well\s+to)|had\s+better|better)"
                r"|\byou(?:'d|’d)\s+(?:better|do\s+well\s+to)|\btry(?:\s+to|\s+and)?|\b(?:start|begin)(?:\s+by)?"
                r"|\bconsider|\bwhy\s+not|\bhow\s+about|\bwhat\s+about|\bmaybe(?:\s+you\s+(?:could|should|can))?"
                r"|\bmake\s+sure\s+(?:you|to)|\bit\s+(?:might|may|would|could|will|can)\s+help\s+(?:to|if\s+you)"
                r"|\bi\s+(?:would\s+|'d\s+|’d\s+)?(?:suggest|recommend|advise|encourage\s+you\s+to)(?:\s+that\s+you"
                r"|\s+you)?|\bremember\s+to|\bdon(?:'|’)?t\s+forget\s+to|\bhave\s+you\s+(?:tried|considered"
                r"|thought\s+about)|\b(?:it(?:'s|’s|\s+is)\s+)?(?:best|better|important|smart|wise|a\s+good\s+idea)"
                r"\s+to|\bthe\s+(?:key|trick|answer|secret)\s+is(?:\s+to)?|\bplease"
                r"|\b(?:if|when|whenever)\s+[^.!?,\n]{1,60},")
# "just" counts as a frame unless a subject precedes it ("you just cut out sugar" describes, "just cut out sugar" advises).
_JUST = r"|(?<!\byou\s)(?<!\bi\s)(?<!'ve\s)(?<!’ve\s)(?<!\bwe\s)(?<!they\s)\bjust"
_SOFTENERS = r"\s+(?:(?:just|simply|really|actually|definitely|also|always|gradually|slowly|start|starting|try\s+to|try)\s+)*"
_MODAL_FRAME = rf"(?:{_FRAME_WORDS}{_JUST}){_SOFTENERS}"
_MODAL_FRAME_NO_JUST = rf"(?:{_FRAME_WORDS}){_SOFTENERS}"
# Sentence-initial imperative: base form only (a gerund subject such as "Counting calories has ..." is not advice).
_IMPERATIVE_FRAME = r"(?:^|[.!?;:]\s+)\s*(?:(?:just|simply|please|also|so|and|now|maybe)\s+)*(?![a-z]+ing\b)"

_DIET_VERB = (
    r"(?:eat(?:ing)?\s+(?:a\s+(?:bit|little|lot)\s+)?(?:less|fewer|smaller|lighter|healthier|healthily|healthy|clean(?:er)?"
    r"|low[\s-]*(?:carb|fat|cal(?:orie)?)|only|nothing\s+but|more\s+(?:protein|vegetables|veggies|fruit|fibre|fiber"
    r"|salads?|slowly|mindfully|whole\s+foods?))"
    r"|cut(?:ting)?\s+(?:out\s+|back\s+(?:on\s+)?|down\s+(?:on\s+)?)?(?:on\s+)?(?:the\s+|your\s+|all\s+)?(?:carbs|sugars?"
    r"|fats?|snacks?|snacking|junk(?:\s+food)?|sweets|dairy|gluten|bread|calories|portions?|desserts?"
    r"|processed\s+foods?|fast\s+food|meals?|food|sodas?)\b"
    r"|skip(?:ping)?\s+(?:a\s+|the\s+|your\s+)?(?:meals?|breakfast|lunch|dinner|snacks?|desserts?|seconds)\b"
    r"|(?:count|track|log|watch|limit|restrict|reduce|lower|monitor|measure)(?:ing)?\s+(?:your\s+|the\s+)?(?:calories"
    r"|calorie\s+intake|macros|carbs|portions?|portion\s+sizes?|intake|food(?:\s+intake)?|sugar(?:\s+intake)?"
    r"|fat(?:\s+intake)?|what\s+you\s+eat|everything\s+you\s+eat)\b"
    r"|(?:go|going|get|getting|stay|staying|stick|sticking|be|being)\s+(?:on|to|with)\s+(?:a\s+|the\s+|your\s+)?"
    r"(?:strict\s+)?(?:diet|keto|paleo|low[\s-]*carb|cleanse|detox|juice\s+cleanse|calorie\s+deficit)\b"
    r"|fast(?:ing)?\s+(?:for|until|longer|more|again)\b"
    r"|(?:avoid(?:ing)?|stay(?:ing)?\s+away\s+from|giv(?:e|ing)\s+up|stop(?:ping)?\s+eating|no\s+more)\s+(?:all\s+)?"
    r"(?:sugar|carbs|fats?|junk(?:\s+food)?|sweets|snacks|snacking|bread|desserts?|processed\s+foods?|fast\s+food"
    r"|takeaways?|eating\s+(?:late|after|at\s+night|before\s+bed)|late[\s-]night\s+eating)\b"
    r"|(?:replace|replacing|swap|swapping|substitute|substituting)\s+(?:your\s+)?(?:meals?|snacks?|dinner|lunch"
    r"|breakfast|food)\s+(?:with|for)\b"
    r"|drink(?:ing)?\s+(?:more\s+|lots\s+of\s+|a\s+glass\s+of\s+)?(?:water|coffee|tea|diet\s+soda)\s+(?:to|so|instead"
    r"|before\s+(?:meals?|eating|you\s+eat)|when\s+(?:you(?:'re|\s+are)\s+)?hungry)\b|chew(?:ing)?\s+gum\b"
    r"|fill(?:ing)?\s+up\s+on\s+(?:water|vegetables|veggies|salad)|make\s+up\s+for\s+(?:it|that|the\s+binge"
    r"|what\s+you\s+ate)|compensat(?:e|ing)\b)")
_DIET_NOUN = (r"(?:(?:intermittent\s+|water\s+|juice\s+)?fasting\b|dieting\b|a\s+(?:diet|cleanse|detox)\b"
              r"|keto(?:\s+diet)?\b|a\s+calorie\s+deficit|meal\s+replacements?|diet\s+(?:pills|shakes|plans?)"
              r"|appetite\s+suppressants?|laxatives|smaller\s+portions|portion\s+control)")
_WEIGHT_ACTION = (
    r"(?:(?:lose|losing|drop|dropping|shed|shedding|cut|cutting)\s+(?:some\s+|a\s+(?:few|bit|little)\s+(?:of\s+)?"
    r"|the\s+|a\s+couple\s+(?:of\s+)?|more\s+|that\s+|those\s+|extra\s+)?(?:weight|pounds|kilos|lbs|kg|fat"
    r"|belly\s+fat|body\s+fat|baby\s+weight)\b|slim(?:ming)?\s+down|get(?:ting)?\s+(?:thinner|slimmer|leaner"
    r"|smaller|in\s+shape|back\s+in\s+shape|your\s+body\s+back|toned|beach\s+ready|bikini\s+ready)\b|ton(?:e|ing)\s+up"
    r"|gain(?:ing)?\s+less|(?:reach|reaching|hit|hitting|get\s+to|get\s+down\s+to)\s+(?:a|your)\s+(?:goal|target"
    r"|healthy|ideal|lower)\s+weight|keep(?:ing)?\s+(?:the\s+)?weight\s+off|maintain(?:ing)?\s+(?:a\s+|your\s+)?"
    r"(?:lower|healthy|goal)\s+weight|watch(?:ing)?\s+your\s+(?:weight|figure)|weigh(?:ing)?\s+yourself"
    r"|step(?:ping)?\s+on\s+the\s+scales?|(?:check|monitor|track|keep\s+(?:an\s+)?eye\s+on|keep\s+track\s+of)(?:ing)?"
    r"\s+(?:your\s+)?(?:weight|bmi|body\s+fat|measurements|waist)|measur(?:e|ing)\s+(?:your\s+)?(?:waist|body|hips"
    r"|thighs)|tak(?:e|ing)\s+progress\s+(?:photos|pictures|pics))")
_EXERCISE_FULL = (
    r"(?:(?:work(?:ing)?\s+out|exercis(?:e|ing)|train(?:ing)?)\s+(?:more|harder|longer|every\s+day|daily|regularly"
    r"|instead|it\s+off)\b|(?:go|going|get|getting)\s+(?:to\s+the\s+gym|for\s+(?:a\s+)?(?:run|jog|walk|swim|bike\s+ride"
    r"|hike)|running|jogging|walking|swimming|cycling)\b|hit(?:ting)?\s+the\s+gym|join(?:ing)?\s+a\s+(?:gym|fitness"
    r"|running|walking)|(?:do|doing)\s+(?:some\s+|more\s+|a\s+(?:bit|little)\s+(?:of\s+)?)?(?:cardio|hiit|crunches"
    r"|sit[\s-]*ups|squats|push[\s-]*ups|yoga|pilates|weights|exercise|workouts?|a\s+workout)\b"
    r"|walk(?:ing)?\s+(?:it\s+off|more|every|after|daily|instead)\b|burn(?:ing)?\s+(?:it|that|them|those|some|more"
    r"|off|the|extra)\b|work(?:ing)?\s+(?:it|that|them)\s+off|mov(?:e|ing)\s+(?:your\s+body|more)\b"
    r"|be(?:ing)?\s+more\s+active|get(?:ting)?\s+(?:more\s+|some\s+)?(?:exercise|steps|movement|active)\b"
    r"|tak(?:e|ing)\s+(?:the\s+)?stairs|count(?:ing)?\s+(?:your\s+)?steps|lift(?:ing)?\s+weights)")
_EXERCISE_BARE = r"(?:work(?:ing)?\s+out|exercis(?:e|ing)|run(?:ning)?|jog(?:ging)?|swim(?:ming)?|train(?:ing)?)\b"


def _advice_rules(reason: str, name: str, verb_action: str, description: str, suggested: tuple[str, ...],
                  imperative: tuple[str, ...], counterexamples: tuple[str, ...],
                  noun_action: str | None = None) -> tuple[GateRule, ...]:
    """Two detectors per advice kind: after a suggestion frame, and as a sentence-initial imperative.

    `verb_action` phrases carry their complement ("eat less", "go for a run")
    and count in both positions; `noun_action` ones ("keto", "a diet", bare
    "exercise") only after a suggestion frame other than "just".
    """
    modal = rf"(?:{_MODAL_FRAME}{verb_action})"
    actions = rf"\b(?:{verb_action}|{noun_action})" if noun_action else rf"\b{verb_action}"
    if noun_action:
        modal = rf"(?:{modal}|{_MODAL_FRAME_NO_JUST}{noun_action})"
    return (
        GateRule(f"{name}_suggested", reason, modal,
                 f"{description} after a suggestion frame (you should / try / i suggest / have you tried ...).",
                 suggested, counterexamples, prefilter=actions),
        GateRule(f"{name}_imperative", reason, rf"{_IMPERATIVE_FRAME}{verb_action}",
                 f"{description} as an imperative starting a sentence.", imperative, counterexamples,
                 prefilter=actions),
    )


RESPONSE_RULES: tuple[GateRule, ...] = (
    # Benign: the person's own belief or habit is reflected, not advised ("part of you feels you have to skip meals").
    GateRule("advice_benign_client_belief", "advice", rf"{_CLIENT_BELIEF}(?:you\s+(?:have\s+to|need\s+to|must|should"
             r"|ought\s+to|can\s+only|can't|cannot|could)|(?:just|try))\b"
             r"|(?<!\bhave\s)(?<!\bdid\s)\byou\s+(?:often\s+|sometimes\s+|usually\s+"
             r"|always\s+)?(?:try|tried)(?:\s+to|\s+and)?\b",
             "A reflected belief or habit of the person's is not advice.",
             ("part of you feels you have to skip meals", "you feel like you should eat less", "you try to eat less"),
             ("you should eat less",), benign=True),
    *_advice_rules("advice:diet", "advice_diet", _DIET_VERB, "Diet advice (eat less, cut carbs, skip meals, "
                   "count calories, fasting, avoid foods, fill up on water, make up for eating)",
                   ("try eating less", "You should cut carbs.", "have you tried counting your calories?",
                    "I suggest you skip breakfast.", "Maybe try intermittent fasting.", "just eat less",
                    "It might help to avoid sugar.", "You could start a diet."),
                   ("Just eat less.", "Cut out sugar for a while.", "Drink water before meals to feel full.",
                    "Skip dessert tonight.", "Make up for it tomorrow."),
                   ("you might talk to your doctor", "what would you like to eat?", "it sounds like food feels scary",
                    "Counting calories has taken over your days.", "part of you feels you have to skip meals",
                    "It isn't as simple as just eating.", "Eating with your sister took courage.",
                    "you just cut out whole food groups without noticing", "A diet will not fix how you feel.",
                    "Laxatives can be dangerous.", "you try to eat less when you are stressed"),
                   noun_action=_DIET_NOUN),
    GateRule("advice_diet_endorsed", "advice:diet", r"\b(?:intermittent\s+fasting|fasting|keto|a\s+(?:diet|cleanse"
             r"|detox)|dieting|calorie\s+counting|counting\s+(?:your\s+)?calories|tracking\s+(?:your\s+)?(?:food|calories"
             r"|macros|intake)|a\s+calorie\s+deficit|cutting\s+(?:out\s+)?(?:carbs|sugar|calories)|eating\s+less"
             r"|smaller\s+portions|portion\s+control)(?:\s+[a-z']+){0,4}?\s+(?:(?:could|would|might|will|can|may|should"
             r"|really|usually|often|always|definitely)\s+)*(?:help|helps|work|works|is\s+(?:the\s+)?(?:key|answer"
             r"|only\s+way|best\s+way|way\s+to\s+go|great|good|healthy))\b",
             "Endorsing a diet method ('intermittent fasting could help', 'a calorie deficit is the only way').",
             ("intermittent fasting could help", "Keto really works for a lot of people.",
              "a calorie deficit is the key", "A calorie deficit is the only way to lose weight.",
              "Tracking your food for a week can help you see patterns."),
             ("fasting has left you exhausted", "calorie counting takes so much of your energy",
              "Counting calories has taken over your days, and it hasn't helped you feel calmer.")),
    GateRule("advice_diet_choose_foods", "advice:diet", r"\b(?:focus(?:ing)?\s+on|choos(?:e|ing)|opt(?:ing)?\s+for"
             r"|stick(?:ing)?\s+to|switch(?:ing)?\s+to|go(?:ing)?\s+for)\s+(?:more\s+)?(?:whole|healthy|healthier|clean"
             r"|lean|low[\s-]*(?:carb|fat|cal(?:orie)?)|nutritious|light|lighter|diet|sugar[\s-]*free|fat[\s-]*free)"
             r"\s+(?:foods?|options|meals|snacks|eating|protein|versions|drinks|alternatives|choices)\b",
             "Steering food choices ('focus on whole foods and lean protein').",
             ("Focus on whole foods and lean protein.", "you could choose healthier options"),
             ("it sounds like choosing food feels like a test", "you deserve to enjoy your meals")),
    *_advice_rules("advice:weight", "advice_weight", _WEIGHT_ACTION, "Weight advice (lose weight, slim down, "
                   "weigh yourself, watch your weight)",
                   ("you should lose some weight", "Try to slim down before summer.",
                    "I recommend weighing yourself every morning.", "you should keep an eye on your weight"),
                   ("Keep an eye on your weight.", "Weigh yourself daily.", "Lose the weight first.", "Get back in shape."),
                   ("you're afraid of losing control", "the scale has a lot of power over you",
                    "Losing weight has become the only thing that feels like progress.",
                    "part of you feels you have to lose weight to be accepted")),
    GateRule("advice_weight_better_if", "advice:weight", r"\b(?:you(?:'ll|’ll|\s+will|\s+would|'d|’d)\s+(?:look|feel)"
             r"\s+(?:so\s+much\s+|much\s+|a\s+lot\s+)?better\s+(?:if|once|when|after)\s+you\s+(?:lose|lost|drop|dropped"
             r"|slim|tone|get\s+thinner|get\s+in\s+shape)|(?:losing|dropping|shedding)\s+(?:some\s+|a\s+(?:few|bit"
             r"|little)\s+)?(?:weight|pounds|kilos)\s+(?:could|would|might|will|may|can)\s+(?:help|make|improve"
             r"|be\s+good)|a\s+healthy\s+(?:rate\s+of\s+)?weight\s+loss)\b",
             "Weight loss presented as the fix.", ("you'll feel better once you lose a few pounds",
                                                   "losing some weight could help your mood"),
             ("you'll feel better once you have some rest",)),
    *_advice_rules("advice:exercise", "advice_exercise", _EXERCISE_FULL, "Exercise advice (work out more, go for "
                   "a run, burn it off, get more steps)",
                   ("you should work out more", "Maybe go for a run after dinner.", "It might help to exercise.",
                    "try running", "you could take the stairs"),
                   ("Burn it off tomorrow.", "Go for a walk after every meal.", "Work out harder."),
                   ("exercise has become a way to punish yourself", "what does movement mean to you?",
                    "Exercise has been your way of coping.", "you feel you have to exercise every day",
                    "you just run from the feeling", "Running used to be your joy."),
                   noun_action=_EXERCISE_BARE),
    GateRule("advice_exercise_endorsed", "advice:exercise", r"(?:^|[.!?;:,]\s+|\b(?:maybe|perhaps|honestly"
             r"|regular|daily|some|more|that|think)\s+)(?:exercise|working\s+out|cardio|running|a\s+workout"
             r"|the\s+gym)\s+(?:(?:could|would|might|will|can|may|should|really|always|definitely)\s+)*(?:(?:help|helps"
             r"|burn|fix|solve)\s+(?:you|it|that|this|those|with|off)\b|(?:is|are)\s+(?:great|good|the\s+best"
             r"|perfect|ideal)\s+(?:for|way\s+to)\s+(?:burning|losing|shedding|weight|fat|calories|toning))",
             "Exercise presented as the fix ('exercise will help with that', 'cardio is great for burning fat').",
             ("exercise will help with that", "a workout would help you burn it", "Cardio is great for burning fat."),
             ("exercise has felt like a punishment",
              "A clinician who understands eating disorders and exercise can help you figure out where you are.")),
    GateRule("advice_weight_monitor_endorsed", "advice:weight", r"\b(?:weighing\s+yourself|stepping\s+on\s+the\s+scales?"
             r"|tracking\s+your\s+(?:weight|bmi|measurements)|checking\s+your\s+(?:weight|bmi|body))(?:\s+[a-z']+){0,4}?"
             r"\s+(?:(?:could|would|might|will|can|may|should|really|often)\s+)*(?:help|helps|keep|keeps|is\s+(?:a\s+)?"
             r"(?:good|great|useful|helpful|healthy))\b",
             "Self-monitoring of weight presented as helpful ('weighing yourself weekly can help').",
             ("Weighing yourself once a week can help you stay on track.",),
             ("weighing yourself has become a ritual that shapes your whole day",)),
    # Body comments.
    GateRule("body_benign_reported", "body_comment", r"\b(?:said|says|say|saying|tell(?:s|ing)?\s+you|told\s+you"
             r"|comment(?:s|ed)?|remark(?:s|ed)?|hear(?:ing)?|heard|when\s+people)\s+(?:that\s+)?you\s+look",
             "Reporting what others said about the person's looks.", ("when people say you look healthy",),
             ("you look healthy",), benign=True),
    GateRule("body_you_look", "body_comment", r"\byou\s+(?:look|looked|are\s+looking)\s+(?:so\s+|really\s+|very\s+"
             r"|much\s+|a\s+lot\s+|way\s+)?(?:thin|thinner|skinny|skinnier|slim|slimmer|healthy|healthier|great|good"
             r"|better|fine|amazing|beautiful|gorgeous|fit|fitter|fat|fatter|bigger|smaller|heavier|lighter|normal"
             r"|curvy|toned|lean)\b", "A comment on how the person's body looks.",
             ("you look healthy", "You look great, honestly."),
             ("you look after everyone else", "you look forward to the weekend", "when people say you look healthy, "
              "it lands hard")),
    GateRule("body_reassure", "body_comment", rf"\b{_YOURE}\s+not\s+(?:fat|big|overweight|heavy|too\s+thin|too\s+skinny)"
             r"\b|\byour\s+body\s+(?:looks|is)\s+(?:fine|great|perfect|normal|beautiful|not\s+fat|good|healthy)\b",
             "Body reassurance ('you're not fat') keeps the focus on size.",
             ("you're not fat", "Your body looks fine."), ("you're not alone", "your body is doing its best")),
    # Shaming / confrontation.
    GateRule("shaming_benign_client_belief", "shaming", rf"{_CLIENT_BELIEF}(?:{_YOURE}|(?:no\s*one|nobody)\s+cares"
             r"|you\s+(?:should|need\s+to|have\s+to|can't|cannot)\s+just\s+eat)\b|\b(?:want(?:s|ed)?|wish(?:es|ed)?"
             r"|hope|hoping|trying|try)\s+to\s+(?:just\s+)?get\s+over\s+it|\b(?:simple|easy|hard|difficult|impossible)"
             r"\s+(?:as\s+|to\s+)?just\s+eat", "The person's own fears or beliefs, reflected.",
             ("you feel like you're being dramatic", "part of you wants to get over it"),
             ("you're being dramatic",), benign=True),
    GateRule("shaming_just_eat", "shaming", r"(?:^|[.!?;:]\s+|\byou\s+(?:should|need\s+to|have\s+to|must|can|could)\s+"
             r"|\bwhy\s+(?:don'?t|do\s+not|can'?t|cannot)\s+you\s+|\bcan'?t\s+you\s+|\bplease\s+|\bso\s+)\s*just\s+"
             r"(?:eat|stop\s+(?:eating|bingeing|binging|restricting|purging|starving|it|this|worrying|complaining))\b",
             "'Just eat' / 'just stop bingeing': dismisses the illness.",
             ("Just eat.", "You should just eat more.", "Why don't you just eat?", "just stop bingeing"),
             ("It isn't as simple as just eating.", "Just eating lunch took courage.")),
    GateRule("shaming_stop_being", "shaming", r"\bstop\s+(?:being\s+(?:so\s+)?(?:dramatic|ridiculous|silly|selfish|lazy"
             r"|stupid|weak|a\s+baby|childish|difficult|attention[\s-]*seeking)|whining|whinging|complaining|moaning"
             r"|feeling\s+sorry\s+for\s+yourself|making\s+excuses|overreacting)\b",
             "'Stop being dramatic'.", ("stop being dramatic", "Stop feeling sorry for yourself."),
             ("you want to stop being so hard on yourself",)),
    GateRule("shaming_you_are", "shaming", rf"\b{_YOURE}\s+(?:(?:just|being|so|really|such|acting)\s+)*(?:a\s+)?"
             r"(?:selfish|dramatic|ridiculous|lazy|weak|pathetic|disgusting|gross|stupid|crazy|childish|attention[\s-]*"
             r"seeking|overreacting|pig|baby|drama\s+queen|spoiled|ungrateful|immature|exaggerating|making\s+(?:this|it)"
             r"\s+up)\b", "Name-calling ('you're being selfish').", ("you're being selfish", "You are overreacting."),
             ("you feel like you're being selfish", "you're not being selfish by resting")),
    GateRule("shaming_thats", "shaming", r"\bthat(?:'s|’s|\s+is|\s+was|s)\s+(?:so\s+|really\s+|pretty\s+|just\s+"
             r"|kind\s+of\s+|honestly\s+)?(?:disgusting|gross|pathetic|revolting|vile|shameful|selfish|ridiculous"
             r"|stupid|insane|crazy)\b", "'That's disgusting'.", ("that's disgusting", "That is pathetic."),
             ("it sounds like the binge left you feeling disgusting",)),
    GateRule("shaming_dismiss", "shaming", r"\b(?:get\s+over\s+it|snap\s+out\s+of\s+it|man\s+up|toughen\s+up"
             r"|grow\s+up|suck\s+it\s+up|pull\s+yourself\s+together|(?:no\s*one|nobody)\s+cares|what(?:'s|’s|\s+is)"
             r"\s+wrong\s+with\s+you|(?:it(?:'s|’s|\s+is)|that(?:'s|’s|\s+is))\s+(?:all\s+)?(?:your\s+own\s+fault"
             r"|all\s+in\s+your\s+head|in\s+your\s+head)|you\s+brought\s+(?:this|it)\s+on\s+yourself|(?:lack|have\s+no"
             r"|need\s+more)\s+(?:of\s+)?(?:will\s*power|self[\s-]*control|discipline)|first\s+world\s+problems?"
             r"|people\s+(?:are|in\s+the\s+world\s+are)\s+starving)\b",
             "Dismissive or blaming ('get over it', 'you lack willpower').",
             ("Get over it.", "You just lack willpower.", "it's all in your head", "nobody cares"),
             ("it's not your fault", "part of you wants to get over it", "it sounds like you feel nobody cares")),
    GateRule("harm_benign_asking", "harm", r"\b(?:are\s+you|if\s+you(?:'re|’re|\s+are)?|whether\s+you|when\s+you"
             r"|thoughts\s+of|thinking\s+(?:about|of))\s+(?:[a-z']+\s+){0,5}?(?:kill(?:ing)?|hurt(?:ing)?|cut(?:ting)?"
             rf"|harm(?:ing)?)\s+yourself|{_CLIENT_BELIEF}(?:you(?:'d|’d|\s+would)\s+be\s+better\s+off\s+dead"
             r"|nobody\s+would\s+miss\s+you)",
             "Asking directly about suicidal thoughts, or reflecting the person's own hopelessness.",
             ("are you thinking you might kill yourself", "part of you believes you'd be better off dead"),
             ("kill yourself",), benign=True),
    GateRule("harm_self_harm", "harm:self_harm", r"\b(?:kys|kill\s+yourself|go\s+die|(?:you\s+should|just)\s+"
             r"(?:die|end\s+it|hurt\s+yourself|cut\s+yourself|starve(?:\s+yourself)?)|nobody\s+would\s+miss\s+you"
             r"|(?:you(?:'d|’d|\s+would)\s+be\s+)?better\s+off\s+dead)\b", "Encouraging self-harm or suicide.",
             ("kys", "just starve yourself"), ("are you thinking you might kill yourself?",
                                               "you deserve to be safe")),
    # Leaked chat-template structure.
    GateRule("degenerate_role_marker", "degenerate:role_marker", r"<\s*[|｜][^<>\n]{0,60}?[|｜]\s*>|\[\s*/?\s*inst\s*\]"
             r"|<\s*/?\s*(?:s|post|system|user|assistant|start_of_turn|end_of_turn|tool_call)\s*>|<<\s*/?\s*sys\s*>>"
             r"|^[ \t]*(?:#{1,6}[ \t]*)?(?:system|user|assistant|human|gpt|developer)[ \t]*:"
             r"|^[ \t]*#{1,6}[ \t]*(?:instruction|response|system|user|assistant)\b",
             "Leaked role markers, special tokens or the post delimiters.",
             ("<|im_end|>", "assistant: sure", "</post>", "[INST]", "### Response"),
             ("the system keeps letting you down", "you told your user group about it")),
)

#: Recognised crisis and support resources: masked before the PII/number scan, and required on crisis replies.
# A figure followed by a unit is an ED number, never a resource ("112 lbs").
_NO_UNIT = (r"(?![ \t]*-?[ \t]*(?:lbs?|pounds?|kgs?|kilos?|k?cals?|calories|cm|inch|inches|steps|days?|hours?|hrs?"
            r"|minutes?|mins?|miles?|km)\b)")
RESOURCE_RULES: tuple[GateRule, ...] = (
    GateRule("resource_emergency", "resource:emergency", rf"\b(?:911|999|112|000)\b{_NO_UNIT}|\bemergency\s+(?:number"
             r"|services|line|room|department|help|care)\b|\b(?:a\s*&\s*e|the\s+er)\b|\bcall\s+(?:an\s+)?ambulance\b",
             "Emergency services.", ("call 911", "your local emergency number", "go to A&E"),
             ("the era", "i weigh 112 lbs")),
    GateRule("resource_crisis_line", "resource:crisis_line", rf"\b988\b{_NO_UNIT}|\b988lifeline\.org\b"
             r"|\bsamaritans(?:\.org)?\b|\b116\s?123\b|\bcrisis\s+(?:line|text\s+line|helpline|hotline|service|team)\b"
             r"|\btext\s+(?:home|shout)\s+to\s+\d{5,6}\b|\b741741\b|\b85258\b|\blifeline\s+(?:on\s+)?13\s?11\s?14\b"
             r"|\bfindahelpline(?:\.com)?\b|\b(?:suicide|crisis)\s+(?:(?:and\s+crisis\s+|prevention\s+)?)(?:hotline"
             r"|helpline|lifeline)\b|\b1[\s-]?800[\s-]?273[\s-]?(?:8255|talk)\b",
             "Crisis lines (988, Samaritans 116 123, Crisis Text Line, Lifeline 13 11 14, findahelpline).",
             ("call or text 988", "Samaritans on 116 123", "a crisis line", "text HOME to 741741"),
             ("line up", "food became a lifeline", "988 calories")),
    GateRule("resource_ed_service", "resource:ed_service", r"\bbeat(?:eatingdisorders\.org\.uk|\s+helpline)\b"
             r"|\b0808\s?801\s?0677\b|\bnationaleatingdisorders\.org\b|\bneda\b|\banad\b|\bbutterfly\s+foundation\b"
             r"|\b1800\s?33\s?4673\b|\beating\s+disorders?\s+(?:helpline|service|team|charity)\b",
             "Eating-disorder services (Beat, NEDA, ANAD, Butterfly).",
             ("beateatingdisorders.org.uk", "the Beat helpline on 0808 801 0677"), ("you beat yourself up",)),
    GateRule("resource_trusted_person", "resource:trusted_person", r"\b(?:someone|a\s+person|people)\s+you\s+trust\b"
             r"|\btrusted\s+(?:person|adult|friend|someone)\b", "A trusted person (encouraged; not enough alone).",
             ("someone you trust", "a trusted friend"), ("you trust yourself",)),
)
_CRISIS_ROUTES = ("resource:emergency", "resource:crisis_line")

_NUMBER_KINDS: dict[str, str] = {
    "num_weight_unit": "weight", "num_weight_more": "weight", "num_weigh": "weight", "num_weighed_decimal": "weight",
    "num_weight_shorthand": "weight", "num_scale_says": "weight", "num_on_scale": "weight",
    "num_calories": "calories", "num_calorie_keyword": "calories", "num_per_day_intake": "calories",
    "num_burned": "calories", "num_bmi_after": "bmi", "num_bmi_before": "bmi", "num_clothing_size": "size",
    "num_body_measure_unit": "measurement", "num_body_measure_keyword": "measurement",
    "num_body_measure_near": "measurement", "num_height_ft": "measurement", "num_height_tall": "measurement",
    "num_height_cm": "measurement", "num_fast_before": "fasting", "num_fast_after": "fasting",
    "num_no_food_duration": "fasting", "num_exercise_duration": "exercise", "num_activity_for": "exercise",
    "num_race_distance": "exercise", "num_exercise_verb": "exercise", "num_exercise_distance_noun": "exercise",
    "num_reps": "exercise", "num_steps": "exercise", "num_weight_sequence": "weight", "num_weight_reached": "weight",
    "num_half_unit": "weight", "num_clothing_garment": "size", "num_clothing_tiny": "size", "num_size_region": "size",
    "num_waist_size": "size", "num_calorie_tool": "calories", "num_calories_judged": "calories",
    "num_fast_regime": "fasting",
}
_PII_KINDS: dict[str, str] = {
    "pii_email": "email", "pii_email_spoken": "email", "pii_email_normalised": "email", "pii_url": "url",
    "pii_url_bare": "url", "pii_url_path": "url", "pii_url_normalised": "url", "pii_reddit_user": "user", "pii_subreddit": "subreddit",
    "pii_phone_intl": "phone", "pii_phone_uk": "phone", "pii_phone_us": "phone", "pii_name": "name",
    "pii_full_name": "name", "pii_street_address": "address", "pii_uk_postcode": "address",
}
_TEMPLATE_INJECTION = {"inj_role_marker", "inj_special_tokens"}
_WORD = re.compile(r"[a-z0-9']+")
_SENTENCE_SPLIT = re.compile(r"[.!?\n]+")


# Fallback for numbers rules added to the prepare stage later: the first keyword found in the rule name decides.
_NUMBER_KEYWORDS: tuple[tuple[str, str], ...] = (
    ("bmi", "bmi"), ("calor", "calories"), ("intake", "calories"), ("burn", "calories"), ("size", "size"),
    ("measure", "measurement"), ("height", "measurement"), ("fast", "fasting"), ("food", "fasting"),
    ("exercise", "exercise"), ("activity", "exercise"), ("race", "exercise"), ("reps", "exercise"),
    ("steps", "exercise"), ("weigh", "weight"), ("lbs", "weight"), ("stone", "weight"), ("mass", "weight"),
    ("scale", "weight"),
)


def number_kind(rule: str) -> str:
    """Return the kind (weight, calories, bmi, size, measurement, fasting, exercise) of a prepare numbers rule."""
    if rule in _NUMBER_KINDS:
        return _NUMBER_KINDS[rule]
    return next((kind for key, kind in _NUMBER_KEYWORDS if key in rule), "other")


def _scan_reason(family: str, rule: str) -> str:
    """Map a prepare-stage flag to a gate reason code."""
    if family == "numbers":
        return f"numbers:{number_kind(rule)}"
    if family == "pii":
        return f"pii:{_PII_KINDS.get(rule, 'other')}"
    if family == "injection":
        return "degenerate:role_marker" if rule in _TEMPLATE_INJECTION else "injection"
    return family  # pro_ed (crisis words in a reply are not a reason: crisis replies must name them)


_FILLER = "\x1a"  # neither a word character nor whitespace: blanked idioms cannot start or extend a frame


def _blank(pattern: re.Pattern[str], text: str) -> str:
    """Replace every match with same-length filler (spans stay valid)."""
    return pattern.sub(lambda m: _FILLER * (m.end() - m.start()), text)


def _grouped_rules() -> dict[str, tuple[tuple[GateRule, ...], tuple[GateRule, ...]]]:
    """Return {group: (benign rules, detectors)} of `RESPONSE_RULES`, in order."""
    groups: dict[str, tuple[list[GateRule], list[GateRule]]] = {}
    for rule in RESPONSE_RULES:
        benign, detectors = groups.setdefault(rule.family, ([], []))
        (benign if rule.benign else detectors).append(rule)
    return {name: (tuple(b), tuple(d)) for name, (b, d) in groups.items()}


_GROUPS = _grouped_rules()


def _first_run(words: list[str], k: int, length: int) -> int:
    """The first i with ``words[j] == words[j + k]`` for every j in [i, i + length), or -1 (C-speed scan)."""
    return bytes(map(operator.eq, words, words[k:])).find(b"\x01" * length)


def _repetition(text: str) -> str | None:
    """Return the looping evidence in `text`, or None.

    Looping = one word four times in a row, a run of 2-8 words three times
    in a row, a sentence of three or more words repeated, a 4-word sequence
    three times anywhere, or (30+ words) under 30 % distinct words.
    """
    lower = text.lower()
    words = _WORD.findall(lower)
    i = _first_run(words, 1, 3)  # words[i] == ... == words[i + 3]
    if i >= 0:
        return " ".join(words[i:i + 4])
    for k in range(2, min(8, len(words) // 3) + 1):
        i = _first_run(words, k, 2 * k)  # words[i:i+k] == words[i+k:i+2k] == words[i+2k:i+3k]
        if i >= 0:
            return " ".join(words[i:i + k])
    seen: set[str] = set()
    for sentence in _SENTENCE_SPLIT.split(lower):
        key = " ".join(_WORD.findall(sentence))
        if len(key.split()) >= 3:
            if key in seen:
                return key
            seen.add(key)
    if len(words) >= 4 and max(Counter(zip(words, words[1:], words[2:], words[3:])).values()) >= 3:
        grams: dict[tuple[str, ...], int] = {}
        for i in range(len(words) - 3):  # the first 4-gram to reach three occurrences
            gram = tuple(words[i:i + 4])
            grams[gram] = grams.get(gram, 0) + 1
            if grams[gram] >= 3:
                return " ".join(gram)
    if len(words) >= 30 and len(set(words)) / len(words) < 0.3:
        return f"{len(set(words))} distinct of {len(words)} words"
    return None


def fires(rule: GateRule, text: str) -> bool:
    """Return True if `rule` matches `text` (a detector: after its group's benign rules have been blanked)."""
    if rule.benign or rule.family not in _GROUPS:
        return rule.regex.search(text) is not None
    for benign in _GROUPS[rule.family][0]:
        text = _blank(benign.regex, text)
    return rule.regex.search(text) is not None


def mask_resources(text: str, folded: str | None = None) -> str:
    """Return `text` with recognised crisis/support resources replaced by ``[resource]``.

    `folded` is `literals.fold(text)` when the caller has it; a rule whose
    literals are absent cannot match and is skipped.
    """
    folded = fold(text) if folded is None else folded
    for _rule, regex, literals in _resource_plan():
        if literals.open(folded):
            masked = regex.sub("[resource]", text)
            if masked != text:
                text, folded = masked, fold(masked)
    return text


def resources(text: str, folded: str | None = None) -> tuple[str, ...]:
    """Return the resource kinds named in `text` (``resource:emergency``, ``resource:crisis_line`` ...)."""
    folded = fold(text) if folded is None else folded
    return tuple(rule.reason for rule, regex, literals in _resource_plan()
                 if literals.open(folded) and regex.search(text))


_SCAN_FAMILIES = ("numbers", "pro_ed", "pii", "injection")  # crisis words are no reason: crisis replies name them


@dataclass(frozen=True)
class _Step:
    """One response rule as `_view_hits` runs it: the compiled pattern and its regex prefilter."""

    rule: GateRule
    regex: re.Pattern[str]
    prefilter: re.Pattern[str] | None = None


@dataclass(frozen=True)
class _Plan:
    """`_GROUPS` compiled: per group, the detectors and benign rules that may match ``fold(view)``.

    `detectors(folded)` returns, per group, the detectors whose pattern's
    and regex prefilter's necessary literals occur (`prepare.literals`),
    in one call; `benign[g](folded)` the benign rules of group g that may
    match. The view is folded before blanking: blanking writes `_FILLER`,
    which no literal contains, so it only removes literals and what is
    absent from the view is absent from the blanked text too.
    """

    detectors: Callable[[str], tuple[list[_Step], ...]]
    benign: tuple[Callable[[str], list[_Step]], ...]


@lru_cache(maxsize=1)
def _plan() -> _Plan:
    """`_GROUPS` compiled once: patterns, prefilters and literal filters (built on first use, ~0.3 s)."""
    detector_groups, benign = [], []
    for benign_rules, detectors in _GROUPS.values():
        steps = [_Step(r, r.regex, _compile(r.prefilter) if r.prefilter else None) for r in detectors]
        filters = [both(literal_filter(s.prefilter), s.rule.literals) if s.prefilter is not None else s.rule.literals
                   for s in steps]
        detector_groups.append((tuple(steps), tuple(filters)))
        benign.append(selector(tuple(_Step(r, r.regex) for r in benign_rules), tuple(r.literals for r in benign_rules)))
    return _Plan(multi_selector(tuple(detector_groups)), tuple(benign))


@lru_cache(maxsize=1)
def _resource_plan() -> tuple[tuple[GateRule, re.Pattern[str], LiteralFilter], ...]:
    """`RESOURCE_RULES` with their compiled patterns and literal filters."""
    return tuple((rule, rule.regex, rule.literals) for rule in RESOURCE_RULES)


def _detect(step: _Step, seen: str, memo: dict[str, bool]) -> re.Match[str] | None:
    """Search a detector in the benign-blanked text `seen`, after its regex prefilter (memoised per view)."""
    if step.prefilter is not None:
        key = step.rule.prefilter
        if key not in memo:
            memo[key] = step.prefilter.search(seen) is not None
        if not memo[key]:
            return None
    return step.regex.search(seen)


def _view_hits(view: str, scan_rules: frozenset[str] | None = None) -> list[GateHit]:
    """All reasons found in one view of the reply (raw or cleaned).

    `scan_rules`, when given, are the prepare-stage detectors already known
    to fire on ``mask_resources(view)`` (from `_batch_scan_rules`); only
    they are run in Python for the spans. Every rule whose necessary
    literals are absent is skipped (`prepare.literals`): same hits, a
    fraction of the regex work.
    """
    hits: list[GateHit] = []
    folded = fold(view)
    if scan_rules is None or scan_rules:
        flags = scan(mask_resources(view, folded), families=_SCAN_FAMILIES, rules=scan_rules).flags
        emails = [(f.start, f.end) for f in flags if _scan_reason(f.family, f.rule) == "pii:email"]
        hits += [GateHit(_scan_reason(f.family, f.rule), f.rule, f.text) for f in flags
                 if not (f.rule.startswith("pii_url") and any(a <= f.start and f.end <= b for a, b in emails))]
    plan = _plan()
    for benign, candidates in zip(plan.benign, plan.detectors(folded)):
        if not candidates:  # no detector can match: the benign rules have nothing to spare
            continue
        seen, memo = view, {}
        for step in benign(folded):
            seen = _blank(step.regex, seen)
        for step in candidates:
            match = _detect(step, seen, memo)
            if match:
                hits.append(GateHit(step.rule.reason, step.rule.name, view[match.start():match.end()].strip()))
    return hits


def _views(text: str) -> list[str]:
    """The reply as written and, when cleaning changes it, cleaned (markdown unwrapped, entities decoded)."""
    cleaned = clean_text(text) if text.strip() else ""
    return [text, cleaned] if cleaned and cleaned != text else [text]


def _verdict(text: str, crisis: bool, views: list[str], scan_rules: list[frozenset[str] | None]) -> GateVerdict:
    """Assemble the verdict of one reply from its views."""
    hits: list[GateHit] = []
    if not re.search(r"[A-Za-z]", text):
        hits.append(GateHit("degenerate:empty", "degenerate_empty", text.strip()))
    for view, rules in zip(views, scan_rules):
        hits.extend(_view_hits(view, rules))
    loop = _repetition(text)
    if loop:
        hits.append(GateHit("degenerate:repetition", "degenerate_repetition", loop))
    if crisis and not any(kind in _CRISIS_ROUTES for view in views for kind in resources(view)):
        hits.append(GateHit("crisis:no_resources", "crisis_no_resources", ""))
    unique: dict[tuple[str, str, str], GateHit] = {}
    for hit in hits:
        unique.setdefault((hit.reason, hit.rule, hit.text), hit)
    reasons = tuple(dict.fromkeys(h.reason for h in unique.values()))
    return GateVerdict(not reasons, reasons, any(is_ed_harm(r) for r in reasons), tuple(unique.values()))


def check_response(text: str, crisis: bool = False) -> GateVerdict:
    """Return the gate's verdict on one generated reply.

    `crisis` marks a reply to a crisis-routed post: it must then name an
    emergency service or a crisis line. Reasons are unique, in first-found
    order; `ed_harm` is True if any reason is ED harm (`is_ed_harm`).
    """
    text = "" if text is None else str(text)
    views = _views(text)
    return _verdict(text, crisis, views, [None] * len(views))


def _batch_scan_rules(texts: list[str]) -> list[frozenset[str]]:
    """Names of the prepare-stage detectors that fire in each text, computed in one DuckDB (RE2) query."""
    import duckdb

    from interosight_core.prepare.safety import sql_rule_hits_expr

    parts = [sql_rule_hits_expr(family, "t") for family in _SCAN_FAMILIES]
    expr = parts[0]
    for part in parts[1:]:
        expr = f"list_concat({expr}, {part})"
    con = duckdb.connect()
    try:
        rows = con.execute(f"SELECT i, {expr} FROM (SELECT generate_subscripts($1::VARCHAR[], 1) AS i, "
                           f"unnest($1::VARCHAR[]) AS t) ORDER BY i", [texts]).fetchall()
    finally:
        con.close()
    return [frozenset(names) for _, names in rows]


def check_responses(records: Iterable[str | Mapping], crisis: bool = False,
                    batch_min: int | None = None) -> list[GateVerdict]:
    """`check_response` for many replies, in order, with the same verdicts.

    Each record is a string or a mapping with ``text`` (or ``response``) and
    an optional boolean ``crisis`` that overrides the `crisis` argument.
    With `batch_min` set, from that many records on the prepare-stage rules
    run first as one DuckDB (RE2) query over all replies, as the prepare
    stage does, and Python only explains the replies they flag. Off by
    default: with the literal prefilters the Python scan is as fast on a
    large batch and ~2x faster on a runner-sized one (the query's fixed
    cost), so this is `check_response` in a loop.
    """
    items: list[tuple[str, bool]] = []
    for record in records:
        if isinstance(record, Mapping):
            text = record.get("text", record.get("response", ""))
            items.append(("" if text is None else str(text), bool(record.get("crisis", crisis))))
        else:
            items.append(("" if record is None else str(record), crisis))
    views = [_views(text) for text, _ in items]
    flat = [view for vs in views for view in vs]
    if batch_min is not None and len(items) >= batch_min and flat:
        rules: list[frozenset[str] | None] = list(_batch_scan_rules([mask_resources(v) for v in flat]))
    else:
        rules = [None] * len(flat)
    out, offset = [], 0
    for (text, is_crisis), vs in zip(items, views):
        out.append(_verdict(text, is_crisis, vs, rules[offset:offset + len(vs)]))
        offset += len(vs)
    return out


def explain_responses(records: Iterable[Mapping], crisis: bool = False) -> list[dict]:
    """Gate `{id, text}` records and return JSON-able results (id, text, crisis, safe, reasons, ed_harm, hits)."""
    records = list(records)
    verdicts = check_responses(records, crisis)
    return [{"id": r.get("id", str(i + 1)), "text": r.get("text", ""), "crisis": bool(r.get("crisis", crisis)),
             **v.to_dict()} for i, (r, v) in enumerate(zip(records, verdicts))]


def render_verdict(result: dict) -> str:
    """Human-readable block for one `explain_responses` result: SAFE/UNSAFE, reasons and matched words."""
    if result["safe"]:
        return f"[{result['id']}] SAFE" + (" (crisis reply: resources named)" if result.get("crisis") else "")
    head = f"[{result['id']}] UNSAFE{' (ED harm)' if result['ed_harm'] else ''}: {', '.join(result['reasons'])}"
    lines = [head]
    for hit in result["hits"]:
        lines.append(f"    {hit['reason']:<24} {hit['rule']:<34} {hit['text']!r}")
    return "\n".join(lines)


__all__ = ["ED_HARM_PREFIXES", "GATE_VERSION", "GateHit", "GateRule", "GateVerdict", "RESOURCE_RULES",
           "RESPONSE_RULES", "check_response", "check_responses", "explain_responses", "fires", "is_ed_harm",
           "mask_resources", "number_kind", "render_verdict", "resources"]
