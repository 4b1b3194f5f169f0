"""`make install` builds the package without setuptools warnings, data included."""

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
# What the build reads; the rest of the checkout (tests, node_modules…) is not copied.
SOURCES = ("setup.py", "setup.cfg", "pyproject.toml", "MANIFEST.in", "README.md")

BUILD = """
import sys
from setuptools import build_meta
hook = getattr(build_meta, sys.argv[1])
print(hook(sys.argv[2]))
"""


@pytest.fixture(scope="module")
def checkout(tmp_path_factory) -> Path:
    """A copy of the package sources, so the build leaves the real checkout alone."""
    target = tmp_path_factory.mktemp("checkout")
    for name in SOURCES:
        shutil.copy(ROOT / name, target / name)
    for folder in ("marketplace", "templates", "migrations"):
        shutil.copytree(
            ROOT / folder,
            target / folder,
            ignore=shutil.ignore_patterns("__pycache__", "*.mo"),
        )
    return target


def _warnings(log: str) -> list[str]:
    """The build's warnings (distutils' note that it skips byte-compiling aside)."""
    return [
        line
        for line in log.splitlines()
        if "warn" in line.lower() and "byte-compiling is disabled" not in line
    ]


def _build(checkout: Path, hook: str, out: Path) -> tuple[Path, str]:
    result = subprocess.run(
        [sys.executable, "-c", BUILD, hook, str(out)],
        cwd=checkout,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return out / result.stdout.strip().splitlines()[-1], result.stderr


@pytest.mark.slow
def test_editable_install_has_no_setuptools_warning(checkout, tmp_path):
    wheel, log = _build(checkout, "build_editable", tmp_path)
    assert "Editable installation" not in log
    assert _warnings(log) == []
    with zipfile.ZipFile(wheel) as archive:
        [pth] = [name for name in archive.namelist() if name.endswith(".pth")]
        assert archive.read(pth).decode().strip() == str(checkout)


@pytest.mark.slow
def test_the_wheel_holds_every_data_file(checkout, tmp_path):
    wheel, log = _build(checkout, "build_wheel", tmp_path)
    assert _warnings(log) == []
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    data = [
        path.relative_to(checkout).as_posix()
        for folder in ("static", "seed/data", "geo/data")
        for path in (checkout / "marketplace" / folder).rglob("*")
        if path.is_file()
    ]
    assert len(data) > 40
    assert set(data) <= names, set(data) - names
    assert "marketplace/translations/th/LC_MESSAGES/messages.mo" in names
