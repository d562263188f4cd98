"""``deepgrade submit``: pack a student's work into one archive with a manifest of names and hashes.

The archive (a zip) holds the files that contain the student's work on the assignment and a
``MANIFEST.json``: every file's path, size in bytes and sha256, and which exercises are
implemented and which are still stubs. Files in which every exercise is still the released
stub are left out, so a notebook and the ``.py`` stubs of the same assignment never compete
for the same names. Grading reads the extracted archive like any folder (the manifest is not
Python and is ignored); :func:`verify_manifest` tells whether the files are the ones packed.
"""
from __future__ import annotations

import ast
import datetime as _dt
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

import click

from grader.exercises import ASSIGNMENTS, resolve
from grader.i18n import N_, translator
from grader.submission import NotebookError, read_notebook

MANIFEST = "MANIFEST.json"

# What `deepgrade submit` tells the student (domain ``cli``).
WROTE = N_("wrote {archive} with {count} file(s):")
LEFT_OUT = N_("left out {name}: it holds only stubs")
IMPLEMENTED = N_("implemented ({count}): {names}")
STILL_STUBS = N_("still a stub or missing ({count}): {names}")
NONE = N_("none")


@dataclass(frozen=True)
class Packed:
    """What :func:`pack` put in the archive.

    Attributes:
        archive: the zip file written.
        files: archive path → sha256 hex of the file's bytes.
        implemented: exercise names with an implementation in a packed file.
        stubs: exercise names still raising the released ``NotImplementedError`` (or absent).
        skipped: files left out because they hold only stubs.
    """

    archive: Path
    files: dict
    implemented: tuple[str, ...]
    stubs: tuple[str, ...]
    skipped: tuple[str, ...]


def _is_stub_body(body: list[ast.stmt]) -> bool:
    body = [n for n in body if not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))]
    if len(body) != 1 or not isinstance(body[0], ast.Raise) or body[0].exc is None:
        return False
    exc = body[0].exc
    name = exc.func if isinstance(exc, ast.Call) else exc
    return isinstance(name, ast.Name) and name.id == "NotImplementedError"


def exercise_states(source: str, names: set[str]) -> dict[str, bool]:
    """Which of ``names`` a Python source defines, and whether each is implemented.

    Args:
        source: Python text (a notebook already turned into Python).
        names: exercise names to look for.
    Returns:
        name → ``True`` (implemented) or ``False`` (still a stub: a function whose body only
        raises ``NotImplementedError``, or a class with such a method). Names not defined are absent.
        A source that does not parse counts as implementing what it textually defines.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return {n: True for n in names if f"def {n}" in source or f"class {n}" in source}
    states = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in names:
            states[node.name] = not _is_stub_body(node.body)
        elif isinstance(node, ast.ClassDef) and node.name in names:
            methods = [n for n in node.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
            states[node.name] = not any(_is_stub_body(m.body) for m in methods)
    return states


def assignments_defined(path: Path) -> list[str]:
    """Assignments that a ``.py`` or ``.ipynb`` file defines at least one exercise of (in course order).

    Returns:
        Assignment names; empty when the file defines none or cannot be read.
    """
    from grader.submission import read_submission

    sources = "\n".join(read_submission(Path(path)).files.values())
    return [a for a, exercises in ASSIGNMENTS.items() if exercise_states(sources, {ex.name for ex in exercises})]


def _candidates(assignment: str, root: Path) -> list[Path]:
    folder = root / "assignments" / assignment
    found = sorted(folder.glob("*.py")) if folder.is_dir() else []
    for nb in (root / "notebooks" / f"{assignment}.ipynb", folder / f"{assignment}.ipynb"):
        if nb.is_file():
            found.append(nb)
    return found


def pack(assignments: list[str], *, root: Path = Path("."), paths: list[Path] | None = None, out: Path | None = None) -> Packed:
    """Write the submission archive.

    Args:
        assignments: assignment folder names.
        root: the student copy (``assignments/``, ``notebooks/``).
        paths: files to consider instead of the assignment's usual places.
        out: archive path (default ``submission-<assignments>.zip`` in ``root``).
    Returns:
        A :class:`Packed`.
    Raises:
        FileNotFoundError: nothing to pack.
    """
    names = {ex.name for a in assignments for ex in ASSIGNMENTS[a]}
    candidates = paths if paths else [p for a in assignments for p in _candidates(a, root)]
    if not candidates:
        raise FileNotFoundError(f"no files of {', '.join(assignments)} under {root.resolve()}")
    chosen: dict[str, bytes] = {}
    implemented: set[str] = set()
    skipped = []
    for path in candidates:
        data = path.read_bytes()
        text = data.decode("utf-8", "replace")
        if path.suffix == ".ipynb":
            try:
                text = read_notebook(text, path.name).source
            except NotebookError:
                pass  # packed as it is: grading will say what is wrong with it
        states = exercise_states(text, names)
        if states and not any(states.values()):
            skipped.append(path.name)
            continue
        implemented |= {n for n, done in states.items() if done}
        arc = path.name if path.suffix == ".ipynb" else f"{path.parent.name}/{path.name}"
        chosen[arc] = data
    stubs = sorted(names - implemented)
    hashes = {arc: hashlib.sha256(data).hexdigest() for arc, data in chosen.items()}
    manifest = {
        "format": "deepgrade-submission/1",
        "assignments": assignments,
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "files": [{"path": arc, "bytes": len(chosen[arc]), "sha256": hashes[arc]} for arc in sorted(chosen)],
        "implemented": sorted(implemented),
        "stubs": stubs,
        "skipped": skipped,
    }
    out = out or root / f"submission-{'-'.join(assignments)}.zip"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for arc in sorted(chosen):
            zf.writestr(arc, chosen[arc])
        zf.writestr(MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    out.write_bytes(buffer.getvalue())
    return Packed(out, hashes, tuple(sorted(implemented)), tuple(stubs), tuple(skipped))


def verify_manifest(folder: Path) -> list[str]:
    """Compare an extracted submission with its ``MANIFEST.json``.

    Args:
        folder: the extracted archive.
    Returns:
        Problems (missing or changed files, unreadable manifest); empty when all match or
        when there is no manifest.
    """
    path = Path(folder) / MANIFEST
    if not path.is_file():
        return []
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        entries = manifest["files"]
    except (ValueError, KeyError, TypeError) as exc:
        return [f"{MANIFEST} is unreadable: {exc}"]
    problems = []
    for entry in entries:
        target = Path(folder) / str(entry.get("path", ""))
        if not target.is_file():
            problems.append(f"{entry.get('path')} is listed in {MANIFEST} but missing")
        elif hashlib.sha256(target.read_bytes()).hexdigest() != entry.get("sha256"):
            problems.append(f"{entry.get('path')} differs from the file that was packed")
    return problems


@click.command("submit")
@click.argument("assignment", required=False)
@click.option("--path", "paths", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Pack these files instead (repeatable).")
@click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=Path), help="Archive to write (default: submission-<ASSIGNMENT>.zip).")
@click.option("--lang", type=click.Choice(["en", "ko"]), default="en", show_default=True, help="Language of the summary.")
def submit_cmd(assignment: str | None, paths: tuple[Path, ...], out: Path | None, lang: str) -> None:
    """Pack your work on ASSIGNMENT (default: all) into one archive to hand in, with a manifest of hashes."""
    from rich.console import Console
    from rich.markup import escape

    _ = translator(lang, "cli")
    console = Console()
    try:
        names = [resolve(assignment)] if assignment else list(ASSIGNMENTS)
        packed = pack(names, paths=list(paths) or None, out=out)
    except (KeyError, FileNotFoundError) as exc:
        raise click.ClickException(str(exc.args[0] if exc.args else exc)) from None
    console.print(escape(_(WROTE, archive=str(packed.archive), count=len(packed.files))))
    for arc, digest in packed.files.items():
        console.print(f"  {escape(arc)}  sha256 {digest[:16]}…")
    for name in packed.skipped:
        console.print(f"  [dim]{escape(_(LEFT_OUT, name=name))}[/]")
    console.print(f"[green]{escape(_(IMPLEMENTED, count=len(packed.implemented), names=', '.join(packed.implemented) or _(NONE)))}[/]")
    if packed.stubs:
        console.print(f"[yellow]{escape(_(STILL_STUBS, count=len(packed.stubs), names=', '.join(packed.stubs)))}[/]")
