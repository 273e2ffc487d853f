"""Imports point one way. The platform (repat/core, repat/accounts, repat/audit and the project's own
modules: settings, urls, celery) sits under the domain apps, and each layer may import only the ones
below it:

    platform ← cases ← services ← approvals ← reminders ← reports ← today ← api ← tools (repat/devtools)

An app below that needs something from one above offers a hook the upper app fills in its
AppConfig.ready() (the menu in repat/core/navigation.py, the signed-in user's annotations in
repat/accounts/backends.py, notifications in repat/core/notifications.py, the indicators in
cases/indicators.py). Approvals and reminders share a tier in the issue; approvals notify through the
platform, and the reminders' inbox opens approvals, so the tier has that inner order.

Every import counts, including those inside functions (a lazy import is still a dependency)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Bottom to top: a module may import its own layer and those before it.
LAYERS = (
    ("platform", ("repat",)),
    ("cases", ("cases",)),
    ("services", ("services",)),
    ("approvals", ("repat.approvals",)),
    ("reminders", ("repat.reminders",)),
    ("reports", ("repat.reports",)),
    # Each person's home page reads what every app below offers (its querysets and rules).
    ("today", ("repat.today",)),
    # The REST API serves every app above through their own selectors, permissions and actions.
    ("api", ("repat.api",)),
    ("tools", ("repat.devtools",)),
)

# Arrows against the order that stay, each with why. (importer, imported), both as module prefixes.
ALLOWED = {
    # A follow-up's due date reads the cadence from ReminderSettings, a model of the reminders app: to
    # invert, the cadence moves to cases (CaseSettings), a schema change this restructuring avoids.
    ("cases.actions.registration", "repat.reminders.models"): "the follow-up cadence (ReminderSettings)",
    # An emergency opening beyond the day's limit asks a supervisor (approval_request_emergency): to
    # invert, approvals registers the handler, or the view asks for the approval.
    ("cases.actions.restricted", "repat.approvals.actions"): "an emergency opening beyond the limit asks for approval",
    # The case and plan pages show their approvals and referrals: to invert, those apps register
    # panels for the case page (as they register menu entries).
    ("cases.views.plans", "repat.approvals.permissions"): "the plan page shows its approval",
    ("cases.views.plans", "repat.approvals.selectors"): "the plan page shows its approval",
    ("cases.views.registration", "repat.approvals.permissions"): "the case page shows its approvals",
    ("cases.views.registration", "repat.approvals.selectors"): "the case page shows its approvals",
    ("cases.views.registration", "services.selectors"): "the case and returnee pages list their referrals",
    ("cases.views.summary", "services.selectors"): "the printable case summary lists its referrals",
}


def layer_of(module: str) -> int | None:
    """The layer of a module of this project (None for Django and the libraries): the longest prefix
    that names one ("repat.reports.x" is in reports, "repat.core.x" in the platform)."""
    best, best_length = None, -1
    for index, (_name, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(f"{prefix}.")) and len(prefix) > best_length:
                best, best_length = index, len(prefix)
    return best


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> set[tuple[str, int]]:
    """Every module the file imports (and each imported name as a possible submodule), with its line;
    relative imports resolved against the file's package."""
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module
            found.add((module, node.lineno))
            found.update((f"{module}.{alias.name}", node.lineno) for alias in node.names)
    return found


def code_files() -> list[Path]:
    return [path for folder in ("repat", "cases", "services") for path in sorted((ROOT / folder).rglob("*.py"))]


def within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(f"{prefix}.")


def arrows_back() -> list[tuple[str, str, int, frozenset[str]]]:
    """Each import of a layer above, once per statement and layer: (importer, the imported module as
    written, line, every name the statement imports, for matching the exceptions)."""
    arrows: dict[tuple[str, int, int], set[str]] = {}
    for path in code_files():
        importer = module_name(path)
        own = layer_of(importer)
        for imported, line in imported_modules(path):
            target = layer_of(imported)
            if own is not None and target is not None and target > own:
                arrows.setdefault((importer, line, target), set()).add(imported)
    return sorted(
        (importer, min(names, key=len), line, frozenset(names)) for (importer, line, _target), names in arrows.items()
    )


def allowed(importer: str, names: frozenset[str]) -> bool:
    return any(within(importer, low) and within(name, high) for low, high in ALLOWED for name in names)


def test_the_scan_sees_every_layer():
    layers = {layer_of(module_name(path)) for path in code_files()}
    assert layers == set(range(len(LAYERS)))
    assert layer_of("repat.core.locks") == 0
    assert layer_of("repat.reports.selectors") == LAYERS.index(("reports", ("repat.reports",)))
    assert layer_of("django.db") is None


def test_imports_point_down_only():
    offenders = [
        f"{importer} imports {imported} (line {line})"
        for importer, imported, line, names in arrows_back()
        if not allowed(importer, names)
    ]

    assert not offenders, "\n".join(offenders)


def test_the_platform_imports_no_domain_app():
    """The rule the issue names first, on its own so that its failure reads plainly (no exceptions)."""
    offenders = [
        f"{importer} imports {imported} (line {line})"
        for importer, imported, line, _names in arrows_back()
        if layer_of(importer) == 0
    ]

    assert not offenders, "\n".join(offenders)


def test_every_allowed_exception_is_still_needed():
    """An arrow that went away leaves the list, so the list only shrinks."""
    arrows = arrows_back()
    unused = [
        (low, high)
        for low, high in ALLOWED
        if not any(
            within(importer, low) and any(within(name, high) for name in names) for importer, *_, names in arrows
        )
    ]

    assert unused == []
