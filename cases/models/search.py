"""The people search's index: one row per way a returnee can be found by name (cases/search.py)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .registration import Returnee


class NameKey(models.Model):
    """One spelling a returnee can be found by: their own name, another spelling, their household's
    name or a name-only relative's, with its keys from `cases.names`. Derived data, never edited:
    rebuilt from those records whenever they are saved (`cases.search.index_returnees`) and by
    `manage.py reindex_names` after a bulk load or a change of the name rules."""

    class Source(models.TextChoices):
        NAME = "name", _("name")
        ALIAS = "alias", _("other spelling")
        HOUSEHOLD = "household", _("household")
        RELATIVE = "relative", _("relative")

    returnee = models.ForeignKey(Returnee, on_delete=models.CASCADE, related_name="name_keys")
    source = models.CharField(max_length=10, choices=Source.choices)
    spelling = models.CharField(max_length=300)
    # `key_text`: equal for two spellings of one name (the duplicate check's equality lookup).
    keys = models.CharField(max_length=300)
    # `blocking_text`: what the trigram index (migration 0014, PostgreSQL) picks candidates by.
    blocking = models.CharField(max_length=300)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["keys"], name="namekey_keys_idx")]

    def __str__(self) -> str:
        return self.spelling


class NameWord(models.Model):
    """One word (a key as `blocking_text` writes it) that some `NameKey` row holds: the vocabulary
    in which the search looks for the words nearest each word of a query (PostgreSQL, trigram
    index), before asking for the rows holding them (an index on the rows' words). Derived data,
    added to by `cases.search.index_returnees`; a word no row holds any more is harmless."""

    word = models.CharField(max_length=300, primary_key=True)

    def __str__(self) -> str:
        return self.word
