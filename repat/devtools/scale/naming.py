"""How names are put together: each people's pool of names, the family name and patronymic in a
family's naming style, and the other spellings (Latin, Uzbek Cyrillic) a returnee is also known by."""

import random
from dataclasses import dataclass

from cases.models import ReturneeAlias
from repat.devtools.scale import names
from repat.devtools.scale.randomness import Weighted

CYRILLIC_TO_LATIN = {
    **dict(zip("абвгдезийклмнопрстуфыэ", "abvgdeziyklmnoprstufye", strict=True)),
    **{"ё": "yo", "ж": "zh", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ю": "yu", "я": "ya"},
    **{"ъ": "", "ь": "", "ң": "ng", "ө": "o", "ү": "u", "ә": "a", "ғ": "gh", "қ": "q", "ұ": "u", "һ": "h"},
    **{"і": "i", "ӣ": "i", "ӯ": "u", "ҳ": "h", "ҷ": "j"},
}
UZBEK_TO_CYRILLIC = (
    ("yoʻ", "йў"),
    ("oʻ", "ў"),
    ("gʻ", "ғ"),
    ("sh", "ш"),
    ("ch", "ч"),
    ("yo", "ё"),
    ("yu", "ю"),
    ("ya", "я"),
    ("ye", "е"),
    *zip("abdefghijklmnopqrstuvxyz", "абдефгҳижклмнопқрстувхйз", strict=True),
)


def latin(text: str) -> str:
    """A passport-style Latin spelling of a Cyrillic name (Kyrgyz, Kazakh, Tajik or Russian)."""
    out = []
    for char in text:
        low = char.lower()
        mapped = CYRILLIC_TO_LATIN.get(low, char)
        out.append(mapped.capitalize() if char != low else mapped)
    return "".join(out)


def uzbek_cyrillic(text: str) -> str:
    """The Uzbek Cyrillic spelling of a Latin Uzbek name, as older documents still show it."""
    out, low, i = [], text.lower(), 0
    while i < len(low):
        for latin_part, cyrillic in UZBEK_TO_CYRILLIC:
            if low.startswith(latin_part, i):
                out.append(cyrillic.capitalize() if text[i].isupper() else cyrillic)
                i += len(latin_part)
                break
        else:
            out.append(text[i])
            i += 1
    # A word-initial e is written э: Elyor, Эльёр.
    return " ".join("Э" + word[1:] if word.startswith("Е") else word for word in "".join(out).split(" "))


def feminine(family_name: str) -> str:
    """The woman's form of a family name: -ов/-ева/-ин get -а, -ский becomes -ская, -ov gets -a;
    -зода and the like stay as they are."""
    if family_name.endswith("ский"):
        return family_name[:-2] + "ая"
    if family_name.endswith(("ов", "ев", "ёв", "ин", "ын", "ov", "ev", "yev")):
        return family_name + "а" if family_name[-1] in "вн" else family_name + "a"
    return family_name


def russian_patronymic(father: str, female: bool) -> str:
    """Father's name + -ович/-евич (-овна/-евна), the Russian form also used across Central Asia."""
    if father in names.RUSSIAN_PATRONYMICS:
        return names.RUSSIAN_PATRONYMICS[father][female]
    if father[-1] in "йь":
        stem, suffix = father[:-1], "ев"
    elif father[-1] in "аяиуоеыэөүӯӣжшчщц":  # a vowel or a hushing consonant
        stem, suffix = father, "ев"
    else:
        stem, suffix = father, "ов"
    return stem + suffix + ("на" if female else "ич")


@dataclass(frozen=True)
class Pool:
    """The names of one people and how they are put together."""

    key: str
    female: tuple
    male: tuple
    family: tuple
    languages: tuple
    latin_script: bool = False

    def given(self, rng: random.Random, female: bool) -> str:
        return rng.choice(self.female if female else self.male)

    def surname(self, rng: random.Random) -> str:
        if self.key == "tg" and rng.random() < 0.35:
            return rng.choice(names.TAJIK_ZODA)
        return rng.choice(self.family)

    def full(self, style: str, surname: str, father: str, female: bool) -> tuple[str, str]:
        """(family name, patronymic) of a person whose father is `father` and whose family
        carries `surname`, in the family's naming style."""
        if self.key == "ky" and style == "native":
            # As Kyrgyz passports write it: "Бакыт кызы" in the family name field.
            return f"{father} {'кызы' if female else 'уулу'}", ""
        if self.key == "kk" and style == "native":
            return feminine(surname) if female else surname, father + ("қызы" if female else "ұлы")
        if self.key == "uz":
            patronymic = f"{father} {'qizi' if female else 'oʻgʻli'}"
            return feminine(surname) if female else surname, patronymic
        return feminine(surname) if female else surname, russian_patronymic(father, female)

    def alias(self, text: str) -> tuple[str, str]:
        """Another spelling of a name and its script."""
        if self.latin_script:
            return uzbek_cyrillic(text), ReturneeAlias.Script.CYRILLIC
        return latin(text), ReturneeAlias.Script.LATIN


POOLS = {
    "ky": Pool(
        "ky", names.KYRGYZ_FEMALE, names.KYRGYZ_MALE, names.KYRGYZ_FAMILY, (("ky", "ru"), ("ky",), ("ky", "ru"))
    ),
    "uz": Pool("uz", names.UZBEK_FEMALE, names.UZBEK_MALE, names.UZBEK_FAMILY, (("uz", "ky"), ("uz", "ru")), True),
    "kk": Pool("kk", names.KAZAKH_FEMALE, names.KAZAKH_MALE, names.KAZAKH_FAMILY, (("kk", "ru"), ("ky", "kk"))),
    "tg": Pool("tg", names.TAJIK_FEMALE, names.TAJIK_MALE, names.TAJIK_FAMILY, (("tg", "ru"), ("tg", "uz"))),
    "ru": Pool("ru", names.RUSSIAN_FEMALE, names.RUSSIAN_MALE, names.RUSSIAN_FAMILY, (("ru",), ("ru", "ky"))),
}
STAFF_POOLS = Weighted([("ky", 80), ("ru", 12), ("uz", 5), ("kk", 3)])
# Ethnic Uzbeks live mostly in the south (Osh, Jalal-Abad, Batken); Russians mostly in the north.
SOUTH = {"Osh city", "Osh Oblast", "Jalal-Abad Oblast", "Batken Oblast"}
POOL_SOUTH = Weighted([("ky", 62), ("uz", 28), ("tg", 5), ("kk", 2), ("ru", 3)])
POOL_NORTH = Weighted([("ky", 78), ("ru", 9), ("kk", 7), ("uz", 4), ("tg", 2)])
