"""Loading the instructor's reference solutions (trusted code, grader process only).

Assignment folders start with digits (``02_convolution``), so they cannot be imported as
packages; each solution file is loaded from its path instead.
"""
from __future__ import annotations

import hashlib
import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

REPO_ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS_DIR = REPO_ROOT / "solutions"


class ReferenceUnavailable(RuntimeError):
    """Raised when the reference solutions are not present (e.g. in a student copy)."""


def load_file(path: Path, name: str | None = None) -> ModuleType:
    """Import one Python file as a module.

    Args:
        path: the ``.py`` file.
        name: module name to register under; defaults to ``deepgrade_ref_<stem>``.
    Returns:
        The executed module.
    Raises:
        FileNotFoundError: ``path`` does not exist.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(path)
    name = name or f"deepgrade_ref_{path.parent.name}_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _package(folder: Path) -> str:
    """The synthetic package an assignment's solution files are imported into (created once).

    ``_variants.py`` imports the solution it varies with ``from . import conv_layers as _ref``,
    so every solution file executes exactly once per process, whoever asks for it first.
    """
    folder = folder.resolve()
    name = f"deepgrade_ref_{folder.name}"
    if folder != (SOLUTIONS_DIR / folder.name).resolve():  # another solutions folder (tests): its own package
        name += "_" + hashlib.sha256(str(folder).encode()).hexdigest()[:8]
    existing = sys.modules.get(name)
    if existing is None or list(getattr(existing, "__path__", [])) != [str(folder)]:
        spec = importlib.util.spec_from_loader(name, loader=None, is_package=True)
        assert spec is not None
        package = importlib.util.module_from_spec(spec)
        package.__path__ = [str(folder)]
        sys.modules[name] = package
    return name


def load_module(assignment: str, stem: str, solutions_dir: Path | None = None) -> ModuleType:
    """One file of an assignment's solutions, e.g. ``load_module("05_recurrent", "_variants")``.

    Args:
        assignment: folder name, e.g. ``"02_convolution"``.
        stem: the file name without ``.py``.
        solutions_dir: where the solutions live; defaults to the repository's ``solutions/``.
    Returns:
        The module, executed once per process (later calls return the same object).
    Raises:
        ReferenceUnavailable: the folder does not exist (a student copy has no solutions).
        ModuleNotFoundError: no such file.
    """
    folder = (solutions_dir or SOLUTIONS_DIR) / assignment
    if not folder.is_dir():
        raise ReferenceUnavailable(f"no reference solutions at {folder}")
    return importlib.import_module(f"{_package(folder)}.{stem}")


def load_assignment(assignment: str, solutions_dir: Path | None = None) -> ModuleType:
    """Merge every solution file of one assignment into one namespace module.

    Files are imported as modules of one package (see :func:`load_module`), so a solution
    file executes once even though ``_variants.py`` imports it too.

    Args:
        assignment: folder name, e.g. ``"02_convolution"``.
        solutions_dir: where the solutions live; defaults to the repository's ``solutions/``.
    Returns:
        A module whose attributes are the public names of all files of the assignment
        (``_variants.py`` included: ``variant_*`` functions and ``IMITATES``).
    Raises:
        ReferenceUnavailable: the folder does not exist (a student copy has no solutions).
    """
    folder = (solutions_dir or SOLUTIONS_DIR) / assignment
    if not folder.is_dir():
        raise ReferenceUnavailable(f"no reference solutions at {folder}")
    merged = ModuleType(f"deepgrade_ref_{assignment}_merged")
    for path in sorted(folder.glob("*.py")):
        module = load_module(assignment, path.stem, solutions_dir)
        for key, value in vars(module).items():
            if not key.startswith("_"):
                setattr(merged, key, value)
    return merged
