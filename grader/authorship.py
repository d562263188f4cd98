"""A graded name the submission imports from a library is not the student's work (parent side).

The child decides where each wanted name was defined (:mod:`grader.runner.ownership`) and
reports the foreign ones; this module words the verdict. The exercise scores 0: binding
``softmax`` to ``scipy.special.softmax`` is not implementing it. Messages are in the
``submission`` catalogue (:mod:`grader.i18n`).
"""
from __future__ import annotations

from grader.i18n import N_, translator

DOMAIN = "submission"
DIAGNOSIS = "imported_from_library"
NOT_OWN_WORK = N_(
    "{name} is imported from {module}, not defined in your submission: this exercise asks you to write it "
    "yourself, so it scores 0. Write your own {name} (a function of yours may call library helpers "
    "the exercise allows)."
)


def not_own_work(name: str, module: str, lang: str = "en") -> str:
    """The feedback for a graded ``name`` bound to an object defined in ``module``.

    Args:
        name: the graded function or class name, e.g. ``"softmax"``.
        module: the module that defines the object, e.g. ``"scipy.special._logsumexp"``.
        lang: ``"en"`` or ``"ko"``.
    Returns:
        One paragraph for the student.
    Raises:
        grader.i18n.UnknownLanguage: ``lang`` is not a catalogue language.
    """
    return translator(lang, DOMAIN)(NOT_OWN_WORK, name=name, module=module)
