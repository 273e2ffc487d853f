"""No English left on a Russian or Kyrgyz page: every GET page of the security suite's inventory, for
every role that may open it, and the admin's lists and forms, rendered in English, Russian and Kyrgyz.

The detector (tests/untranslated.py) judges the texts shown on both the English and the translated
page: a msgid of the catalogue come back verbatim, or English words once the world's own data
(names, case numbers, free text) are taken out.

The world's free text is wrapped in ⟦ ⟧ so that what people typed is never mistaken for the interface.
"""

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.urls import reverse

from ..untranslated import catalogue, untranslated
from .conftest import module_world
from .routes import ROUTES
from .world import RESTRICTED, build_world

pytestmark = pytest.mark.django_db

ROLES = ("worker", "coordinator", "supervisor", "administrator", "provider_user")
LANGUAGES = ("ru", "ky")


def wrapped(label: str) -> str:
    return f"⟦{label}⟧"


world = module_world(lambda: build_world(text=wrapped))


@pytest.fixture(scope="module")
def data(world, django_db_blocker) -> list[str]:
    """data_strings() of the module's world, read once (each test reads 70 pages in 3 languages)."""
    with django_db_blocker.unblock():
        return data_strings(world)


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


def page(client, user, url, language):
    user.language = language
    user.save(update_fields=["language"])
    client.cookies.pop(settings.LANGUAGE_COOKIE_NAME, None)
    response = client.get(url)
    if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
        return None
    return response.content.decode()


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


def english_left_on(client, user, urls, data, ignore=frozenset()) -> dict:
    """For each of `urls` that opens as a page, what its Russian and Kyrgyz renderings leave in
    English, judged against one English rendering of it (made once for both languages)."""
    found = {}
    for url, label in urls:
        english = page(client, user, url, "en")
        if english is None:
            continue
        for language in LANGUAGES:
            left = untranslated(page(client, user, url, language), catalogue(language), data, english=english) - ignore
            if left:
                found[language, label] = sorted(left)
    return found


@pytest.mark.parametrize("role", ROLES)
def test_no_page_of_any_role_shows_english(role, world, data, client_for):
    # given
    user = world.user(role)
    client = client_for(user)
    side = world.side_of(role) or world.chuy
    urls = [
        (route.url(side) if route.target else reverse(route.name), route.label)
        for route in GET_ROUTES
        if route.label not in SKIP
    ]

    # when
    found = english_left_on(client, user, urls, data)

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


def test_the_admin_shows_no_english(world, data, client_for):
    # given
    user = world.administrator
    client = client_for(user)

    # when
    urls = [(url, url) for url in admin_urls()]
    found = english_left_on(client, user, urls, data, ignore=UPSTREAM_TEXTS)

    # then
    assert found == {}


def test_on_one_page_alone_the_detector_finds_english_but_not_data_nor_names_of_formats():
    # given a Russian page (as a browser journey sees it, without its English twin)
    messages = catalogue("ru")
    html = (
        "<html lang='ru'><body><h1>Approved.</h1><p>Скачать Excel</p><p>Call the school</p>"
        "<p>Осмонова Айда · Aida Demo-Worker</p><p>Запрос отправлен</p>"
        "<span lang='en'>English</span><div translate='no'>Repat demo</div></body></html>"
    )

    # when
    left = untranslated(html, messages, data=["Aida Demo-Worker"])

    # then: a msgid left as it is and English never marked; the data, "Excel" and what is kept
    # out of translation pass
    assert left == {"Approved.", "Call the school"}
