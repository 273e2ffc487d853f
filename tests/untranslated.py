"""What is left in English on a Russian or Kyrgyz page: one detector, used by the page inventory's
test (tests/security/test_untranslated.py, on Django's test client) and by the browser journeys
(tests/browser/harness.py, on the page as Chromium shows it).

A string can escape translation in two ways:
- marked but not translated: a msgid of the catalogue shown verbatim (unless its translation is the
  same text);
- never marked: a text that still reads as English words once the data (names, case numbers, free
  text: `data`) are taken out.
"""

import functools
import re
from html.parser import HTMLParser
from pathlib import Path

import polib
from django.conf import settings

# Words that are the same in every language: names of languages shown in their own language, the
# product's name, units, formats and codes ("Скачать Excel").
SAME_EVERYWHERE = {
    "English",
    "Repat",
    "PDF",
    "Excel",
    "CSV",
    "XLSX",
    "ID",
    "DNA",
    "OK",
    "Django",
}
ENGLISH_WORD = re.compile(r"\b[A-Za-z]*[a-z]{3,}\b")
# Free text wrapped by whoever made the data, so what people typed is never taken for the interface.
DATA = re.compile(r"⟦[^⟧]*⟧")
# Values the admin shows as stored: a password hash's summary, a JSON document, a key's id.
RAW_VALUE = re.compile(r"^([0-9a-f]{6}\*+|\{.*\}|dev)$")
FILE_NAME = re.compile(r"\S*\.(png|jpg|jpeg|pdf|xlsx|csv)\b")


class _Text(HTMLParser):
    """Visible text nodes and the attributes a person reads (title, placeholder, aria-label, value of
    buttons), skipping scripts, styles and anything marked as not to translate."""

    SKIP = {"script", "style", "template"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._skip: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in self.VOID:
            if not self._skip:
                self._attributes(tag, attrs)
            return
        if self._skip or tag in self.SKIP or attrs.get("translate") == "no" or (tag != "html" and attrs.get("lang")):
            self._skip.append(tag)
            return
        self._attributes(tag, attrs)

    def _attributes(self, tag, attrs):
        for name in ("title", "placeholder", "aria-label", "alt"):
            if attrs.get(name):
                self.texts.append(attrs[name])
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.texts.append(attrs["value"])

    def handle_endtag(self, tag):
        if self._skip and self._skip[-1] == tag:
            self._skip.pop()

    def handle_data(self, data):
        if not self._skip:
            text = " ".join(data.split())
            if text:
                self.texts.append(text)


def texts(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    return parser.texts


@functools.lru_cache(maxsize=2)
def _texts_of(html: str) -> frozenset[str]:
    """texts() of a page judged against several others (one English page for each translation)."""
    return frozenset(texts(html))


@functools.cache
def catalogue(language: str) -> dict[str, str]:
    """msgid -> translation ('' when missing or fuzzy), singular forms included."""
    found = {}
    for entry in polib.pofile(str(Path(settings.BASE_DIR) / "locale" / language / "LC_MESSAGES" / "django.po")):
        if entry.obsolete:
            continue
        translated = "" if entry.fuzzy else (entry.msgstr or entry.msgstr_plural.get(0, ""))
        found[entry.msgid] = translated
        if entry.msgid_plural:
            found[entry.msgid_plural] = "" if entry.fuzzy else entry.msgstr_plural.get(1, translated)
    return found


def english_left(text: str, data: list[str]) -> bool:
    """Whether `text` still holds English words once the data (longest first) are taken out."""
    if not ENGLISH_WORD.search(text):
        return False  # taking data out cannot add a word: most translated texts stop here
    text = FILE_NAME.sub(" ", DATA.sub(" ", text))
    for value in data:
        text = text.replace(value, " ")
    return any(word not in SAME_EVERYWHERE for word in ENGLISH_WORD.findall(text))


def untranslated(translated: str, messages: dict, data: list[str], english: str | None = None) -> set[str]:
    """The texts of the page `translated` (HTML) left in English: a msgid of `messages` (the
    language's catalogue) shown as it is, or English words among no data. Given the English
    rendering of the same page, only texts shown on both are judged."""
    shown = set(texts(translated))
    candidates = shown if english is None else shown & _texts_of(english)
    known = set(data)
    left = set()
    for text in candidates:
        if text in known or RAW_VALUE.match(text):
            continue
        marked = text in messages and messages[text] != text
        if marked or english_left(text, data):
            left.add(text)
    return left


def stored_texts(apps_labels: tuple[str, ...] = ("accounts", "cases", "services", "approvals", "reports")) -> list[str]:
    """Every text the database holds in the given apps (names, numbers, free text, each in every
    language it is kept in), longest first: the data `untranslated` leaves alone on a page drawn
    from data nobody wrapped (the demo's). Fields with choices are left out: their labels are
    interface."""
    from django.apps import apps
    from django.db import models

    values = set()
    for label in apps_labels:
        for model in apps.get_app_config(label).get_models():
            fields = [
                field.name
                for field in model._meta.concrete_fields
                if isinstance(field, models.CharField | models.TextField) and not field.choices
            ]
            for field in fields:
                values.update(model._default_manager.exclude(**{field: ""}).values_list(field, flat=True).distinct())
    return sorted((value for value in values if value and len(value) > 1), key=len, reverse=True)
