"""Name keys: find a person by any spelling, in any script (issue 15).

The same woman is "GULZAT ABDRAKHMANOVA" in her passport, "Гулзат Абдрахманова" in a Russian letter,
"Гүлзат Абдырахманова" on a Kyrgyz form, "Gulsat Abdrachmanowa" in a German NGO's list and
"Gulzat Abdraxmanova" on an Uzbek one; her daughter is "فاطمة" on a camp list and "Фатима" at home.
This module turns each spelling into keys that meet:

- `fold(text)`: the spelling with what does not tell names apart removed, in the script it was
  written in (NFKC, case folding, marks, invisible characters; Kyrgyz, Kazakh, Uzbek and Tajik
  letters folded to Russian ones; Arabic letter variants folded). Equal folds are the same spelling.
- `skeleton(text)`: one name part as a Latin phonetic skeleton in which the transliteration
  schemes meet (passport ICAO, BGN/PCGN, German, Uzbek Latin, Arabic script). Equal skeletons are
  the same name spelt differently.
- `name_keys(*parts)`: the skeletons of a full name's words, sorted: what an index stores.
- `similarity(a, b)` and `compare(a, b)`: how close two full names are (0..1, word order does not
  matter, a letter or two may differ) and why they matched (exact, same key, close).
- `key_text(*parts)`: the keys in one string, equal for same-key spellings (an equality index).
- `NameIndex`: an in-memory trigram index that picks the candidates worth comparing, the blocking
  PostgreSQL's pg_trgm can do on a column holding `blocking_text(...)`.

Libraries do what they do well: anyascii (ISC licence) transliterates every script we do not
handle ourselves, rapidfuzz (MIT) computes edit distances in C. What they lack is written here:
Central Asian letter folds, the meeting of Latin spelling schemes (kh/x/ch, zh/j/sh, ya/ia/ja, -ow/-ov),
Arabic script with the long vowels written as vowels, and Arabic given names with their Central
Asian forms (محمد, Мухаммад, Muhammad). Unidecode was not taken: it is GPL-licensed and spells
Kazakh and Tajik letters with punctuation ("Nu'rg'aliev", "Ch'amila").

Nothing here raises on what a person or a file may contain: text that cannot be a name (control
characters, only punctuation, longer than MAX_LENGTH) gives empty keys and a similarity of 0."""

import dataclasses
import functools
import heapq
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from anyascii import anyascii
from rapidfuzz.distance import OSA

# Longer than any name part (the name fields hold 100 characters, an alias 200): text beyond this is
# not a name, and refusing it bounds the work a hostile input can cause.
MAX_LENGTH = 200
# More words than any person's name has (Kyrgyz, Arabic and Russian names with every part have up to
# six or seven): a name keeps its first twelve, so comparing two names stays quick whatever they hold.
MAX_WORDS = 12

# --- fold --------------------------------------------------------------------------------------------

# Apostrophe look-alikes: Uzbek oʻ/gʻ (U+02BB), the modifier apostrophe (U+02BC), typewriter and
# typographic quotes, grave and acute accents typed instead, the ayn and hamza half rings.
APOSTROPHES = "'ʻʼʽʾʿˈ`´‘’′ʹ"
DASHES = "-‐‑‒–—―־"
_APOSTROPHE_MAP = str.maketrans(dict.fromkeys(APOSTROPHES, "'") | dict.fromkeys(DASHES, "-"))

# Latin letters whose mark changes the sound (Turkish, Kurdish, Czech and ISO 9 transliteration):
# spelt out before the marks are dropped, so "Şahnoza" still meets "Shahnoza".
_LATIN_SOUNDS = str.maketrans({"š": "sh", "č": "ch", "ž": "zh", "ş": "sh", "ç": "ch", "ğ": "gh", "ǧ": "gh", "ŝ": "sh"})

# Cyrillic letters of Kyrgyz, Kazakh, Uzbek, Tajik (and their neighbours) to the Russian letter
# Russian-language documents write for them. ё, ў, ӣ, ӯ, ӓ, ӧ lose their mark with the other marks.
# э/е: Kazakh writes Ерлан where Kyrgyz and Russian write Эрлан.
_CYRILLIC_FOLD = str.maketrans(
    {
        "ү": "у",
        "ұ": "у",
        "ө": "о",
        "ң": "н",
        "ҥ": "н",
        "қ": "к",
        "ҡ": "к",
        "ғ": "г",
        "ҕ": "г",
        "ҳ": "х",
        "һ": "х",
        "ә": "а",
        "і": "и",
        "ҷ": "дж",
        "җ": "ж",
        "ҙ": "з",
        "ҫ": "с",
        "э": "е",
    }
)

# Arabic letter variants: alif maqsura and Persian yeh to yeh, Persian kaf to kaf, teh marbuta and
# the heh shapes to heh, alef wasla to alef; hamza on the line and tatweel go. Hamza above or below a
# carrier (أ إ ؤ ئ), madda (آ) and tashkeel are combining marks and go with the other marks.
_ARABIC_FOLD = str.maketrans(
    {
        "ى": "ي",
        "ی": "ي",
        "ې": "ي",
        "ۍ": "ي",
        "ک": "ك",
        "ة": "ه",
        "ۃ": "ه",
        "ە": "ه",
        "ہ": "ه",
        "ھ": "ه",
        "ٱ": "ا",
        "ء": None,
        "ـ": None,
    }
)

# Latin letters that look like Cyrillic ones (and back), for a word typed with both keyboards.
_LATIN_LOOKALIKES = "AaBCcEeHKMOoPpTXxYy"
_CYRILLIC_LOOKALIKES = "АаВСсЕеНКМОоРрТХхУу"
_TO_CYRILLIC = str.maketrans(_LATIN_LOOKALIKES, _CYRILLIC_LOOKALIKES)
_TO_LATIN = str.maketrans(_CYRILLIC_LOOKALIKES, _LATIN_LOOKALIKES)


def _unusable(char: str) -> bool:
    """NUL and the other control characters (other than whitespace), halves of surrogate pairs and
    the replacement character for bytes that were not UTF-8: the rule repat.core.search applies to
    search boxes, so a name no search can type yields no key either."""
    return char == "\ufffd" or (unicodedata.category(char) in ("Cc", "Cs") and not char.isspace())


def _script(char: str) -> str:
    name = unicodedata.name(char, "")
    return name.split(" ", 1)[0]


def _one_keyboard(word: str) -> str:
    """A word typed partly with look-alike letters of the other keyboard ("Aйгүл" with a Latin A)
    written in the script most of its letters are in."""
    scripts = Counter(_script(c) for c in word if c.isalpha() and c not in _LATIN_LOOKALIKES + _CYRILLIC_LOOKALIKES)
    if not scripts:
        return word
    main = scripts.most_common(1)[0][0]
    if main == "CYRILLIC":
        return word.translate(_TO_CYRILLIC)
    if main == "LATIN":
        return word.translate(_TO_LATIN)
    return word


def _drop_marks(text: str) -> str:
    """Combining marks removed, except the breve of й, which Russian reads as another letter."""
    out = []
    for char in unicodedata.normalize("NFD", text):
        if unicodedata.category(char) == "Mn":
            if char == "\u0306" and out and out[-1] == "и":
                out.append(char)
            continue
        out.append(char)
    return unicodedata.normalize("NFC", "".join(out))


def fold(text: str) -> str:
    """The spelling of `text` with only what tells names apart, in its own script: lowercase words
    separated by single spaces, apostrophes as ' and dashes as - inside words, nothing else.

    "Аксёнов" and "аксенов", "Гүлзат" and "гулзат", "أحمد" and "احمد", "GOʻZAL" and "go'zal" fold
    the same. Returns "" for text that cannot be a name (see the module docstring)."""
    if not isinstance(text, str):
        return ""
    return _fold(text)


@functools.lru_cache(maxsize=50_000)
def _fold(text: str) -> str:
    if not text or len(text) > MAX_LENGTH or any(_unusable(c) for c in text):
        return ""
    # Apostrophes first: NFKC would turn an acute accent typed as one into a space and a mark.
    text = unicodedata.normalize("NFKC", text.translate(_APOSTROPHE_MAP))
    text = " ".join(_one_keyboard(word) for word in text.split())
    text = text.casefold().translate(_LATIN_SOUNDS)
    text = _drop_marks(text).translate(_CYRILLIC_FOLD).translate(_ARABIC_FOLD)
    # Letters stay; apostrophes and dashes stay between letters (oʻgʻli, Ак-Орго); zero-width and
    # bidi controls (category Cf) vanish; everything else (digits, punctuation, symbols) separates.
    out = []
    for char in text:
        category = unicodedata.category(char)
        if category[0] == "L" or char in "'-":
            out.append(char)
        elif category != "Cf":
            out.append(" ")
    words = []
    for word in "".join(out).split():
        word = re.sub(r"(?<=\w)[-']+$", lambda m: "'" if "'" in m.group() else "", word)  # oʻ at a word's end stays
        word = re.sub(r"^[-']+|-{2,}|'{2,}", "", word)
        word = re.sub(r"-'|'-", "-", word)
        if any(c.isalpha() for c in word):
            words.append(word)
    return " ".join(words)


# --- skeleton ---------------------------------------------------------------------------------------

# The skeleton's alphabet: vowels a e i o u; consonants b d f g h k l m n p r s t v; c for ч; j for
# the hushing sounds ж ш щ дж (German writes ж and ш alike as "sch"). Sounds the spelling schemes
# write differently share one letter: х kh x h ch(German) → h; з с ц z s ts tz → s; в v w → v;
# й ы y i and German j → i; қ q k c → k.

# Russian Cyrillic (after fold) to skeleton letters, upper case so the Latin rules leave them alone.
_CYRILLIC = {
    **dict(zip("абвгдезиклмнопрстуфхцчшщжы", "ABVGDESIKLMNOPRSTUFHSCJJJI", strict=True)),
    "й": "I",
    "ю": "IU",
    "я": "IA",
    "ъ": "",
    "ь": "",
}

# Arabic script after fold. Long vowels are written (ا و ي) and give vowels; short vowels are not,
# so what is not a known name is compared loosely (see _loose). ث ذ ز ظ ص س are s, as Central Asian
# languages say them (Усман for عثمان); ع has no Latin letter.
_ARABIC = {
    **dict(zip("ابتثجحخدذرزسشصضطظعغفقكلمنهوي", "ABTSJHHDSRSSJSDTS_GFKKLMNHUI", strict=True)),
    "پ": "P",
    "چ": "C",
    "ژ": "J",
    "گ": "G",
    "ڤ": "V",
    "ڭ": "N",
}

# Latin spellings to skeleton letters: longest first; ʻ after o and g is Uzbek (oʻ is ў, gʻ is ғ);
# yo (and German jo) is ё, which the fold writes е (Artyom, Aksjonow, Yoqubov), but yoʻ is йў.
_LATIN_COMMON = {
    "shch": "J",
    "tsch": "C",
    "dsch": "J",
    "sch": "J",
    "tch": "C",
    "dzh": "J",
    "o'": "U",
    "g'": "G",
    "yo'": "IU",
    "yo": "E",
    "zh": "J",
    "sh": "J",
    "kh": "H",
    "gh": "G",
    "ph": "F",
    "th": "S",
    "ts": "S",
    "tz": "S",
    "ck": "K",
    "ou": "U",
    "q": "K",
    "c": "K",
    "w": "V",
    "z": "S",
    "y": "I",
    "'": "",
    "-": "",
}
_LATIN_PLAIN = _LATIN_COMMON | {"ch": "C", "ex": "EKS", "x": "H"}
# German transliteration: ch is х, j is й, x is кс (Abdrachmanowa, Jelena, Alexander).
_LATIN_GERMAN = _LATIN_COMMON | {"ch": "H", "j": "I", "x": "KS", "jo": "E"}
_GERMAN_MARKS = re.compile(r"sch|(?:ow|ew|owa|ewa|owna|ewna|owitsch|ewitsch)\b")


def _latin_rule(table: dict) -> re.Pattern:
    return re.compile("|".join(re.escape(k) for k in sorted(table, key=len, reverse=True)))


_LATIN_RE = {False: (_latin_rule(_LATIN_PLAIN), _LATIN_PLAIN), True: (_latin_rule(_LATIN_GERMAN), _LATIN_GERMAN)}

# Words that mark a patronymic or a father's name ("Бакыт кызы", "Ali oʻgʻli", "bint Ahmad"): they
# say nothing about who the person is, and every second Kyrgyz name has one.
STOPWORDS = frozenset({"kisi", "ulu", "uli", "ogli", "ugli", "ibn", "bin", "bint", "binti", "ibni"})
# Where the father's name is: before a marker (Бакыт кызы, Akmal qizi, Nurbek oʻgʻli, Асан уулу),
# after one (bin Ahmad); or it is the stem of a patronymic (Бакытовна, Мансурович, Берікқызы).
_FATHER_BEFORE = frozenset({"kisi", "ulu", "uli", "ogli", "ugli"})
_FATHER_AFTER = frozenset({"ibn", "bin", "bint", "binti", "ibni"})
_PATRONYMIC_ENDING = re.compile(r"(?:ovna|evna|ovic|evic|icna|kisi)$")
# Words that make one name with the next one (عبد الرحمن, Abu Bakr, Abdul Aziz), and the article
# that is dropped before a name (al-Zubayr is Зубайр).
_JOINERS = frozenset({"abd", "abdu", "abdul", "abdel", "abdal", "abdur", "abdi", "abu", "abou", "abo"})
_ARTICLES = frozenset({"al", "el", "ul", "ad", "ud", "ar", "ur", "as", "us", "an", "at", "aj"})  # aj: ash-


def _to_latin(word: str) -> tuple[str, bool]:
    """A folded word in skeleton letters (upper case where already final, lower case where the
    Latin rules still apply), and whether it came from Arabic script."""
    if any(char in _ARABIC for char in word):
        return _arabic_word(word), True
    out = []
    for char in word:
        if char in _CYRILLIC:
            out.append(_CYRILLIC[char])
        elif "a" <= char <= "z" or char in "'-":
            out.append(char)
        else:
            out.append(anyascii(char).lower())
    return "".join(out), False


def _arabic_word(word: str) -> str:
    """و is a consonant at a word's start and next to an alef (وليد, روان); an alef that only carries
    a word's first vowel goes (اورلوف is Orlov); a final ه (or ة) is the vowel a (فاطمة, حمزة), and
    so is a first ع."""
    out = []
    last = len(word) - 1
    carrier = len(word) > 2 and word[0] == "ا" and word[1] in "وي"
    for i, char in enumerate(word):
        mapped = _ARABIC.get(char)
        if mapped is None:
            mapped = anyascii(char).lower()
        elif carrier and i < 2:
            mapped = "" if i == 0 else mapped
        elif char == "و" and (i == 0 or "ا" in word[max(0, i - 1) : i + 2]):
            mapped = "V"
        elif char == "ه" and i == last and i > 0:
            mapped = "A"
        elif char == "ع" and i == 0:
            mapped = "A"  # the vowel it carries: عبد is Abd, علي Ali
        out.append(mapped.replace("_", ""))
    return "".join(out)


def _latin_rules(text: str, german: bool) -> str:
    pattern, table = _LATIN_RE[german]
    text = pattern.sub(lambda m: table[m.group()], text)
    if not german:
        # j before a vowel is дж (Jamila, Jahongir, Zhibek's Jibek); anywhere else it is й (Ajgul).
        text = re.sub(r"j(?=[aeiouAEIOU])", "J", text)
        text = text.replace("j", "I")
    return text.lower()


# Order matters: doubled letters first (Abdurrahman), then the glide before e (Yelena, Aliyev),
# ng before a vowel (ң as ng or n), дж, тш (ч as Arabic script writes it), the final h of Abdullah,
# and the many ways of writing the Arabic abd- (Abdul-, Abdur-, Абды-, Абду-): all become abd.
_DOUBLES = re.compile(r"(.)\1+")
_POST = (
    (re.compile(r"ie"), "e"),
    (re.compile(r"ng(?=[aeiou])"), "n"),
    (re.compile(r"dj"), "j"),
    (re.compile(r"tj"), "c"),
    (re.compile(r"(?<=[aeiou])h$"), ""),
    (re.compile(r"^abd(?:ul|ur|al|el|ar|ir|il|u|i|a|e)?(?=[^aeiou].)"), "abd"),
)


def _post(text: str) -> str:
    text = _DOUBLES.sub(r"\1", text)
    for pattern, replacement in _POST:
        text = pattern.sub(replacement, text)
    return _DOUBLES.sub(r"\1", text)


@dataclass(frozen=True, slots=True)
class Word:
    """One word of a name: its fold, its skeleton key, and whether the key was guessed from Arabic
    script without its short vowels (then compared loosely)."""

    fold: str
    key: str
    guessed: bool = False
    # The father's name, marked so (Бакыт кызы, Akmal qizi, bin Ahmad): for the duplicate check
    # (`father`); the search takes it as any word (a Kyrgyz "Медер кызы" is often the family name).
    father: bool = False


@functools.lru_cache(maxsize=100_000)
def _word(folded: str, german: bool) -> Word:
    if folded in _ARABIC_NAMES:
        return Word(folded, _ARABIC_NAMES[folded])
    latin, arabic = _to_latin(folded)
    key = _post(_latin_rules(latin, german))
    if key in _CANONICAL:
        return Word(folded, _CANONICAL[key])
    return Word(folded, key, guessed=arabic)


def _words(folded: str, german: bool) -> list[Word]:
    """The words of a folded name part: known Arabic names of two words first (عبد الرحمن), then
    each word, with hyphens as word breaks, articles dropped and abd-/abu- joined to what follows;
    the words marking a father's name (STOPWORDS) dropped, the father's name marked."""
    if folded in _ARABIC_NAMES:
        return [Word(folded, _ARABIC_NAMES[folded])]
    raw = []
    tokens = folded.split()
    i = 0
    while i < len(tokens):
        pair = " ".join(tokens[i : i + 2])
        if i + 1 < len(tokens) and pair in _ARABIC_NAMES:
            raw.append(Word(pair, _ARABIC_NAMES[pair]))
            i += 2
            continue
        token = tokens[i]
        # The Arabic article written onto a known name goes (الزبير is زبير); any other ال is the
        # name's own letters (التناي is Алтынай written down by ear).
        if token.startswith("ال") and token not in _ARABIC_NAMES and token[2:] in _ARABIC_NAMES:
            token = token[2:]
        raw.extend(_word(piece, german) for piece in token.split("-") if piece)
        i += 1
    words: list[Word] = []
    for word in raw:
        if words and words[-1].key in _JOINERS and word.key not in _JOINERS:
            joined = words.pop()
            key = _post(joined.key + word.key)
            words.append(Word(f"{joined.fold} {word.fold}", _CANONICAL.get(key, key), joined.guessed or word.guessed))
        elif word.key in _ARTICLES and words and words[-1].key in _JOINERS:
            continue  # abd al-: the article goes, abd joins the next word
        else:
            words.append(word)
    # An article before a name goes (al-Zubayr); alone it stays, it may be all there is.
    kept = [w for n, w in enumerate(words) if not (w.key in _ARTICLES and n + 1 < len(words))]
    kept = [w for w in kept if w.key]
    for n, word in enumerate(kept):
        if word.key in STOPWORDS:
            continue
        before = n + 1 < len(kept) and kept[n + 1].key in _FATHER_BEFORE
        after = n > 0 and kept[n - 1].key in _FATHER_AFTER
        if before or after:
            kept[n] = dataclasses.replace(word, father=True)
    return [w for w in kept if w.key not in STOPWORDS]


def _is_german(folded: str) -> bool:
    return bool(_GERMAN_MARKS.search(folded))


def father(name: "NameLike") -> str:
    """The key of the father's name that a full name gives ("" when it gives none): the
    patronymic Бакытовна, the Uzbek Bakit qizi and the Kyrgyz Бакыт кызы all give "bakit"."""
    name = _as_name(name)
    for word in name.words:
        if word.father:
            return word.key
    for word in name.words:
        if len(word.key) >= 7 and _PATRONYMIC_ENDING.search(word.key):
            return word.key[:-4]
    return ""


def same_father(a: str, b: str) -> bool | None:
    """Whether two fathers' names (`father`) are one name, a letter or two apart at most; None
    when either is not given."""
    if not a or not b:
        return None
    # Алексеевна's stem is aleks, Алексей's key aleksei: a stem may be the start of the name.
    if min(len(a), len(b)) >= 3 and (a.startswith(b) or b.startswith(a)):
        return True
    return _key_score(a, b, False)[1] is not MatchKind.DIFFERENT


def skeleton(text: str) -> str:
    """The Latin phonetic skeleton of one name part, its words separated by spaces.

    "GULZAT", "Gulsat", "Гүлзат" and "Gulzat" give "gulsat"; "Abdrachmanowa", "Abdraxmanova" and
    "Абдрахманова" give "abdrahmanova"; "محمد", "Мухаммед" and "Muhammad" give "muhamad".
    Returns "" for text that cannot be a name."""
    folded = fold(text)
    return " ".join(word.key for word in _words(folded, _is_german(folded)))


# --- Arabic given names and their Central Asian forms ---------------------------------------------------

# Each line: the name in Arabic script (spellings separated by /), then its Latin and Cyrillic forms as
# Central Asian, Russian, passport and English documents write them; the first Latin form gives the
# key. Forms are compared by skeleton, so a spelling that already meets another (Mukhammad and
# Muhammad) need not be listed.
GIVEN_NAMES = """
محمد | Muhammad Muhammed Mohammed Mohamed Mohammad Mahammad Muhamed Magomed Mukhamed Muhammet Mukhammet
محمد | Muhammad Мухаммад Мухаммед Мухамед Магомед Мухаммет Мухамбет
أحمد | Ahmad Ahmed Akhmet Ahmat Ahmet Ахмад Ахмед Ахмат Ахмет
عبد الله / عبدالله | Abdullah Abdulla Abdallah Abdullo Абдулла Абдуллах Абдулло
عبد الرحمن / عبدالرحمن | Abdurrahman Abdurahmon Abdulrahman Abdrakhman Абдурахман Абдурахмон Абдырахман Абдрахман
عبد العزيز / عبدالعزيز | Abdulaziz Abdelaziz Абдулазиз Абдилазиз Абдылазиз
عبد القادر / عبدالقادر | Abdulkadir Abdulqodir Abdelkader Абдыкадыр Абдулкадыр Абдукодир Абдукадыр
عبد الرحيم / عبدالرحيم | Abdurahim Abdurrahim Abdrahim Абдырахим Абдурахим Абдурахим
عبد الملك / عبدالملك | Abdulmalik Абдулмалик
عبد الحميد / عبدالحميد | Abdulhamid Абдулхамид Абдулхамит Абдыгамит
عمر | Umar Omar Omer Umer Умар Омар
عثمان | Usman Uthman Osman Usmon Othman Усман Осман Усмон
علي | Ali Aly Али
يوسف | Yusuf Yusup Yousef Yusef Yossef Юсуф Юсуп
إبراهيم | Ibrahim Ibragim Ibrohim Ebrahim Ибрахим Ибрагим Иброхим
إسماعيل | Ismail Ismoil Ismayil Ismail Исмаил Исмоил Исмайыл Ысмайыл
إسحاق | Ishaq Iskhak Ishoq Исхак Исхок Исаак
يعقوب | Yakub Yaqub Yoqub Yakup Якуб Якуп Ёкуб
موسى | Musa Moussa Muso Муса Мусо
عيسى | Isa Eisa Iso Иса Исо
يحيى | Yahya Yahyo Yakhya Яхья Яхё
زكريا | Zakariya Zakaria Zakariyo Закария Закарие
أيوب | Ayyub Ayub Ayoub Айюб Аюб Аюп Ayup
إدريس | Idris Идрис Идрыс
سليمان | Sulayman Suleyman Sulaiman Sulaymon Suleiman Сулейман Сулайман Сулаймон
داود | Dawud Davud Dovud Давуд Довуд Давут
هارون | Harun Horun Xorun Харун Горун
يونس | Yunus Yunis Юнус
نوح | Nuh Nukh Нух
إلياس | Ilyas Ilyos Ilias Ильяс Илияс Илиас Ильяз
حسن | Hasan Hassan Xasan Хасан Гасан
حسين | Husayn Husain Hussein Husein Hussain Xusan Хусейн Хусаин Хусайн Гусейн Хусан
حمزة | Hamza Hamzah Xamza Хамза Гамза
بلال | Bilal Билал
صالح | Salih Saleh Solih Салих Солих
خالد | Khalid Khaled Xolid Халид Холид
أنس | Anas Анас
الزبير / زبير | Zubayr Zubair Зубайр Зубейр
طلحة | Talha Талха
مصعب | Musab Мусаб Мусъаб
أبو بكر / ابوبكر | Abubakr Abubakir Abubakar Абубакр Абубакир Абубакар
صلاح الدين | Salahuddin Salahiddin Salohiddin Салахуддин Салахиддин Салохиддин
نور الدين | Nuriddin Nureddin Nuraddin Нуриддин Нуреддин
تميم | Tamim Тамим
مصطفى | Mustafa Mustafo Мустафа Мустафо
سعد | Saad Sad Саад Саъд
جعفر | Jafar Djafar Джафар Жапар Жафар
طارق | Tariq Tarik Tarek Тарик Тарек
زياد | Ziyad Ziad Зияд Зиёд
معاذ | Muadh Muaz Moaz Муаз
أسامة | Usama Osama Усама Осама
أمير | Amir Ameer Амир
كريم | Karim Карим
عزيز | Aziz Азиз
رسول | Rasul Rasool Расул
رحيم | Rahim Rakhim Рахим
جمال | Jamal Jamol Джамал Жамал Жамол
كمال | Kamal Kamol Камал Камол
ناصر | Nasir Nosir Naser Насир Носир
منصور | Mansur Mansour Мансур
مراد | Murad Murod Murat Мурад Мурод Мурат
إسلام | Islam Islom Ислам
عادل | Adil Odil Adel Адил Одил
سلمان | Salman Салман
فيصل | Faysal Faisal Фейсал Файсал
عمار | Ammar Аммар
عائشة | Aisha Aysha Oysha Oisha Ayesha Aischa Aishat Айша Ойша Айшат Айше
فاطمة | Fatima Fotima Fatimah Fatma Patima Фатима Фотима Патима Фатма
مريم | Maryam Mariam Mariyam Maryem Мариям Марьям Марям
خديجة | Khadija Xadicha Hadija Khadicha Xadija Хадиджа Хадича Хадижа Хатиджа Кадича
زينب | Zaynab Zainab Zeynab Зайнаб Зейнаб Зайнап
آسية | Asiya Asia Osiyo Асия Осие
صفية | Safiya Safia Safiyya Сафия Сафие
رقية | Ruqaya Ruqayya Rukiya Rukia Рукия Рукайя Рукайя
سمية | Sumaya Sumayya Sumaiya Sumiya Сумая Сумайя Сумия
آمنة | Amina Aminah Omina Амина Омина
حليمة | Halima Halimah Xalima Khalima Халима Галима
حفصة | Hafsa Xafsa Хафса
أسماء | Asma Asmaa Асма
نسيبة | Nusayba Nusaiba Нусайба
ياسمين | Yasmin Yasmina Jasmin Ясмин Ясмина
نور | Nur Noor Нур
هاجر | Hajar Hagar Хаджар Хажар
سارة | Sara Sarah Сара
ملاك | Malak Малак
جنات | Jannat Джаннат Жаннат
حواء | Hawwa Hawa Havva Хавва Хава
ليلى | Layla Leyla Laila Leila Лейла Лайла Лейли
بشرى | Bushra Бушра
أميمة | Umayma Umaima Умайма
شيماء | Shayma Shaima Шайма Шаима
روان | Rawan Раван
زهراء | Zahra Захра
منيرة | Munira Мунира
مدينة | Madina Madinah Мадина
جميلة | Jamila Djamila Dschamila Jamilya Джамила Жамила Жамиля
مليكة | Malika Малика
سعيدة | Saida Саида Саида
رحيمة | Rahima Рахима
كريمة | Karima Карима
سلمى | Salma Салма
هدى | Huda Худа
زليخا | Zulaykha Zuleykha Zulayho Зулейха Зулайхо Зулайха
سكينة | Sakina Сакина
رابعة | Rabia Robiya Рабия Робия
سعادت / سعادة | Saadat Saodat Саадат Саодат
نادرة | Nadira Nodira Надира Нодира
"""


def _given_names() -> tuple[dict[str, str], dict[str, str]]:
    """{folded Arabic spelling: key} and {skeleton of a Central Asian form: key} from GIVEN_NAMES."""
    arabic, canonical = {}, {}
    for line in GIVEN_NAMES.strip().splitlines():
        arabic_side, forms_side = line.split("|")
        forms = forms_side.split()
        key = _plain_key(forms[0])
        for form in forms:
            canonical[_plain_key(form)] = key
        for spelling in arabic_side.split("/"):
            arabic[fold(spelling)] = key
    return arabic, canonical


def _plain_key(form: str) -> str:
    """The skeleton of a form before any name table applies, its words run together."""
    return _post("".join(_latin_rules(_to_latin(word)[0], False) for word in fold(form).split()))


_ARABIC_NAMES, _CANONICAL = _given_names()


# --- full names: keys, similarity, why they matched --------------------------------------------------


@dataclass(frozen=True, slots=True)
class Name:
    """A full name parsed once for comparing many times: its words in the order given."""

    words: tuple[Word, ...]
    # The words' parts side by side, for the comparing loop.
    folds: tuple[str, ...] = ()
    keys_in_order: tuple[str, ...] = ()
    guessed: tuple[bool, ...] = ()
    lengths: tuple[int, ...] = ()
    plains: tuple[str, ...] = ()
    patronymic: tuple[bool, ...] = ()

    def __post_init__(self):
        set_ = object.__setattr__
        set_(self, "folds", tuple(w.fold for w in self.words))
        set_(self, "keys_in_order", tuple(w.key for w in self.words))
        set_(self, "guessed", tuple(w.guessed for w in self.words))
        set_(self, "lengths", tuple(len(w.key) for w in self.words))
        set_(self, "plains", tuple(_plain(w.fold) for w in self.words))
        set_(self, "patronymic", tuple(bool(_PATRONYMIC.search(w.key)) for w in self.words))

    @property
    def keys(self) -> list[str]:
        return sorted({w.key for w in self.words if len(w.key) >= 2})

    def __bool__(self) -> bool:
        return bool(self.words)


NameLike = str | Iterable[str] | Name
# A Russian-style patronymic's key (-ович, -евич, -овна, -евна, -ична, as -owitsch or -ovich).
_PATRONYMIC = re.compile(r"..(?:ovna|evna|ovic|evic|icna)$")


@functools.lru_cache(maxsize=100_000)
def _plain(folded: str) -> str:
    """A word's fold in plain Latin letters, to tell apart two spellings with the same key."""
    return re.sub("[^a-z]", "", anyascii(folded).lower())


def parse(*parts: str) -> Name:
    """A full name from its parts (given name, family name, patronymic, or one string holding all).
    One unusable part makes the whole name unusable: a NUL in a family name is not a shorter name."""
    texts = [part for part in parts if isinstance(part, str)]
    if any(len(text) > MAX_LENGTH or any(_unusable(c) for c in text) for text in texts):
        return Name(())
    folded = [fold(text) for text in texts]
    german = _is_german(" ".join(folded))
    words = [word for part in folded if part for word in _words(part, german)]
    return Name(tuple(words[:MAX_WORDS]))


def _as_name(value: NameLike) -> Name:
    if isinstance(value, Name):
        return value
    if isinstance(value, str):
        return parse(value)
    try:
        return parse(*value)
    except TypeError:
        return Name(())


def name_keys(*parts: str) -> list[str]:
    """The keys of a full name: the sorted, distinct skeletons of its words (patronymic markers
    like кызы and initials left out). Word order does not matter: "Абдрахманова Гулзат" and
    "GULZAT ABDRAKHMANOVA" have the same keys. [] for a name that cannot be one."""
    return parse(*parts).keys


def key_text(*parts: str) -> str:
    """The keys as one string: equal for two spellings of the same name in any order, so an
    equality index on it finds same-key duplicates."""
    return " ".join(name_keys(*parts))


def trigrams(text: str) -> frozenset[str]:
    """pg_trgm's trigrams of `text`: each word padded with two spaces before and one after."""
    grams = set()
    for word in text.split():
        padded = f"  {word} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return frozenset(grams)


class MatchKind(StrEnum):
    EXACT = "exact"  # the same spelling once folded (case, marks, ё/е, Kyrgyz letters), any word order
    SAME_KEY = "same_key"  # the same name spelt another way or in another script
    CLOSE = "close"  # a letter or two apart, or a word missing on one side
    DIFFERENT = "different"


# Word pairs and whole names at or above this are "close". Measured on the labelled variants
# (repat/devtools/name_variants.py, 1,500 queries among 5,150 names): 99.4% of right matches score
# 0.85 or more (97% of those with a typo), and 16% of queries have another person that high, mostly
# spellings of one name the generator counts as two (Феруза and Фируза, Мирзоева and Мырзаева).
CLOSE_WORD = 0.75
CLOSE_NAME = 0.85
# A word present in one name and missing in the other (a second given name, a family name) counts
# this much against the score, as a fraction of its length; a patronymic counts less.
MISSING_WORD_WEIGHT = 0.5
PATRONYMIC_WEIGHT = 0.1
# Two words less alike than this are not one name misspelt (Ситора and Сара), they disagree.
PAIR_MIN = 0.6


@dataclass(frozen=True, slots=True)
class WordMatch:
    a: str  # the word's fold
    b: str
    kind: MatchKind
    score: float


@dataclass(frozen=True, slots=True)
class NameMatch:
    """Why two names matched: the kind of the weakest word pair, the score, the word pairs (a's
    word, b's word) and the words of each name that found no partner."""

    kind: MatchKind
    score: float
    pairs: tuple[WordMatch, ...] = ()
    unmatched_a: tuple[str, ...] = ()
    unmatched_b: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return self.kind != MatchKind.DIFFERENT


_LOOSE = str.maketrans("oevp", "uifb")


def _loose(key: str) -> str:
    """A key as Arabic script could write it: no o, e, v, p (و, ي, ف, ب stand for them)."""
    return key.translate(_LOOSE)


def loose(key: str) -> str:
    """A word's key as `blocking_text` writes it (o as u, e as i, v as f, p as b)."""
    return _loose(key)


_NO_VOWELS = str.maketrans(dict.fromkeys("aeiou"))


def _consonants(key: str) -> str:
    """A key without its vowels but the first: how Arabic script writes a name with short vowels."""
    return key[:1] + key[1:].translate(_NO_VOWELS)


@functools.lru_cache(maxsize=50_000)
def _arabic_forms(key: str) -> tuple[str, str]:
    """The loose key and its consonants."""
    loose = _loose(key)
    return loose, _consonants(loose)


@functools.lru_cache(maxsize=200_000)
def _key_score(a: str, b: str, guessed: bool) -> tuple[float, MatchKind]:
    if a == b:
        return 1.0, MatchKind.SAME_KEY
    score = OSA.normalized_similarity(a, b)
    if guessed:
        # Arabic script without its short vowels: compare as Arabic could write both, or by consonants.
        (loose_a, bare_a), (loose_b, bare_b) = _arabic_forms(a), _arabic_forms(b)
        if loose_a == loose_b:
            return 1.0, MatchKind.SAME_KEY
        loose = OSA.normalized_similarity(loose_a, loose_b)
        bare = OSA.normalized_similarity(bare_a, bare_b)
        score = max(score, loose, 0.95 * bare)
    elif a[:1] != b[:1]:
        score *= 0.95  # a name rarely changes its first sound
    return score, (MatchKind.CLOSE if score >= CLOSE_WORD else MatchKind.DIFFERENT)


def _align(name_a: Name, name_b: Name) -> tuple[float, list, set, set, bool]:
    """(score, pairs (i, j, score, kind), paired word indexes of a, of b, whether unpaired words
    disagree): words paired best first. Written for speed: a search calls it for every candidate."""
    scored = []
    folds_b, keys_b, guessed_b = name_b.folds, name_b.keys_in_order, name_b.guessed
    for i, (fold_a, key_a, guessed_a) in enumerate(
        zip(name_a.folds, name_a.keys_in_order, name_a.guessed, strict=True)
    ):
        for j, fold_b in enumerate(folds_b):
            if fold_a == fold_b:
                scored.append((-1.0, i, j, MatchKind.EXACT))
                continue
            score, kind = _key_score(key_a, keys_b[j], guessed_a or guessed_b[j])
            if score >= PAIR_MIN:
                scored.append((-score, i, j, kind))
    scored.sort()
    used_a, used_b, pairs = set(), set(), []
    matched = total = 0.0
    lengths_a, lengths_b = name_a.lengths, name_b.lengths
    for negative, i, j, kind in scored:
        if i in used_a or j in used_b:
            continue
        used_a.add(i)
        used_b.add(j)
        score = -negative
        if kind is not MatchKind.EXACT:
            # Of two candidates with the same key, the one spelt more like the query comes first
            # (Фотима before Фатима for FOTIMA).
            score *= 0.98 + 0.02 * _plain_score(name_a.plains[i], name_b.plains[j])
        pairs.append((i, j, score, kind))
        weight = lengths_a[i] + lengths_b[j]
        matched += score * weight
        total += weight
    disagree = False
    if len(used_a) < len(lengths_a) or len(used_b) < len(lengths_b):
        cost, disagree = _unpaired_cost(name_a, used_a, name_b, used_b)
        total += cost
    return (matched / total if total else 0.0), pairs, used_a, used_b, disagree


def _unpaired_cost(name_a: Name, used_a: set, name_b: Name, used_b: set) -> tuple[float, bool]:
    """What words without a partner cost, and whether the names disagree. One name saying less
    costs little for a patronymic (lists often leave it out) and half a word's length for another
    word (a second given name, a family name one list lacks). Both names having an unpaired word of
    the same sort (two different patronymics, two different given names) is a disagreement: those
    words cost their whole length."""
    left = [
        [(name.lengths[n], name.patronymic[n]) for n in range(len(name.words)) if n not in used]
        for name, used in ((name_a, used_a), (name_b, used_b))
    ]
    if not left[0] and not left[1]:
        return 0.0, False
    sorts = [{patronymic for _, patronymic in side} for side in left]
    disagree = sorts[0] & sorts[1]
    cost = 0.0
    for side in left:
        for length, patronymic in side:
            if patronymic in disagree:
                cost += length
            else:
                cost += length * (PATRONYMIC_WEIGHT if patronymic else MISSING_WORD_WEIGHT)
    return cost, bool(disagree)


@functools.lru_cache(maxsize=200_000)
def _plain_score(a: str, b: str) -> float:
    return OSA.normalized_similarity(a, b)


def compare(a: NameLike, b: NameLike) -> NameMatch:
    """How two full names match and why, whatever their scripts and word order.

    Words are paired best first; each pair scores 1 for the same fold or key, otherwise the
    edit similarity of the keys (a transposed pair of letters is one edit). Words without a partner
    cost what _unpaired_cost says (little for a patronymic, all when both names have one). The
    kind is EXACT or SAME_KEY when every word but a patronymic one name lacks pairs at that level,
    CLOSE when the score reaches CLOSE_NAME: worth a person's look, not proof of the same person."""
    name_a, name_b = _as_name(a), _as_name(b)
    if not name_a or not name_b:
        return NameMatch(MatchKind.DIFFERENT, 0.0)
    score, pairs, used_a, used_b, disagree = _align(name_a, name_b)
    missing_a = tuple(w.fold for n, w in enumerate(name_a.words) if n not in used_a)
    missing_b = tuple(w.fold for n, w in enumerate(name_b.words) if n not in used_b)
    kinds = {kind for *_, kind in pairs}
    # Only a patronymic may be missing from an exact or same-key match (lists often leave it out),
    # and only from one of the names.
    whole = not disagree and all(
        name.patronymic[n]
        for name, used in ((name_a, used_a), (name_b, used_b))
        for n in range(len(name.words))
        if n not in used
    )
    if whole and kinds == {MatchKind.EXACT}:
        kind = MatchKind.EXACT
    elif whole and kinds and kinds <= {MatchKind.EXACT, MatchKind.SAME_KEY}:
        kind = MatchKind.SAME_KEY
    else:
        kind = MatchKind.CLOSE if score >= CLOSE_NAME else MatchKind.DIFFERENT
    word_matches = tuple(
        WordMatch(name_a.words[i].fold, name_b.words[j].fold, k, round(s, 3)) for i, j, s, k in sorted(pairs)
    )
    return NameMatch(kind, round(score, 4), word_matches, missing_a, missing_b)


def similarity(a: NameLike, b: NameLike) -> float:
    """compare(a, b).score without the explanation: 1.0 for the same name in any spelling, 0.0 for
    unusable input. Pass `parse(...)` results when comparing one name with many."""
    name_a, name_b = _as_name(a), _as_name(b)
    if not name_a or not name_b:
        return 0.0
    return round(_align(name_a, name_b)[0], 4)


# --- blocking: which candidates are worth comparing ----------------------------------------------------


class NameIndex:
    """Candidates for a name among many, by shared trigrams of their keys, then ranked by `similarity`.

    This is the blocking a database can do: store `blocking_text(...)` of every name and alias in a
    column with a pg_trgm index, take the fifty rows nearest the query's blocking text (with a GiST
    gist_trgm_ops index, `ORDER BY blocking <-> %s LIMIT 50`; with GIN, `WHERE blocking % %s` ordered
    by `similarity(blocking, %s)`), and rerank them with this module's `similarity`; `key_text`
    in a plain index finds same-key duplicates by equality. Trigram similarity here is pg_trgm's:
    shared trigrams over the union of both sets, each word padded as pg_trgm pads it. On the
    labelled variants the right person is among the first fifty for 99.9% of queries
    (repat/devtools/name_variants.py)."""

    def __init__(self):
        self._idents: list = []
        self._rows: dict[object, int] = {}
        self._names: list[list[Name]] = []
        self._grams: list[frozenset[str]] = []
        self._postings: dict[str, list[int]] = {}
        # Each trigram's bit, and each row's trigrams as an int: shared trigrams are a popcount.
        self._bits: dict[str, int] = {}
        self._masks: list[int] = []

    def add(self, ident, *parts: str) -> None:
        """Index one spelling (a name or an alias) of the person or record `ident`."""
        name = parse(*parts)
        if not name:
            return
        row = self._rows.get(ident)
        if row is None:
            row = self._rows[ident] = len(self._idents)
            self._idents.append(ident)
            self._names.append([])
            self._grams.append(frozenset())
            self._masks.append(0)
        self._names[row].append(name)
        new = _name_grams(name) - self._grams[row]
        self._grams[row] |= new
        for gram in new:
            self._postings.setdefault(gram, []).append(row)
            self._masks[row] |= self._bits.setdefault(gram, 1 << len(self._bits))

    def __len__(self) -> int:
        return len(self._idents)

    def _candidate_rows(self, grams: frozenset[str], limit: int) -> list[int]:
        """The rows with the highest pg_trgm similarity (shared trigrams over the union) to `grams`.

        Rows are first counted over the query's rarer trigrams only (a trigram in a tenth of all
        names, like "va " of every -ova, tells little and costs the most); the best three times
        `limit` by that count are then ranked by exact similarity, earlier rows first among equals.
        A GIN index does the same in SQL."""
        if not grams:
            return []
        common = max(50, len(self._idents) // 10)
        postings = sorted((self._postings[gram] for gram in grams if gram in self._postings), key=len)
        rare = [rows for rows in postings if len(rows) <= common] or postings[:3]
        shared = Counter()
        for rows in rare:
            shared.update(rows)
        shortlist = sorted(shared, key=shared.__getitem__, reverse=True)[: 3 * limit]
        query = 0
        for gram in grams:
            query |= self._bits.get(gram, 0)
        masks, size = self._masks, len(grams)
        ranked = []
        for row in shortlist:
            both = (query & masks[row]).bit_count()
            ranked.append((both / (size + masks[row].bit_count() - both), -row))
        ranked.sort(reverse=True)
        return [-row for _, row in ranked[:limit]]

    def candidates(self, *parts: str, limit: int = 50) -> list[object]:
        """The `limit` records sharing most trigrams with the query's keys (pg_trgm similarity)."""
        return [self._idents[row] for row in self._candidate_rows(_name_grams(parse(*parts)), limit)]

    def scores(self, *parts: str, candidates: int = 50) -> dict[object, float]:
        """{record: similarity to the query} for the query's candidates (a record with aliases
        scores its best spelling)."""
        query = parse(*parts)
        if not query:
            return {}
        scores = {}
        for row in self._candidate_rows(_name_grams(query), candidates):
            spellings = self._names[row]
            if len(spellings) == 1:
                score = _align(query, spellings[0])[0]
            else:
                score = max(_align(query, name)[0] for name in spellings)
            scores[self._idents[row]] = round(score, 4)
        return scores

    def search(
        self, *parts: str, limit: int = 10, candidates: int = 50, min_score: float = 0.0
    ) -> list[tuple[object, NameMatch]]:
        """The `limit` best records scoring above `min_score` for a query, with why each matched,
        best first. Records that share no word with the query (score 0) are never listed."""
        scores = {
            ident: score for ident, score in self.scores(*parts, candidates=candidates).items() if score > min_score
        }
        best = heapq.nlargest(limit, scores, key=scores.__getitem__)
        query = parse(*parts)
        return [
            (ident, max((compare(query, name) for name in self._names[self._rows[ident]]), key=lambda m: m.score))
            for ident in best
        ]


def _name_grams(name: Name) -> frozenset[str]:
    return trigrams(_blocking_text(name))


def _blocking_text(name: Name) -> str:
    return " ".join(sorted({_loose(key) for key in name.keys}))


def blocking_text(*parts: str | Name) -> str:
    """The text whose trigrams find a name's candidates: what a pg_trgm-indexed column holds. It is
    the keys as Arabic script could write them (o as u, e as i, v as f, p as b), so that a name
    heard and written down in Syria still shares trigrams with its Cyrillic or Latin record; the
    ranking then compares the full keys. A parsed `Name` may be passed instead of the parts."""
    if len(parts) == 1 and isinstance(parts[0], Name):
        return _blocking_text(parts[0])
    return _blocking_text(parse(*parts))
