"""Slot fillers, openers, closers and control-forum templates.

All text is authored for the synthetic sample. ``SLOTS`` maps a placeholder
name (as used in ``{slot}`` templates) to its possible fillers; a template
may use a slot name with a trailing digit (``{food2}``) for a second,
independent draw from the same list.
"""

from __future__ import annotations

SLOTS: dict[str, tuple[str, ...]] = {
    "food": (
        "pizza", "pasta", "bread", "peanut butter", "ice cream", "chocolate",
        "cereal", "rice", "bagels", "cheese", "chips", "cookies", "pancakes",
        "a burrito", "fries", "cake", "toast with butter", "granola",
        "avocado toast", "noodles", "a sandwich", "oatmeal", "yogurt", "nuts",
        "cheesecake", "donuts", "crackers", "mac and cheese", "sushi",
        "a muffin", "brownies", "a croissant", "curry", "dumplings",
    ),
    "fear_food": (
        "pizza", "pasta", "bread", "peanut butter", "ice cream", "chocolate",
        "cake", "fries", "cheese", "butter", "takeaway", "a milkshake",
        "a cupcake", "restaurant food", "full fat yogurt", "a bagel",
        "cookies", "pesto",
    ),
    "person": (
        "my mom", "my dad", "my boyfriend", "my girlfriend", "my partner",
        "my best friend", "my sister", "my brother", "my roommate",
        "my husband", "my wife", "my grandma", "my coworker", "my aunt",
        "my flatmate", "my parents",
    ),
    "pro": (
        "my therapist", "my dietitian", "my doctor", "my treatment team",
        "my psychiatrist", "my gp", "the nurse at the clinic", "my counsellor",
    ),
    "when": (
        "today", "last night", "this morning", "yesterday", "tonight",
        "all week", "over the weekend", "after dinner", "at lunch",
        "this afternoon", "on sunday", "during class", "at work",
        "on my lunch break", "before bed", "this week",
    ),
    "meal": (
        "breakfast", "lunch", "dinner", "my snack", "my evening snack",
        "dessert", "my morning snack", "second breakfast",
    ),
    "feeling": (
        "numb", "anxious", "empty", "exhausted", "overwhelmed", "hopeless",
        "on edge", "disconnected", "flat", "irritable", "ashamed", "guilty",
        "lonely", "scared", "restless", "worthless",
    ),
    "body_part": (
        "stomach", "thighs", "arms", "face", "hips", "legs", "back",
        "waist", "cheeks", "knees", "chin",
    ),
    "place": (
        "the grocery store", "a restaurant", "my cousin's wedding",
        "a birthday party", "school", "work", "the mall", "my friend's house",
        "family dinner", "the cafeteria", "the beach", "a work lunch",
        "the cinema", "brunch",
    ),
    "exercise": (
        "running", "lifting", "cycling", "swimming", "hiit", "spin class",
        "pilates", "yoga", "rowing", "climbing", "boxing", "hiking",
        "dance class", "kettlebells",
    ),
    "lift": (
        "squat", "deadlift", "bench", "overhead press", "pull ups",
        "hip thrusts", "rows",
    ),
    "protein_food": (
        "chicken breast", "greek yogurt", "eggs", "protein shakes", "tofu",
        "cottage cheese", "tuna", "lentils", "whey", "turkey mince",
        "edamame", "egg whites", "tempeh", "skyr", "salmon",
    ),
    "dish": (
        "lasagna", "curry", "sourdough", "banana bread", "stir fry",
        "roast chicken", "ramen", "soup", "chili", "shepherd's pie",
        "risotto", "tacos", "dal", "pad thai",
    ),
    "diet_app": (
        "myfitnesspal", "my tracking app", "my food scale", "cronometer",
        "a spreadsheet", "the notes app",
    ),
    "plant": (
        "tomatoes", "basil", "roses", "succulents", "zucchini", "peppers",
        "lavender", "hydrangeas", "strawberries", "sunflowers", "mint",
        "a fiddle leaf fig", "snake plants", "orchids",
    ),
    "book": (
        "a fantasy series", "a mystery novel", "a biography", "a sci fi trilogy",
        "a poetry collection", "a historical novel", "a graphic novel",
        "a thriller", "an old detective paperback", "a memoir",
    ),
    "pet": ("cat", "dog", "rabbit", "parrot", "hamster", "tortoise", "puppy", "kitten"),
    "chore": (
        "the laundry", "the dishes", "my taxes", "the gutters", "the garage",
        "my closet", "the fridge", "the car",
    ),
    "hobby": (
        "knitting", "baking", "chess", "painting", "woodworking", "birdwatching",
        "photography", "learning guitar", "crosswords", "pottery",
    ),
    "weekday": ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
}

OPENERS: dict[str, tuple[str, ...]] = {
    "ed": (
        "long time lurker, first time posting",
        "throwaway account for obvious reasons",
        "i don't really know where else to post this",
        "sorry if this isn't allowed here",
        "i need to get this off my chest",
        "trigger warning for ed thoughts",
        "this is going to be a bit of a vent",
        "i've never told anyone this",
        "small update from me",
        "not sure if this makes sense but here goes",
    ),
    "diet": (
        "quick question for the community",
        "been lurking here for months",
        "progress update",
        "need some advice",
        "started my journey a while ago",
        "not sure if this is the right sub",
        "a little rant",
    ),
    "fitness": (
        "quick form question",
        "routine check please",
        "been training for about a year",
        "returning lifter here",
        "beginner question",
        "long post, sorry",
    ),
    "control": (
        "random question",
        "this might be a silly question",
        "just wanted to share",
        "first post here",
        "okay so",
        "small win today",
    ),
}

CLOSERS: dict[str, tuple[str, ...]] = {
    "ed": (
        "does anyone else feel like this?",
        "any advice would mean a lot",
        "sorry for the rant",
        "i just needed to say it somewhere",
        "how do you all cope with this?",
        "thanks for reading if you got this far",
        "i hope this gets easier",
        "please be kind",
    ),
    "diet": (
        "any advice?",
        "what worked for you?",
        "open to suggestions",
        "thanks everyone",
        "keep going everyone",
        "does this sound right?",
    ),
    "fitness": (
        "any tips appreciated",
        "what am i doing wrong?",
        "thoughts?",
        "cheers",
        "form check welcome",
    ),
    "control": (
        "any recommendations?",
        "thanks in advance",
        "anyone else?",
        "just thought i'd share",
        "what would you do?",
        "that's all, have a good day",
    ),
}

CONTROL_TEMPLATES: tuple[str, ...] = (
    "my {plant} finally started growing after weeks of nothing",
    "does anyone know why the leaves on my {plant} are turning yellow?",
    "i repotted my {plant} {when} and now it looks sad",
    "first year growing {plant} and i'm hooked",
    "planted {plant} along the fence and the neighbours love it",
    "just finished {book} and i can't stop thinking about the ending",
    "looking for recommendations similar to {book}",
    "our book club is reading {book} this month",
    "i've been rereading {book} from my teens",
    "i never thought i'd enjoy {book} this much",
    "made {dish} for the first time {when} and it turned out great",
    "my {dish} always comes out too salty, what am i doing wrong?",
    "what's your go to weeknight {dish} recipe?",
    "tried a new spice blend in my {dish}",
    "my {pet} knocked everything off the counter again",
    "adopted a {pet} last month and my life is better for it",
    "my {pet} has started waking me up at dawn every day",
    "finally sorted out {chore} after putting it off forever",
    "spent the whole of {weekday} doing {chore}",
    "picked up {hobby} recently and i'm terrible but having fun",
    "how did you all get into {hobby}?",
    "my neighbour taught me a bit of {hobby} {when}",
    "the bus was late again {when} and i missed my meeting",
    "what's a small thing that made your week better?",
    "what's the best advice a teacher ever gave you?",
    "my coworker brought in homemade bread and the whole office went quiet",
    "it rained all {weekday} so we played board games",
    "i finally fixed the squeaky door hinge",
    "moved into a new flat and i still don't own a kettle",
    "what's a hobby you picked up as an adult?",
    "our street had a little festival {when}",
    "got lost on a walk and found a tiny bookshop",
    "the library near me started lending out tools",
    "my grandad taught me how to sharpen knives {when}",
    "is it weird to name your houseplants?",
    "had the best conversation with a stranger at the bus stop",
)
