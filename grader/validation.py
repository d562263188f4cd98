"""``deepgrade validate``: the instructor's self-test of the exercises (DESIGN §1, authoring).

Static checks (no student process):

* ``stubs`` — ``assignments/`` is what ``release`` generates from ``solutions/`` now;
* ``fixtures`` — a fixtures folder, when given, holds today's public cases;
* ``names`` — every public name of a solution file is an exercise, has a docstring, a stub in
  ``assignments/`` and an oracle test (a test under ``tests/solutions`` or ``tests/exercises``
  that names it), and every exercise is such a name;
* ``messages`` — every misconception a variant is evidence of (``IMITATES``) has a message
  in the exercise it imitates.

Grading checks (each graded in its own process through the unsandboxed backend: the code is
the instructor's, never a student's):

* ``reference`` — the reference solutions score full marks on every case, hidden ones included;
* ``stubs_zero`` — the generated stubs score zero with status ``not_implemented``;
* ``variants`` — every variant, run in place of the function it imitates, loses points and is
  named by its own diagnosis (the variants are the self-test of the diagnoses).

Contracts: only the default contract (``deepgrade``) exists so far; :data:`CONTRACTS` lists
those every check runs under.

Languages: each :class:`Problem` keeps its message as a catalogue template and its fields
(domain ``validate``, :mod:`grader.i18n`), so :func:`format_report` prints the report in English
or Korean. A grading result's own first line, quoted in a message, is translated as far as the
feedback catalogue's sentence templates reach (:func:`grader.report.phrases.translate_line`).
"""
from __future__ import annotations

import ast
import hashlib
import json
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Callable, Iterable, Mapping, Sequence

from grader import api
from grader import cases as case_mod
from grader.exercises import ASSIGNMENTS, get_assignment, resolve, variants
from grader.exercises.spec import Exercise
from grader.i18n import DEFAULT_LANGUAGE, N_, translator
from grader.reference import REPO_ROOT, SOLUTIONS_DIR, load_assignment
from grader.release import released_files
from grader.results import ExerciseResult
from grader.runner.backend import Backend
from grader.submission import Submission

CONTRACTS = ("deepgrade",)
DEFAULT_SECRET = "validate"
ORACLE_TEST_DIRS = ("tests/solutions", "tests/exercises")
_VARIANT_FILE = "_deepgrade_variant.py"
DOMAIN = "validate"

# -- the catalogue's templates (domain ``validate``); fields are str.format names ----------------
M_STUB_MISSING = N_("assignments/{path} is missing: run `deepgrade release`")
M_STUB_STALE = N_("assignments/{path} is out of date with solutions/: run `deepgrade release`")
M_FIXTURES_MISSING = N_("no fixtures at {path}: rebuild them with `deepgrade release --fixtures {folder}`")
M_FIXTURES_STALE = N_("{path} is out of date (cases or expected values changed): rebuild the fixtures")
M_NOT_GRADED = N_("{name} is public but no exercise grades it: add a spec in grader/exercises, or rename it _{name}")
M_NO_DOCSTRING = N_("{name} has no docstring: students read the stub's docstring as the specification")
M_NO_STUB = N_("the generated stub has no {name}: check its solution markers")
M_NO_ORACLE = N_("no oracle test names {name}: add one under tests/solutions or tests/exercises (compare with PyTorch)")
M_NO_DEFINITION = N_("exercise {name} has no public definition in solutions/{assignment}/")
M_NOT_AN_EXERCISE = N_("IMITATES[{variant}] names {function}, which is not an exercise")
M_NO_MESSAGE = N_("{function} has no message for {misconception}: add it to its spec's MISCONCEPTIONS")
M_NO_VARIANT = N_("IMITATES lists {variant} but _variants.py has no variant_{variant}")
M_REFERENCE = N_("the reference scores {score}/{max_score} ({status}): fix the solution or the spec.")
M_STUB_SCORES = N_("the stub scores {score} with status {status}: its solution markers must cover the whole body.")
M_UNNOTICED = N_("scores full marks on {name}: no case tells it from the reference; add a case where it differs")
M_MISDIAGNOSED = N_("loses points on {name} but is diagnosed as {diagnoses}, not {misconception}: check the spec's variant lookup and tolerance")
M_UNDIAGNOSED = N_("loses points on {name} but gets no diagnosis, not {misconception}: check the spec's variant lookup and tolerance")
M_LINE = N_("FAIL [{check}] {subject}: {message}")
M_OK = N_("validate: OK (checked: {counts})")
M_FAILED = N_("validate: {n} problem(s) (checked: {counts})")
M_COUNT = N_("{check} {n}")
#: Check names as the report prints them (the ids are also the English labels).
CHECKS = {
    "stubs": N_("stubs"),
    "fixtures": N_("fixtures"),
    "names": N_("names"),
    "messages": N_("messages"),
    "reference": N_("reference"),
    "stubs_zero": N_("stubs_zero"),
    "variants": N_("variants"),
}


@dataclass(frozen=True)
class Problem:
    """One thing to fix.

    Attributes:
        check: which check found it (``"reference"``, ``"stubs"``, ``"variants"``, …).
        subject: what it is about (``"02_convolution/conv_forward_naive"``, a variant name).
        template: what is wrong and what to do about it: an English catalogue message id
            (domain ``validate``) with ``{field}`` placeholders.
        fields: the placeholders' values (str); ``detail``, when present, is a line quoted
            from a grading result and is appended after the sentence.
    """

    check: str
    subject: str
    template: str
    fields: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def message(self) -> str:
        """The message in English (see :meth:`text`)."""
        return self.text(DEFAULT_LANGUAGE)

    def text(self, lang: str = DEFAULT_LANGUAGE) -> str:
        """The message in ``lang`` (``"en"`` or ``"ko"``).

        Raises:
            grader.i18n.UnknownLanguage: ``lang`` is not a known language.
        """
        fields = dict(self.fields)
        detail = fields.pop("detail", "")
        sentence = translator(lang, DOMAIN)(self.template, **fields)
        if detail:
            from grader.report.phrases import translate_line

            sentence += " " + translate_line(detail, lang)
        return sentence


def _problem(check: str, subject: str, template: str, **fields) -> Problem:
    return Problem(check, subject, template, MappingProxyType({k: str(v) for k, v in fields.items()}))


@dataclass(frozen=True)
class Report:
    """The outcome of :func:`validate`.

    Attributes:
        problems: everything that failed, in check order.
        counts: check name → how many items it examined.
    """

    problems: tuple[Problem, ...]
    counts: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Whether every check passed."""
        return not self.problems


# -- static checks --------------------------------------------------------------------------------

def check_stubs(assignments_dir: Path, solutions_dir: Path = SOLUTIONS_DIR, only: Iterable[str] | None = None) -> list[Problem]:
    """Stubs in ``assignments_dir`` that differ from what ``release`` generates now, or are missing.

    Args:
        assignments_dir: the ``assignments/`` folder.
        only: assignment folder names to check (default: all).
    """
    wanted = set(only) if only is not None else None
    problems = []
    for rel, text in released_files(solutions_dir).items():
        if wanted is not None and rel.split("/", 1)[0] not in wanted:
            continue
        path = assignments_dir / rel
        if not path.is_file():
            problems.append(_problem("stubs", rel, M_STUB_MISSING, path=rel))
        elif path.read_text(encoding="utf-8") != text:
            problems.append(_problem("stubs", rel, M_STUB_STALE, path=rel))
    return problems


def check_fixtures(fixtures_dir: Path, exercises: Sequence[Exercise], solutions_dir: Path | None = None) -> list[Problem]:
    """Fixture files (``<assignment>/<exercise>.dgf``) that are missing or differ from today's public cases."""
    problems = []
    refs: dict = {}
    for ex in exercises:
        path = fixtures_dir / ex.assignment / f"{ex.name}.dgf"
        subject = f"{ex.assignment}/{ex.name}"
        if not path.is_file():
            problems.append(_problem("fixtures", subject, M_FIXTURES_MISSING, path=path, folder=fixtures_dir))
            continue
        ref = refs.setdefault(ex.assignment, load_assignment(ex.assignment, solutions_dir))
        fresh = case_mod.prepare(ex, ref, None)
        stored = case_mod.load_fixtures(path)
        if _digest(fresh) != _digest(stored):
            problems.append(_problem("fixtures", subject, M_FIXTURES_STALE, path=path))
    return problems


def _digest(cases: Sequence[case_mod.PreparedCase]) -> str:
    from grader.runner import codec

    return hashlib.sha256(codec.encode([(c.id, c.label, c.inputs, c.expected, c.feature) for c in cases])).hexdigest()


def public_names(path: Path) -> dict[str, str | None]:
    """Top-level public functions and classes of a solution file → their docstring (or ``None``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.name: ast.get_docstring(node)
        for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and not node.name.startswith("_")
    }


def check_names(assignments: Sequence[str], solutions_dir: Path = SOLUTIONS_DIR, repo: Path = REPO_ROOT) -> list[Problem]:
    """Every public solution name is an exercise with a docstring, a stub and an oracle test, and back."""
    problems = []
    tests = "\n".join(p.read_text(encoding="utf-8") for d in ORACLE_TEST_DIRS for p in sorted((repo / d).glob("**/*.py")))
    stubs = released_files(solutions_dir)
    for assignment in assignments:
        exercises = {e.name for e in get_assignment(assignment)}
        seen = set()
        for path in sorted((solutions_dir / assignment).glob("*.py")):
            if path.name.startswith("_"):
                continue
            stub = stubs.get(f"{assignment}/{path.name}", "")
            for name, doc in public_names(path).items():
                seen.add(name)
                subject = f"{assignment}/{path.name}:{name}"
                if name not in exercises:
                    problems.append(_problem("names", subject, M_NOT_GRADED, name=name))
                if not doc:
                    problems.append(_problem("names", subject, M_NO_DOCSTRING, name=name))
                if not re.search(rf"^(def|class) {re.escape(name)}\b", stub, re.M):
                    problems.append(_problem("names", subject, M_NO_STUB, name=name))
                if not re.search(rf"\b{re.escape(name)}\b", tests):
                    problems.append(_problem("names", subject, M_NO_ORACLE, name=name))
        for name in sorted(exercises - seen):
            problems.append(_problem("names", f"{assignment}/{name}", M_NO_DEFINITION, name=name, assignment=assignment))
    return problems


def check_messages(assignments: Sequence[str], solutions_dir: Path | None = None) -> list[Problem]:
    """Every misconception named by ``IMITATES`` has a message in the exercise it imitates."""
    problems = []
    for assignment in assignments:
        ref = load_assignment(assignment, solutions_dir)
        by_name = {e.name: e for e in get_assignment(assignment)}
        for variant, (function, misconception) in variants.table(ref).items():
            subject = f"{assignment}/{variant}"
            if function not in by_name:
                problems.append(_problem("messages", subject, M_NOT_AN_EXERCISE, variant=repr(variant), function=function))
            elif not by_name[function].misconceptions.get(misconception, "").strip():
                problems.append(_problem("messages", subject, M_NO_MESSAGE, function=function, misconception=repr(misconception)))
            if not callable(getattr(ref, f"variant_{variant}", None)):
                problems.append(_problem("messages", subject, M_NO_VARIANT, variant=variant))
    return problems


# -- submissions built from the solutions -----------------------------------------------------------

def _submission(name: str, files: dict) -> Submission:
    digest = hashlib.sha256(json.dumps(sorted(files.items())).encode()).hexdigest()
    return Submission(name=name, files=files, digest=digest)


def reference_submission(assignment: str, solutions_dir: Path = SOLUTIONS_DIR) -> Submission:
    """The reference solution files of one assignment as a submission (``_*.py`` left out)."""
    folder = solutions_dir / assignment
    files = {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.py")) if not p.name.startswith("_")}
    return _submission(f"reference:{assignment}", files)


def stub_submission(assignment: str, solutions_dir: Path = SOLUTIONS_DIR) -> Submission:
    """The stubs ``release`` generates for one assignment, as a submission."""
    files = {rel.split("/", 1)[1]: text for rel, text in released_files(solutions_dir).items() if rel.split("/", 1)[0] == assignment}
    return _submission(f"stubs:{assignment}", files)


_ADAPTERS = '''

# -- generated by deepgrade validate: the variant stands in for the function it imitates --------
import copy as _dg_copy
import importlib as _dg_importlib


class _DgCache:
    """The reference forward's cache plus its arguments (backward variants take the arguments)."""

    def __init__(self, cache, args, kwargs):
        self.cache, self.args, self.kwargs = cache, args, kwargs


def _dg_forward(reference, variant, args, kwargs):
    expected = reference(*_dg_copy.deepcopy(args), **_dg_copy.deepcopy(kwargs))
    got = variant(*args, **kwargs)
    if got is None:  # the variant does not apply to this case
        return reference(*args, **kwargs)
    if isinstance(expected, tuple):
        got = got if isinstance(got, tuple) else (got,)
        # a variant has no usable cache (None): the reference's stands in for it
        return tuple(e if g is None else g for g, e in zip(got, expected)) + tuple(expected[len(got):])
    return got


def _dg_caching_forward(reference, args, kwargs):
    result = reference(*args, **kwargs)
    return (*result[:-1], _DgCache(result[-1], args, kwargs))


def _dg_backward(reference, variant, args):
    *douts, cache = args
    expected = reference(*douts, cache.cache)
    got = variant(*douts, *cache.args, **cache.kwargs)
    if got is None:
        return expected
    if isinstance(expected, tuple) and not isinstance(got, tuple):
        return (got, *expected[1:])
    return got
'''


def variant_submission(assignment: str, variant: str, function: str, forward: str | None, solutions_dir: Path = SOLUTIONS_DIR) -> Submission:
    """The reference solutions with ``function`` replaced by ``variant_<variant>``.

    The replacement lives in an extra file (found first by the student process, which prefers
    the module defining a name); it is ``_variants.py`` with its relative imports made absolute,
    plus adapters: a forward variant's missing cache is the reference's, and a backward variant
    (which takes the forward's arguments instead of the opaque cache) gets them from a forward
    that keeps its arguments in its cache.

    Args:
        variant: the name in ``IMITATES``.
        function: the function it imitates.
        forward: for a backward ``function``, its forward (``Exercise.requires[1]``), else ``None``.
    """
    base = reference_submission(assignment, solutions_dir)
    folder = solutions_dir / assignment
    owners = {name: p.stem for p in sorted(folder.glob("*.py")) if not p.name.startswith("_") for name in public_names(p)}
    source = (folder / "_variants.py").read_text(encoding="utf-8")
    source = re.sub(r"^from \. import (\w+) as (\w+)", r"import \1 as \2", source, flags=re.M)
    source += _ADAPTERS
    source += f"\n_dg_ref = _dg_importlib.import_module({owners[function]!r})\n"
    if forward is None:
        source += (
            f"\n\ndef {function}(*args, **kwargs):\n"
            f"    return _dg_forward(_dg_ref.{function}, variant_{variant}, args, kwargs)\n"
        )
    else:
        source += (
            f"\n_dg_fwd = _dg_importlib.import_module({owners[forward]!r})\n\n\n"
            f"def {forward}(*args, **kwargs):\n"
            f"    return _dg_caching_forward(_dg_fwd.{forward}, args, kwargs)\n\n\n"
            f"def {function}(*args):\n"
            f"    return _dg_backward(_dg_ref.{function}, variant_{variant}, args)\n"
        )
    return _submission(f"variant:{assignment}/{variant}", {**base.files, _VARIANT_FILE: source})


# -- the whole run --------------------------------------------------------------------------------

def validate(
    *,
    assignments: Sequence[str] | None = None,
    backend: Backend | None = None,
    secret: str = DEFAULT_SECRET,
    fixtures_dir: Path | None = None,
    assignments_dir: Path | None = None,
    solutions_dir: Path = SOLUTIONS_DIR,
    workers: int = 2,
    grade: bool = True,
    only: Sequence[str] | None = None,
    on_progress: Callable[[str], None] | None = None,
) -> Report:
    """Run every check and collect what to fix.

    Args:
        assignments: folder names or their number prefixes (default: all).
        backend: starts the processes that run solutions, stubs and variants (default: a
            :class:`~grader.runner.local.LocalBackend`; all of it is the instructor's code).
        secret: course secret for the hidden cases the grading checks use.
        fixtures_dir: also check the fixtures there.
        assignments_dir: where the stubs are (default: the repository's ``assignments/``).
        workers: gradings run at once.
        grade: run the grading checks (reference, stubs, variants); ``False`` = static only.
        only: grade only these exercises (and the variants imitating them); default all.
        on_progress: called with a short line as each grading finishes.
    Returns:
        The :class:`Report`; never raises because a check fails.
    """
    names = [resolve(a) for a in assignments] if assignments else list(ASSIGNMENTS)
    exercises = [e for a in names for e in get_assignment(a)]
    problems: list[Problem] = []
    counts: dict = {}
    problems += check_stubs(assignments_dir or REPO_ROOT / "assignments", solutions_dir, names)
    counts["stubs"] = sum(1 for rel in released_files(solutions_dir) if rel.split("/", 1)[0] in names)
    if fixtures_dir is not None:
        problems += check_fixtures(fixtures_dir, exercises, solutions_dir)
        counts["fixtures"] = len(exercises)
    problems += check_names(names, solutions_dir)
    problems += check_messages(names, solutions_dir)
    counts["names"] = len(exercises)
    if not grade:
        return Report(tuple(problems), counts)

    if backend is None:
        from grader.runner.local import LocalBackend

        backend = LocalBackend()
    bank = api.CaseBank(secret, solutions_dir=solutions_dir)
    jobs: list[tuple[str, str, Submission, list[Exercise], Callable[[ExerciseResult], Problem | None]]] = []
    for contract in CONTRACTS:
        for a in names:
            exs = [e for e in get_assignment(a) if only is None or e.name in only]
            if not exs:
                continue
            jobs.append(("reference", a, reference_submission(a, solutions_dir), exs, _full_marks))
            jobs.append(("stubs_zero", a, stub_submission(a, solutions_dir), exs, _not_implemented))
            by_name = {e.name: e for e in exs}
            ref = load_assignment(a, solutions_dir)
            for variant, (function, misconception) in variants.table(ref).items():
                ex = by_name.get(function)
                if ex is None:
                    continue  # reported by check_messages
                # a backward exercise requires its forward second (backward variants need its arguments)
                forward = ex.requires[1] if "backward" in function and len(ex.requires) > 1 else None
                sub = variant_submission(a, variant, function, forward, solutions_dir)
                jobs.append(("variants", variant, sub, [ex], _named(misconception)))
    for _, _, _, exs, _ in jobs:
        for ex in exs:
            bank.cases(ex)  # expected values once, before the threads start

    def run(job):
        check, subject, sub, exs, judge = job
        result = api.grade_submission(sub, exs, bank=bank, backend=backend)
        found = [p for r in result.exercises if (p := judge(r)) is not None]
        if on_progress:
            on_progress(f"{check} {subject}: {'ok' if not found else f'{len(found)} problem(s)'}")
        return found

    with ThreadPoolExecutor(max(1, workers)) as pool:
        for found in pool.map(run, jobs):
            problems += found
    for check in ("reference", "stubs_zero", "variants"):
        counts[check] = sum(len(j[3]) for j in jobs if j[0] == check)
    return Report(tuple(problems), counts)


def _full_marks(r: ExerciseResult) -> Problem | None:
    if r.status == "passed" and r.score == r.max_score:
        return None
    return _problem("reference", f"{r.assignment}/{r.name}", M_REFERENCE, score=f"{r.score:g}", max_score=f"{r.max_score:g}",
                    status=r.status, detail=_first_line(r.message))


def _not_implemented(r: ExerciseResult) -> Problem | None:
    if r.status == "not_implemented" and r.score == 0:
        return None
    return _problem("stubs_zero", f"{r.assignment}/{r.name}", M_STUB_SCORES, score=f"{r.score:g}", status=repr(r.status),
                    detail=_first_line(r.message))


def _named(misconception: str) -> Callable[[ExerciseResult], Problem | None]:
    def judge(r: ExerciseResult) -> Problem | None:
        if r.score < r.max_score and misconception in r.diagnoses:
            return None
        subject = f"{r.assignment}/{r.name}"
        if r.score >= r.max_score:
            return _problem("variants", subject, M_UNNOTICED, name=r.name)
        if not r.diagnoses:
            return _problem("variants", subject, M_UNDIAGNOSED, name=r.name, misconception=repr(misconception))
        # the diagnoses are misconception ids (identifiers in every language), not sentences
        return _problem("variants", subject, M_MISDIAGNOSED, name=r.name, diagnoses=", ".join(r.diagnoses),
                        misconception=repr(misconception))

    return judge


def _first_line(text: str) -> str:
    return (text or "").strip().splitlines()[0][:300] if (text or "").strip() else ""


def format_report(report: Report, lang: str = DEFAULT_LANGUAGE) -> str:
    """The report as plain text: one line per problem, then a summary line.

    Args:
        report: what :func:`validate` returned.
        lang: ``"en"`` or ``"ko"``; every line comes from the ``validate`` catalogue.
    Returns:
        Lines joined by ``"\\n"`` (no trailing newline).
    Raises:
        grader.i18n.UnknownLanguage: ``lang`` is not a known language.
    """
    t = translator(lang, DOMAIN)
    label = lambda check: t(CHECKS[check]) if check in CHECKS else check  # noqa: E731
    lines = [t(M_LINE, check=label(p.check), subject=p.subject, message=p.text(lang)) for p in report.problems]
    summary = ", ".join(t(M_COUNT, check=label(k), n=v) for k, v in report.counts.items())
    lines.append(t(M_OK, counts=summary) if report.ok else t(M_FAILED, n=len(report.problems), counts=summary))
    return "\n".join(lines)
