"""Synthetic personally identifiable information for the sample posts.

Everything is invented: names are common first/last names combined at
random, phone numbers use fictional ranges (US 555-01xx, UK 07700 900xxx),
and addresses are generic street names. The redaction stage must find all
of them. Each builder returns ``(subtype, sentence)``; addresses, e-mails,
URLs and handles are protected spans (see `specials`).
"""

from __future__ import annotations

import random

from interosight_core.samplegen.specials import _protect

FIRST = ("jess", "emma", "liam", "priya", "sofia", "noah", "aisha", "chloe", "mateo", "hannah",
         "zoe", "ethan", "maya", "leah", "omar", "grace", "ben", "ava", "kai", "nina", "tom",
         "freya", "ines", "yusuf")
LAST = ("carter", "nguyen", "patel", "okafor", "rossi", "kowalski", "murphy", "schmidt",
        "lindqvist", "moreau", "haddad", "tanaka", "brennan", "silva", "adeyemi", "novak")
STREETS = ("oak street", "maple avenue", "church lane", "mill road", "elm drive", "station road",
           "willow close", "harbour view", "birch crescent", "victoria terrace")
TOWNS = ("leeds", "dayton", "geelong", "galway", "brighton", "boise", "hamilton", "tacoma",
         "reading", "halifax", "dunedin", "aberdeen")
DOMAINS = ("gmail.com", "outlook.com", "yahoo.com", "protonmail.com", "hotmail.co.uk",
           "icloud.com", "mail.com")
ADJ = ("quiet", "tired", "sunny", "oat", "lost", "brave", "little", "salty", "sleepy", "cosmic",
       "wild", "gentle")
NOUN = ("sparrow", "latte", "fern", "otter", "noodle", "pebble", "moth", "biscuit", "comet",
        "teapot", "willow", "robin")
SUBS = ("EatingDisorders", "EDAnonymous", "loseit", "1200isplenty", "xxfitness", "fitness",
        "BingeEatingDisorder", "AskReddit", "gardening", "intermittentfasting")
LINK_TEXT = ("my progress pics", "this article", "the recipe", "my food diary", "this video",
             "the guide i used", "my spreadsheet")


def _token(rng: random.Random, n: int) -> str:
    """Return ``n`` random characters from ``[A-Za-z0-9_-]`` (URL ids)."""
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"
    return "".join(rng.choice(alphabet) for _ in range(n))


def handle(rng: random.Random) -> str:
    """Return an invented Reddit-style username such as ``sleepy_otter_92``."""
    style = rng.random()
    if style < 0.4:
        return f"{rng.choice(ADJ)}_{rng.choice(NOUN)}_{rng.randint(1, 99)}"
    if style < 0.7:
        return f"{rng.choice(ADJ).capitalize()}{rng.choice(NOUN).capitalize()}{rng.randint(100, 9999)}"
    return f"{rng.choice(FIRST)}{rng.choice(LAST)[:3]}{rng.randint(1, 99)}"


def email(rng: random.Random) -> str:
    """Return an invented e-mail address."""
    first, last = rng.choice(FIRST), rng.choice(LAST)
    local = rng.choice((f"{first}.{last}", f"{first}{last[0]}", f"{first}_{rng.randint(80, 99)}",
                        f"{last}.{first}{rng.randint(1, 9)}", handle(rng).lower()))
    return f"{local}@{rng.choice(DOMAINS)}"


def phone(rng: random.Random) -> str:
    """Return a phone number from a fictional (reserved-for-drama) range."""
    d = rng.randint
    return rng.choice((
        f"(555) 01{d(0, 9)}{d(0, 9)}-{d(1000, 9999)}",
        f"555-01{d(10, 99)}",
        f"+1 555 01{d(10, 99)} {d(1000, 9999)}",
        f"07700 900{d(100, 999)}",
        f"+44 7700 900{d(100, 999)}",
    ))


def url(rng: random.Random) -> str:
    """Return an invented URL on a common site."""
    return rng.choice((
        f"https://www.youtube.com/watch?v={_token(rng, 11)}",
        f"https://imgur.com/a/{_token(rng, 7)}",
        f"https://www.instagram.com/{handle(rng).lower()}/",
        f"https://docs.google.com/spreadsheets/d/{_token(rng, 20)}/edit",
        f"https://www.tiktok.com/@{handle(rng).lower()}",
        f"http://{rng.choice(NOUN)}{rng.choice(NOUN)}.blogspot.com/2019/0{rng.randint(1, 9)}/",
        f"www.{rng.choice(ADJ)}{rng.choice(NOUN)}recipes.com/{rng.choice(NOUN)}-bowl",
    ))


def pii_sentence(rng: random.Random, raw: bool) -> tuple[str, str]:
    """Return ``(subtype, sentence)`` carrying one piece of invented PII.

    ``raw`` allows Markdown links, which only appear in raw-style posts.
    """
    kinds = ("email", "phone", "url", "user", "subreddit", "address")
    kind = rng.choice(kinds + (("md_link", "md_link") if raw else ()))
    p = _protect
    if kind == "email":
        tpl = rng.choice(("feel free to email me at {}", "my email is {} if anyone wants to talk",
                          "dm me or email {}", "send it to {} please"))
        return kind, tpl.format(p(email(rng)))
    if kind == "phone":
        tpl = rng.choice(("text me on {}", "my number is {}, message anytime",
                          "you can call me at {} if you need someone", "whatsapp {}"))
        return kind, tpl.format(p(phone(rng)))
    if kind == "url":
        tpl = rng.choice(("here's what i mean {}", "this video helped me {}", "progress pics: {}",
                          "found this {}", "source: {}"))
        return kind, tpl.format(p(url(rng)))
    if kind == "md_link":
        tpl = rng.choice(("check out [{}]({})", "i wrote about it [{}]({})", "here is [{}]({})"))
        link = url(rng)
        return kind, tpl.format(rng.choice(LINK_TEXT), link if link.startswith("http") else "https://" + link)
    if kind == "user":
        tpl = rng.choice(("shoutout to {} for the advice", "thanks {} for checking in on me",
                          "{} said the same thing in another thread", "tagging {} because you asked"))
        return kind, tpl.format(p("u/" + handle(rng)))
    if kind == "subreddit":
        sub = rng.choice(SUBS)
        tpl = rng.choice(("i posted this in {} too", "cross posting from {}",
                          "someone on {} recommended this", "found this sub through {}"))
        return kind, tpl.format(p(rng.choice(("r/", "/r/")) + sub))
    first, last = rng.choice(FIRST), rng.choice(LAST)
    addr = f"{rng.randint(2, 240)} {rng.choice(STREETS)}"
    tpl = rng.choice((
        "my name is {first} and i live at {addr}",
        "i'm {first} {last} from {town} if anyone wants to meet up",
        "if you're ever near {addr} in {town} come say hi",
        "my name is {first} {last}, i'm at {addr}, {town}",
    ))
    return kind, tpl.format(first=p(first.capitalize()), last=p(last.capitalize()),
                            addr=p(addr), town=p(rng.choice(TOWNS).capitalize()))
