"""Four authored motivational-interviewing transcripts in AnnoMI-simple shape.

Two show high-quality MI (open questions, reflections, evoking change talk)
and two low-quality MI (lecturing, unsolicited advice, closed questions).
Each utterance is ``(interlocutor, text, label)``: therapist labels are
reflection/question/therapist_input/other, client labels change/neutral/
sustain (the AnnoMI value sets).
"""

from __future__ import annotations

# (transcript_id, mi_quality, video_title, topic, utterances)
TRANSCRIPTS: tuple[tuple[int, str, str, str, tuple[tuple[str, str, str], ...]], ...] = (
    (9001, "high", "Sample MI session: body image (authored)", "body image", (
        ("therapist", "Thanks for coming in today. What would you like to talk about?", "question"),
        ("client", "Um, my mum made me come, really. She thinks I spend too long in front of the mirror.", "neutral"),
        ("therapist", "So coming here wasn't entirely your idea.", "reflection"),
        ("client", "No. I mean, I do check a lot. Like, every time I walk past a mirror.", "neutral"),
        ("therapist", "Checking has become a big part of your day.", "reflection"),
        ("client", "Yeah. And it never makes me feel better. It just makes me pick at everything.", "change"),
        ("therapist", "It's meant to reassure you but it ends up making you feel worse.", "reflection"),
        ("client", "Exactly. But if I don't check I get really anxious.", "sustain"),
        ("therapist", "Part of you wants to stop, and part of you worries about what would happen if you did.", "reflection"),
        ("client", "Mm-hmm.", "neutral"),
        ("therapist", "What would be different in your life if the checking took up less space?", "question"),
        ("client", "I'd probably be on time for school. And I'd go out more. I skip stuff because I can't get ready.", "change"),
        ("therapist", "Being on time and seeing your friends matter to you.", "reflection"),
        ("client", "They really do. I miss them.", "change"),
        ("therapist", "Would it be okay if I shared something other young people have found helpful?", "question"),
        ("client", "Sure.", "neutral"),
        ("therapist", "Some people start by covering one mirror, just one, and noticing what happens to the anxiety over a few days.", "therapist_input"),
        ("client", "I could maybe do the one in the hallway. That's the one I check most.", "change"),
        ("therapist", "You've picked the hallway mirror. That sounds like a thoughtful place to start.", "reflection"),
    )),
    (9002, "high", "Sample MI session: binge eating (authored)", "binge eating", (
        ("therapist", "Last time you mentioned the evenings have been hard. How has this week been?", "question"),
        ("client", "Honestly, not great. I binged three nights.", "neutral"),
        ("therapist", "It's been a tough week, and you're still here talking about it.", "reflection"),
        ("client", "I nearly didn't come. I feel like I keep letting myself down.", "sustain"),
        ("therapist", "You're feeling disappointed in yourself.", "reflection"),
        ("client", "Yeah. I don't even enjoy it. I just feel numb while it's happening.", "change"),
        ("therapist", "Tell me more about the numbness.", "question"),
        ("client", "It's like switching off. After work I'm so stressed and it's the only time nobody needs anything from me.", "neutral"),
        ("therapist", "So the bingeing gives you a break from everyone's demands, and it also leaves you feeling worse afterwards.", "reflection"),
        ("client", "That's it, exactly. I want a break, just not that kind.", "change"),
        ("therapist", "What kind of break would you want?", "question"),
        ("client", "Something that's actually mine. I used to sew. I haven't touched my machine in a year.", "change"),
        ("therapist", "Sewing was something that belonged to you.", "reflection"),
        ("client", "Mm. I don't know if I have the energy, though.", "sustain"),
        ("therapist", "You're not sure you have the energy, and you also miss it.", "reflection"),
        ("client", "I do miss it. Maybe I could just set it up on the table so it's there.", "change"),
        ("therapist", "Okay.", "other"),
        ("therapist", "How confident do you feel about setting it up this week?", "question"),
        ("client", "Pretty confident, actually. It's a small thing.", "change"),
    )),
    (9003, "low", "Sample low-quality session: reducing alcohol (authored)", "reducing alcohol consumption", (
        ("therapist", "So your doctor says you're drinking too much. You know that's bad for your liver, right?", "therapist_input"),
        ("client", "I guess. I don't think it's that much.", "sustain"),
        ("therapist", "Well, the guidelines are very clear. You need to cut down.", "therapist_input"),
        ("client", "Everyone at work drinks like this.", "sustain"),
        ("therapist", "That doesn't make it healthy. Do you drink every night?", "question"),
        ("client", "Most nights.", "neutral"),
        ("therapist", "That's too often. Have you tried just not buying it?", "question"),
        ("client", "It's not that simple.", "sustain"),
        ("therapist", "It is pretty simple if you want to be healthy. Why don't you want to be healthy?", "question"),
        ("client", "I didn't say that.", "sustain"),
        ("therapist", "Okay. I'm going to give you a leaflet with some tips.", "therapist_input"),
        ("client", "Fine.", "neutral"),
        ("therapist", "You should also start exercising, that'll help.", "therapist_input"),
        ("client", "I don't really have time.", "sustain"),
        ("therapist", "Everyone has time if they make it a priority.", "therapist_input"),
        ("client", "Right.", "neutral"),
        ("therapist", "So we'll check in next month and see if you've cut down.", "other"),
    )),
    (9004, "low", "Sample low-quality session: body image (authored)", "body image", (
        ("therapist", "Your GP referred you because you've been skipping meals. Is that true?", "question"),
        ("client", "Sometimes. When I'm busy.", "neutral"),
        ("therapist", "You can't just skip meals. Your body needs fuel.", "therapist_input"),
        ("client", "I know that.", "sustain"),
        ("therapist", "Then why do you do it?", "question"),
        ("client", "I don't know. I just don't feel hungry.", "sustain"),
        ("therapist", "You're probably ignoring your hunger. Are you worried about your weight?", "question"),
        ("client", "Not really.", "sustain"),
        ("therapist", "Lots of girls your age are. You shouldn't compare yourself to people online.", "therapist_input"),
        ("client", "I don't.", "sustain"),
        ("therapist", "Okay, well, I want you to eat three meals a day from now on.", "therapist_input"),
        ("client", "Okay.", "neutral"),
        ("therapist", "And you need to tell your parents if you skip one.", "therapist_input"),
        ("client", "That's embarrassing.", "sustain"),
        ("therapist", "It's for your own good.", "therapist_input"),
        ("client", "Mm.", "neutral"),
        ("therapist", "Right, I think that's everything.", "other"),
    )),
)
