"""Reading a submission (a file or a folder) into plain source text, without running it.

Notebooks (``.ipynb``) are read with nbformat and turned into one Python file per notebook
(:func:`read_notebook`). A notebook is a scratchpad, so only what defines things is kept:
imports, ``def``/``class``, and assignments whose right side calls nothing but imported
modules (``K = np.array(...)``). Scratch code (prints, plots, test calls, loops) is not run
when grading, IPython magics and shell escapes never are, and a cell with a syntax error is
left out on its own, so one broken cell costs only what it defines (nbgrader's per-cell
behaviour). Because functions are found by name, copied, split, reordered or deleted cells
still work. Error messages that cite the generated file are rewritten to cite the cell
(:func:`cite_cells`).
"""
from __future__ import annotations

import ast
import dataclasses
import hashlib
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from grader.i18n import N_, translator

MAX_FILE_BYTES = 2 << 20
MAX_FILES = 200
_SKIP_DIRS = {"__pycache__", ".git", ".ipynb_checkpoints", "node_modules", ".venv", "venv"}

# Cells of deepgrade's own notebooks that are not the student's work (self-checks, set-up,
# plots): never part of what is graded.
DEEPGRADE_TAGS = frozenset({"deepgrade-setup", "deepgrade-check", "deepgrade-viz", "deepgrade-test"})


@dataclass(frozen=True)
class CellSpan:
    """Where one notebook cell landed in the generated Python file.

    Attributes:
        start: line of the generated file (1-based) holding the cell's first line.
        length: number of lines of the cell.
        number: the cell's position in the notebook (1-based, every cell type counted).
        first_line: the cell's first non-blank line, shortened, to name it in messages.
    """

    start: int
    length: int
    number: int
    first_line: str


@dataclass(frozen=True)
class NotebookSource:
    """A notebook read for grading (see :func:`read_notebook`).

    Attributes:
        source: the Python text graded in place of the notebook.
        spans: where each kept cell lies in ``source``.
        notes: what was skipped and why (magics, shell escapes, syntax errors, scratch code).
    """

    source: str
    spans: tuple[CellSpan, ...]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Submission:
    """A submission's sources.

    Attributes:
        name: file or folder name (the gradebook row).
        files: relative path → Python source (notebooks converted to ``.py``).
        digest: sha256 hex of the sorted (path, source) pairs.
        notes: problems found while reading (skipped files, unreadable notebooks, skipped magics).
        notebooks: generated ``.py`` path → (notebook path, cell spans), to cite cells in messages.
    """

    name: str
    files: dict
    digest: str
    notes: tuple[str, ...] = ()
    notebooks: dict = field(default_factory=dict)


class NotebookError(ValueError):
    """A file is not a valid Jupyter notebook (the message says why)."""


# Notes about a notebook (domain ``notebook``); the English text is the message id.
NOTE_INVALID = N_("{label} is not a valid Jupyter notebook: {reason} (it must open in Jupyter: save it again there, or submit a copy that opens)")
NOTE_READ_ANYWAY = N_("{label} does not follow the notebook format ({reason}); its code cells were read anyway")
NOTE_CELL_MAGIC = N_("{label}, cell {number} (`{first}`): a cell magic ({magic}); the cell was skipped, not run")
NOTE_LINE_MAGIC = N_("{label}, cell {number} (`{first}`): line {lines} is an IPython magic or shell command; skipped, not run")
NOTE_LINE_MAGICS = N_("{label}, cell {number} (`{first}`): lines {lines} are IPython magics or shell commands; skipped, not run")
NOTE_SYNTAX = N_("{label}, cell {number} (`{first}`), line {line}: SyntaxError: {error}; that cell was left out, so what it defines is missing")
NOTE_SCRATCH = N_("{label}: {count} top-level statement(s) that only compute, print or plot were not run when grading (only imports, definitions and constants are)")
RUN_THAT_CELL = N_("(running that cell in Jupyter shows it too)")
# Notes about the files of a submission (same domain).
NOTE_TOO_LARGE = N_("{rel} skipped: larger than {mib} MiB")
NOTE_SKIPPED = N_("{rel} skipped: {reason}")
NOTE_SHADOWED = N_("{rel} skipped: {py} is also a file of this submission")
NOTE_TOO_MANY = N_("only the first {count} files were read")
#: Every note template: feedback pages show a note in the reader's language (grader.report.phrases).
NOTES = (NOTE_INVALID, NOTE_READ_ANYWAY, NOTE_CELL_MAGIC, NOTE_LINE_MAGIC, NOTE_LINE_MAGICS, NOTE_SYNTAX, NOTE_SCRATCH,
         NOTE_TOO_LARGE, NOTE_SKIPPED, NOTE_SHADOWED, NOTE_TOO_MANY)

_MAGIC = re.compile(r"^\s*(%|!|\w+\s*=\s*[%!])")
_HELP = re.compile(r"^\s*[\w.]+\?\??\s*$|^\s*\?")


def _shorten(line: str, width: int = 60) -> str:
    line = line.strip()
    return line if len(line) <= width else line[: width - 1] + "…"


def _call_roots(node: ast.AST) -> set[str]:
    """Names at the root of every call in ``node`` (``np.linalg.norm(x)`` → ``np``); ``?`` if not a name."""
    roots = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call):
            func = sub.func
            while isinstance(func, ast.Attribute):
                func = func.value
            roots.add(func.id if isinstance(func, ast.Name) else "?")
    return roots


def _imported_names(trees: list[ast.Module]) -> set[str]:
    names = set()
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)) and _keeps(node, set()):
                for alias in node.names:
                    names.add((alias.asname or alias.name).split(".")[0])
    return names


def _keeps(node: ast.stmt, imported: set[str]) -> bool:
    """Whether a top-level statement defines something (kept) or is scratch code (not run)."""
    if isinstance(node, ast.Import):
        return not any(a.name.split(".")[0] == "grader" for a in node.names)
    if isinstance(node, ast.ImportFrom):
        # deepgrade's own notebook tooling (self-checks) is never part of the student's work
        return (node.module or "").split(".")[0] != "grader"
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return True
    if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
        return node.value is None or _call_roots(node.value) <= imported
    if isinstance(node, ast.If):
        return _call_roots(node.test) <= imported and all(_keeps(n, imported) for n in node.body + node.orelse)
    if isinstance(node, ast.Try):  # try: import torch / except ImportError: torch = None
        return all(_keeps(n, imported) for n in node.body + node.orelse + node.finalbody) and all(
            _keeps(n, imported) for h in node.handlers for n in h.body
        )
    if isinstance(node, ast.Pass):
        return True
    return False


def _statement_lines(node: ast.stmt) -> range:
    start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
    return range(start, (node.end_lineno or node.lineno) + 1)


def read_notebook(text: str, label: str = "notebook", lang: str = "en") -> NotebookSource:
    """Turn a notebook's code cells into one Python file for grading, without running anything.

    Args:
        text: the ``.ipynb`` file's text (nbformat JSON, version 4, or older versions that
            nbformat upgrades).
        label: the notebook's name, used in notes.
        lang: language of the notes (``"en"`` or ``"ko"``).
    Returns:
        A :class:`NotebookSource`. Cells tagged with one of :data:`DEEPGRADE_TAGS` are left out.
    Raises:
        NotebookError: not JSON or not a notebook at all (nbformat's reason is given). A
            notebook that nbformat reads but whose schema validation fails (hand-edited
            metadata, a tool's quirks) is still read, with the reason in the notes: its code
            cells are all grading needs.
    """
    import nbformat

    _ = translator(lang, "notebook")

    def reason_of(exc: Exception) -> str:
        reason = getattr(exc, "message", None) or str(exc) or type(exc).__name__
        return _shorten(reason.splitlines()[0], 200)

    notes: list[str] = []
    captured: dict = {}
    try:
        with warnings.catch_warnings():  # e.g. missing cell ids: nbformat fixes them; not the student's concern
            warnings.simplefilter("ignore")
            nb = nbformat.reads(text, as_version=4, capture_validation_error=captured)
    except Exception as exc:  # nbformat raises JSON and version errors of several types
        raise NotebookError(_(NOTE_INVALID, label=label, reason=reason_of(exc))) from None
    if "ValidationError" in captured:
        exc = captured["ValidationError"]
        cells = nb.get("cells")
        usable = isinstance(cells, list) and all(
            isinstance(c, dict) and c.get("cell_type") and isinstance(c.get("source", ""), (str, list)) for c in cells
        )
        if not usable:
            raise NotebookError(_(NOTE_INVALID, label=label, reason=reason_of(exc))) from None
        notes.append(_(NOTE_READ_ANYWAY, label=label, reason=reason_of(exc)))
        for cell in cells:
            cell.setdefault("source", "")
            cell.setdefault("metadata", {})
    cells: list[tuple[int, list[str], str]] = []  # (number, lines after magics, first line)
    for number, cell in enumerate(nb.cells, start=1):
        if cell.cell_type != "code":
            continue
        tags = set(cell.get("metadata", {}).get("tags", []))
        if tags & DEEPGRADE_TAGS:
            continue
        source = cell.source if isinstance(cell.source, str) else "".join(cell.source)
        lines = source.splitlines()
        first = _shorten(next((ln for ln in lines if ln.strip()), ""))
        where = {"label": label, "number": number, "first": first}
        if lines and lines[0].lstrip().startswith("%%"):
            notes.append(_(NOTE_CELL_MAGIC, magic=lines[0].split()[0], **where))
            continue
        skipped = []
        for i, line in enumerate(lines):
            if _MAGIC.match(line) or _HELP.match(line):
                indent = line[: len(line) - len(line.lstrip())]
                lines[i] = f"{indent}pass"
                skipped.append(i + 1)
        if skipped:
            message = NOTE_LINE_MAGIC if len(skipped) == 1 else NOTE_LINE_MAGICS
            notes.append(_(message, lines=", ".join(map(str, skipped)), **where))
        cells.append((number, lines, first))
    trees: dict[int, ast.Module] = {}
    for number, lines, first in cells:
        try:
            trees[number] = ast.parse("\n".join(lines) + "\n")
        except SyntaxError as exc:
            notes.append(_(NOTE_SYNTAX, label=label, number=number, first=first, line=exc.lineno, error=exc.msg))
    imported = _imported_names(list(trees.values()))
    out: list[str] = []
    spans: list[CellSpan] = []
    scratch = 0
    for number, lines, first in cells:
        if number not in trees:
            continue
        blank: set[int] = set()
        for node in trees[number].body:
            if not _keeps(node, imported):
                blank.update(_statement_lines(node))
                scratch += not isinstance(node, ast.Expr) or not isinstance(node.value, ast.Constant)
        out.append(f"# --- notebook cell {number} ---")
        spans.append(CellSpan(len(out) + 1, len(lines), number, first))
        out.extend("" if (i + 1) in blank else line for i, line in enumerate(lines))
        out.append("")
    if scratch:
        notes.append(_(NOTE_SCRATCH, label=label, count=scratch))
    return NotebookSource("\n".join(out) + "\n", tuple(spans), tuple(notes))


def notebook_to_source(text: str) -> str:
    """The code cells of a Jupyter notebook as one Python file (see :func:`read_notebook`).

    Raises:
        NotebookError: (a ``ValueError``) the text is not a valid notebook.
    """
    return read_notebook(text).source


def _module_name(rel: str) -> str:
    """``hw 2.ipynb`` → ``hw_2.py``: the student process imports files by their stem, so it must be an identifier."""
    parent, _, stem = rel[: -len(".ipynb")].rpartition("/")
    stem = re.sub(r"\W", "_", stem)
    if not stem.isidentifier():
        stem = f"nb_{stem}"
    return f"{parent}/{stem}.py" if parent else f"{stem}.py"


def read_submission(path: Path) -> Submission:
    """Collect the ``.py`` and ``.ipynb`` files of a submission.

    Args:
        path: a ``.py``/``.ipynb`` file, or a folder searched recursively.
    Returns:
        A :class:`Submission` (possibly with no files; grading then reports missing functions).
    Raises:
        FileNotFoundError: ``path`` does not exist.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(path)
    notes = []
    if path.is_file():
        candidates = [(path.name, path)]
    else:
        candidates = []
        for p in sorted(path.rglob("*")):
            rel = p.relative_to(path)
            if any(part in _SKIP_DIRS or part.startswith(".") for part in rel.parts[:-1]):
                continue
            if p.is_file() and p.suffix in (".py", ".ipynb") and not p.is_symlink():
                candidates.append((rel.as_posix(), p))
    files = {}
    notebooks = {}
    for rel, p in candidates[:MAX_FILES]:
        if p.stat().st_size > MAX_FILE_BYTES:
            notes.append(NOTE_TOO_LARGE.format(rel=rel, mib=MAX_FILE_BYTES >> 20))
            continue
        text = p.read_bytes().decode("utf-8", "replace")
        if p.suffix == ".ipynb":
            try:
                nb = read_notebook(text, rel)
            except NotebookError as exc:
                notes.append(NOTE_SKIPPED.format(rel=rel, reason=exc))
                continue
            notes.extend(nb.notes)
            py = _module_name(rel)
            if py in files:
                notes.append(NOTE_SHADOWED.format(rel=rel, py=py))
                continue
            files[py] = nb.source
            notebooks[py] = (rel, nb.spans)
            continue
        files[rel] = text
    if len(candidates) > MAX_FILES:
        notes.append(NOTE_TOO_MANY.format(count=MAX_FILES))
    h = hashlib.sha256()
    for rel in sorted(files):
        h.update(rel.encode() + b"\0" + files[rel].encode() + b"\0")
    name = path.stem if path.is_file() else path.name
    return Submission(name=name, files=files, digest=h.hexdigest(), notes=tuple(notes), notebooks=notebooks)


_FILE_LINE = re.compile(r'File "(?P<file>[^"]+)", line (?P<line>\d+)')
_RUN_IT = re.compile(r"\s*\(`python yourfile\.py` shows it too\)")


def cite_cells(message: str, submission: Submission) -> str:
    """Rewrite ``File "hw2.py", line 14`` into the notebook cell and the line within it.

    Args:
        message: feedback text that may quote tracebacks of generated notebook files.
        submission: the submission the message is about.
    Returns:
        The message citing ``hw2.ipynb, cell 7 (`def conv_forward_naive(...)`), line 3``
        for notebook files; unchanged when the submission has no notebooks.
    """
    if not submission.notebooks:
        return message
    by_stem = {Path(py).name: (nb, spans) for py, (nb, spans) in submission.notebooks.items()}

    def cite(match: re.Match) -> str:
        entry = by_stem.get(Path(match["file"]).name)
        if entry is None:
            return match.group(0)
        nb, spans = entry
        line = int(match["line"])
        for span in spans:
            if span.start <= line < span.start + span.length:
                return f'File "{nb}", cell {span.number} (`{span.first_line}`), line {line - span.start + 1}'
        return f'File "{nb}"'

    cited = _FILE_LINE.sub(cite, message)
    for py, (nb, _) in submission.notebooks.items():
        # "hw2.py failed to import", "looked in hw2.py": the student only has hw2.ipynb
        cited = re.sub(rf"(?<![\w/.]){re.escape(py)}\b", nb, cited)
    if cited != message:
        cited = _RUN_IT.sub(" " + RUN_THAT_CELL, cited)
    return cited


def cite_cells_in_result(result, submission: Submission):
    """:func:`cite_cells` applied to an :class:`~grader.results.ExerciseResult`'s message and case messages."""
    if not submission.notebooks:
        return result
    cases = tuple(dataclasses.replace(c, message=cite_cells(c.message, submission)) for c in result.cases)
    return dataclasses.replace(result, message=cite_cells(result.message, submission), cases=cases)
