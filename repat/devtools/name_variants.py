"""Labelled spelling variants of fictional people, to measure how well `cases.names` finds a person
by any spelling (issue 15).

Each person is registered once, in Cyrillic, as a Kyrgyz record would hold her (given name, family
name, sometimes a patronymic). Each variant is how another document or list spells the same person:

    icao            passport Latin (ICAO 9303 as Kyrgyz, Kazakh, Tajik and Russian passports apply it)
    bgn             BGN/PCGN romanisation, with its diacritics and apostrophes
    german          German (Duden) transliteration, as German NGOs and courts write: Abdrachmanowa
    uzbek_latin     Uzbek Latin: the person's own spelling for Uzbeks, a transliteration for others
    arabic          the given name in Arabic script (a camp list), the family name as registered
    arabic_full     the whole name in Arabic script, as a clerk in Syria would write it by ear
    typo            one letter wrong, missing, doubled or swapped in the registered spelling
    surname_first   family name, given name and a patronymic, as Russian-language documents order them
    russian_letters Russian letters for Kyrgyz, Kazakh, Tajik and Uzbek ones (Гульзат for Гүлзат);
                    for a name without such letters another letter-level spelling: ё as е, no soft
                    sign, Kyrgyz long vowels short, ц as с, ф as п, or a Kyrgyz letter put in (Күликова)
    latin_typo      the hardest: passport Latin, family name first, one letter slipped (TOKTOSUNVA AIGUL)

Names come from the scale seeder's lists (repat/devtools/scale/names.py: no real person is
described); the same seed gives the same people and the same variants. The tables below are
written from the published transliteration standards, independently of cases.names, so the
measurement does not grade the module against itself.
The figures: `pytest tests/cases/test_names.py -k recall -s -n 0`."""

import random
from dataclasses import dataclass, field

from repat.devtools.scale import names
from repat.devtools.scale.naming import feminine, uzbek_cyrillic
from repat.devtools.scale.naming import russian_patronymic as patronymic

KINDS = (
    "icao",
    "bgn",
    "german",
    "uzbek_latin",
    "arabic",
    "arabic_full",
    "typo",
    "surname_first",
    "russian_letters",
    "latin_typo",
)

# --- transliteration tables (from Cyrillic, lower case) ----------------------------------------------

_RUSSIAN_ICAO = {
    **dict(zip("абвгдезийклмнопрстуфыэ", "abvgdeziiklmnoprstufye", strict=True)),
    **{"ё": "e", "ж": "zh", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch"},
    **{"ъ": "ie", "ь": "", "ю": "iu", "я": "ia"},
}
ICAO = {
    "ky": _RUSSIAN_ICAO | {"ү": "u", "ө": "o", "ң": "ng"},
    "kk": _RUSSIAN_ICAO | {"ә": "a", "ғ": "g", "қ": "q", "ң": "n", "ө": "o", "ұ": "u", "ү": "u", "һ": "h", "і": "i"},
    "tg": _RUSSIAN_ICAO | {"ғ": "gh", "ӣ": "i", "қ": "q", "ӯ": "u", "ҳ": "h", "ҷ": "j"},
    "ru": _RUSSIAN_ICAO,
    "uz": _RUSSIAN_ICAO | {"ў": "u", "қ": "q", "ғ": "g", "ҳ": "h"},
}

_RUSSIAN_BGN = {
    **dict(zip("абвгдзиклмнопрстуфэ", "abvgdziklmnoprstufe", strict=True)),
    **{"е": "e", "ё": "ë", "ж": "zh", "й": "y", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch"},
    **{"ъ": "ʺ", "ы": "y", "ь": "ʹ", "ю": "yu", "я": "ya"},
}
BGN = {
    "ky": _RUSSIAN_BGN | {"ң": "ng", "ө": "ö", "ү": "ü"},
    "kk": _RUSSIAN_BGN | {"ә": "ä", "ғ": "gh", "қ": "q", "ң": "ng", "ө": "ö", "ұ": "ū", "ү": "ü", "һ": "h", "і": "ī"},
    "tg": _RUSSIAN_BGN | {"ғ": "gh", "ӣ": "ī", "қ": "q", "ӯ": "ū", "ҳ": "h", "ҷ": "j"},
    "ru": _RUSSIAN_BGN,
    "uz": _RUSSIAN_BGN | {"ў": "ŭ", "қ": "q", "ғ": "gh", "ҳ": "h"},
}

_RUSSIAN_GERMAN = {
    **dict(zip("абвгдзиклмнопрстуфыэ", "abwgdsiklmnoprstufye", strict=True)),
    **{"е": "e", "ё": "jo", "ж": "sch", "й": "i", "х": "ch", "ц": "z", "ч": "tsch", "ш": "sch"},
    **{"щ": "schtsch", "ъ": "", "ь": "", "ю": "ju", "я": "ja"},
}
GERMAN = {
    "ky": _RUSSIAN_GERMAN | {"ң": "ng", "ө": "ö", "ү": "ü"},
    "kk": _RUSSIAN_GERMAN | {"ә": "ä", "ғ": "g", "қ": "k", "ң": "ng", "ө": "ö", "ұ": "u", "ү": "ü", "һ": "h", "і": "i"},
    "tg": _RUSSIAN_GERMAN | {"ғ": "gh", "ӣ": "i", "қ": "k", "ӯ": "u", "ҳ": "h", "ҷ": "dsch"},
    "ru": _RUSSIAN_GERMAN,
    "uz": _RUSSIAN_GERMAN | {"ў": "u", "қ": "k", "ғ": "g", "ҳ": "h"},
}

UZBEK_LATIN = {
    **dict(zip("абвгдзиклмнопрстуфы", "abvgdziklmnoprstufi", strict=True)),
    **{"е": "e", "ё": "yo", "ж": "j", "й": "y", "х": "x", "ц": "s", "ч": "ch", "ш": "sh", "щ": "sh"},
    **{"ъ": "ʼ", "ь": "", "э": "e", "ю": "yu", "я": "ya", "ў": "oʻ", "қ": "q", "ғ": "gʻ", "ҳ": "h"},
    **{"ү": "u", "ө": "o", "ң": "ng", "ә": "a", "ұ": "u", "і": "i", "ҷ": "j", "ӣ": "i", "ӯ": "u", "һ": "h"},
}

# Cyrillic to Arabic script by ear: long vowels written for every vowel but ы (a short one), г as
# غ and в as ف, as clerks in Syria and Iraq write foreign names.
_ARABIC_CONSONANTS = {
    **dict(zip("бвгджзклмнпрстфхһҳқғңҷ", "بفغدجزكلمنبرستفخههقغنج", strict=True)),
    **{"ц": "تس", "ч": "تش", "ш": "ش", "щ": "ش", "й": "ي", "ъ": "", "ь": ""},
}
_ARABIC_VOWELS = {"а": "ا", "ә": "ا", "о": "و", "у": "و", "ө": "و", "ү": "و", "ұ": "و", "ў": "و", "ӯ": "و"}
_ARABIC_VOWELS |= {"и": "ي", "і": "ي", "ӣ": "ي", "е": "ي", "э": "ي", "ы": "", "ё": "يو", "ю": "يو", "я": "يا"}

_RUSSIAN_LETTERS = {"ү": "у", "ө": "о", "ң": "н", "ә": "а", "ғ": "г", "қ": "к", "ұ": "у", "һ": "х", "і": "и"}
_RUSSIAN_LETTERS |= {"ҳ": "х", "ҷ": "дж", "ӣ": "и", "ӯ": "у", "ў": "у"}
_TYPO_LETTERS = "абвгдежзийклмнопрстуфхцчшщыэюя"


def _spell(word: str, table: dict) -> str:
    out = []
    for char in word:
        low = char.lower()
        mapped = table.get(low, low)
        out.append(mapped.capitalize() if char != low else mapped)
    return "".join(out)


def icao(word: str, people: str) -> str:
    return _spell(word, ICAO[people]).upper()


def bgn(word: str, people: str) -> str:
    """BGN/PCGN: е and ё are ye and yë at a word's start and after a vowel or a sign."""
    out, previous = [], ""
    for char in word:
        low = char.lower()
        mapped = BGN[people].get(low, low)
        if low in "её" and (not previous or previous in "аеёиоуыэюяъьүөәұі"):
            mapped = "y" + mapped
        out.append(mapped.capitalize() if char != low else mapped)
        previous = low
    return "".join(out)


def german(word: str, people: str) -> str:
    """Duden: е is je at a word's start and after a vowel; с between vowels is ss; -ий is -i."""
    low = word.lower()
    if low.endswith("ий"):
        word, low = word[:-2] + "и", low[:-2] + "и"
    out, previous = [], ""
    vowels = "аеёиоуыэюяүөәұі"
    for i, char in enumerate(low):
        mapped = GERMAN[people].get(char, char)
        if char == "е" and (not previous or previous in vowels + "ъь"):
            mapped = "je"
        elif char == "с" and previous and previous in vowels and i + 1 < len(low) and low[i + 1] in vowels:
            mapped = "ss"
        elif char == "ё" and previous in "жчшщ":
            mapped = "o"
        out.append(mapped.capitalize() if word[i] != char else mapped)
        previous = char
    return "".join(out)


def uzbek_latin(word: str) -> str:
    """Uzbek Latin: е is ye at a word's start and after a vowel."""
    out, previous = [], ""
    for char in word:
        low = char.lower()
        mapped = UZBEK_LATIN.get(low, low)
        if low == "е" and (not previous or previous in "аеёиоуэюяў"):
            mapped = "ye"
        out.append(mapped.capitalize() if char != low else mapped)
        previous = low
    return "".join(out)


def arabic_script(word: str) -> str:
    """A Cyrillic name as written by ear in Arabic script: a vowel at a word's start on an alef."""
    out = []
    for i, char in enumerate(word.lower()):
        if char in _ARABIC_VOWELS:
            letter = _ARABIC_VOWELS[char]
            if i == 0:
                letter = "ا" + (letter if char not in "аә" else "") if char not in "ёюя" else "ي" + letter[1:]
            out.append(letter)
        else:
            out.append(_ARABIC_CONSONANTS.get(char, char))
    return "".join(out)


def russian_letters(word: str) -> str:
    """Kyrgyz, Kazakh, Tajik and Uzbek letters written with Russian ones, with the soft sign Russian
    spelling adds after л (Гүлзат → Гульзат, Айгүл → Айгуль)."""
    out = []
    low = word.lower()
    for i, char in enumerate(low):
        mapped = _RUSSIAN_LETTERS.get(char, char)
        if char == "л" and i > 0 and low[i - 1] in "үө" and (i + 1 == len(low) or low[i + 1] not in "аеиоуыэюяүө"):
            mapped = "ль"
        out.append(mapped.capitalize() if word[i] != char else mapped)
    return "".join(out)


# Other letter-level spellings of a name in Cyrillic, tried in turn when a name has no Kyrgyz,
# Kazakh, Tajik or Uzbek letter to write with a Russian one: ё as е; no soft sign; Kyrgyz long vowels
# written short (Айсулуу, Мээрим); ц as с and ф as п (as Kyrgyz speakers may write Russian names);
# a word-initial Э as Е (Kazakh Ерлан, Kyrgyz Эрлан); ы as и; and at last a Kyrgyz letter where a
# Kyrgyz clerk might put one (Нурлан → Нүрлан).
_RESPELLINGS = (
    ("ё", "е"),
    ("ь", ""),
    ("уу", "у"),
    ("ээ", "э"),
    ("оо", "о"),
    ("аа", "а"),
    ("ц", "с"),
    ("ф", "п"),
    ("Э", "Е"),
    ("ы", "и"),
    ("у", "ү"),
    ("о", "ө"),
    ("е", "э"),
    ("и", "ы"),
)


def respell(text: str) -> str:
    """`text` with Russian letters for the other peoples' ones, or else the first other letter-level
    spelling that changes it (see _RESPELLINGS)."""
    changed = " ".join(russian_letters(word) for word in text.split())
    if changed != text:
        return changed
    for old, new in _RESPELLINGS:
        if old in text:
            return text.replace(old, new, 1)
    return text


def typo(word: str, rng: random.Random, letters: str = "") -> str:
    """One slip of the keyboard: a letter replaced, dropped, added or swapped with the next one."""
    for _ in range(20):
        i = rng.randrange(1, len(word)) if len(word) > 1 else 0
        how = rng.choice(("replace", "drop", "add", "swap"))
        letter = rng.choice(letters or _TYPO_LETTERS)
        if how == "replace":
            new = word[:i] + letter + word[i + 1 :]
        elif how == "drop" and len(word) > 3:
            new = word[:i] + word[i + 1 :]
        elif how == "add":
            new = word[:i] + letter + word[i:]
        elif how == "swap" and i + 1 < len(word):
            new = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        else:
            continue
        if new.lower() != word.lower():
            return new
    return word + "а"


# --- people ---------------------------------------------------------------------------------------


POOLS = {
    "ky": (names.KYRGYZ_FEMALE, names.KYRGYZ_MALE, names.KYRGYZ_FAMILY),
    "kk": (names.KAZAKH_FEMALE, names.KAZAKH_MALE, names.KAZAKH_FAMILY),
    "tg": (names.TAJIK_FEMALE, names.TAJIK_MALE, names.TAJIK_FAMILY + names.TAJIK_ZODA),
    "ru": (names.RUSSIAN_FEMALE, names.RUSSIAN_MALE, names.RUSSIAN_FAMILY),
    "uz": (names.UZBEK_FEMALE, names.UZBEK_MALE, names.UZBEK_FAMILY),
}
PEOPLE_MIX = (("ky", 50), ("uz", 30), ("kk", 20), ("tg", 20), ("ru", 30))


@dataclass
class Person:
    """A fictional person: her registered name parts (Cyrillic) and her labelled variants."""

    ident: int
    people: str
    female: bool
    given: str
    family: str
    patronymic: str = ""
    given_arabic: str = ""  # the classical Arabic spelling when the given name is an Arabic one
    given_latin: str = ""  # Uzbeks: the given name in Uzbek Latin
    family_latin: str = ""
    variants: dict[str, str] = field(default_factory=dict)

    @property
    def parts(self) -> tuple[str, ...]:
        return tuple(p for p in (self.given, self.family, self.patronymic) if p)

    def identity(self) -> tuple[str, str]:
        """The name regardless of script and letters: two people with it are namesakes."""
        return (russian_letters(self.given).lower(), russian_letters(self.family).lower().rstrip("а"))


def _draw(rng: random.Random, ident: int, people: str, arabic_share: float, variants: bool = True) -> Person:
    female = rng.random() < 0.75  # the returnees are mostly women and girls
    female_names, male_names, families = POOLS[people]
    family = rng.choice(families)
    given_arabic = given_latin = family_latin = ""
    if people != "ru" and rng.random() < arabic_share:
        given, given_arabic, _ = rng.choice(names.ARABIC_GIRLS if female else names.ARABIC_BOYS)
    else:
        given = rng.choice(female_names if female else male_names)
    if people == "uz":
        family_latin = feminine(family) if female else family
        if not given_arabic:
            given_latin, given = given, uzbek_cyrillic(given)
        family = uzbek_cyrillic(family)
    family = feminine(family) if female else family
    father = rng.choice(male_names)
    father = uzbek_cyrillic(father) if people == "uz" else father
    person = Person(ident, people, female, given, family, "", given_arabic, given_latin, family_latin)
    if rng.random() < 0.3:
        person.patronymic = patronymic(father, female)
    if variants:
        person.variants = _variants(person, father, rng)
    return person


def _variants(p: Person, father: str, rng: random.Random) -> dict[str, str]:
    words = (p.given, p.family)

    def each(spell) -> str:
        return " ".join(spell(word) for word in words)

    if p.people == "uz":
        given_uz = p.given_latin or uzbek_latin(p.given)
        own_latin = f"{given_uz} {p.family_latin}"
        icao_text = own_latin.replace("ʻ", "").replace("ʼ", "").upper()
    else:
        own_latin = each(uzbek_latin)
        icao_text = each(lambda w: icao(w, p.people))
    which = rng.randrange(2)
    slipped = [*words]
    slipped[which] = typo(slipped[which], rng)
    latin_words = icao_text.split()
    latin_words[1 - which] = typo(latin_words[1 - which], rng, "ABCDEFGHIJKLMNOPRSTUVYZ")
    arabic_given = p.given_arabic or arabic_script(p.given)
    return {
        "icao": icao_text,
        "bgn": each(lambda w: bgn(w, p.people)),
        "german": each(lambda w: german(w, p.people)),
        "uzbek_latin": own_latin,
        "arabic": f"{arabic_given} {p.family}",
        "arabic_full": f"{arabic_given} {arabic_script(p.family)}",
        "typo": " ".join(slipped),
        "surname_first": f"{p.family} {p.given} {p.patronymic or patronymic(father, p.female)}",
        "russian_letters": respell(each(str)),
        "latin_typo": " ".join(reversed(latin_words)),
    }


def people(count: int = 150, *, seed: int = 15, arabic_share: float = 0.35) -> list[Person]:
    """`count` fictional people with distinct names, each with every kind of variant."""
    rng = random.Random(seed)  # noqa: S311 - test data, not a secret
    mix = [people for people, weight in PEOPLE_MIX for _ in range(weight)]
    out, seen = [], set()
    while len(out) < count:
        person = _draw(rng, len(out), mix[len(out) % len(mix)], arabic_share)
        if person.identity() not in seen:
            seen.add(person.identity())
            out.append(person)
    return out


def distractors(count: int = 5000, *, seed: int = 16, exclude: list[Person] = ()) -> list[tuple[str, ...]]:
    """`count` other people's names (parts), none a namesake of another or of `exclude`: most in
    Cyrillic, some in passport Latin, some with the given name in Arabic script, as a real register
    holds them."""
    rng = random.Random(seed)  # noqa: S311 - test data, not a secret
    seen = {person.identity() for person in exclude}
    out = []
    mix = [people for people, weight in PEOPLE_MIX for _ in range(weight)]
    while len(out) < count:
        person = _draw(rng, -1, rng.choice(mix), 0.25, variants=False)
        if person.identity() in seen:
            continue
        seen.add(person.identity())
        roll = rng.random()
        if roll < 0.15:
            if person.people == "uz":
                latin = [person.given_latin or person.given, person.family_latin]
                latin = [icao(word, "uz").replace("ʻ", "").upper() for word in latin]
            else:
                latin = [icao(word, person.people) for word in (person.given, person.family)]
            out.append((*latin, *(icao(person.patronymic, person.people),) * bool(person.patronymic)))
        elif roll < 0.2 and person.given_arabic:
            out.append((person.given_arabic, person.family))
        else:
            out.append(person.parts)
    return out


# --- measuring ------------------------------------------------------------------------------------


@dataclass
class Recall:
    """How one kind of variant fared: found first, found in the first ten, and how often another
    person's name looked as good as a match (what a duplicate check would show a person)."""

    queries: int = 0
    at_1: int = 0
    at_10: int = 0
    true_same: int = 0  # the right person said to be the same name (exact or same key)
    other_same: int = 0  # queries where another person was said to be the same name
    other_close: int = 0  # queries where another person scored "close" or better
    misses: list = field(default_factory=list)

    def add(self, rank: int | None, miss) -> None:
        self.queries += 1
        self.at_1 += rank == 1
        self.at_10 += rank is not None and rank <= 10
        if rank is None or rank > 10:
            self.misses.append(miss)


def measure(labelled: list[Person], others: list[tuple[str, ...]], *, candidates: int = 50) -> dict[str, Recall]:
    """Recall@1 and @10 per kind: each variant is searched for among the labelled people's registered
    names and `others`; the rank counts ties against the right person (pessimistic)."""
    from cases.names import CLOSE_NAME, MatchKind, NameIndex, compare

    same = (MatchKind.EXACT, MatchKind.SAME_KEY)
    index = NameIndex()
    for person in labelled:
        index.add(("p", person.ident), *person.parts)
    for n, parts in enumerate(others):
        index.add(("d", n), *parts)
    registered = {("p", person.ident): person.parts for person in labelled}
    registered |= {("d", n): parts for n, parts in enumerate(others)}
    results = {kind: Recall() for kind in KINDS}
    for person in labelled:
        target = ("p", person.ident)
        for kind in KINDS:
            result, text = results[kind], person.variants[kind]
            scores = index.scores(text, candidates=candidates)
            rank = None
            if target in scores:
                rank = 1 + sum(score >= scores[target] for ident, score in scores.items() if ident != target)
            result.add(rank, (text, " ".join(person.parts), rank))
            result.true_same += compare(text, person.parts).kind in same
            others_close = [ident for ident, score in scores.items() if ident != target and score >= CLOSE_NAME]
            result.other_close += bool(others_close)
            result.other_same += any(compare(text, registered[ident]).kind in same for ident in others_close)
    return results


def report(results: dict[str, Recall]) -> str:
    """A table per kind and overall: recall@1 and @10, how often the right person was called the
    same name, and how often another person was called the same name or close."""
    lines = [f"{'kind':<16} {'queries':>7} {'@1':>7} {'@10':>7} {'same':>7} {'other same':>10} {'other close':>11}"]
    total = Recall()
    for kind, r in [*results.items(), ("all", total)]:
        if kind == "all":
            for each in results.values():
                for name in ("queries", "at_1", "at_10", "true_same", "other_same", "other_close"):
                    setattr(total, name, getattr(total, name) + getattr(each, name))
        n = r.queries
        lines.append(
            f"{kind:<16} {n:>7} {r.at_1 / n:>7.1%} {r.at_10 / n:>7.1%} {r.true_same / n:>7.1%}"
            f" {r.other_same / n:>10.1%} {r.other_close / n:>11.1%}"
        )
    return "\n".join(lines)
