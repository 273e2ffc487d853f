import pytest

from .stack import PRODUCTION, app_env, collect_static


def collect(var):
    """`collectstatic` with the production settings into `var`/staticfiles: the result, and the
    folder that a deployment links as its STATIC_ROOT (`link_static`)."""
    env = app_env("repat.settings.prod", **PRODUCTION, DJANGO_ALLOWED_HOSTS="127.0.0.1", REPAT_VAR_DIR=str(var))
    return collect_static(env), var / "staticfiles"


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory):
    """`collectstatic`, once per run (it compresses every file, which takes a few seconds)."""
    return collect(tmp_path_factory.mktemp("collected"))


def link_static(collected, folder) -> None:
    """Give a deployment under `folder` (its var/) the collected static files; fails if
    collectstatic failed."""
    result, static_root = collected
    assert result.returncode == 0, "collectstatic failed:\n" + (result.stdout + result.stderr)[-3000:]
    (folder / "var").mkdir(parents=True, exist_ok=True)
    (folder / "var" / "staticfiles").symlink_to(static_root, target_is_directory=True)


@pytest.fixture
def static_for(collected_static):
    """Give a deployment under `folder` the collected static files (fails if collectstatic failed)."""
    return lambda folder: link_static(collected_static, folder)
