"""No English left on a Russian or Kyrgyz page: every GET page of the security suite's inventory, for
every role that may open it, and the admin's lists and forms, rendered in English, Russian and Kyrgyz.

Two checks, because a string can escape translation in two ways:
- marked but not translated: a text the English page shows that is a msgid of the catalogue must not
  come back verbatim on the Russian or Kyrgyz page (unless its translation is the same text);
- never marked: a text shown verbatim on the English and the translated page that still reads as
  English words once the world's own data (names, case numbers, free text) are taken out.

The world's free text is wrapped in ⟦ ⟧ so that what people typed is never mistaken for the interface.
"""

import re
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.urls import reverse

from .conftest import module_world
from .routes import ROUTES
from .world import RESTRICTED, build_world

pytestmark = pytest.mark.django_db

ROLES = ("worker", "coordinator", "supervisor", "administrator", "provider_user")
LANGUAGES = ("ru", "ky")
# Texts that are the same in every language: names of languages shown in their own language, the
# product's name, units and codes.
SAME_EVERYWHERE = {
    "English",
    "Repat",
    "Repat API",
    "PDF",
    "Excel",
    "CSV",
    "XLSX",
    "ID",
    "DNA",
    "OK",
    "Django",
}


def wrapped(label: str) -> str:
    return f"⟦{label}⟧"


world = module_world(lambda: build_world(text=wrapped))


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


ENGLISH_WORD = re.compile(r"\b[A-Za-z]*[a-z]{3,}\b")
DATA = re.compile(r"⟦[^⟧]*⟧")
# Values the admin shows as stored: a password hash's summary, a JSON document, a key's id.
RAW_VALUE = re.compile(r"^([0-9a-f]{6}\*+|\{.*\}|dev)$")
FILE_NAME = re.compile(r"\S*\.(png|jpg|jpeg|pdf|xlsx|csv)\b")


def data_strings(world) -> list[str]:
    """What the world holds that is not interface: names, numbers, user names, places, services."""
    from django.contrib.auth.models import Permission

    from cases.models import Operation
    from repat.accounts.models import Organisation, Region, User
    from services.models import Provider, ServiceCategory, ServiceType

    values = set()
    for side in world.sides:
        values |= world.markers(side)
        for returnee in (side.returnee, side.moving.returnee):
            values |= {returnee.family_name, returnee.given_name}
        for row in side.manifest.rows:  # the people of the world's manifest, as the file names them
            values |= {row["family_name"], row["given_name"], f"{row['family_name']} {row['given_name']}"}
    for user in User.objects.all():
        values |= {user.username, user.get_full_name(), user.first_name, user.last_name, user.email}
    values |= {str(region) for region in Region.objects.all()}
    values |= {str(operation) for operation in Operation.objects.all()}
    values |= {operation.country_of_departure for operation in Operation.objects.all()}
    values |= {str(organisation) for organisation in Organisation.objects.all()}
    values.add(RESTRICTED)
    values |= {str(provider) for provider in Provider.objects.all()}
    for service in ServiceType.objects.all():
        values |= {service.name, service.code}
    for category in ServiceCategory.objects.all():
        values |= {category.name, category.code}
    for region in Region.objects.all():  # the admin lists each region's name in every language
        values |= {region.name, region.name_ru, region.name_ky}
    values |= {str(permission) for permission in Permission.objects.all()}  # Django never translates them
    return sorted((value for value in values if value), key=len, reverse=True)


def english_left(text: str, data: list[str]) -> bool:
    text = FILE_NAME.sub(" ", DATA.sub(" ", text))
    for value in data:
        text = text.replace(value, " ")
    text = " ".join(text.split())
    return text not in SAME_EVERYWHERE and bool(ENGLISH_WORD.search(text))


def page(client, user, url, language):
    user.language = language
    user.save(update_fields=["language"])
    client.cookies.pop(settings.LANGUAGE_COOKIE_NAME, None)
    response = client.get(url)
    if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
        return None
    return response.content.decode()


def untranslated(english: str, translated: str, language: str, messages: dict, data: list[str]) -> set[str]:
    shown = set(texts(translated))
    known = set(data)
    left = set()
    for text in set(texts(english)):
        if text not in shown or text in known or RAW_VALUE.match(text):
            continue
        marked = text in messages and messages[text] != text
        if marked or english_left(text, data):
            left.add(text)
    return left


GET_ROUTES = [
    route for route in ROUTES if route.kind in ("object", "page", "self") and not route.name.endswith("_export")
]
# Pages that change something on GET or redirect away at once.
SKIP = {
    "accounts:logout",
    "reminders:open",
    "cases:case_summary_pdf",
    "reports:report_download/pdf",
    "reports:report_download/xlsx",
}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("role", ROLES)
def test_no_page_of_any_role_shows_english(role, language, world, client_for):
    # given
    user = world.user(role)
    client = client_for(user)
    messages = catalogue(language)
    data = data_strings(world)
    side = world.side_of(role) or world.chuy

    # when
    found = {}
    for route in GET_ROUTES:
        if route.label in SKIP:
            continue
        url = route.url(side) if route.target else reverse(route.name)
        english = page(client, user, url, "en")
        if english is None:
            continue
        left = untranslated(english, page(client, user, url, language), language, messages, data)
        if left:
            found[route.label] = sorted(left)

    # then
    assert found == {}


# Not ours to translate: django-otp marks none of its strings for translation (its device admin
# pages, and its models' names in the admin's menu), django-axes names its app "Axes" in every
# language, and Django's admin writes a boolean's icon with alt="True"/"False" and its search box's
# icon with alt="Search".
UPSTREAM_APPS = ("otp_static", "otp_totp")
UPSTREAM_TEXTS = {"True", "False", "Axes", "Static devices", "TOTP devices", "› Axes", "Search"}


def admin_urls() -> list[str]:
    urls = [reverse("admin:index")]
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        if meta.app_label in UPSTREAM_APPS:
            continue
        urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
        if model_admin.has_add_permission is not None:
            urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_add"))
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[first.pk]))
    for config in apps.get_app_configs():
        if any(model._meta.app_label == config.label for model in admin.site._registry):
            urls.append(reverse("admin:app_list", args=[config.label]))
    return urls


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_admin_shows_no_english(language, world, client_for):
    # given
    user = world.administrator
    client = client_for(user)
    messages = catalogue(language)
    data = data_strings(world)

    # when
    found = {}
    for url in admin_urls():
        english = page(client, user, url, "en")
        if english is None:
            continue
        left = untranslated(english, page(client, user, url, language), language, messages, data) - UPSTREAM_TEXTS
        if left:
            found[url] = sorted(left)

    # then
    assert found == {}
