"""Authored CounselChat-style questions/answers and Context/Response pairs.

All text is written for InteroSight's sample (no real posts or answers).
Answers follow eating-disorder-safe guidance: no numbers about weight,
calories, sizes or exercise amounts, no weight-loss advice.
"""

from __future__ import annotations

# (name, credentials+blurb as CounselChat concatenates them, url slug)
THERAPISTS: tuple[tuple[str, str, str], ...] = (
    ("Dana Whitfield", "Dana Whitfield, LPCCEating disorder and body image specialist", "dana-whitfield-lpc"),
    ("Marcus Oyelaran", "Marcus Oyelaran, LMFTCouples, families and young adults", "marcus-oyelaran-lmft"),
    ("Ruth Abernathy", "Ruth Abernathy, PhDClinical psychologist, CBT and ACT", "ruth-abernathy-phd"),
    ("Sam Delacroix", "Sam Delacroix, LCSWTrauma-informed therapy, anxiety and mood", "sam-delacroix-lcsw"),
    ("Imogen Harte", "Imogen Harte, MA, LPCI help people build a kinder relationship with themselves.", "imogen-harte-lpc"),
)

# Each question: (questionID, title, text, topic, split, answers); answer = (therapist index, text, upvotes, views)
QUESTIONS: tuple[tuple[int, str, str, str, str, tuple[tuple[int, str, int, int], ...]], ...] = (
    (9001, "How do I stop feeling guilty after I eat?",
     "Every time I eat something that isn't \"clean\" I feel guilty for hours.\n   I know it isn't rational but I can't switch it off. How do I make the guilt stop?",
     "eating-disorders", "train", (
        (0, "Guilt after eating is something many people describe, and it makes sense that it feels so loud right now. "
            "Food guilt usually comes from rules we've absorbed about \"good\" and \"bad\" foods, rather than from anything you actually did wrong.\n\n"
            "Rather than trying to switch the guilt off, you might get curious about it. What rule does the guilt say you broke? Whose voice does it sound like? "
            "Noticing the rule is often the first step to loosening it.\n\nA therapist or dietitian who specialises in eating disorders can help you work through this at your own pace. You deserve to eat without punishment.", 3, 412),
        (2, "What you're describing sounds exhausting. Guilt is an emotion that normally tells us we've hurt someone; with food it often fires even though nobody was hurt.\n"
            "One approach from ACT is to name the thought (\"I'm having the thought that I shouldn't have eaten that\") and then gently return to what matters to you in that moment. "
            "If the guilt is starting to shape what and when you eat, please consider reaching out to an eating disorder service for an assessment.", 2, 188),
        (4, "I'm really glad you asked this. Being able to say \"I know it isn't rational\" shows a lot of self-awareness.\n\nSome people find it helps to write down the guilty thoughts after a meal and then write a reply as if to a close friend. It can feel awkward at first. Over time many people find the kinder voice gets a little easier to hear.", 1, 97),
    )),
    (9002, "My daughter is hiding food and I don't know what to do",
     "I found wrappers hidden in my 15 year old's room. When I asked her about it she cried and said she was fine. I'm worried and I don't want to make things worse.",
     "eating-disorders", "train", (
        (1, "It's clear how much you care about your daughter. Finding hidden food can be frightening, and it's natural to want answers straight away.\n\n"
            "Secrecy around food often comes with a lot of shame, so leading with curiosity rather than questions about the food itself usually helps. You might say something like, \"I've noticed you seem stressed lately and I love you. I'm here whenever you want to talk.\"\n\n"
            "It would also be wise to book an appointment with her doctor and ask about an eating disorder assessment. Families are a huge part of recovery, and you don't have to figure this out alone.", 4, 530),
        (0, "Thank you for reaching out. Hidden food can be a sign of binge eating, of restriction followed by hunger, or of something else entirely, so please don't assume the worst or blame yourself.\n"
            "Try to keep mealtimes calm and regular, avoid comments about her body or what she eats, and talk to a professional who works with adolescents and families.", 2, 241),
    )),
    (9003, "Is it normal to feel worse when you start eating more in recovery?",
     "I started a meal plan two weeks ago. I thought I'd feel better but I feel bloated, anxious and like I hate my body more than ever. Is this normal or am I doing it wrong?",
     "eating-disorders", "val", (
        (0, "You're not doing it wrong. Many people feel physically and emotionally worse in the early weeks of nourishing themselves again, and it takes real courage to keep going through that.\n\n"
            "The discomfort is often your body and brain adjusting after a long time without enough food. Please share how you're feeling with your treatment team; they can help with the physical symptoms and with the anxiety.\n\nWhat has helped you get through the hardest moments so far?", 5, 623),
        (3, "What you describe is really common. Anxiety often spikes when we stop doing the things that used to manage it, and for many people restriction was one of those things.\n"
            "It may help to plan something soothing after meals, like a short call with a friend, a puzzle, or a warm drink, so that you're not alone with the feelings.", 2, 210),
        (2, "I hear how disappointed you are that it isn't feeling better yet. Recovery rarely feels good at the start, and feeling worse can be a sign that you're challenging the illness rather than a sign that it isn't working.\n\nIt might help to keep a note of small changes you notice, such as more energy or concentration, so that you have evidence on the harder days.", 1, 133),
    )),
    (9004, "Why can't I stop bingeing at night?",
     "I'm \"good\" all day and then at night I eat everything in sight. I feel out of control and disgusting. What's wrong with me?",
     "eating-disorders", "train", (
        (2, "Nothing is wrong with you as a person. A pattern of eating very little during the day and then feeling out of control at night is extremely common, and it often has more to do with hunger and stress than with willpower.\n\n"
            "One of the first steps many clinicians suggest is regular eating across the day, which can reduce the intensity of night-time urges. A therapist trained in CBT for eating disorders can help you with this.\n\nCould you tell me a bit about what the evenings are like for you?", 6, 880),
        (4, "The words \"good\" and \"disgusting\" carry a lot of judgement, and I wonder whether that judgement is part of what keeps the cycle going. You deserve compassion here, not punishment.\n"
            "Binge eating is a recognised and treatable condition. Please consider speaking to your doctor about what's been happening.", 3, 402),
    )),
    (9005, "I feel empty all the time",
     "I go to work, come home, and feel nothing. I used to love painting and now I can't be bothered with anything. I don't know who to talk to.",
     "depression", "train", (
        (3, "Feeling empty and losing interest in things you used to love are two of the ways depression can show up, and it sounds like you've been carrying this on your own for a while.\n\n"
            "A good first step could be talking to your doctor, who can rule out physical causes and talk through options such as therapy. Small acts of connection, like a short message to a friend, can also help, even when you don't feel like it.\n\n"
            "If you ever start to feel that life isn't worth living, please contact a crisis line or emergency services straight away.", 4, 1320),
        (2, "Thank you for putting this into words; that's not easy when everything feels flat. Sometimes waiting to feel motivated before acting keeps us stuck, so some therapies start with small, manageable actions and let the mood follow.\n"
            "What is one tiny thing connected to painting that you could do this week, even for a few minutes?", 2, 455),
        (4, "It sounds lonely, and you don't have to figure out who to talk to all at once. A counsellor, a doctor, or a trusted friend are all reasonable places to start.", 0, 61),
    )),
    (9006, "How do I cope with panic attacks at work?",
     "My heart races, my hands shake and I feel like I'm going to pass out, usually in meetings. I've had to leave twice. How do I handle this without anyone noticing?",
     "anxiety", "train", (
        (3, "Panic attacks are frightening, and it makes sense you'd want to manage them privately. The good news is that they're very treatable.\n\n"
            "In the moment, slowing your breathing, especially making the out-breath longer than the in-breath, can signal safety to your body. Pressing your feet into the floor and naming things you can see can also help ground you.\n\n"
            "Over time, CBT for panic helps people understand the cycle of physical sensations and frightening thoughts so the attacks lose their power.", 5, 990),
        (2, "Many people who have panic attacks start avoiding the places they happen, which can make the world feel smaller. Working with a therapist to gradually face meetings again, with support, is often very effective.\n"
            "You might also tell one trusted colleague, so you have an ally in the room.", 2, 301),
    )),
    (9007, "How can I like myself more?",
     "I compare myself to everyone. My friends seem prettier, smarter and more successful. I can't think of anything good about myself.",
     "self-esteem", "test", (
        (4, "Comparison can be so painful, especially when we compare our insides to other people's outsides. I want to gently point out that you noticed this pattern and asked for help, which shows care for yourself.\n\n"
            "One exercise some people find helpful is to write down, each evening, one thing you did that was in line with your values, however small. Self-esteem often grows from how we treat ourselves rather than from what we achieve.", 3, 744),
        (1, "It sounds like the voice in your head is much harsher with you than you'd ever be with your friends. What might change if you spoke to yourself the way you speak to them?\n"
            "A therapist can help you explore where that critical voice came from and build a kinder one.", 2, 260),
        (0, "If comparison is focused on bodies and appearance, it can be worth noticing what you're seeing online. Curating your feed to include a wider range of people and interests is a small step that many of my clients find surprisingly helpful.", 1, 119),
    )),
    (9008, "My partner comments on what I eat",
     "My boyfriend says things like \"are you really having that?\" He says he's joking but it makes me not want to eat in front of him. Am I overreacting?",
     "relationships", "train", (
        (1, "You're not overreacting. Comments about what someone eats can be hurtful, even when they're framed as jokes, and it's important that your feelings about them are taken seriously.\n\n"
            "You might try telling him, at a calm moment, how the comments affect you: \"When you comment on my food, I feel self-conscious and don't want to eat with you. I'd like you to stop.\" How he responds will tell you a lot.", 4, 512),
        (0, "Feeling you can't eat in front of a partner is worth paying attention to, both for your relationship and for your relationship with food. If you notice yourself eating less or hiding food because of this, please talk to someone you trust or a professional.", 2, 208),
    )),
    (9009, "I relapsed after a year and I feel like a failure",
     "I was doing so well. Then work got stressful and all the old behaviours came back. I feel like I've wasted a whole year.",
     "eating-disorders", "train", (
        (0, "A slip after a year of hard work doesn't erase that year. Everything you learned is still there, and many people find they get back on track faster the second time because they know what helps.\n\n"
            "It's also really useful information that stress was the trigger. What helped you most during the year you were doing well? Could you reach out to your old treatment team or doctor this week?", 6, 702),
        (2, "I'm sorry things have been so hard. \"Failure\" is a heavy word. Recovery usually includes setbacks, and what matters most is what you do next, which you're already doing by reaching out.", 3, 350),
        (4, "Please be as gentle with yourself as you'd be with a friend who told you the same thing. You haven't wasted a year; you've proven that change is possible for you.", 1, 90),
    )),
    (9010, "Is exercising every day a problem?",
     "I feel really anxious if I miss a workout. I've exercised through injuries and skipped plans with friends to get to the gym. My friends think it's a problem but I think I'm just dedicated.",
     "eating-disorders", "val", (
        (0, "It sounds like your friends' concern has given you something to think about, and I appreciate you being open about it. One question that can help is whether exercise feels like a choice or like something you have to do to avoid anxiety or guilt.\n\n"
            "Exercising through injury and missing time with people you care about can be signs that exercise has become compulsive. A clinician who understands eating disorders and exercise can help you figure out where you are.", 3, 389),
        (3, "The anxiety you feel when you miss a workout is worth exploring with someone. Sometimes exercise becomes the main way we cope with difficult feelings, and it can help to build a few other ways of coping too.", 1, 142),
    )),
    (9011, "How do I talk to my doctor about my eating?",
     "I think I have a problem with food but I'm scared my doctor will say I'm not thin enough to be sick. How do I bring it up?",
     "eating-disorders", "test", (
        (0, "Eating disorders affect people of every body size, and any good doctor should take your concerns seriously. You deserve help whatever you look like.\n\n"
            "It can help to write down what's been happening, such as thoughts about food, behaviours and how it affects your life, and to bring the note with you. You could open with, \"I'm worried about my eating and I'd like an assessment.\"\n\nIf you don't feel heard, it's okay to ask for a second opinion.", 7, 1104),
        (4, "That fear is so common, and it often comes from the illness itself telling you that you're \"not sick enough\". Please go anyway. You could also bring someone you trust to the appointment for support.", 2, 276),
    )),
    (9012, "I keep hurting myself when I'm overwhelmed",
     "When everything gets too much I hurt myself. It's the only thing that makes the feeling stop. I don't want anyone to find out.",
     "self-harm", "train", (
        (3, "Thank you for trusting us with something so personal. Self-harm is often a way of coping with feelings that seem unbearable, and it makes sense that you've found something that brings relief, even though it also hurts you.\n\n"
            "You deserve support that doesn't involve pain. A therapist can help you find other ways to get through those moments, and your doctor can help with any injuries.\n\nIf you ever feel unsafe or think you might act on thoughts of ending your life, please contact a crisis line or emergency services right away.", 4, 845),
        (2, "You don't have to tell everyone, but telling one safe person, whether a doctor, counsellor or trusted adult, can make a big difference. What might make it feel a little safer to reach out?", 2, 318),
    )),
    (9013, "I only eat a few foods and I'm embarrassed",
     "Since I was a kid I've only eaten about ten foods. New foods make me gag. It's getting harder to eat out with friends and I'm embarrassed.",
     "eating-disorders", "train", (
        (0, "Thank you for sharing this. What you describe, a long-standing very limited range of foods with strong sensory reactions to new ones, is something clinicians recognise, and it's not about being fussy or childish.\n\n"
            "Specialist support, often a mix of therapy and dietetic input, can help you widen your range slowly and at a pace that feels manageable. Your embarrassment makes sense, but you deserve help rather than shame.", 3, 366),
        (3, "Anxiety often plays a big part when new foods feel threatening. Gentle, gradual exposure with a professional, starting with simply being near a new food, can make a real difference over time.", 1, 129),
        (4, "Would it help to tell one friend what's going on? Having someone who understands can make eating out feel less like something to hide.", 0, 44),
    )),
    (9014, "I can't sleep and my mind won't stop",
     "I lie awake going over everything I said that day. By morning I'm exhausted and irritable. Nothing seems to work.",
     "depression", "train", (
        (2, "Lying awake replaying the day is really draining. Rumination often gets louder at night because there's nothing else competing for our attention.\n\n"
            "Some people find it helps to set aside a \"worry time\" earlier in the evening to write down what's on their mind, so the thoughts have somewhere to go. Keeping a regular wake-up time, even after a bad night, can also help reset sleep over time.", 2, 512),
        (3, "If sleep problems have been going on for a while, it's worth mentioning them to your doctor. Poor sleep and low mood often feed each other, and treating one can help the other.", 1, 207),
        (1, "It sounds like you're being very hard on yourself about things you said. I wonder what you'd say to a friend who was replaying their day like that?", 0, 58),
    )),
    (9015, "My parents fight about my eating disorder",
     "Every dinner turns into an argument between my parents about whether I've eaten enough. I feel like I'm ruining the family.",
     "family-conflict", "val", (
        (1, "You are not ruining your family. The illness is putting pressure on everyone, and it's understandable that your parents are struggling to agree on how to help.\n\n"
            "Family-based approaches often help parents get on the same page, so that meals feel calmer and more predictable. Could you or your parents ask your treatment team about family sessions?", 4, 431),
        (0, "It sounds like dinners have become a really tense place for you. Some families agree to keep conversation at the table away from food and bodies and to talk about plans and worries at a separate time.", 2, 190),
        (4, "Feeling responsible for other people's arguments is a heavy load to carry. I hope you have somewhere, or someone, where you can put that load down for a while.", 1, 71),
    )),
    (9016, "How do I stop caring what people think?",
     "I rehearse conversations for hours and worry everyone secretly dislikes me. I'd love to just relax around people.",
     "anxiety", "test", (
        (3, "Worrying about what others think is something almost everyone experiences to some degree, and for some people it becomes social anxiety that really limits life. The good news is that it responds well to therapy.\n\n"
            "One idea from CBT is to test the prediction: notice the thought \"they dislike me\" and look for evidence for and against it after a conversation.", 3, 598),
        (4, "Rather than trying to stop caring completely, which is hard for anyone, you might aim to care a little less intensely and to be kinder to yourself when a conversation doesn't go perfectly.", 1, 163),
        (2, "Rehearsing can feel protective but often keeps anxiety going. What might happen if you went into one low-stakes conversation this week without rehearsing?", 0, 52),
    )),
)

CONTEXT_RESPONSE: tuple[tuple[str, str], ...] = (
    ("I ate a whole pizza last night and I feel disgusting.",
     "That sounds like a really hard night, and it's clear you're being very harsh with yourself this morning. What was going on for you before you ate?"),
    ("My mum keeps telling me I look healthy now and I hate it.",
     "Hearing \"healthy\" can land really differently from how she means it. It sounds like it stirs up a lot of uncomfortable feelings about your body."),
    ("I don't think I'm sick enough to need help.",
     "Lots of people feel that way, and it often stops them reaching out. You're struggling enough that you're thinking about it, and that matters. What would help look like for you?"),
    ("I skipped lunch again today.",
     "Thanks for telling me. What got in the way of lunch today?"),
    ("I want to recover but I'm scared of what my body will look like.",
     "Part of you wants recovery and part of you is frightened of the changes it might bring. Both make sense. Which part feels louder today?"),
    ("I'm so tired of thinking about food all the time.",
     "It sounds exhausting to have food take up so much space in your mind. What would you do with that space if it freed up a little?"),
    ("I ate my fear food today!",
     "That's a big step, and you did it. How are you feeling about it now?"),
    ("Everyone at the party was eating and I just stood there.",
     "That sounds really isolating, being surrounded by people and feeling apart from them. What was going through your mind?"),
    ("My therapist wants me to stop weighing myself.",
     "That's a big ask, and it sounds like the scale has been important to you. What do you imagine it would be like without it?"),
    ("I don't see the point in anything anymore.",
     "I'm really glad you told me. When you say you don't see the point, are you having any thoughts of ending your life? You don't have to go through this alone, and if you're in danger right now please contact emergency services or a crisis line."),
    ("I binged again and I promised myself I wouldn't.",
     "It sounds like you're feeling let down by yourself. Promises like that are really hard to keep when the urges are strong. What do you think made tonight so hard?"),
    ("I think my friend has an eating disorder. What do I do?",
     "It's kind of you to look out for them. Would it help to think through how you might start a gentle conversation with them?"),
    ("I exercised twice today because I felt guilty about dinner.",
     "So the guilt after dinner felt strong enough that exercise seemed like the way to make it go away. How did you feel afterwards?"),
    ("I'm doing better this week.",
     "That's really good to hear. What's been helping?"),
    ("I can't eat in front of other people.",
     "Eating in front of others feels really hard right now. What do you notice happening when you're in that situation?"),
    ("My meal plan feels like way too much food.",
     "It sounds like the amount on the plan feels overwhelming. Have you been able to share that with your dietitian?"),
    ("I hate my body.",
     "That's a painful feeling to carry around. I'm wondering whether it's stronger at some times than others?"),
    ("I relapsed and I'm ashamed.",
     "Relapse is a common part of recovery, and it takes courage to say it out loud. What do you need most right now?"),
    ("I keep comparing myself to people online.",
     "Comparison can really chip away at how we feel about ourselves. Which accounts leave you feeling worst after you've looked at them?"),
    ("I don't want to go to my appointment tomorrow.",
     "Part of you doesn't want to go. I'm curious what the other part, the part that booked it, would say."),
    ("Nobody understands what this is like.",
     "It sounds really lonely. I'd like to understand. What's the hardest part for you right now?"),
    ("I had a good day with food today.",
     "I'm so glad. What made it a good day?"),
    ("I'm scared that if I start eating I won't be able to stop.",
     "That fear makes a lot of sense, especially if your body has been hungry for a long time. Regular meals can actually make that out-of-control feeling less likely over time. Would you be open to talking about that with your team?"),
    ("I want to lose weight, can you give me a diet?",
     "I'm not able to help with diets or weight loss, but I'd really like to understand what's behind wanting to change your body right now. What's been going on?"),
    ("My family doesn't talk about feelings.",
     "It can be hard to find words for feelings when you grew up without much practice. What would you want them to know?"),
    ("I feel numb all the time.",
     "Feeling numb can be a way our minds protect us when things are too much. How long have you been feeling like this?"),
    ("I'm anxious before every meal.",
     "That's a lot of anxiety to face several times a day. What helps even a little before you sit down to eat?"),
    ("I told my partner about my eating disorder.",
     "That took a lot of courage. How did the conversation go?"),
    ("I don't deserve to eat.",
     "That thought sounds really painful. Everyone deserves to eat, including you. Where do you think that thought comes from?"),
    ("I'm thinking about going back to treatment.",
     "It sounds like you're weighing it up. What's drawing you towards it, and what's holding you back?"),
)
