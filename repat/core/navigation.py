"""The menu. Each app adds its entries from its AppConfig.ready(), each with the permission function
that decides who sees it, and the context processor (repat/core/context_processors.py) keeps those
the user may use. So the platform imports none of the apps it links to, and base.html holds no role
rules: it shows what it is given.

Entries sort by `order` within their place (MAIN: the bar; ACCOUNT: the person's drop-down), numbers
that leave room between the apps' entries. A key registered twice keeps the last."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse

MAIN = "main"
ACCOUNT = "account"


def everyone(user) -> bool:
    return True


@dataclass(frozen=True)
class Entry:
    url_name: str
    # A lazy string, or a function of the user for a label that depends on who reads it.
    label: Any
    visible: Callable[[Any], bool] = everyone
    place: str = MAIN
    order: int = 100
    css_class: str = ""
    # The brand leads to the first home entry the user sees (signed out: the first, which asks them
    # to sign in).
    home: bool = False
    # A Bootstrap Icons name (static/vendor/bootstrap-icons-*), shown before the label.
    icon: str = ""
    # The top bar's label where the full one would not fit beside the others in every language
    # (the full label stays the link's accessible name and the collapsed menu's text).
    short_label: Any = None


_entries: dict[str, Entry] = {}
# Permissions other pages read as `nav.<name>` (the reminders page's link to escalations).
_flags: dict[str, Callable[[Any], bool]] = {}


def register(key: str, url_name: str, label, **options) -> None:
    """Offer a page in the menu to whoever `visible(user)` allows; `nav.<key>` says whether it is."""
    _entries[key] = Entry(url_name, label, **options)


def register_flag(key: str, visible: Callable[[Any], bool]) -> None:
    """A permission pages read as `nav.<key>` without a menu entry of its own."""
    _flags[key] = visible


def _home(entries: list[Entry], user) -> str:
    homes = [entry for entry in entries if entry.home]
    if user.is_authenticated:
        homes = [entry for entry in homes if entry.visible(user)]
    return reverse(homes[0].url_name)


def menu_for(user) -> dict:
    """The context base.html draws: `menu` ("main" and "account": links as url, label,
    short_label, icon and css_class; "home": the brand's link) and, for a signed-in user, `nav`: whether each entry and
    flag applies to them."""
    entries = sorted(_entries.items(), key=lambda item: item[1].order)
    home = _home([entry for _key, entry in entries], user)
    if not user.is_authenticated:
        return {"menu": {"home": home}}
    nav = {key: entry.visible(user) for key, entry in entries}
    nav |= {key: visible(user) for key, visible in _flags.items()}
    menu: dict = {MAIN: [], ACCOUNT: [], "home": home}
    for key, entry in entries:
        if nav[key]:
            label = entry.label(user) if callable(entry.label) else entry.label
            menu[entry.place].append(
                {
                    "url": reverse(entry.url_name),
                    "label": label,
                    "short_label": entry.short_label or label,
                    "icon": entry.icon,
                    "css_class": entry.css_class,
                }
            )
    return {"menu": menu, "nav": nav}
