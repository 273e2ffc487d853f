"""The checks every page of a browser journey must pass, in one place.

`Checker(page)` listens to the page from the start (console errors, uncaught exceptions, what the
Content-Security-Policy refused), and `checker.check(journey, step)` then says what is wrong with the
page as shown now: a console error, a CSP violation, sideways scrolling, a tick box's help text
squeezing its label, a date cut over two lines, a serious or critical axe violation, on a phone a
control smaller than 44 px to tap, a box of the content (a table's) that scrolls sideways inside
itself or a word cut over two lines, and (once given the data it may show, `checker.data`) a text
left in English on a Russian or Kyrgyz page. Each check writes a screenshot to
var/screenshots/<journey>/<step>-<lang>-<width>.jpg for people to review (`shoot` writes those the
tests take themselves): to another folder with REPAT_SCREENSHOTS=<folder>, and none with
REPAT_SCREENSHOTS=off, as CI does: it keeps no files, and taking them was a sixth of the page tests'
time (a full-page picture lays the whole page out again at its full height).

axe-core is vendored in tests/browser/vendor (from npm, see its README) so the check runs offline; it
is evaluated through the DevTools protocol, which the page's CSP does not govern (an injected
<script> element would be refused)."""

import os
import re
from pathlib import Path

from django.conf import settings

from ..untranslated import catalogue, untranslated

# Read once: evaluated on each page that axe judges.
_AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
_CHOSEN = os.environ.get("REPAT_SCREENSHOTS", "")
SCREENSHOTS = None if _CHOSEN == "off" else Path(_CHOSEN or Path(settings.BASE_DIR) / "var" / "screenshots")
PHONE = 360
DESKTOP = 1280
# The smallest tap target on a phone (WCAG 2.5.5), in CSS pixels.
TAP = 44
MAX_SHOT = 2400
BLOCKING = ("serious", "critical")

# Recorded by the page itself, from before its first script: what the CSP refused.
_LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} refused ${event.blockedURI || "inline"}`);
});
"""

# The in-page checks (an object literal of functions); `_call("name")` runs one with an argument.
_JS = (Path(__file__).parent / "harness.js").read_text(encoding="utf-8")


def _call(name: str) -> str:
    return f"(arg) => ({_JS}).{name}(arg)"


class Checker:
    """Watches one Playwright page; `check()` lists what is wrong with it now and takes its picture."""

    def __init__(self, page):
        self.page = page
        self.errors: list[str] = []
        # What the database holds (tests/untranslated.py's `stored_texts`): set, a page that is not in
        # English is also searched for English left in it.
        self.data: list[str] | None = None
        page.add_init_script(_LISTEN)
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.errors.append(f"uncaught: {error}"))

    def _on_console(self, message):
        if message.type == "error" or "Content Security Policy" in message.text:
            self.errors.append(f"console {message.type}: {message.text}")

    def language(self) -> str:
        return self.page.evaluate("document.documentElement.lang")

    def width(self) -> int:
        return self.page.viewport_size["width"]

    def screenshot(self, journey: str, step: str, *, language: str | None = None, height: int | None = None) -> None:
        """The page as shown, down to at most MAX_SHOT pixels (the top is what review needs, and long
        timelines made each picture slow to take), as a JPEG: half the time of a PNG, and as good to
        look at."""
        if SCREENSHOTS is None:
            return
        language = language or self.language()
        path = SCREENSHOTS / _slug(journey) / f"{_slug(step)}-{language}-{self.width()}.jpg"
        path.parent.mkdir(parents=True, exist_ok=True)
        if height is None:
            height = self.page.evaluate("document.scrollingElement.scrollHeight")
        clip = {"x": 0, "y": 0, "width": self.width(), "height": min(height, MAX_SHOT)}
        self.page.screenshot(path=path, type="jpeg", quality=80, full_page=True, clip=clip, animations="disabled")

    def axe(self) -> list[str]:
        """The serious and critical violations axe-core finds on the page as shown."""
        if not self.page.evaluate("typeof window.axe !== 'undefined'"):
            self.page.evaluate(_AXE_SOURCE)
        violations = self.page.evaluate(_call("axe"))
        return [
            f"axe {v['impact']} {v['id']} ({v['help']}): {'; '.join(v['targets'])}"
            for v in violations
            if v["impact"] in BLOCKING
        ]

    def check(self, journey: str, step: str, *, axe: bool = True) -> list[str]:
        """Everything wrong with the page now, each line prefixed by where (journey, step, language,
        width); an empty list when it passes. Console errors are consumed: each is reported once.
        axe (a quarter of a second a page) may be left out where the same markup is judged already."""
        page = self.page
        page.wait_for_load_state("load")
        width = self.width()
        # Django's own admin is a desktop tool with its own style sheet: its controls are not resized.
        phone = width <= PHONE and "/admin/" not in page.url
        shown = page.evaluate(_call("report"), TAP if phone else None)
        language = shown["lang"]
        where = f"{journey}/{step} [{language} {width}px] {page.url}"
        problems = [*self.errors]
        self.errors.clear()
        problems += [f"CSP: {text}" for text in shown["csp"]]
        if shown["scrollWidth"] > shown["innerWidth"]:
            problems.append(
                f"scrolls sideways: {shown['scrollWidth']}px wide in a {shown['innerWidth']}px window ({self.widest()})"
            )
        problems += [f"help text beside a tick box's label: {text}" for text in shown["cramped"]]
        problems += [f"a date split over two lines: {text}" for text in shown["splitDates"]]
        problems += [f"smaller than {TAP}px to tap: {small}" for small in shown["smallTargets"]]
        problems += [f"scrolls sideways in its box: {box}" for box in shown["scrollingBoxes"]]
        problems += [f"a word cut over two lines: {text}" for text in shown["splitWords"]]
        if axe:
            problems += self.axe()
        if self.data is not None and language != "en":
            left = untranslated(page.content(), catalogue(language), self.data)
            problems += [f"untranslated: {text!r}" for text in sorted(left)]
        self.screenshot(journey, step, language=language, height=shown["scrollHeight"])
        return [f"{where}: {problem}" for problem in problems]

    def widest(self) -> str:
        """What sticks out furthest on the right (an element, or text that does not wrap), to say
        what makes the page scroll."""
        return self.page.evaluate(_call("widest"))


def shoot(page, journey: str, name: str) -> None:
    """The whole page as shown, as var/screenshots/<journey>/<name>.png (see the module's docstring)."""
    if SCREENSHOTS is None:
        return
    folder = SCREENSHOTS / journey
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "page"
