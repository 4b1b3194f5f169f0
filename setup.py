"""Build step of the package: compile the translation catalogues while installing.

Everything else is declared in setup.cfg. The compiled catalogues (.mo) are build
output, not committed; without them every page is English under lang="th".
`pip install .` (and `pip install -e .`) runs build_py, which compiles each
marketplace/translations/<lang>/LC_MESSAGES/messages.po next to itself (the
checkout that gunicorn serves from) and into the wheel.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

TRANSLATIONS = Path("marketplace") / "translations"


def compile_catalogues(source: Path, target: Path) -> list[Path]:
    """Compile every messages.po under source to messages.mo under target."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for po in sorted(source.glob("*/LC_MESSAGES/messages.po")):
        locale = po.parent.parent.name
        with po.open("rb") as file:
            catalog = read_po(file, locale=locale)
        mo = target / po.relative_to(source).with_suffix(".mo")
        mo.parent.mkdir(parents=True, exist_ok=True)
        with mo.open("wb") as file:
            write_mo(file, catalog, use_fuzzy=False)
        written.append(mo)
    return written


class BuildWithCatalogues(build_py):
    """build_py that first compiles the catalogues, then copies them along."""

    def run(self) -> None:
        compile_catalogues(TRANSLATIONS, TRANSLATIONS)
        super().run()
        if not self.editable_mode:
            compile_catalogues(TRANSLATIONS, Path(self.build_lib) / TRANSLATIONS)


setup(cmdclass={"build_py": BuildWithCatalogues})
