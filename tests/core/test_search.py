"""The rule for text typed into any search box: what can be searched for is cleaned, what cannot is
refused with a message (never dropped, which would list everything)."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from repat.core.search import SearchField, search_text
from tests.cases.test_timeline import CYRILLIC

TOO_LONG = "A search can be at most 100 characters long."
UNREADABLE = (
    "The search contains a character that cannot be searched for (a control or damaged character). Type it again."
)
NO_LETTERS = "Type at least one letter or digit to search."


@pytest.mark.parametrize(
    ("typed", "searched"),
    [
        ("", ""),
        ("Айша", "Айша"),
        ("  Орозова   Айша ", "Орозова Айша"),
        ("حمزة", "حمزة"),
        ("T-2023-00001", "T-2023-00001"),
        ("O'Brien", "O'Brien"),
        ("Айша\u200f", "Айша"),  # a right-to-left mark pasted with the name
        ("Ай\u200dша", "Айша"),  # a zero-width joiner inside it
        ("a" * 100, "a" * 100),
    ],
)
def test_what_can_be_searched_for_is_cleaned(typed, searched):
    assert search_text(typed) == searched


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("\x00", UNREADABLE),
        ("\x00abc", UNREADABLE),
        ("abc\x00", UNREADABLE),
        ("Ай\x01ша", UNREADABLE),
        ("\x1b[31m", UNREADABLE),
        ("\x7f", UNREADABLE),
        ("\x85", UNREADABLE),  # a C1 control character
        ("ab\tc", UNREADABLE),
        ("\ud800", UNREADABLE),  # half a surrogate pair
        ("Ай\ufffdша", UNREADABLE),  # what bytes that are not UTF-8 decode to
        ("a" * 101, TOO_LONG),
        ("a" * 10_000, TOO_LONG),
        ("!!!", NO_LETTERS),
        ("-- ' \" ; %", NO_LETTERS),
        ("   ", NO_LETTERS),
        ("\u200f", NO_LETTERS),
        ("\u00a0\u2003", NO_LETTERS),  # no-break and em spaces
    ],
)
def test_what_cannot_be_searched_for_is_refused_with_a_reason(typed, message):
    with pytest.raises(ValidationError) as error:
        search_text(typed)

    assert error.value.messages == [message]


def test_the_limit_can_be_set_per_box():
    assert search_text("a" * 150, max_length=150) == "a" * 150
    with pytest.raises(ValidationError) as error:
        search_text("a" * 151, max_length=150)
    assert error.value.messages == ["A search can be at most 150 characters long."]


@pytest.mark.parametrize("language", ["ru", "ky"])
def test_the_messages_are_translated(language):
    with pytest.raises(ValidationError) as error:
        search_text("\x00")

    with translation.override(language):
        [message] = error.value.messages
    assert message != UNREADABLE
    assert CYRILLIC.search(message)


def test_the_field_shows_its_error_and_tells_the_browser_its_limit():
    field = SearchField(label="Search")

    assert field.widget_attrs(field.widget)["maxlength"] == "100"
    assert field.clean("  Айша ") == "Айша"
    assert field.clean(None) == ""
    with pytest.raises(ValidationError) as error:
        field.clean("\x00")
    assert error.value.messages == [UNREADABLE]
