"""When the environment, not the student's logic, is at fault: say so in one line.

Pure functions over the error text the student process sent back (an import error's traceback,
or a case's "raised ..." message). Two faults are common in real course code:

* NumPy aliases removed since the code was written (``np.int``, ``np.float``: NumPy 1.24;
  ``np.float_``, ``np.NaN``, ``np.product``: NumPy 2.0, NEP 52). Sources: the NumPy 1.24.0 and
  2.0.0 release notes ("Expired deprecations", "NumPy 2.0 Python API removals").
* A module the grading environment lacks (a course helper package such as ``cs231n``, an IDE's
  stray import, a file the student did not submit).

Messages are in the ``submission`` catalogue (:mod:`grader.i18n`).
"""
from __future__ import annotations

import re
from types import MappingProxyType

from grader.i18n import N_, translator

DOMAIN = "submission"

# alias → (NumPy version that removed it, what to write instead)
NUMPY_REMOVED = MappingProxyType(
    {
        "int": ("1.24", "int"),
        "float": ("1.24", "float"),
        "bool": ("1.24", "bool"),
        "object": ("1.24", "object"),
        "complex": ("1.24", "complex"),
        "str": ("1.24", "str"),
        "long": ("1.24", "int"),
        "unicode": ("2.0", "str"),
        "float_": ("2.0", "np.float64"),
        "complex_": ("2.0", "np.complex128"),
        "cfloat": ("2.0", "np.complex128"),
        "singlecomplex": ("2.0", "np.complex64"),
        "longfloat": ("2.0", "np.longdouble"),
        "clongfloat": ("2.0", "np.clongdouble"),
        "longcomplex": ("2.0", "np.clongdouble"),
        "unicode_": ("2.0", "np.str_"),
        "string_": ("2.0", "np.bytes_"),
        "int0": ("2.0", "np.intp"),
        "uint0": ("2.0", "np.uintp"),
        "bool8": ("2.0", "np.bool_"),
        "object0": ("2.0", "np.object_"),
        "str0": ("2.0", "np.str_"),
        "bytes0": ("2.0", "np.bytes_"),
        "void0": ("2.0", "np.void"),
        "NaN": ("2.0", "np.nan"),
        "Inf": ("2.0", "np.inf"),
        "Infinity": ("2.0", "np.inf"),
        "infty": ("2.0", "np.inf"),
        "PINF": ("2.0", "np.inf"),
        "NINF": ("2.0", "-np.inf"),
        "PZERO": ("2.0", "0.0"),
        "NZERO": ("2.0", "-0.0"),
        "product": ("2.0", "np.prod"),
        "cumproduct": ("2.0", "np.cumprod"),
        "sometrue": ("2.0", "np.any"),
        "alltrue": ("2.0", "np.all"),
        "round_": ("2.0", "np.round"),
        "asfarray": ("2.0", "np.asarray(x, dtype=float)"),
        "msort": ("2.0", "np.sort(a, axis=0)"),
        "mat": ("2.0", "np.asmatrix"),
        "issubclass_": ("2.0", "issubclass"),
    }
)

NUMPY_ALIAS_REMOVED = N_("np.{alias} was removed in NumPy {version}: use {replacement}")
MODULE_MISSING = N_(
    "your code imports {module}, which is not available where it is graded (neither installed there nor one of "
    "your submitted files): remove the import, or submit the file that defines it"
)

_NUMPY_ATTR = re.compile(r"module 'numpy' has no attribute '(\w+)'|`np\.(\w+)` was removed in the NumPy")
_NO_MODULE = re.compile(r"No module named '([\w.]+)'")


def explain(error_text: str, lang: str = "en") -> str | None:
    """One line naming an environment fault in an error text, or ``None``.

    Args:
        error_text: what the student process reported (traceback and/or ``Type: message``).
        lang: ``"en"`` or ``"ko"``.
    Returns:
        e.g. ``"np.int was removed in NumPy 1.24: use int"``, or
        ``"your code imports cs231n, which is not available where it is graded ..."``;
        ``None`` when the text shows neither fault.
    Raises:
        grader.i18n.UnknownLanguage: ``lang`` is not a catalogue language.
    """
    _ = translator(lang, DOMAIN)
    if not isinstance(error_text, str):
        return None
    for match in _NUMPY_ATTR.finditer(error_text):
        alias = match.group(1) or match.group(2)
        if alias in NUMPY_REMOVED:
            version, replacement = NUMPY_REMOVED[alias]
            return _(NUMPY_ALIAS_REMOVED, alias=alias, version=version, replacement=replacement)
    match = _NO_MODULE.search(error_text)
    if match and "ModuleNotFoundError" in error_text:
        return _(MODULE_MISSING, module=match.group(1))
    return None


def with_explanation(error_text: str, lang: str = "en") -> str:
    """``error_text`` preceded by its :func:`explain` line when there is one.

    Args:
        error_text: a student-facing failure message.
        lang: ``"en"`` or ``"ko"``.
    Returns:
        The text, unchanged when no environment fault shows in it.
    """
    line = explain(error_text, lang)
    return f"{line}\n{error_text}" if line else error_text
