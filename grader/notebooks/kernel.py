"""What a notebook's self-check cells call, inside the student's Jupyter kernel.

:func:`check` takes the code the student has run so far (the kernel's raw input history, so
it checks what is defined *now*, saved or not), reads it exactly as a submitted notebook is
read (:func:`grader.submission.read_notebook`), and grades it like ``deepgrade check``: the
student's functions run in a separate Python process and the comparison happens here, never
in the kernel's namespace. It prints deepgrade's diagnosis and never raises for anything the
student's code does, so a notebook of stubs still runs to the end.
"""
from __future__ import annotations

import nbformat

from grader.i18n import translator
from grader.notebooks import content
from grader.results import ExerciseResult
from grader.submission import Submission, read_notebook

_STATE: dict = {"lang": "en"}


def set_language(lang: str) -> None:
    """Language of the self-check output from now on.

    Args:
        lang: ``"en"`` or ``"ko"``.
    Raises:
        grader.i18n.UnknownLanguage: another language.
    """
    translator(lang, "notebook")
    _STATE["lang"] = lang


def _history() -> list[str]:
    """The raw text of every cell run in this kernel, in order (``In[1]``, ``In[2]``, …)."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - only outside IPython
        return []
    shell = get_ipython()
    if shell is None:
        return []
    return list(shell.history_manager.input_hist_raw[1:])


def session_submission(cells: list[str], label: str = "this notebook (In [n])") -> Submission:
    """A :class:`~grader.submission.Submission` made of cell texts, as if they were a notebook.

    Args:
        cells: the cells' source texts in the order they ran; cell ``n`` is cited as ``cell n``
            (the kernel's ``In [n]``).
        label: how messages name the notebook.
    Returns:
        The submission (one generated file, ``notebook_session.py``).
    """
    import hashlib

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(text) for text in cells]
    read = read_notebook(nbformat.writes(nb), label, _STATE["lang"])
    digest = hashlib.sha256(read.source.encode()).hexdigest()
    return Submission("notebook", {"notebook_session.py": read.source}, digest, read.notes, {"notebook_session.py": (label, read.spans)})


def _bank():
    if "bank" not in _STATE:
        from grader.api import FIXTURES_DIR, CaseBank
        from grader.reference import REPO_ROOT
        from grader.runner.local import LocalBackend

        fixtures = None if (REPO_ROOT / "solutions").is_dir() else FIXTURES_DIR
        _STATE["bank"] = CaseBank(None, fixtures_dir=fixtures)
        _STATE["backend"] = LocalBackend()
    return _STATE["bank"], _STATE["backend"]


def format_result(result: ExerciseResult, lang: str = "en") -> str:
    """Plain-text feedback of one exercise: status and points, deepgrade's message, diagnoses.

    Args:
        result: the exercise's result.
        lang: ``"en"`` or ``"ko"`` for the lines this module writes (the diagnosis text itself
            comes from the grader).
    Returns:
        Lines separated by ``\\n``.
    """
    _ = translator(lang, "notebook")
    status = _(content.STATUS.get(result.status, result.status))
    lines = [_(content.CHECK_LINE, name=result.name, status=status, score=f"{result.score:g}", max_score=f"{result.max_score:g}")]
    if result.status != "passed":
        lines.append(result.message)
    if result.diagnoses:
        lines.append(_(content.DIAGNOSIS, names=", ".join(result.diagnoses)))
    return "\n".join(lines)


def check(assignment: str, exercise: str) -> None:
    """Print deepgrade's verdict on one exercise, on the public cases, for the code run so far.

    What a notebook's self-check cell calls; see :func:`check_result`.

    Raises:
        KeyError: unknown assignment or exercise.
        grader.reference.ReferenceUnavailable: neither solutions nor public fixtures are installed.
    """
    check_result(assignment, exercise, show=True)


def check_result(assignment: str, exercise: str, *, cells: list[str] | None = None, show: bool = False) -> ExerciseResult:
    """Check one exercise on the public cases with the code run so far in this kernel.

    Args:
        assignment: e.g. ``"02_convolution"`` or ``"02"``.
        exercise: the exercise's name, e.g. ``"conv_forward_naive"``.
        cells: cell texts to check instead of the kernel's history (for tests and scripts).
        show: print the feedback.
    Returns:
        The :class:`~grader.results.ExerciseResult`.
    Raises:
        KeyError: unknown assignment or exercise.
        grader.reference.ReferenceUnavailable: neither solutions nor public fixtures are installed.
    """
    from grader.api import grade_submission, select_exercises

    chosen = [ex for ex in select_exercises([assignment]) if ex.name == exercise]
    if not chosen:
        raise KeyError(f"no exercise {exercise!r} in assignment {assignment!r}")
    submission = session_submission(_history() if cells is None else cells)
    bank, backend = _bank()
    result = grade_submission(submission, chosen, bank=bank, backend=backend).exercises[0]
    if show:
        print(format_result(result, _STATE["lang"]))
    return result
