"""The `template` backend: a deterministic, offline MI composer that needs no model.

It is the teacher of the default (embedded) pipeline and a documented
baseline for every LLM backend. For each request it composes `n` replies
from authored phrase banks, choosing by a seeded `random.Random`
(candidate i uses seed ``request.seed + i``; a candidate equal to an
earlier one of the same request is redrawn deterministically):

- ``mi``: a complex reflection of feeling (from feeling words found in the
  post) or of meaning (from the post's themes); a second reflection,
  double-sided when the post shows ambivalence ("but", "part of me",
  "even though" ...); an affirmation; an autonomy-supporting statement; and
  exactly one open question (theme-specific or general);
- ``crisis``: the crisis protocol: acknowledgement, worth, emergency
  services (911 / 999 / 112), a crisis line (988 in the US, Samaritans
  116 123 in the UK and Ireland), a trusted person, and a safety question;
- ``contrast``: an MI-inconsistent reply for DPO "rejected": unsolicited
  generic advice (phrased as therapist input: "I really think you need to
  get out more"), often minimising or lecturing, and one or two closed
  questions; it never contains numbers, diet / weight / exercise
  instructions or shaming.

Nothing from the post is copied into a reply (only fixed lexicon words),
so replies cannot echo numbers, PII or injected text; every bank entry is
checked by the tests against the output gate (`synth.gate`). Token counts
are whitespace tokens; a reply longer than ``sampling.max_new_tokens``
drops its optional sentences first and is cut (finish_reason ``length``)
only if still too long.

Baseline, measured with the MI coder (`evaluate.mi_coder`, sentence by
sentence, post as context) on the first 200 themed, non-crisis sample posts
(seed i for post i; the slow test in
`tests/unit/synth/test_template_backend.py` asserts it):

| replies  | %CR | R:Q  | %open Q | %advice | responses at MITI good / fair |
| -------- | --: | ---: | ------: | ------: | ----------------------------: |
| mi       | 74% | 3.96 |   99.5% |    2.0% |                 91.5% / 92.5% |
| contrast | 57% | 1.13 |      0% |   20.4% |                 28.5% / 51.5% |

The coder calls most written "you ..." sentences reflections (it was
trained on spoken AnnoMI transcripts), so the contrast bank's advice is
phrased as therapist input ("I really think you need to ...", "Something
that works for a lot of people is ...") and closed questions carry most of
the contrast.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from dataclasses import dataclass

from interosight_core.synth.backends.base import BackendInfo, Generation, GenerationRequest, SynthesisError
from interosight_core.synth.config import SynthesisConfig
from interosight_core.synth.prompts import extract_post, get_prompt_set, prompt_version_id

COMPOSER_VERSION = "template-composer-1"


@dataclass(frozen=True)
class ThemeBank:
    """Theme-specific phrasings: complex reflections of meaning, double-sided pairs, open questions."""

    meaning: tuple[str, ...]
    sides: tuple[tuple[str, str], ...]
    questions: tuple[str, ...]


THEMES: dict[str, ThemeBank] = {
    "relation": ThemeBank(
        meaning=(
            "It sounds like the people closest to you have become part of how heavy food feels, and that leaves you "
            "feeling watched rather than supported.",
            "It seems like you're caught between wanting the people around you to understand and not knowing how to "
            "let them in.",
            "I'm hearing that meals with others have turned into something to get through rather than time you can "
            "enjoy together.",
            "It sounds like their comments land much harder than they probably realise, and you end up carrying that "
            "on your own.",
            "It seems that keeping this hidden from the people you love has started to feel lonely and exhausting.",
            "You care a lot about these relationships, and it hurts that food keeps coming between you.",
            "It sounds like you want to be seen as more than what's on your plate.",
            "I get the sense you're working hard to protect the people around you from worrying, even at a cost to "
            "yourself.",
        ),
        sides=(
            ("wants to keep this private so no one worries", "longs for someone to really understand"),
            ("wants to avoid the tension at the table", "misses feeling close to the people you love"),
            ("feels safer keeping people at a distance", "knows their support could make a difference"),
            ("is hurt by what they said", "still wants them on your side"),
        ),
        questions=(
            "What would you want the people close to you to understand about what this is like for you?",
            "How would you like meals with others to feel, if things could be different?",
            "What kind of support from the people around you would feel helpful rather than hurtful?",
            "What do you imagine might happen if you let someone in a little more?",
            "How has this been affecting your closest relationships?",
        ),
    ),
    "protein": ThemeBank(
        meaning=(
            "It sounds like you're putting a lot of thought into how food can help you feel strong.",
            "It seems like meeting your goals has started to feel like a daily test you're working hard to pass.",
            "I'm hearing that you want food to work for you, and it's frustrating when it doesn't feel that simple.",
            "It sounds like planning what you eat gives you a sense of direction, even if it takes up a lot of "
            "headspace.",
            "It seems like you're looking for a way of eating that feels both nourishing and manageable.",
            "You want to take care of your body, and it sounds like you're still working out what that means for you.",
            "It sounds like the rules around food have become quite detailed, and keeping up with them takes energy.",
            "I get the sense that feeling in charge of your food matters a lot to you right now.",
        ),
        sides=(
            ("enjoys having a clear plan", "wonders whether the plan is starting to run the show"),
            ("wants to get it exactly right", "would like food to feel a bit more relaxed"),
            ("feels motivated by the structure", "is tired of thinking about food so much"),
            ("finds the planning reassuring", "worries about how much space it takes up"),
        ),
        questions=(
            "What does feeling strong and well mean to you beyond food?",
            "How does thinking about food fit into the rest of your day?",
            "What would a more relaxed relationship with food look like for you?",
            "What matters most to you about how you take care of yourself?",
            "How do you feel when things don't go to plan with food?",
        ),
    ),
    "ed": ThemeBank(
        meaning=(
            "It sounds like recovery has been asking a lot of you, and some days the illness feels louder than you "
            "are.",
            "It seems like you're holding on to hope for recovery while also feeling worn down by how long this has "
            "gone on.",
            "I'm hearing how tiring it is to live with the eating disorder's voice commenting on so much of your day.",
            "It sounds like you're wondering whether you deserve help, and that question itself is painful.",
            "It seems that getting support has been harder and slower than you hoped, and the waiting takes its own "
            "toll.",
            "You've been fighting for your recovery, and it sounds like you want that effort to be seen.",
            "It sounds like the illness has taken up so much room that it's hard to remember who you are without it.",
            "I get the sense that you want a life that's bigger than this, even when the illness tells you otherwise.",
        ),
        sides=(
            ("wants to get better", "is frightened of what letting go of the eating disorder would mean"),
            ("trusts the recovery process", "still listens when the illness speaks up"),
            ("is ready to ask for more help", "worries you aren't unwell enough to deserve it"),
            ("feels protected by the eating disorder", "can see how much it has taken from you"),
        ),
        questions=(
            "What does recovery mean to you, in your own words?",
            "What has helped you keep going on the harder days?",
            "What would you want your life to have more room for if the illness took up less space?",
            "How do you tell the difference between your own voice and the illness's voice?",
            "What kind of support would feel right for you at this point?",
        ),
    ),
    "exercise": ThemeBank(
        meaning=(
            "It sounds like movement has become tangled up with guilt, so resting feels like something you need to "
            "earn.",
            "It seems like exercise used to bring you something good, and lately it's started to feel more like a "
            "rule.",
            "I'm hearing that when you don't move, the guilt gets loud, and that makes it hard to simply rest.",
            "It sounds like feeling strong matters to you, and you want movement to feel like your own choice.",
            "It seems that stillness brings up a lot of anxiety for you.",
            "You've been wanting movement to be about joy rather than punishment, and it sounds like that shift isn't "
            "easy.",
            "It sounds like being asked to slow down has been really hard, because movement has been one of the ways "
            "you cope.",
            "I get the sense that your body's need for rest and your mind's rules about exercise are pulling in "
            "different directions.",
        ),
        sides=(
            ("loves how movement makes you feel", "notices it has started to feel like an obligation"),
            ("feels calmer after moving", "is worn out by never being allowed a day off"),
            ("wants to keep your routine", "is curious what it would be like to rest without guilt"),
            ("holds on to exercise as a way to cope", "can see it's become a source of pressure too"),
        ),
        questions=(
            "What would it mean for you to rest without feeling like you'd failed?",
            "What did you use to love about movement, before it felt like a rule?",
            "How does it feel on the days you rest?",
            "What would a kinder relationship with movement look like for you?",
            "Where do you think the pressure to keep going comes from?",
        ),
    ),
    "crave": ThemeBank(
        meaning=(
            "It sounds like the cravings have been taking up a lot of your attention, and that's been exhausting.",
            "It seems like part of what makes the cravings hard is the guilt that comes with them.",
            "I'm hearing that wanting certain foods feels risky to you, as if giving in might mean losing control.",
            "It sounds like your body and your rules about food are sending you very different messages.",
            "It seems that when you did allow yourself what you wanted, it went better than you feared.",
            "You've been noticing when the cravings hit, which says a lot about how closely you're paying attention.",
            "It sounds like the cravings feel bigger at certain times of day, and those moments leave you on edge.",
            "I get the sense that you'd like food to feel less like a battle between wanting and not allowing.",
        ),
        sides=(
            ("really wants that food", "worries about what it would mean to have it"),
            ("wants to trust your body's signals", "isn't sure they can be trusted yet"),
            ("would like to enjoy food freely", "feels safer keeping a tight hold"),
            ("feels relieved after allowing it", "still hears the guilt afterwards"),
        ),
        questions=(
            "What do you notice happens for you when a craving shows up?",
            "What do you make of the cravings when you step back from them?",
            "How would you like to respond to yourself in those moments?",
            "What feels most difficult about the cravings right now?",
            "What did you learn from the times it went better than you expected?",
        ),
    ),
    "restrict": ThemeBank(
        meaning=(
            "It sounds like restricting has been giving you a sense of control, even while part of you knows what "
            "it's costing.",
            "It seems like putting meals off has become a way of getting through the day, and it's leaving you worn "
            "out.",
            "I'm hearing that an empty stomach feels safer right now, and that it troubles you that it does.",
            "It sounds like you've been carrying this more than you've admitted to anyone, and that's a lot to hold "
            "alone.",
            "It seems that the idea of eating properly brings up a fear of not being able to stop.",
            "You've noticed how much the restriction has crept in, and it sounds like that's been unsettling to see.",
            "It sounds like the rules about earning food are loud right now, and they don't leave much room for you.",
            "I get the sense that restricting is doing a job for you, and you're not sure what would take its place.",
        ),
        sides=(
            ("feels safer when you hold back", "is tired of how much that safety costs"),
            ("wants to keep the control that restriction gives you", "knows you deserve to be nourished"),
            ("worries that eating would mean losing control", "wants the energy to live your life"),
            ("is relieved when a meal passes by", "feels sad about what you're missing"),
        ),
        questions=(
            "What do you think restricting is helping you cope with right now?",
            "What would need to feel different for eating to feel a little safer?",
            "How is this affecting the things that matter most to you?",
            "What do you notice about the days when it feels even slightly easier?",
            "What worries you most about eating regularly?",
        ),
    ),
    "binge": ThemeBank(
        meaning=(
            "It sounds like the binge left you feeling ashamed, and that shame has been sitting heavily with you "
            "since.",
            "It seems like you're caught in a cycle where holding back during the day makes the evenings so much "
            "harder.",
            "I'm hearing that during a binge it's almost like you leave yourself, and afterwards you're left picking "
            "up the pieces.",
            "It sounds like you sat with a really strong urge, and that took more strength than it might feel like.",
            "It seems that hiding it has become part of the pattern, and that keeps you feeling alone with it.",
            "You've been paying attention to the time since the last binge, which shows how much you want things to "
            "change.",
            "It sounds like the urges come on fast, and it's frightening to feel swept along by them.",
            "I get the sense that food has been doing a job for you in hard moments, even though it leaves you "
            "hurting afterwards.",
        ),
        sides=(
            ("reaches for food to get through the hard moments", "wants to find another way through them"),
            ("feels relief while it's happening", "feels the shame that follows"),
            ("feels out of control when the urge hits", "knows you're more than this pattern"),
            ("wants the cycle to stop", "is scared of what changing it would ask of you"),
        ),
        questions=(
            "What tends to be happening for you in the hours before a binge?",
            "What would you want to say to yourself after a hard night, if you could be kind?",
            "What has helped, even a little, when you've managed to sit with an urge?",
            "How is the shame afterwards affecting you?",
            "What would it be like to talk with someone about this without hiding it?",
        ),
    ),
    "loss": ThemeBank(
        meaning=(
            "It sounds like the scale has come to have a lot of say over how your day goes.",
            "It seems like you're frustrated that all the effort you're putting in doesn't feel like it's paying off.",
            "I'm hearing that you want to change something about your life, and you also worry about going too far "
            "again.",
            "It sounds like how your body changes has become closely tied to how you feel about yourself.",
            "It seems that you're looking for a way through this without it taking over your thoughts.",
            "You've been noticing how much this takes up your mind, and that awareness matters.",
            "It sounds like the waiting and not knowing is wearing you down.",
            "I get the sense that what you're really hoping for goes deeper than a change on the scale.",
        ),
        sides=(
            ("feels motivated when things change", "worries about how much it's starting to take over"),
            ("wants to keep going", "remembers how hard it got last time"),
            ("feels good about the progress", "wonders what it's costing you"),
            ("wants to feel in charge of your body", "wants to feel at peace with it"),
        ),
        questions=(
            "What are you hoping will be different in your life when you get where you want to be?",
            "How do you know when this is starting to take over more than you want it to?",
            "What would taking care of yourself look like if it didn't depend on the scale?",
            "What matters most to you in all of this?",
            "How is all this affecting your mood and your days?",
        ),
    ),
    "gain": ThemeBank(
        meaning=(
            "It sounds like your body changing has been really hard to live with, even though you're working so hard "
            "at recovery.",
            "It seems like weight restoration is asking more of you than you expected, both physically and "
            "emotionally.",
            "I'm hearing that you're trying to accept the changes, and some days that acceptance feels out of reach.",
            "It sounds like not recognising yourself in the mirror has been unsettling.",
            "It seems that comments about your body can land in a painful way right now.",
            "You're staying with recovery even when your body feels unfamiliar, and that says a lot about your "
            "commitment.",
            "It sounds like the changes have brought up a lot of fear about what they mean.",
            "I get the sense that you're holding on to why you started recovery while your body goes through this.",
        ),
        sides=(
            ("knows these changes are part of getting well", "struggles to feel at home in your body"),
            ("is proud of how far you've come", "grieves the body you used to have"),
            ("wants to trust the process", "is scared of where it will lead"),
            ("feels stronger and more alive", "finds the changes hard to face"),
        ),
        questions=(
            "What helps you remember why recovery matters to you when the changes feel hard?",
            "What has your body made possible for you lately, beyond how it looks?",
            "How are you getting through the moments when it feels hardest?",
            "What would acceptance look like for you, on a good day?",
            "What do you need most from the people around you right now?",
        ),
    ),
    "calorie": ThemeBank(
        meaning=(
            "It sounds like counting has become automatic, as if your mind keeps calculating whether you want it to "
            "or not.",
            "It seems like keeping track gives you a sense of safety, and also takes up a huge amount of headspace.",
            "I'm hearing that food has started to feel like maths rather than something to enjoy.",
            "It sounds like you'd like a break from the constant calculating, and you're not sure how to get one.",
            "It seems that labels and apps have a lot of power over how you feel after eating.",
            "You've noticed how much space this takes up in your day, and it sounds like that's been tiring.",
            "It sounds like not knowing exactly what's in your food brings up a lot of anxiety.",
            "I get the sense that the counting started as a way to feel in control, and now it controls more than "
            "you'd like.",
        ),
        sides=(
            ("feels safer knowing exactly what you've eaten", "wishes you could eat without doing the maths"),
            ("relies on counting to feel calm", "is tired of how much it takes over"),
            ("worries about losing track", "longs for a bit of freedom around food"),
            ("trusts the counting more than your hunger", "wonders what it would be like to listen to your body"),
        ),
        questions=(
            "What do you imagine would happen if the counting had less of a hold on you?",
            "What does the counting protect you from?",
            "How would your day feel different if food took up less of your thinking?",
            "What first got the counting started for you?",
            "What would you do with the headspace if it weren't filled with calculating?",
        ),
    ),
    "idealbody": ThemeBank(
        meaning=(
            "It sounds like comparing yourself to others leaves you feeling like you never quite measure up.",
            "It seems like the image you're holding yourself to is really demanding, and it's hard to feel at ease "
            "next to it.",
            "I'm hearing that you're no longer sure what a healthy body even looks like, and that confusion is "
            "unsettling.",
            "It sounds like you're reaching for something that keeps moving further away.",
            "It seems that what you see online and around you shapes how you feel about yourself more than you'd "
            "like.",
            "You're questioning the ideal you've been chasing, which takes real honesty.",
            "It sounds like you hope that looking a certain way would finally let you feel okay.",
            "I get the sense that underneath the comparing is a wish to feel accepted as you are.",
        ),
        sides=(
            ("still wants to reach that ideal", "suspects it will never feel like enough"),
            ("compares almost automatically", "wishes you could stop holding yourself up against others"),
            ("believes changing your body would fix things", "knows the feeling goes deeper than that"),
            ("admires how others look", "is tired of feeling less than"),
        ),
        questions=(
            "Where do you think that ideal came from for you?",
            "What do you hope would be different if you looked the way you imagine?",
            "How do the comparisons affect your days?",
            "What do you value in the people you care about that has nothing to do with how they look?",
            "What would it mean for you to feel okay as you are?",
        ),
    ),
    "bodyhate": ThemeBank(
        meaning=(
            "It sounds like being in your body feels really painful right now, and that pain follows you through the "
            "day.",
            "It seems like checking and avoiding mirrors have both become ways of coping with how much you dislike "
            "what you see.",
            "I'm hearing a lot of harshness toward yourself, and it sounds exhausting to carry.",
            "It sounds like the way you see your body has been colouring how you feel about yourself as a whole.",
            "It seems that some days the hatred is so loud that it's hard to notice anything else.",
            "You've been finding ways to protect yourself from the harshest moments, which tells me part of you wants "
            "to be kinder to yourself.",
            "It sounds like you wish you could simply exist in your body without it being a battle.",
            "I get the sense that you deserve far more gentleness than the voice in your head allows you.",
        ),
        sides=(
            ("can't stop focusing on what you dislike", "wants some relief from that constant criticism"),
            ("keeps checking", "knows the checking leaves you feeling worse"),
            ("believes the harsh words", "wonders whether you'd ever speak to a friend that way"),
            ("wants to hide", "wants to be seen and accepted"),
        ),
        questions=(
            "What would it be like to treat your body as somewhere you live rather than something to judge?",
            "When is the harshness toward your body at its loudest?",
            "What would you say to a friend who felt this way about their body?",
            "What do you appreciate about yourself that has nothing to do with your body?",
            "What helps, even a little, on the hardest days?",
        ),
    ),
    "feargain": ThemeBank(
        meaning=(
            "It sounds like the fear of gaining weight is there almost all the time, and it's wearing you down.",
            "It seems like the thought of the scale going up brings on a kind of panic that's hard to reason with.",
            "I'm hearing that this fear has been making decisions for you that you might not make otherwise.",
            "It sounds like you're wondering if this fear will ever ease, and that question feels heavy.",
            "It seems that gaining weight has come to mean something much bigger to you than a change in your body.",
            "You're naming the fear openly, which is a real step when it's been this loud.",
            "It sounds like the fear makes it hard to trust that you'd be okay.",
            "I get the sense that part of you is tired of being ruled by this fear.",
        ),
        sides=(
            ("is terrified of gaining weight", "knows your health matters more"),
            ("wants to keep the fear quiet by staying in control", "wants a life where the fear doesn't decide "
                                                                   "everything"),
            ("believes gaining would be unbearable", "hopes you could learn to live with it"),
            ("keeps watching for changes", "is exhausted by always being on guard"),
        ),
        questions=(
            "What do you fear most about your body changing?",
            "What does gaining weight mean to you, underneath the fear?",
            "How is this fear shaping your days?",
            "What would you do differently if this fear were a little quieter?",
            "What has helped you get through moments of panic before?",
        ),
    ),
    "fearfood": ThemeBank(
        meaning=(
            "It sounds like certain foods feel genuinely frightening, and facing them takes a lot out of you.",
            "It seems like eating a fear food brings up a mix of pride and panic at the same time.",
            "I'm hearing that food has come to feel dangerous in a way that's hard to explain to others.",
            "It sounds like you faced something really scary, and you're still processing how it felt.",
            "It seems that the rules about which foods are allowed have been narrowing your world.",
            "You challenged a food that frightens you, which took real courage.",
            "It sounds like the anxiety around these foods starts long before you even sit down to eat.",
            "I get the sense that you miss being able to eat without fear.",
        ),
        sides=(
            ("wants to take on these foods", "feels flooded with fear at the thought"),
            ("feels proud of facing it", "is still shaken by how it felt"),
            ("wants more freedom with food", "finds comfort in keeping things familiar"),
            ("knows the fear isn't the whole truth", "still feels it very strongly"),
        ),
        questions=(
            "What makes some foods feel more frightening than others for you?",
            "What did you notice in yourself when you faced that food?",
            "What would more freedom around food mean for your life?",
            "What helped you find the courage to face it?",
            "How would you like your relationship with food to feel in the future?",
        ),
    ),
    "depressedmood": ThemeBank(
        meaning=(
            "It sounds like everything has felt heavy lately, and it's hard to find the energy for much at all.",
            "It seems like you're feeling worn down and alone with it, as if nothing is really shifting.",
            "I'm hearing a lot of tiredness in what you wrote, the kind that goes deeper than sleep can fix.",
            "It sounds like you've been struggling to see a way forward, and that's a painful place to be.",
            "It seems that the low mood and the struggles with food have been feeding into each other.",
            "You still reached out today, even while feeling this low, and that matters.",
            "It sounds like the things that used to bring you comfort don't seem to reach you right now.",
            "I get the sense that you're exhausted from holding everything together.",
        ),
        sides=(
            ("has run out of energy", "is still searching for something that helps"),
            ("doesn't see the point in trying", "reached out anyway"),
            ("wants to be left alone", "wishes someone understood"),
            ("feels stuck where you are", "hopes things could feel lighter"),
        ),
        questions=(
            "What has been getting you through, even a little, on the hardest days?",
            "What would help you feel even a bit less alone with this?",
            "What do you think has been weighing on you most?",
            "What used to bring you some comfort, and what's that like for you now?",
            "Who or what feels like a source of support right now?",
        ),
    ),
}

GENERAL = ThemeBank(
    meaning=(
        "It sounds like there's a lot going on for you right now, and you've been carrying much of it on your own.",
        "It seems like this has been on your mind for a while, and it matters to you more than you might let on.",
        "I'm hearing that you want things to feel different, even if you're not sure yet what that looks like.",
        "It sounds like you've been working hard to make sense of all this.",
        "It seems that putting this into words has been its own kind of challenge.",
        "You're paying close attention to what's happening for you, and it sounds like you want to understand it "
        "better.",
        "It sounds like you're looking for some reassurance that you're not the only one who feels this way.",
        "I get the sense that this has been weighing on you more than the people around you might know.",
    ),
    sides=(
        ("wants things to change", "isn't sure you're ready"),
        ("wants to reach out", "worries about being a burden"),
        ("feels hopeful", "is wary of being let down"),
        ("wants to handle this alone", "knows support could help"),
    ),
    questions=(
        "What feels most important to you about this right now?",
        "What would you like to be different a few months from now?",
        "How has this been affecting the rest of your life?",
        "What do you think makes this hardest for you?",
        "What would a good day look like for you?",
        "What would you like to happen next?",
        "What has helped you through difficult times before?",
        "What would you want someone to understand about this?",
        "How are you feeling about all of this as you write it down?",
        "Where would you like to start?",
    ),
)

DOUBLE_SIDED = (
    "Part of you {a}, and another part of you {b}.",
    "It sounds like part of you {a}, while another part {b}.",
    "On one hand, part of you {a}; on the other, part of you {b}.",
    "You're pulled in two directions: one side of you {a}, and the other {b}.",
    "There's a side of you that {a}, and a side that {b}.",
    "It seems a part of you {a}, even as another part {b}.",
    "I hear two things at once: part of you {a}, and part of you {b}.",
    "It's as if one part of you {a} while another part {b}.",
)

# feeling -> (adjective, noun, valence, post pattern)
FEELINGS: dict[str, tuple[str, str, str, str]] = {
    "scared": ("scared", "fear", "neg", r"scared|afraid|terrified|terrifying|frightened|frightening|fear(?:ful)?|panic"
                                        r"(?:ked|king|ky)?"),
    "anxious": ("anxious", "worry", "neg", r"anxious|anxiety|nervous|worried|worry|worrying|stressed|stress|on edge"),
    "ashamed": ("ashamed", "shame", "neg", r"ashamed|shame|embarrassed|embarrassing|disgusting|disgusted|gross"),
    "guilty": ("guilty", "guilt", "neg", r"guilty|guilt"),
    "worn out": ("worn out", "exhaustion", "neg", r"exhausted|exhausting|tired|drained|worn out|sick of|so done"),
    "hopeless": ("hopeless", "hopelessness", "neg", r"hopeless|pointless|no point|give up|giving up"),
    "low": ("low", "sadness", "neg", r"sad|depressed|miserable|crying|cried|down lately|feel down|so low|empty"),
    "alone": ("alone", "loneliness", "neg", r"lonely|alone|isolated|no one to talk|nobody to talk"),
    "frustrated": ("frustrated", "frustration", "neg", r"frustrated|frustrating|annoyed|angry|mad at|furious|hate"),
    "overwhelmed": ("overwhelmed", "overwhelm", "neg", r"overwhelmed|overwhelming|too much|can(?:no|')?t cope"),
    "stuck": ("stuck", "stuckness", "neg", r"stuck|trapped|cycle|plateau"),
    "out of control": ("out of control", "loss of control", "neg", r"out of control|lose control|losing control"
                                                                   r"|can(?:no|')?t stop"),
    "proud": ("proud", "pride", "pos", r"proud|win|victory|did it|managed to|finally"),
    "hopeful": ("hopeful", "hope", "pos", r"hopeful|hope|better|progress|relieved|relief|excited|happy"),
}
_FEELING_RES = {name: re.compile(rf"\b(?:{spec[3]})\b", re.IGNORECASE) for name, spec in FEELINGS.items()}

FEELING_NEG = (
    "It sounds like you've been feeling really {adj}, and that it's been building for a while.",
    "I'm hearing how {adj} all of this has left you, as if you've been holding it on your own.",
    "There's a lot of {noun} in what you've written, and it sounds like it's been hard to set down.",
    "It seems like you're feeling {adj}, and maybe a little alone with it too.",
    "You sound {adj}, as if this has been weighing on you more than anyone knows.",
    "It sounds like underneath everything you're feeling {adj} and unsure where to turn.",
    "I can hear how {adj} you've been feeling, and how much you want something to shift.",
    "It makes sense that you'd feel {adj} with so much going on, and it sounds like it's been a lot to carry.",
)
FEELING_POS = (
    "It sounds like you're feeling {adj}, and that this moment really means something to you.",
    "I can hear some {noun} in what you wrote, alongside how hard this has been.",
    "You sound {adj}, and it seems like this step matters a lot to you.",
    "It seems like there's some {noun} showing up for you, even in the middle of something difficult.",
    "It sounds like you're allowing yourself to feel {adj}, which may not come easily.",
    "I'm hearing a sense of {noun} in your words, as if something is starting to shift.",
    "It sounds like part of you feels {adj}, and you want to hold on to that.",
    "You seem {adj} about this, and it sounds like you've worked hard to get here.",
)
FEELING_MIXED = (
    "It sounds like you're feeling {pos} and {neg} at the same time, and both of those make sense.",
    "I'm hearing {pos_noun} alongside a lot of {neg_noun}, as if you're holding both at once.",
    "Part of you feels {pos}, and another part of you still feels {neg}.",
    "It seems like there's some {pos_noun} here, and also {neg_noun} that hasn't gone away.",
    "You sound {pos} and {neg} all at once, which is a lot to hold.",
    "It sounds like {pos_noun} and {neg_noun} are sitting side by side for you right now.",
    "On one hand you feel {pos}; on the other, you still feel {neg}.",
    "I can hear both {pos_noun} and {neg_noun} in what you've shared.",
)

AFFIRMATIONS = (
    "It took courage to put all of this into words.",
    "Reaching out like this, even when it's hard, shows real strength.",
    "You're paying close attention to what's going on inside you, and that kind of honesty isn't easy.",
    "The care you're showing yourself by writing this matters.",
    "You've kept going through something really difficult, and that says a lot about you.",
    "Being this honest about what you're going through takes strength.",
    "It's clear how much you care about getting through this.",
    "Noticing these patterns the way you have shows a lot of self-awareness.",
    "You've been facing this with more resilience than you may be giving yourself credit for.",
    "Sharing this openly is a meaningful step in itself.",
    "Your willingness to look at this honestly stands out.",
    "You haven't given up on yourself, even on the hard days.",
)

AUTONOMY = (
    "You know your own life best, and what you do next is your call.",
    "Whatever you decide to do with this is up to you.",
    "There's no right pace for this, and you get to choose what feels manageable.",
    "You're the expert on what you need, and you can take this at your own pace.",
    "You don't need to have it all figured out today; the next step, if any, is yours to choose.",
    "It's your decision what, if anything, you want to change.",
    "You get to decide who you share this with and when.",
    "Only you can say what feels right for you here.",
    "You're in charge of how you go forward with this.",
    "Where you go from here is entirely your choice.",
)

_AMBIVALENCE = re.compile(r"\b(?:but|part of me|on one hand|torn|at the same time|even though|although|though"
                          r"|mixed feelings|i know i should|supposed to|want to .{0,40} scared|i want .{0,40} i can"
                          r"(?:no|')?t)\b", re.IGNORECASE)

CRISIS = {
    "acknowledge": (
        "I'm really sorry you're going through this, and I'm glad you reached out.",
        "Thank you for telling me how much pain you're in right now.",
        "What you've written sounds incredibly painful, and I'm taking it seriously.",
        "I can hear how much you're hurting, and I'm really glad you said something.",
        "It sounds like things feel unbearable right now, and I'm so sorry you're carrying this.",
        "I'm glad you put this into words; it matters that you reached out.",
        "It sounds like you're in a lot of pain, and you don't deserve to face it alone.",
        "I'm really concerned about what you've shared, and I care about your safety.",
    ),
    "worth": (
        "You deserve support right now, not later, and you don't have to go through this by yourself.",
        "Your life matters, and there are people who want to help you through this moment.",
        "These feelings can be overwhelming, and reaching for help now is a strong thing to do.",
        "You don't need the right words; letting someone know is enough.",
        "Even when it feels hopeless, support can help you get through tonight.",
        "You matter, and your safety matters more than anything else right now.",
        "There are people whose job is to help with exactly this, at any hour.",
        "You've already taken a brave step by saying this out loud.",
    ),
    "emergency": (
        "If you feel you might act on these thoughts, please call your local emergency number right now, such as "
        "911 in the US, 999 in the UK or 112 in much of Europe.",
        "If you're in immediate danger, please call emergency services now, such as 911, 999 or 112 depending on "
        "where you are.",
        "If you think you might hurt yourself, please call your local emergency number or go to the nearest "
        "emergency department.",
        "Please call your local emergency number straight away if you're not safe right now.",
        "If you're worried you might act on this, emergency services (911 in the US, 999 in the UK) can help you "
        "right now.",
        "If things feel like they're slipping out of control, going to your nearest emergency department or calling "
        "your local emergency number is the right thing to do.",
        "If there's any chance you'll act on these feelings tonight, please call your local emergency number now.",
        "Please contact emergency services, such as 911 or 999, if you feel you are in danger.",
    ),
    "line": (
        "You can call or text 988 in the US, or call Samaritans on 116 123 in the UK and Ireland, any time of day "
        "or night.",
        "Crisis lines are there for exactly this: 988 (call or text) in the US, Samaritans on 116 123 in the UK and "
        "Ireland, or findahelpline.com to find one where you are.",
        "Talking to a trained person can help: call or text 988 in the US, or Samaritans on 116 123 in the UK and "
        "Ireland.",
        "If you'd rather talk to someone first, the 988 Suicide and Crisis Lifeline (call or text 988) and "
        "Samaritans (116 123) are free and open around the clock.",
        "A crisis line such as 988 in the US or Samaritans on 116 123 in the UK can talk with you right now.",
        "You could call or text 988 if you're in the US, or call Samaritans on 116 123 in the UK and Ireland; "
        "elsewhere, a local crisis line can help.",
        "Someone at a crisis line can listen right now: 988 in the US, Samaritans on 116 123 in the UK and Ireland.",
        "You don't have to wait until things get worse to call a crisis line: 988 in the US or Samaritans on "
        "116 123 in the UK and Ireland.",
    ),
    "trusted": (
        "If you can, let someone you trust know how you're feeling and ask them to stay with you.",
        "It may help to reach out to someone you trust and tell them what's going on, even in a few words.",
        "Please think about letting a trusted person know, so you're not alone with this right now.",
        "Reaching out to someone you trust, even with a short message, can make tonight a little safer.",
        "If there's someone you trust nearby, this is a good moment to let them in.",
        "You could ask someone you trust to sit with you while you make the call.",
        "Having someone you trust beside you right now could really help.",
        "A friend, family member or someone else you trust can be with you while you get support.",
    ),
    "question": (
        "Are you safe right now?",
        "Would you be willing to reach out to one of them now?",
        "Is there someone who can be with you right now?",
        "Can you tell me whether you're safe at the moment?",
        "What would help you feel a little safer in the next hour?",
        "Who could you reach out to right now?",
        "Would it help to think through that call together, step by step?",
        "Are you somewhere safe at the moment?",
    ),
}

CONTRAST = {
    "minimise": (
        "Honestly, everyone feels that way sometimes, so it's not a big deal.",
        "Lots of people go through this, and it's really not as serious as it seems.",
        "I think you might be overthinking this a bit.",
        "It's probably just a phase, and it will pass on its own.",
        "Everyone has bad days, so try not to make it into something bigger than it is.",
        "This kind of thing happens to everyone at some point.",
        "It could be a lot worse, so try to look on the bright side.",
        "You're probably worrying about nothing.",
        "I'm sure it's not as bad as you think.",
        "Plenty of people deal with this without it being a big deal.",
    ),
    "advice": (
        "I really think you need to get out more.",
        "I really think you need to get more sleep.",
        "I think you need to get out more and see people.",
        "I think you need to get some fresh air and clear your head.",
        "I want you to try putting this out of your mind for a while.",
        "I want you to try thinking about something else when this comes up.",
        "Something that helps a lot of people is talking to friends.",
        "Something that works for a lot of people is keeping a journal.",
        "Something that works for a lot of people is a new hobby.",
        "Something that works for a lot of people is a good routine.",
        "Personally, I think you need to take a break from social media.",
        "Personally, I think you need to get more sleep.",
        "My honest advice is that you need to get out more.",
        "You should just try to stay positive and focus on the good things in your life.",
        "You should just distract yourself with a hobby until the feeling passes.",
    ),
    "lecture": (
        "I think you need to realise that your thoughts aren't facts.",
        "What I've learned is that worrying never fixes anything.",
        "You need to understand that dwelling on this won't change anything.",
        "It's important to remember that thoughts like these aren't facts.",
        "At some point you have to accept that life isn't always fair.",
        "Worrying like this only makes things worse, and you know that.",
        "The sooner you let this go, the sooner you'll feel better.",
        "You can't expect things to change if you keep thinking this way.",
    ),
    "closed": (
        "Have you tried talking to someone about it?",
        "Have you thought about seeing a professional?",
        "Don't you think you're overthinking this?",
        "Are you sure it's that bad?",
        "Have you tried not thinking about it?",
        "Do you get enough sleep?",
        "Have you told your family?",
        "Are you keeping busy?",
        "Would it help to think about something else?",
        "Do you see your friends much?",
        "Have you tried keeping a gratitude journal?",
        "Did you try talking to someone?",
    ),
}

CONTRAST_THEME_MINIMISE: dict[str, str] = {
    "relation": "Your family probably means well, so it's not worth getting upset about.",
    "protein": "Honestly, people overthink food all the time, so it's not a big deal.",
    "ed": "Recovery is hard for everyone, so this is pretty normal.",
    "exercise": "Lots of people feel guilty about rest days, it's really not a big deal.",
    "crave": "Everyone gets cravings, so it's not worth worrying about.",
    "restrict": "Everyone has a complicated relationship with food at times, so I wouldn't read too much into it.",
    "binge": "Everyone overdoes it now and then, so try not to think about it too much.",
    "loss": "Everyone has ups and downs with this, so there's no need to stress.",
    "gain": "Bodies change all the time, so it's really not a big deal.",
    "calorie": "Lots of people think about food a lot, so it's nothing unusual.",
    "idealbody": "Everyone compares themselves to others, it's only human nature.",
    "bodyhate": "Everyone has things they don't like about themselves, so it's not a big deal.",
    "feargain": "Lots of people worry about that, so there's no need to get so worked up.",
    "fearfood": "Plenty of people are picky about food, so I wouldn't worry about it.",
    "depressedmood": "Everyone feels down sometimes, and it usually passes on its own.",
}


def template_model_name(prompt_version: str) -> str:
    """The template's `model` in lineage and request keys: prompt version + phrase-bank/composer hash.

    A changed phrasing or composer gives new request keys, so a re-run regenerates instead of keeping
    replies the current template would not write.
    """
    return f"template-{prompt_version}-{phrase_bank_id()[:8]}"


def phrase_bank_id() -> str:
    """Return a 12-hex hash of every phrase bank (changes whenever a phrasing changes)."""
    blob = json.dumps({"themes": {k: [v.meaning, v.sides, v.questions] for k, v in THEMES.items()},
                       "general": [GENERAL.meaning, GENERAL.sides, GENERAL.questions], "double": DOUBLE_SIDED,
                       "feelings": FEELINGS, "neg": FEELING_NEG, "pos": FEELING_POS, "mixed": FEELING_MIXED,
                       "affirm": AFFIRMATIONS, "autonomy": AUTONOMY, "ambivalence": _AMBIVALENCE.pattern,
                       "crisis": CRISIS, "contrast": CONTRAST, "contrast_theme": CONTRAST_THEME_MINIMISE,
                       "version": COMPOSER_VERSION}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:12]


def detect_feelings(post: str) -> list[str]:
    """Return the lexicon feelings named in `post`, in lexicon order."""
    return [name for name, regex in _FEELING_RES.items() if regex.search(post or "")]


def is_ambivalent(post: str) -> bool:
    """Return True if the post shows two-sidedness ("but", "part of me", "even though" ...)."""
    return bool(_AMBIVALENCE.search(post or ""))


def _bank(theme: str | None) -> ThemeBank:
    """The theme's bank, or the general one."""
    return THEMES.get(theme or "", GENERAL)


def _feeling_reflection(rng: random.Random, feelings: list[str]) -> str:
    """A complex reflection of the feelings found in the post (mixed when both valences are present)."""
    neg = [f for f in feelings if FEELINGS[f][2] == "neg"]
    pos = [f for f in feelings if FEELINGS[f][2] == "pos"]
    if neg and pos:
        p, n = FEELINGS[rng.choice(pos)], FEELINGS[rng.choice(neg)]
        return rng.choice(FEELING_MIXED).format(pos=p[0], neg=n[0], pos_noun=p[1], neg_noun=n[1])
    adj, noun, valence, _ = FEELINGS[rng.choice(neg or pos)]
    return rng.choice(FEELING_NEG if valence == "neg" else FEELING_POS).format(adj=adj, noun=noun)


def compose_mi(post: str, themes: tuple[str, ...], rng: random.Random) -> list[tuple[str, int]]:
    """Return the MI reply as (sentence, priority) pairs; priority 0 is kept under any token budget."""
    known = [t for t in themes if t in THEMES]
    primary = (known[0] if rng.random() < 0.6 else rng.choice(known)) if known else None
    others = [t for t in known if t != primary]
    feelings = detect_feelings(post)
    bank = _bank(primary)
    first = _feeling_reflection(rng, feelings) if feelings and rng.random() < 0.7 else rng.choice(bank.meaning)
    if is_ambivalent(post):
        a, b = rng.choice(bank.sides)
        second = rng.choice(DOUBLE_SIDED).format(a=a, b=b)
    else:
        opener = first.split()[:2]
        pool = [m for m in (_bank(rng.choice(others)) if others else bank).meaning
                if m != first and m.split()[:2] != opener]
        second = rng.choice(pool)
    questions = bank.questions if primary and rng.random() < 0.6 else GENERAL.questions
    affirm, autonomy = rng.choice(AFFIRMATIONS), rng.choice(AUTONOMY)
    middle = [(affirm, 2), (autonomy, 3)] if rng.random() < 0.5 else [(autonomy, 3), (affirm, 2)]
    return [(first, 0), (second, 1), *middle, (rng.choice(questions), 0)]


def compose_crisis(rng: random.Random) -> list[tuple[str, int]]:
    """Return the crisis-protocol reply as (sentence, priority) pairs: resources are never dropped."""
    return [(rng.choice(CRISIS["acknowledge"]), 1), (rng.choice(CRISIS["worth"]), 3),
            (rng.choice(CRISIS["emergency"]), 0), (rng.choice(CRISIS["line"]), 0),
            (rng.choice(CRISIS["trusted"]), 2), (rng.choice(CRISIS["question"]), 4)]


def compose_contrast(themes: tuple[str, ...], rng: random.Random) -> list[tuple[str, int]]:
    """Return an MI-inconsistent reply: unsolicited advice, often minimising or lecturing, closed question(s)."""
    known = [t for t in themes if t in CONTRAST_THEME_MINIMISE]
    sentences: list[tuple[str, int]] = []
    if rng.random() < 0.7:
        sentences.append((CONTRAST_THEME_MINIMISE[rng.choice(known)] if known and rng.random() < 0.4
                          else rng.choice(CONTRAST["minimise"]), 2))
    push = [(rng.choice(CONTRAST["advice"]), 0)]
    if rng.random() < 0.5:
        push.append((rng.choice(CONTRAST["lecture"]), 3))
        rng.shuffle(push)
    closed = rng.sample(CONTRAST["closed"], 2 if rng.random() < 0.4 else 1)
    return [*sentences, *push[:1], (closed[0], 1), *push[1:], *((q, 4) for q in closed[1:])]


def _fit(sentences: list[tuple[str, int]], budget: int) -> tuple[str, str]:
    """Join sentences within `budget` whitespace tokens: drop high-priority-number ones first, then cut."""
    kept = list(sentences)
    while sum(len(s.split()) for s, _ in kept) > budget and any(p > 0 for _, p in kept):
        worst = max(p for _, p in kept)
        index = max(i for i, (_, p) in enumerate(kept) if p == worst)
        kept.pop(index)
    words = " ".join(s for s, _ in kept).split()
    if len(words) > budget:
        return " ".join(words[:budget]), "length"
    return " ".join(words), "stop"


class TemplateBackend:
    """Deterministic offline MI composer implementing the `Backend` protocol."""

    def __init__(self, cfg: SynthesisConfig):
        """Validate the prompt version and record lineage (`info`)."""
        get_prompt_set(cfg.prompt_version)  # unknown version -> SynthesisError naming the allowed ones
        self.cfg = cfg
        self.max_new_tokens = cfg.sampling.max_new_tokens
        self.info = BackendInfo(
            backend="template",
            model=template_model_name(cfg.prompt_version),
            params={"prompt_version_id": prompt_version_id(cfg.prompt_version), "composer": COMPOSER_VERSION,
                    "phrase_bank": phrase_bank_id(), "max_new_tokens": self.max_new_tokens,
                    "seed": cfg.sampling.seed},
        )

    def _compose(self, request: GenerationRequest, seed: int) -> list[tuple[str, int]]:
        """Compose one candidate for `request` with the RNG seeded by `seed`."""
        rng = random.Random(seed)
        if request.kind == "mi":
            return compose_mi(request.post_text or extract_post(request.messages), tuple(request.themes), rng)
        if request.kind == "crisis":
            return compose_crisis(rng)
        if request.kind == "contrast":
            return compose_contrast(tuple(request.themes), rng)
        raise SynthesisError(f"request {request.key}: unknown kind {request.kind!r}; allowed: mi, crisis, contrast")

    def generate(self, requests: list[GenerationRequest]) -> list[list[Generation]]:
        """Return `request.n` distinct generations per request, deterministic in `request.seed`."""
        out: list[list[Generation]] = []
        for request in requests:
            if request.n < 1:
                raise SynthesisError(f"request {request.key}: n must be >= 1, got {request.n}")
            prompt_tokens = sum(len(str(m.get("content", "")).split()) for m in request.messages)
            generations: list[Generation] = []
            seen: set[str] = set()
            for index in range(request.n):
                seed = request.seed + index
                text, finish = _fit(self._compose(request, seed), self.max_new_tokens)
                for attempt in range(1, 64):
                    if text not in seen:
                        break
                    text, finish = _fit(self._compose(request, hash_seed(seed, attempt)), self.max_new_tokens)
                seen.add(text)
                generations.append(Generation(text=text, prompt_tokens=prompt_tokens,
                                              completion_tokens=len(text.split()), finish_reason=finish))
            out.append(generations)
        return out

    def close(self) -> None:
        """Nothing to release (no model, no processes)."""


def hash_seed(seed: int, attempt: int) -> int:
    """A deterministic derived seed for redrawing a duplicate candidate."""
    return int.from_bytes(hashlib.sha256(f"{seed}/{attempt}".encode()).digest()[:8], "big")


__all__ = ["AFFIRMATIONS", "AUTONOMY", "COMPOSER_VERSION", "CONTRAST", "CONTRAST_THEME_MINIMISE", "CRISIS",
           "DOUBLE_SIDED", "FEELINGS", "FEELING_MIXED", "FEELING_NEG", "FEELING_POS", "GENERAL", "THEMES",
           "TemplateBackend", "ThemeBank", "compose_contrast", "compose_crisis", "compose_mi", "detect_feelings",
           "hash_seed", "is_ambivalent", "phrase_bank_id", "template_model_name"]
