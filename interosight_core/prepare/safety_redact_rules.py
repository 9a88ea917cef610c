"""Rules of the two redacting safety families: `numbers` and `pii`.

numbers policy: only the numeric token is replaced, by `[number]`; the unit
and context words stay ("1,200 kcal" -> "[number] kcal", "bmi of 16.5" ->
"bmi of [number]", "5'4" -> "[number]'[number]", "10k steps" -> "[number]
steps"), so the sentence keeps its meaning without the figure. Redacted:
numbers quantifying body weight (and weight change), calories, BMI,
clothing size, body measurements and height, fasting / not-eating
durations, and exercise amounts (duration, distance, steps, reps, calories
burned). Number words count for unit rules ("twenty pounds", "two hours on
the elliptical"); keyword-then-number rules ("goal weight 110") take digits
only. Left alone: ages, dates, times, counts of people/meals/days in
recovery ("2 weeks since my last binge", "day 3", "3 meals and 2 snacks"),
food portions ("2 cups of tea", "2 slices"), money ("spent 20 pounds"),
shoe sizes, distances with no exercise verb ("school is 5 miles away").
Known gaps: unitless figures ("down to 98"), stone written "9st" alone
(ambiguous with ordinals), UK sizes without "size", pre-normalised heights
("5 4").

pii policy: typed placeholders `[email]`, `[phone]`, `[url]`, `[user]`,
`[subreddit]`, `[name]`, `[address]`; the introducing words stay ("my name
is [name]"). Names are found only after "my name is" / "my name's" / "i'm
called" (a capitalised second word is taken as a surname); addresses only
as number + 1-3 words + street type, or a UK postcode. Known gaps: names
elsewhere in a sentence, "12 Oaks Road" (a plural word after the number is
treated as a count, see `pii_safe_counts`), URL path words in pre-normalised
text.

Benign ("safe") rules of these families protect look-alikes by inserting
the sentinel `\\x1f` at the break point (`\\1\\x1f\\2`); detectors cannot
match across it, and it is removed after the family runs (see `safety`).
"""

from __future__ import annotations

import os

from interosight_core.prepare.rules import Rule

S = "\x1f"  # the protect sentinel; must equal safety.SENTINEL
PROTECT = "\\1" + S + "\\2"



def _trie(words: tuple[str, ...]) -> str:
    """Return a prefix-factored alternation of `words` (same matches, far fewer steps in Python's `re`)."""
    ordered = sorted(set(words))
    if len(ordered) == 1:
        return ordered[0]
    prefix = os.path.commonprefix(ordered)
    if prefix:
        rest = tuple(w[len(prefix):] for w in ordered)
        inner = _trie(tuple(r for r in rest if r))
        return f"{prefix}(?:{inner})" + ("?" if "" in rest else "")
    groups: dict[str, list[str]] = {}
    for word in ordered:
        groups.setdefault(word[0], []).append(word)
    return "|".join(_trie(tuple(group)) for group in groups.values())


_UNIT = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_TEEN = ("ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen")
_TENS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_BELOW_100 = rf"(?:(?:{_trie(_TENS)})(?:[ -](?:{_trie(_UNIT)}))?|{_trie(_UNIT + _TEEN)})"
WORDNUM = (rf"(?:(?:{_trie(_TENS)})(?:[ -](?:{_trie(_UNIT)}))?|{_trie(_UNIT + _TEEN + ('zero', 'hundred', 'thousand'))}"
           r"|a\s+(?:hundred|thousand))(?:\s+(?:hundred|thousand))?\b")
#: 100-399 written out ("one hundred and ten"): unitless weights after weigh / weight.
WORD_HUNDREDS = rf"(?:one|a|two|three)\s+hundred(?:\s+(?:and\s+)?{_BELOW_100})?\b"
DIGITS = r"\d+(?:[.,]\d+)*"
NUM = rf"(?:{DIGITS}(?:\s*k\b)?|{WORDNUM})"
NUMR = rf"{NUM}(?:\s*(?:-|–|to|or|/)\s*{NUM})?"
NUMD = rf"{DIGITS}(?:\s*(?:-|–|to|/)\s*{DIGITS})?"
CONNECT = (r"(?:(?:is|was|are|were|of|at|around|about|under|below|over|above|only|just|like|now|currently|almost"
           r"|nearly|exactly|maybe|roughly|approx|measures?|measured|measuring|reached|hit|least)\b\s*|[:=~-]\s*){0,3}")
WEIGHT_UNIT = r"(?:lbs?|pounds?|kgs?|kilos?|kilograms?|stones?)"
BODY = r"(?:waist|hips?|thighs?|thigh\s+gap|upper\s+arms?|arms?|bust|chest|wrists?|calf|calves|neck|stomach|belly)"
APOS = "['’]?"
_GARMENT = (r"(?:jeans|pants|trousers|shorts|dress(?:es)?|skirts?|leggings|clothes|bras?|tops?|shirts?|jackets?|coats?)"
            r"\s+(?:are|is|were|was|now|say|says|said|in)")


def _n(name: str, pattern: str, replacement: str, description: str,
       examples: tuple[str, ...], counterexamples: tuple[str, ...]) -> Rule:
    """Build a `numbers` detector."""
    return Rule(name, "numbers", pattern, replacement, description, examples, counterexamples)


def _ns(name: str, pattern: str, description: str, examples: tuple[str, ...],
        counterexamples: tuple[str, ...]) -> Rule:
    """Build a `numbers` protect rule (two groups; sentinel inserted between them)."""
    return Rule(name, "numbers", pattern, PROTECT, description, examples, counterexamples, benign=True)


NUMBER_RULES: tuple[Rule, ...] = (
    _ns("num_safe_money", rf"(?i)\b((?:spen[dt]|spending|spends|costs?|costing|paid|pay|pays|paying|owe[ds]?|owing"
        rf"|earn(?:s|ed|ing|t)?|worth|price[ds]?|charged?)\s+(?:(?:about|around|over|almost|nearly|like|only|just"
        rf"|another|an\s+extra|at\s+least|me|us|him|her)\s+)?{NUMR})(\s*(?:pounds?|quid)\b)",
        "Money in pounds after spend/cost/pay verbs.", ("i spent 20 pounds on binge food", "it cost 5 pounds"),
        ("i lost 20 pounds",)),
    _ns("num_safe_money_units", rf"(?i)\b({NUMR})(\s*pounds?\s+(?:notes?|coins?|an\s+hour|a\s+(?:month|week|day)"
        r"|per\s+(?:hour|month|week|day)|vouchers?|gift\s+cards?)\b)",
        "Pound notes/coins/wages.", ("a 20 pound note", "10 pounds an hour"), ("20 pounds heavier",)),
    _ns("num_safe_food_pack", rf"(?i)\b({NUMR})(\s*-?\s*(?:lbs?|pounds?|kgs?|kilos?|g|grams?)\s+(?:bags?|box(?:es)?"
        r"|tubs?|sacks?|bars?|tins?|jars?|blocks?|buckets?|packs?)\s+of\b)",
        "Package weights of food.", ("a 5 lb bag of flour",), ("a 5 lb weight gain",)),
    _ns("num_safe_other_size", r"(?i)\b((?:shoe|ring|font|bed|boot|glove|hat|nappy|diaper|portion|serving|sample|batch"
        r"|family|class|team|group|screen|file|paper|print|shirt\s+collar)\s+size)(\s*(?:is\s+|was\s+|of\s+)?\d)",
        "Shoe, portion, font, class ... sizes are not body sizes.", ("my shoe size is 8", "class size 30"),
        ("dress size 8",)),
    _ns("num_safe_quantity_of", rf"(?i)\b({NUMR})(\s*(?:lbs?|pounds?|kgs?|kilos?|kilograms?|g|grams?|oz"
                                rf"|ounces?)\s+of\b)",
        "'2 pounds of strawberries' is a quantity of something; body mass is re-caught by num_body_mass_of.",
        ("i bought 2 pounds of strawberries",), ("i lost 2 pounds",)),
    _n("num_body_mass_of", rf"(?i)\b({NUMR})(\x1f?\s*{WEIGHT_UNIT}\s+of\s+(?:pure\s+|body\s+)?(?:fat|muscle"
       r"|water(?:\s+weight)?|weight|mass|bloat)\b)", "[number]\\2",
       "Weight + of + fat/muscle/water (may follow the quantity protect).", ("lost 2 pounds of fat",),
       ("2 pounds of strawberries",)),
    _n("num_stone_lbs", r"(?i)\b(\d{1,2})(\s*st\s*)(\d{1,2})(\s*(?:lbs?|pounds?)\b)", "[number]\\2[number]\\4",
       "Stone-and-pounds weights (before the plain unit rule).", ("i weigh 7st 2lbs", "9 st 4 lb"),
       ("the 1st 2 weeks",)),
    _n("num_weight_unit", rf"(?i)\b({NUMR})(\s*{WEIGHT_UNIT}\b)", "[number]\\2",
       "Number + weight unit (lbs, pounds, kg, kilos, stone).",
       ("im 95 lbs", "lost twenty pounds", "52kg", "down to 9 stone", "lose 5 to 10 pounds"),
       ("a pound of grapes", "i spent 20 pounds on food", "kilograms confuse me")),
    _n("num_weight_more", rf"(?i)\b({NUMR})(\s+(?:more|extra|whole|additional)\s+{WEIGHT_UNIT}\b)", "[number]\\2",
       "Number + more/extra + weight unit.", ("lose 10 more pounds", "two extra kilos"), ("a few more pounds",)),
    _n("num_calories", rf"(?i)\b({NUMR})(\s*-?\s*(?:k?cals?|kcals?|calories|calorie)\b)", "[number]\\2",
       "Number + calorie unit.", ("1,200 kcal", "1200cal", "a 1000 calorie binge", "1.2k calories", "800 cals"),
       ("calories scare me", "i ate 2 cookies")),
    _n("num_calorie_keyword", rf"(?i)\b((?:calories|cals|kcals?|calorie\s+(?:limit|goal|target|budget|intake|deficit"
       rf"|count)|daily\s+limit|my\s+limit|tdee|bmr|deficit)\s*{CONNECT})({NUMD})", "\\1[number]",
       "Calorie keyword then a number.", ("calorie limit of 800", "my tdee is 1800", "calories: 1200"),
       ("my limit is unclear", "calories are not the enemy")),
    _n("num_bmi_after", rf"(?i)\b(bmi\s*{CONNECT})({NUMD})", "\\1[number]", "BMI then a number.",
       ("bmi 16.5", "a BMI of 16.5", "my bmi was 15"), ("bmi is meaningless", "my bmi")),
    _n("num_bmi_before", rf"(?i)\b({NUMD})(\s*bmi\b)", "[number]\\2", "A number then BMI.",
       ("a 16 bmi",), ("bmi charts",)),
    _n("num_clothing_size", rf"(?i)\b((?:size|sz)\s*{CONNECT}(?:an?\s+)?(?:us\s+|uk\s+|eu\s+)?)({NUMD}|zero"
                            rf"|double\s+zero"
       r"|triple\s+zero|x*xs)\b", "\\1[number]",
       "Clothing sizes (size 2, size 00, size xxs: the small letter sizes count too).",
       ("size 2", "size 00 jeans", "a size zero", "dress size is 8", "size xxs"),
       ("size doesnt matter", "my shoe size is 8")),
    _n("num_body_measure_unit", rf"(?i)\b({NUMR})(\s*-?\s*(?:inch(?:es)?|in|cm|centimet(?:er|re)s?|\")\s*(?:(?:off|from|around"
       rf"|on|of)\s+)?(?:(?:my|the|her|his|your)\s+)?{BODY}\b)",
       "[number]\\2", "Number + length unit + body part.", ("23 inch waist", "a 50cm thigh"),
       ("23 inch screen", "5 inch heels")),
    _n("num_body_measure_keyword", rf"(?i)\b({BODY}(?:\s+(?:measurement|size|circumference))?\s*{CONNECT})({NUMD})",
       "\\1[number]", "Body part (+ is/measures) then a number.",
       ("my waist is 24 inches", "thighs measure 19 inches", "waist 24"), ("my waist hurts", "arms and legs")),
    _n("num_body_measure_near", rf"(?i)\b({BODY}\s+(?:[a-z']+\s+){{1,6}}?)({NUMD})(\s*(?:inch(?:es)?|in|cm"
       r"|centimet(?:er|re)s?|\")\b)", "\\1[number]\\3", "A length a few words after a body part.",
       ("i measure my waist every morning its 26 inches",), ("my waist hurts and i walked 5 miles",)),
    _n("num_height_ft", r"(?i)\b([4-7])(\s*(?:'|ft\.?|foot|feet)\s*)(\d{1,2})\b", "[number]\\2[number]",
       "Heights in feet and inches.", ("im 5'4", "5 ft 4", "6 foot 1"), ("5 feet away",)),
    _n("num_height_tall", r"(?i)\b([4-7]|1\d{2})(\s*(?:ft|foot|feet|cm|centimet(?:er|re)s?)\s+tall)\b", "[number]\\2",
       "Heights stated as tall.", ("5 feet tall", "165 cm tall"), ("the tree is tall",)),
    _n("num_height_cm", r"(?i)\b(1\d{2}(?:[.,]\d)?)(\s*(?:cm|centimet(?:er|re)s?)\b)", "[number]\\2",
       "Three-digit centimetres (heights).", ("im 165cm",), ("20 cm of snow",)),
    _n("num_fast_before", rf"(?i)\b({NUMR})(\s*-?\s*(?:hours?|hrs?|h|days?|d)\s*-?\s*(?:(?:water|dry|juice|liquid"
       r"|extended|long)\s+)?fast(?:s|ing|ed)?\b)", "[number]\\2", "Number + hour/day + fast.",
       ("72 hour fast", "a 5 day water fast", "72h fast", "36-hour fasting"), ("fast food", "a 2 hour drive")),
    _n("num_fast_after", rf"(?i)\b((?:fast(?:ed|ing)|fast\s+for|water\s+fast(?:ed|ing)?|(?:went|go|going"
                         rf"|been)\s+without"
       rf"\s+(?:food|eating)|(?:no|zero)\s+food|(?:did\s*n{APOS}t|did\s+not|have\s*n{APOS}t|have\s+not|has\s*n{APOS}t"
       r"|not)\s+(?:eaten|eat|ate)(?:\s+(?:anything|food|a\s+thing))?)\s+(?:for\s+|in\s+|over\s+)?(?:(?:about|around"
       rf"|over|almost|nearly|like|another|the\s+(?:past|last))\s+)?)({NUMR})(\s*(?:hours?|hrs?|h|days?|weeks?)\b)",
       "\\1[number]\\3", "Fasting / not-eating + duration.",
       ("fasted for 72 hours", "been fasting for 36 hours", "didnt eat for 3 days", "i haven't eaten in 2 days"),
       ("fast food for 2 days", "i ate in 2 hours")),
    _n("num_no_food_duration", rf"(?i)\b({NUMR})(\s*(?:hours?|hrs?|days?)\s+(?:without|with\s+no)\s+(?:food|eating"
       r"|a\s+meal|meals))", "[number]\\2", "Duration + without food.", ("48 hours without food",),
       ("2 days without my phone",)),
    _n("num_exercise_duration", rf"(?i)\b({NUMR})(\s*(?:hours?|hrs?|h|minutes?|mins?)\s+(?:(?:on|of|at|in|doing)\s+"
       r"(?:the\s+|my\s+)?)?(?:treadmill|elliptical|stair\s*master|stairs|stepper|exercise\s+bike|bike|spin(?:ning)?"
       r"|cardio|gym|running|jogging|walking|exercise|exercising|workouts?|working\s+out|hiit|cycling|swimming"
       r"|rowing|rower|zumba|pilates|weights|lifting)\b)", "[number]\\2", "Duration + exercise activity.",
       ("2 hours on the treadmill", "two hours on the elliptical", "90 minutes of cardio"),
       ("2 hours before my shift", "8 hours of sleep")),
    _n("num_activity_for", rf"(?i)\b((?:treadmill|elliptical|stair\s*master|stepper|exercise\s+bike|bike|cardio|gym"
       r"|spin\s+class|hiit|rower|pool|workouts?)\s+for\s+(?:(?:about|around|over|almost|nearly|like|another"
       r"|at\s+least)"
       rf"\s+)?)({NUMR})(\s*(?:hours?|hrs?|h|minutes?|mins?)\b)", "\\1[number]\\3", "Activity + for + duration.",
       ("on the stairmaster for 45 minutes", "cardio for 2 hours"), ("at the gym for my friend",)),
    _n("num_race_distance", r"(?i)\b((?:ran|run|running|did|do|doing|walked|jogged|finished|completed)\s+(?:a|an|my"
       r"|another)\s+)(\d{1,3})(\s*(?:k|km|mile|miler)\b)", "\\1[number]\\3", "Race distances (ran a 10k).",
       ("ran a 10k", "did a 5k this morning"), ("ran a marathon",)),
    _n("num_per_day_intake", rf"(?i)\b((?:eat(?:s|ing)?|ate|having|had|consum(?:e|es|ed|ing)|intake\s+of"
                             rf"|limit\s+(?:of|to)"
       r"|under|below|less\s+than|no\s+more\s+than|max(?:imum)?\s+of|stay(?:ing)?\s+under)\s+(?:(?:like|about|around"
       r"|only|just|maybe)\s+)?)(\d{3,4})(\s*(?:a|per|each|every)\s+day\b)", "\\1[number]\\3",
       "Eating N (3-4 digits) a day: calories without a unit.", ("eating like 600 a day", "under 800 per day"),
       ("eating 3 meals a day",)),
    _n("num_weighed_decimal", r"(?i)\b(weigh(?:ed|s|ing)?\s+(?:myself\s+)?(?:[a-z]+\s+){0,4}?)(\d{2,3}[.,]\d{1,2})\b",
       "\\1[number]", "Weighed ... 118.4 (decimal weights a few words after weigh).",
       ("weighed myself this morning 118.4",), ("weighed myself 10 times",)),
    _n("num_exercise_verb", rf"(?i)\b((?:ran|run|runs|running|jog(?:s|ged|ging)?|walk(?:s|ed|ing)?|hik(?:e|es|ed|ing)"
       r"|cycl(?:e|es|ed|ing)|bik(?:e|es|ed|ing)|swam|swim(?:s|ming)?|row(?:s|ed|ing)?|exercis(?:e|es|ed|ing)"
       r"|work(?:ed|ing|s)?\s+out|sprint(?:ed|ing)?)\s+(?:for\s+)?(?:(?:about|around|over|almost|nearly|like|another"
       rf"|an\s+extra|at\s+least|a\s+good)\s+)?)({NUMR})(\s*(?:miles?|mi|km|kms|kilomet(?:er|re)s?|met(?:er|re)s?|m|k|hours?|hrs?|h"
       r"|minutes?|mins?|laps?)\b)", "\\1[number]\\3", "Exercise verb + amount.",
       ("ran 5 miles", "Ran 10 km", "exercised for 3 hours", "cycled for 90 minutes", "swam 60 laps"),
       ("my school is 5 miles away", "i ran into 2 friends")),
    _n("num_exercise_distance_noun", rf"(?i)\b({NUMR})(\s*-?\s*(?:miles?|mi|km|k)\s+(?:runs?|walks?|hikes?|jogs?"
       r"|bike\s+rides?|rides?|swims?|races?)\b)", "[number]\\2", "Distance + run/walk noun.",
       ("a 5 mile run", "10k run"), ("a 5 mile drive",)),
    _n("num_reps", rf"(?i)\b({NUMR})(\s*(?:sit[\s-]*ups?|crunch(?:es)?|push[\s-]*ups?|press[\s-]*ups?|squats?|burpees?"
       r"|jumping\s+jacks?|star\s+jumps?|lunges?|laps|lengths|leg\s+raises?|reps|pull[\s-]*ups?"
       r"|mountain\s+climbers?)\b)",
       "[number]\\2", "Exercise repetitions.", ("did 200 crunches", "100 squats", "100 lengths"), ("squats hurt",)),
    _n("num_steps", rf"(?i)\b(\d{{1,3}}(?:[.,]\d+)?\s*k|\d{{1,3}}(?:,\d{{3}})+|\d{{4,6}}"
                    rf"|(?:{_trie(_TENS + _TEEN + _UNIT)})"
       rf"(?:[ -](?:{_trie(_UNIT)}))?\s+thousand)(\s*steps?\b)", "[number]\\2", "Step counts (thousands only).",
       ("10k steps", "20000 steps", "10,000 steps", "ten thousand steps"),
       ("10 steps in the workbook", "2 steps forward")),
    _n("num_burned", rf"(?i)\b(burn(?:ed|t|ing|s)?\s+(?:off\s+)?(?:(?:about|around|over|almost|nearly|like|another"
       rf"|an\s+extra|at\s+least)\s+)?)({NUMD})\b", "\\1[number]", "Burned + number.",
       ("burned 500 at the gym",), ("burned out after work",)),
    _n("num_weigh", rf"(?i)\b((?:weigh(?:s|ed|ing)?(?:\s+in)?|(?:(?:goal|target|current|highest|lowest|starting|start"
       rf"|ideal|dream|ultimate|final|end|body|my)\s+)?weight)\s*{CONNECT})({NUMD}|{WORD_HUNDREDS})", "\\1[number]",
       "Weigh / (goal) weight then a number.", ("goal weight 110", "i weigh 130", "weighed in at 120"),
       ("i weighed myself twice", "the weight of everything")),
    _n("num_weight_shorthand", rf"(?i)\b((?:ugw|u?gw\d?|cw|hw|sw|lw)\s*{CONNECT})(\d{{2,3}}(?:[.,]\d+)?)\b",
       "\\1[number]", "ED shorthand weights: cw/gw/ugw/hw/sw/lw + 2-3 digits.",
       ("cw 130 gw 115", "ugw: 95", "gw1 is 100"),
       ("hw 2 due friday", "sw 5")),
    _n("num_weight_sequence", r"(?i)\b((?:weight|weighed|scale)\s+(?:went|dropped|fell|jumped|climbed|crept|has\s+gone"
       r"|has\s+been|was|is|goes)\s+(?:(?:from|down|up|to|like|back)\s+){0,2})(\d{2,3}(?:[.,]\d)?(?:\s*(?:then|to|->|→"
       r"|and(?:\s+then)?|,)\s*\d{2,3}(?:[.,]\d)?)*)\b", "\\1[number]",
       "A weight that went from one figure to others (the whole run becomes one placeholder).",
       ("weight went 150 then 143 then 139 in a month", "my weight dropped to 98"), ("my weight went up",)),
    _n("num_weight_reached", r"(?i)\b((?:hit|hitting|reached|reaching|got\s+(?:down|up)\s+to|(?:down|back\s+up|back)\s+to"
       r"|dropped\s+to|creeping\s+(?:up\s+)?to|went\s+(?:up|down)\s+to)\s+)(1\d\d|2\d\d|3[0-4]\d)(?:[.,]\d)?\b",
       "\\1[number]", "Unitless weights of 100-349 after hit / reached / down to.",
       ("my uncle made a comment when i hit 160", "got down to 112"), ("hit 5 miles", "down to 2 meals")),
    _n("num_half_unit", r"(?i)\b(half|quarter|one\s+and\s+a\s+half|a\s+half)(\s+(?:of\s+)?(?:a|an)?\s*(?:pound|lb|kilo|kg"
       r"|stone)s?\b)", "[number]\\2", "Fractions of a weight unit.", ("gaining half a pound a week",),
       ("half a sandwich",)),
    _n("num_clothing_garment", rf"(?i)\b({_GARMENT}\s+(?:(?:now|only|just|like)\s+)?(?:(?:a|an|size|down\s+to|up\s+to)\s+)"
       r"{1,2}(?:us\s+|uk\s+|eu\s+|aus?\s+)?)(\d{1,2}|0{2,3}|x*xs)\b", "\\1[number]",
       "A garment is (a) size: 'the dress is a 4'.", ("the dress is a 4", "my jeans are down to a 6"),
       ("my jeans are blue", "the dress was 20 dollars")),
    _n("num_clothing_tiny", rf"(?i)\b({_GARMENT}\s+(?:(?:now|only|just|like|a|an|size)\s+){{0,2}})(0{{2,3}}|x+s)\b",
       "\\1[number]", "Garments in the smallest sizes (00, 000, xxs).", ("my jeans are a 00 now", "pants are xxs"),
       ("my jeans are 2 years old",)),
    _n("num_size_region", r"(?i)\b((?:a|an|in\s+a|wear\s+a|fit\s+(?:in)?to\s+a|at\s+a)\s+(?:us|uk|eu|aus?)\s+(?:size\s+)?)"
       r"(\d{1,2}|0{2,3})\b", "\\1[number]", "Regional clothing sizes: 'a uk 4'.",
       ("she said i looked tiny at a uk 4",), ("a uk trip",)),
    _n("num_waist_size", r"(?i)\b(\d{2})(\s+(?:waist|inseam)\b)", "[number]\\2", "Jeans waist sizes: '27 waist'.",
       ("the jeans say 27 waist",), ("my waist",)),
    _n("num_calorie_tool", r"(?i)\b((?:tdee|bmr|maintenance(?:\s+calories)?|calorie\s+(?:app|calculator|tracker|counter)"
       r"|myfitnesspal|mfp|cronometer|fitbit|apple\s+watch|smart\s*watch|my\s+watch|tracker|calculator)\s+(?:[a-z]+\s+)"
       r"{0,2}?(?:says|said|shows?|showed|thinks|recommends|gives|tells\s+me|reckons|puts\s+me\s+at)\s+(?:(?:i|me)\s+"
       r"(?:need|burn|should\s+eat|can\s+eat|eat|at)\s+)?(?:like\s+|about\s+|around\s+|only\s+)?)(\d{1,2}[,.]?\d{3}"
       r"|\d{3,4})\b", "\\1[number]", "A calorie figure from a tracker or calculator.",
       ("tdee calculator says 1850", "my smartwatch thinks i need 2,100"), ("my watch says its 5 pm",)),
    _n("num_calories_judged", r"(?i)\b([5-9]\d\d|[1-3][,.]?\d{3})(\s+(?:is|was|feels|seems|sounds)\s+(?:way\s+|so\s+)?"
       r"(?:too\s+(?:little|much|many|few|low|high)|not\s+enough|like\s+(?:so\s+much|too\s+much|a\s+lot)))\b",
       "[number]\\2", "An intake figure judged too little / too much.",
       ("my mom says 1500 is too little",), ("5 is too many",)),
    _n("num_fast_regime", rf"(?i)\b((?:omad|one\s+meal\s+a\s+day|intermittent\s+fasting|juice\s+cleanse|cleanse"
       rf"|water\s+fasting)\s+(?:for|since)\s+(?:(?:about|around|over|almost|nearly|like|another|the\s+(?:past|last))"
       rf"\s+)?)({NUMR})(\s*(?:hours?|hrs?|days?|weeks?|months?)\b)", "\\1[number]\\3",
       "OMAD / intermittent fasting + duration.", ("OMAD for 3 weeks now",), ("omad is hard",)),
    _n("num_scale_says", rf"(?i)\b(scales?\s+(?:says|said|say|shows?|showed|shown|reads?|showing|reading|displayed)"
       rf"\s*{CONNECT})({NUMD})", "\\1[number]", "The scale says + number.", ("the scale said 130",),
       ("the scale says nothing about me",)),
    _n("num_on_scale", rf"(?i)\b({NUMD})(\s+on\s+(?:the|my)\s+scales?\b)", "[number]\\2", "Number + on the scale.",
       ("i saw 130 on the scale",), ("i stood on the scale",)),
)


def _p(name: str, pattern: str, replacement: str, description: str,
       examples: tuple[str, ...], counterexamples: tuple[str, ...]) -> Rule:
    """Build a `pii` detector."""
    return Rule(name, "pii", pattern, replacement, description, examples, counterexamples)


_NAME_INTRO = r"(?i:my\s+(?:(?:full|real|first|actual|legal|given)\s+)?name\s+is|my\s+name['’]s|i['’]?m\s+called)"
_URL_BODY = r"[^\s<>()\[\]{}\"']*[^\s<>()\[\]{}\"'.,;:!?]"

PII_RULES: tuple[Rule, ...] = (
    Rule("pii_safe_name_words", "pii", rf"({_NAME_INTRO})(\s+(?i:not|irrelevant|unimportant|a|an|the|also|so|too|on|in"
         r"|literally|really|just|actually|like|weird|embarrassing|common|rare|long|short|pronounced|spelled|spelt"
         r"|hard|easy|boring|ugly|pretty|nice|unique|similar|different|mentioned|written|used|known|legally|very|kind"
         r"|kinda|sort|same)\b)", PROTECT, "Words after 'my name is' that are not names.",
         ("my name is not important",),
         ("my name is Sarah",), benign=True),
    Rule("pii_safe_counts", "pii", r"(?i)\b(\d{1,5})(\s+(?:[a-z]+s|of|more|and|or|to|on|in|at|down|up|for|with|from"
                                   r"|people"
         r"|minute|hour|day|week|month|year|mile|time|meal|kid|friend|child|children)\b)", PROTECT,
         "A number followed by a plural/count word is a count, not a house number.",
         ("i ate 3 meals on main street", "2 hours on the road"), ("12 Oak Street",), benign=True),
    _p("pii_email", r"(?i)\b[a-z0-9][a-z0-9._%+-]*@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}\b", "[email]",
       "E-mail addresses.", ("jane.doe93@gmail.com", "help@nhs-support.org"), ("me @ home", "@username")),
    _p("pii_email_spoken", r"(?i)\b[a-z0-9][a-z0-9._-]*(?:\s+(?:underscore|dot|dash|hyphen)\s+[a-z0-9][a-z0-9._-]*)*\s*"
       r"(?:\(at\)|\[at\]|\sat\s)\s*[a-z0-9-]+(?:\s*(?:\(dot\)|\[dot\]|\sdot\s|\.)\s*(?:co|org|ac|com))?\s*(?:\(dot\)"
       r"|\[dot\]|\sdot\s|\.)\s*(?:com|net|org|co\.uk|co\s+uk|uk|edu|io|de|fr|ca|au|ie|me)\b", "[email]",
       "Spelled-out e-mails (x at y dot com, tom underscore b at yahoo dot co dot uk).",
       ("sam at gmail dot com", "jo(at)mail(dot)com", "tom underscore b at yahoo dot co dot uk"), ("i was at home",)),
    _p("pii_email_normalised", r"(?i)\b[a-z0-9][a-z0-9._-]*\s+(?:gmail|googlemail|yahoo|hotmail|outlook|icloud|aol"
       r"|protonmail|proton|live|msn)\s+(?:com|co\s+uk|net|me)\b", "[email]",
       "E-mails with punctuation stripped (pre-normalised text).", ("katie gmail com",), ("i use gmail",)),
    _p("pii_url", rf"(?i)\b(?:https?://|www\.){_URL_BODY}", "[url]", "http(s):// and www. URLs.",
       ("https://example.com/recovery-tips", "www.somedietblog.com"), ("the www is vast",)),
    _p("pii_url_bare", rf"(?i)\b[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:co\.uk|org\.uk|ac\.uk|nhs\.uk|com|org|net|io"
       rf"|gov|edu|info|ly|gg|tv|app|xyz|link|site|page)\b(?:/{_URL_BODY})?", "[url]",
       "Bare domains (example.com/path, bit.ly/x, discord.gg/x).",
       ("beat.org.uk", "see reddit.com/r/x", "bit.ly/3xRecov", "discord.gg/edrecovery"), ("i.e. this", "e.g. that")),
    _p("pii_url_path", rf"(?i)\b[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:me|co|to|be|us|ca|au|de|fr|it|nl|es|ie|nz|so|ee|gl"
       rf"|cc|ai|in)/{_URL_BODY}", "[url]", "Domains whose ending is also a word need a path (linktr.ee/x, youtu.be/x).",
       ("linktr.ee/recoverywithme", "youtu.be/abc123"), ("i was tired.so i slept", "good.me too")),
    _p("pii_url_normalised", r"(?i)\b(?:https?\s+(?:www\s+)?|www\s+)[a-z0-9-]+(?:\s+(?:com|org|net|co|io|gov|edu|uk"
       r"|nhs))+\b", "[url]", "URLs with punctuation stripped.", ("https www youtube com watch",), ("www",)),
    _p("pii_reddit_user", r"(?i)/?\bu/[a-z0-9_-]{2,20}\b", "[user]", "Reddit u/name and /u/name.",
       ("thanks u/helpfulhuman", "/u/throwaway_ed_2020"), ("you/me", "u can do this")),
    _p("pii_subreddit", r"(?i)/?\br/[a-z0-9_]{2,21}\b", "[subreddit]", "Reddit r/sub and /r/sub.",
       ("r/EatingDisorders", "/r/fuckeatingdisorders"), ("and/or", "r u ok")),
    _p("pii_phone_intl", r"\+\d{1,3}[\s.-]?\(?\d{1,4}\)?(?:[\s.-]?\d{2,4}){2,4}\b", "[phone]",
       "International numbers with +country code.", ("+44 20 7946 0958", "+1 (415) 555-0132", "+33 6 12 34 56 78"),
       ("+5 pounds",)),
    _p("pii_phone_uk", r"\b0\d{2,4}[\s-]?\d{3,4}[\s-]?\d{3,4}\b", "[phone]", "UK numbers starting with 0.",
       ("07700 900123", "0113 496 0000"), ("0 calories", "007")),
    _p("pii_phone_us", r"(?:\(\d{3}\)|\b\d{3})[\s.-]?\d{3}[\s.-]?\d{4}\b", "[phone]", "US 10-digit numbers.",
       ("555-123-4567", "(212) 555-0198", "555.123.4567"), ("1200-1500 calories", "in 2019")),
    _p("pii_name", rf"({_NAME_INTRO}\s+)[A-Za-z][A-Za-z'’-]*(?:\s+[A-Z][A-Za-z'’-]+)?", "\\1[name]",
       "A name after 'my name is' (plus a capitalised surname).",
       ("my name is Sarah", "hi my name is jessica", "my name's Tom", "My name is Emily Carter"),
       ("my name is not important", "the name is")),
    _p("pii_full_name", r"((?i:(?:my\s+)?full\s+name\s+is)\s+)[A-Za-z][A-Za-z'’-]*(?:\s+[A-Za-z][A-Za-z'’-]*)?",
       "\\1[name]", "Two words after 'full name is'.", ("my full name is emily carter",), ("full of names",)),
    _p("pii_street_address", r"(?i)\b\d{1,5}[a-z]?(?:\s+[a-z][a-z'.-]*){1,3}\s+(?:street|st|avenue|ave|road|rd|lane"
       r"|ln|boulevard|blvd|drive|terrace|crescent|parkway|highway|hwy|grove)\b\.?", "[address]",
       "House number + 1-3 words + street type.", ("12 Oak Street", "221b baker st", "45 maple avenue"),
       ("i went down the street", "2 hours on the road")),
    _p("pii_uk_postcode", r"\b[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}\b", "[address]", "UK postcodes (upper case only).",
       ("LS1 4AP", "SW1A 1AA"), ("ls1 4ap", "A1 steak sauce")),
)
