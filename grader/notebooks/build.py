"""One notebook per assignment, generated from ``solutions/`` (never kept by hand).

The code cells are cut out of the same text as the ``.py`` stubs
(:func:`grader.release.make_stub`): one cell for each assignment's imports and constants, one
per top-level function or class (signature and docstring kept), each exercise followed by a
self-check cell. Explanation cells come from :mod:`grader.notebooks.content` in English and
Korean (the ``notebook`` catalogue). Three *flavours* share this code:

``stub``      the student notebook (what ``deepgrade release`` writes);
``solution``  the same notebook with the reference code (tests run it: every check passes);
``nbgrader``  an nbgrader *source* notebook: solution cells keep the ``### BEGIN/END SOLUTION``
              markers (nbgrader's own) and each self-check becomes a locked autograder test cell
              worth the exercise's points (see :mod:`grader.lms.nbgrader_glue`).
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import nbformat

from grader.exercises import ASSIGNMENTS
from grader.i18n import translator
from grader.notebooks import content
from grader.reference import SOLUTIONS_DIR
from grader.release import BEGIN, END, make_stub, stub_text

FLAVOURS = ("stub", "solution", "nbgrader")
KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}

# Plots shown right after an exercise's self-check: (assignment, exercise) → cell source.
VISUALISATIONS = {
    ("01_conv_arithmetic", "receptive_field"): "show_receptive_field([(3, 1, 1), (3, 1, 1), (3, 2, 1), (3, 1, 2), (3, 2, 1)], receptive_field);",
    ("02_convolution", "correlate2d"): "show_filters(correlate2d);",
    ("06_attention", "scaled_dot_product_attention_forward"): "show_attention(scaled_dot_product_attention_forward);",
}
SETUP_CODE = (
    "# deepgrade's self-checks and plots (not part of your work).\n"
    "from grader.notebooks.kernel import check, set_language\n"
    "from grader.notebooks.viz import show_attention, show_filters, show_receptive_field\n"
    "# set_language(\"ko\")  # 한국어 출력\n"
)
AUTOGRADER_CODE = (
    "# Autograder test ({points} points): deepgrade runs {name} in a separate process; at grading time the\n"
    "# hidden cases come from the course secret. Running it here checks the public cases.\n"
    "from grader.lms.nbgrader_glue import autograder_cell\n"
    "autograder_cell({assignment!r}, {name!r})"
)


class NotebookBuildError(ValueError):
    """Two solution files of one assignment define the same name differently."""


@dataclass(frozen=True)
class _Block:
    name: str | None  # None: imports and constants
    code: str


def _solution_text(source: str) -> str:
    """The solution without its marker lines (what the reference notebook shows)."""
    return "".join(line for line in source.splitlines(keepends=True) if line.strip() not in (BEGIN, END))


def _blocks(text: str) -> list[_Block]:
    """Split a module's text into its preamble (imports, constants) and one block per def/class."""
    tree = ast.parse(text)
    lines = text.splitlines()
    preamble: list[str] = []
    blocks: list[_Block] = []
    for node in tree.body:
        start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        end = node.end_lineno or node.lineno
        # Indented comments right after a body (``    ### END SOLUTION``) belong to it; ast stops before them.
        while end < len(lines) and lines[end][:1].isspace() and lines[end].lstrip().startswith("#"):
            end += 1
        chunk = "\n".join(lines[start - 1 : end])
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            blocks.append(_Block(node.name, chunk))
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and node is tree.body[0]:
            continue  # the module docstring: the markdown cells explain instead
        else:
            preamble.append(chunk)
    return [_Block(None, "\n".join(preamble))] + blocks


def _nbgrader_blocks(source: str) -> tuple[list[_Block], list[str]]:
    """Blocks for an nbgrader source notebook: functions keep their markers; module-level solution regions (private helpers) are returned apart."""
    helpers: list[str] = []
    kept: list[str] = []
    inside_top = False
    region: list[str] = []
    for line in source.splitlines():
        stripped = line.strip()
        if stripped == BEGIN and not line[: len(line) - len(line.lstrip())]:
            inside_top, region = True, []
            continue
        if inside_top:
            if stripped == END and not line[: len(line) - len(line.lstrip())]:
                inside_top = False
                helpers.append("\n".join(region).strip("\n"))
            else:
                region.append(line)
            continue
        kept.append(line)
    return _blocks("\n".join(kept) + "\n"), helpers


def _markdown(message: str, **fields) -> nbformat.NotebookNode:
    en = translator("en", "notebook")(message, **fields)
    ko = translator("ko", "notebook")(message, **fields)
    return nbformat.v4.new_markdown_cell(f"{en}\n\n{ko}")


def _heading(level: int, message: str, **fields) -> nbformat.NotebookNode:
    en = translator("en", "notebook")(message, **fields)
    ko = translator("ko", "notebook")(message, **fields)
    return nbformat.v4.new_markdown_cell(f"{'#' * level} {en}\n\n{'#' * (level + 1)} {ko}")


def _tagged(cell: nbformat.NotebookNode, tag: str) -> nbformat.NotebookNode:
    cell.metadata["tags"] = [tag]
    return cell


def _nbgrader(cell: nbformat.NotebookNode, grade_id: str, *, solution: bool, points: float | None = None) -> nbformat.NotebookNode:
    meta = {"grade": points is not None, "solution": solution, "locked": not solution, "grade_id": grade_id, "schema_version": 3}
    if points is not None:
        meta["points"] = points
    cell.metadata["nbgrader"] = meta
    return cell


def build_notebook(assignment: str, flavour: str = "stub", solutions_dir: Path = SOLUTIONS_DIR) -> nbformat.NotebookNode:
    """The notebook of one assignment.

    Args:
        assignment: folder name, e.g. ``"02_convolution"``.
        flavour: one of :data:`FLAVOURS`.
        solutions_dir: where the reference solutions live.
    Returns:
        A valid nbformat 4 notebook (validated).
    Raises:
        KeyError: unknown assignment or flavour.
        NotebookBuildError: two files of the assignment define one name differently.
        grader.release.ReleaseError: malformed solution markers.
    """
    if flavour not in FLAVOURS:
        raise KeyError(f"unknown flavour {flavour!r}; choose one of {', '.join(FLAVOURS)}")
    exercises = {ex.name: ex for ex in ASSIGNMENTS[assignment]}
    folder = solutions_dir / assignment
    preambles: list[str] = []
    defs: dict[str, str] = {}
    helpers: list[str] = []
    for path in sorted(folder.glob("*.py")):
        if path.name.startswith("_"):
            continue
        source = path.read_text(encoding="utf-8")
        if flavour == "stub":
            blocks = _blocks(stub_text(source, assignment, str(path)))
        elif flavour == "solution":
            blocks = _blocks(_solution_text(source))
        else:
            make_stub(source, assignment, str(path))  # the same marker checks as the stubs
            blocks, file_helpers = _nbgrader_blocks(source)
            helpers.extend(file_helpers)
        for block in blocks:
            if block.name is None:
                preambles.extend(line for line in block.code.splitlines() if line not in preambles or not line.strip())
            elif block.name in defs and defs[block.name] != block.code:
                raise NotebookBuildError(f"{assignment}: {block.name} is defined differently in two files")
            else:
                defs[block.name] = block.code
    cells = [_heading(1, content.TITLE, assignment=assignment), _markdown(content.HOW_TO)]
    if flavour != "nbgrader":
        cells.append(_tagged(nbformat.v4.new_code_cell(SETUP_CODE), "deepgrade-setup"))
    cells += [_markdown(text) for text in content.TOPICS.get(assignment, ())]
    cells += [_markdown(content.SETUP), nbformat.v4.new_code_cell(_tidy("\n".join(preambles)))]
    if helpers:
        cells += [_markdown(content.HELPERS), _nbgrader(nbformat.v4.new_code_cell(f"{BEGIN}\n" + "\n\n\n".join(helpers) + f"\n{END}"), "helpers", solution=True)]
    # Helpers first: a self-check runs what has been run so far, and exercises call them.
    cells += [nbformat.v4.new_code_cell(code) for name, code in defs.items() if name not in exercises]
    for name, code in defs.items():
        exercise = exercises.get(name)
        if exercise is None:
            continue
        cells.append(_heading(2, content.EXERCISE, name=name, points=f"{exercise.points:g}"))
        code_cell = nbformat.v4.new_code_cell(code)
        if flavour == "nbgrader":
            cells.append(_nbgrader(code_cell, name, solution=True))
            test = nbformat.v4.new_code_cell(AUTOGRADER_CODE.format(points=f"{exercise.points:g}", name=name, assignment=assignment))
            cells.append(_nbgrader(test, f"test_{name}", solution=False, points=float(exercise.points)))
            continue
        cells.append(code_cell)
        cells.append(_tagged(nbformat.v4.new_code_cell(f"check({assignment!r}, {name!r})"), "deepgrade-check"))
        viz = VISUALISATIONS.get((assignment, name))
        if viz:
            cells += [_heading(3, content.VIZ), _tagged(nbformat.v4.new_code_cell(viz), "deepgrade-viz")]
    nb = nbformat.v4.new_notebook(cells=cells, metadata={"kernelspec": dict(KERNELSPEC), "language_info": {"name": "python"}})
    nbformat.validate(nb)
    return nb


def _tidy(code: str) -> str:
    while "\n\n\n" in code:
        code = code.replace("\n\n\n", "\n\n")
    return code.strip("\n") + "\n"


def notebook_name(assignment: str) -> str:
    """File name of an assignment's notebook, e.g. ``02_convolution.ipynb``."""
    return f"{assignment}.ipynb"


def write_notebooks(target: Path, flavour: str = "stub", solutions_dir: Path = SOLUTIONS_DIR, assignments=None) -> list[Path]:
    """Write one notebook per assignment into ``target`` (created).

    Args:
        target: output folder.
        flavour: see :func:`build_notebook`.
        solutions_dir: where the reference solutions live.
        assignments: names to write (default: all).
    Returns:
        The paths written.
    """
    target = Path(target)
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for assignment in assignments or ASSIGNMENTS:
        path = target / notebook_name(assignment)
        nbformat.write(build_notebook(assignment, flavour, solutions_dir), str(path))
        written.append(path)
    return written
