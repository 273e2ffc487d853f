"""The development tools sit on top: they may import every app, and no app imports them, so the
product never depends on seeding or benchmark code (only tests, the Makefile and `make run` use it)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
            modules.update(f"{node.module}.{alias.name}" for alias in node.names)
    return modules


def test_no_app_imports_the_development_tools():
    tools = ROOT / "repat" / "devtools"
    code = [
        path
        for folder in ("repat", "cases", "services")
        for path in (ROOT / folder).rglob("*.py")
        if tools not in path.parents
    ]
    assert len(code) > 50  # the scan sees the apps

    offenders = [
        str(path.relative_to(ROOT))
        for path in code
        if any(module == "repat.devtools" or module.startswith("repat.devtools.") for module in imported_modules(path))
    ]

    assert offenders == []
