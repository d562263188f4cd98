"""Reading a submission (a file or a folder) into plain source text, without running it."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

MAX_FILE_BYTES = 2 << 20
MAX_FILES = 200
_SKIP_DIRS = {"__pycache__", ".git", ".ipynb_checkpoints", "node_modules", ".venv", "venv"}


@dataclass(frozen=True)
class Submission:
    """A submission's sources.

    Attributes:
        name: file or folder name (the gradebook row).
        files: relative path → Python source (notebooks converted to ``.py``).
        digest: sha256 hex of the sorted (path, source) pairs.
        notes: problems found while reading (skipped files, unreadable notebooks).
    """

    name: str
    files: dict
    digest: str
    notes: tuple[str, ...] = ()


def notebook_to_source(text: str) -> str:
    """The code cells of a Jupyter notebook as one Python file.

    IPython magics and shell escapes (lines starting with ``%`` or ``!``) are commented out.
    Raises:
        ValueError: the text is not notebook JSON.
    """
    try:
        nb = json.loads(text)
        cells = nb["cells"]
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise ValueError(f"not a readable notebook: {exc}") from None
    chunks = []
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        src = cell.get("source", "")
        src = "".join(src) if isinstance(src, list) else str(src)
        lines = [("# " + ln) if ln.lstrip().startswith(("%", "!")) else ln for ln in src.splitlines()]
        chunks.append("\n".join(lines))
    return "\n\n".join(chunks) + "\n"


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
    for rel, p in candidates[:MAX_FILES]:
        if p.stat().st_size > MAX_FILE_BYTES:
            notes.append(f"{rel} skipped: larger than {MAX_FILE_BYTES >> 20} MiB")
            continue
        text = p.read_bytes().decode("utf-8", "replace")
        if p.suffix == ".ipynb":
            try:
                text = notebook_to_source(text)
            except ValueError as exc:
                notes.append(f"{rel} skipped: {exc}")
                continue
            rel = rel[: -len(".ipynb")] + ".py"
            if rel in files:
                continue
        files[rel] = text
    if len(candidates) > MAX_FILES:
        notes.append(f"only the first {MAX_FILES} files were read")
    h = hashlib.sha256()
    for rel in sorted(files):
        h.update(rel.encode() + b"\0" + files[rel].encode() + b"\0")
    name = path.stem if path.is_file() else path.name
    return Submission(name=name, files=files, digest=h.hexdigest(), notes=tuple(notes))
