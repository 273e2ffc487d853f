"""The one rule for text typed into a search or filter box, anywhere on the site (the lists' filters
through `repat.core.filters`, the admin through `repat.core.admin`): text that cannot be searched
for is refused with a message, never dropped (dropping it would list everything)."""

import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Longer than any name with its patronymic, case number or user name: anything longer is not a search.
SEARCH_MAX_LENGTH = 100

MESSAGES = {
    "too_long": _("A search can be at most %(limit)s characters long."),
    "unreadable": _(
        "The search contains a character that cannot be searched for (a control or damaged character). Type it again."
    ),
    "no_letters": _("Type at least one letter or digit to search."),
}


def _unreadable(char: str) -> bool:
    """NUL and the other control characters, halves of surrogate pairs, and the replacement
    character that stands for bytes which were not valid UTF-8."""
    return char == "\ufffd" or unicodedata.category(char) in ("Cc", "Cs")


def search_text(value: str, *, max_length: int = SEARCH_MAX_LENGTH) -> str:
    """The words of a search, separated by single spaces; "" for an empty box. Invisible marks
    pasted with a name (right-to-left marks, zero-width joiners) are dropped. ValidationError
    when the text cannot be searched for."""
    if len(value) > max_length:
        raise ValidationError(MESSAGES["too_long"], code="too_long", params={"limit": max_length})
    if any(_unreadable(char) for char in value):
        raise ValidationError(MESSAGES["unreadable"], code="unreadable")
    words = "".join(char for char in value if unicodedata.category(char) != "Cf").split()
    if value and not any(char.isalnum() for word in words for char in word):
        raise ValidationError(MESSAGES["no_letters"], code="no_letters")
    return " ".join(words)


class SearchField(forms.CharField):
    """A search box: its cleaned value is `search_text`, its errors are shown next to it."""

    def __init__(self, *, max_length: int = SEARCH_MAX_LENGTH, **kwargs):
        self.limit = max_length
        kwargs.setdefault("required", False)
        super().__init__(strip=False, **kwargs)

    def widget_attrs(self, widget):
        return {**super().widget_attrs(widget), "maxlength": str(self.limit)}

    def to_python(self, value):
        return search_text(super().to_python(value), max_length=self.limit)
