"""The package's build: setuptools, plus the translation catalogues compiled into the wheel.

Everything else about the package is in pyproject.toml. A wheel (or `pip install .`) must
carry the compiled .mo files, or a portal installed from it answers in French to everyone:
they are compiled here, by the same code as `portique compiletranslations`.
"""

import importlib.util
from pathlib import Path
from types import ModuleType

from setuptools import setup
from setuptools.command.build_py import build_py

SOURCE = Path(__file__).resolve().parent / "src" / "portique"


def _catalogues() -> ModuleType:
    """Load core/catalogues.py alone: the package is not installed yet, and importing it
    whole would need Django at build time."""
    spec = importlib.util.spec_from_file_location(
        "portique_build_catalogues", SOURCE / "core" / "catalogues.py"
    )
    assert spec is not None and spec.loader is not None  # noqa: S101 (a file we ship)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class BuildPyWithCatalogues(build_py):
    """build_py, then the .mo files compiled beside their .po in what is built (in the
    source tree for an editable install, which runs from there)."""

    def run(self) -> None:
        super().run()
        built = SOURCE if self.editable_mode else Path(self.build_lib) / "portique"
        for _po, mo in _catalogues().compile_catalogues(built / "locale", force=True):
            print(f"compiled {mo.relative_to(built.parent)}")


setup(cmdclass={"build_py": BuildPyWithCatalogues})
