"""Writing results to disk: one JSON per student, the gradebook CSV, and LMS exports.

Every file is written to a temporary file in the same folder and renamed into place, so a
reader never sees half a file; the temporary file is removed when the write fails (and
:func:`clean_stale_temp` removes those that a killed process left behind).

Exports (:func:`export`), from the gradebook at any time:

* ``csv``: one row per student, one column per exercise (points), ``total``, ``max_total``,
  ``status`` — the shape Canvas/Moodle grade imports take;
* ``gradescope``: ``<student>/results.json`` per student in Gradescope's autograder format
  (``score``, ``max_score``, ``tests``: name, score, max_score, status, visibility, output);
* ``jsonl``: one JSON document per student per line.
"""
from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from pathlib import Path
from typing import Callable, Sequence

from grader.results import safe_text

EXPORT_FORMATS = ("csv", "gradescope", "jsonl")
TEMP_PREFIX = ".tmp-"


def safe_name(name: str) -> str:
    """A file-system-safe version of a name (see :func:`grader.intake.identity.safe_name`)."""
    from grader.intake.identity import safe_name as _safe

    return _safe(name)


def prepare_write(path: Path, text: str) -> Callable[[], None]:
    """Write ``text`` (UTF-8) to a temporary file beside ``path``; return the function that moves it into place.

    The caller commits the gradebook row and then calls the returned function, so the file and
    the row are one unit: if encoding or writing fails, nothing exists; if the caller fails
    before the move, it calls ``discard`` (the returned function's ``discard`` attribute).

    Raises:
        OSError: the temporary file cannot be written (it is removed first).
    """
    path = Path(path)
    data = safe_text(text).encode("utf-8")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=TEMP_PREFIX)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
    except BaseException:
        _unlink(tmp)
        raise

    def commit() -> None:
        os.replace(tmp, path)

    commit.discard = lambda: _unlink(tmp)  # type: ignore[attr-defined]
    return commit


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def atomic_write(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically (temporary file + rename; no temporary file survives a failure)."""
    commit = prepare_write(path, text)
    try:
        commit()
    except BaseException:
        commit.discard()  # type: ignore[attr-defined]
        raise


def clean_stale_temp(out_dir: Path) -> list[Path]:
    """Remove ``.tmp-*`` files left in ``out_dir`` by a process that was killed mid-write.

    Only the grader writes there, one batch at a time (the gradebook is locked per write), so
    any such file at the start of a batch is stale. Returns the paths removed.
    """
    removed = []
    for p in Path(out_dir).glob(TEMP_PREFIX + "*"):
        if p.is_file() and not p.is_symlink():
            _unlink(str(p))
            removed.append(p)
    return removed


def student_document(record, exercise_order: Sequence[str]) -> dict:
    """The per-student JSON document from a :class:`grader.store.StudentRecord`.

    Args:
        record: the student's record (current grade of every exercise ever graded).
        exercise_order: exercise names in course order (others follow, sorted).
    Returns:
        The document of :meth:`grader.results.SubmissionResult.to_json` (all current exercises,
        each with ``graded_at``, ``grader_version``, ``contract``) plus ``output_name``.
    """
    rank = {n: i for i, n in enumerate(exercise_order)}
    exercises = sorted(record.exercises.values(), key=lambda e: (rank.get(e["name"], len(rank)), e["name"]))
    total = round(sum(e["score"] for e in exercises), 2)
    max_total = round(sum(e["max_score"] for e in exercises), 2)
    if record.status == "missing" or (exercises and all(e["status"] == "missing" for e in exercises)) or not exercises:
        status = "missing"
    elif all(e["status"] == "passed" for e in exercises):
        status = "passed"
    else:
        status = "partial"
    return {
        "submission": record.student,
        "display_name": record.display_name,
        "output_name": record.output_name,
        "total": total,
        "max_total": max_total,
        "status": status,
        "exercises": exercises,
        "digest": record.digest,
        "files": list(record.files),
        "sources": list(record.sources),
        "notes": list(record.notes),
    }


def document_text(doc: dict) -> str:
    """The JSON text of a document (UTF-8 friendly, newline-terminated).

    Indented down to the exercises and their lists; each per-case record (and anything deeper)
    on one line. ``json.dumps(indent=...)`` runs Python's pure-Python encoder, which costs more
    than grading some exercises for a document of 500+ cases; the one-line parts use the C one.
    """
    return _layout(doc, 0) + "\n"


_ONE_LINE = json.JSONEncoder(ensure_ascii=False).encode   # built once: json.dumps(ensure_ascii=False) builds one per call


def _layout(value, level: int) -> str:
    # Objects are laid out over lines at levels 0 (the document) and 2 (an exercise); lists of
    # objects or lists at levels 1 and 3 (the exercises; an exercise's cases and features).
    if level in (0, 2) and isinstance(value, dict) and value:
        pad = "  " * (level + 1)
        items = [f"{pad}{_ONE_LINE(str(k))}: {_layout(v, level + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + "  " * level + "}"
    if level in (1, 3) and isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
        pad = "  " * (level + 1)
        return "[\n" + ",\n".join([pad + _layout(v, level + 1) for v in value]) + "\n" + "  " * level + "]"
    return _ONE_LINE(value)


def write_submission_json(out_dir: Path, result: dict) -> Path:
    """Write ``<out_dir>/<output_name or safe submission>.json`` atomically; returns its path."""
    stem = result.get("output_name") or safe_name(result["submission"])
    path = Path(out_dir) / f"{stem}.json"
    atomic_write(path, document_text(result))
    return path


def gradebook_rows(docs: Sequence[dict], exercise_names: Sequence[str]) -> list[list]:
    """CSV rows: header ``submission, name, <exercises...>, total, max_total, status``, then one row
    per document (``submission`` is the student id; an exercise never graded is empty)."""
    rows: list[list] = [["submission", "name", *exercise_names, "total", "max_total", "status"]]
    for doc in docs:
        scores = {e["name"]: e["score"] for e in doc["exercises"]}
        rows.append([doc["submission"], doc.get("display_name", doc["submission"]),
                     *(scores.get(n, "") for n in exercise_names), doc["total"], doc["max_total"], doc.get("status", "")])
    return rows


def write_gradebook_csv(path: Path, docs: Sequence[dict], exercise_names: Sequence[str]) -> None:
    """Write :func:`gradebook_rows` to ``path`` atomically (UTF-8)."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    for row in gradebook_rows(docs, exercise_names):
        writer.writerow([safe_text(c) if isinstance(c, str) else c for c in row])
    atomic_write(Path(path), buf.getvalue())


def gradescope_results(doc: dict) -> dict:
    """Gradescope's ``results.json`` for one student (autograder specification).

    Returns:
        ``{"score", "max_score", "output", "tests": [{"name", "score", "max_score", "status"
        ("passed"/"failed"), "visibility" ("visible"), "output"}]}``. Students see ``output``,
        so it never holds a hidden case's message (which may show reference values): see
        :func:`student_output`.
    """
    tests = [
        {
            "name": f"{e['assignment']}/{e['name']}",
            "score": e["score"],
            "max_score": e["max_score"],
            "status": "passed" if e["status"] == "passed" else "failed",
            "visibility": "visible",
            "output": student_output(e),
        }
        for e in doc["exercises"]
    ]
    return {"score": doc["total"], "max_score": doc["max_total"], "output": "; ".join(doc.get("notes", [])), "tests": tests}


def student_output(exercise: dict) -> str:
    """What a student may read about one exercise result: status, cases passed, the first failing
    *public* case in detail, only a count for hidden ones, and the diagnoses' names.

    Args:
        exercise: an exercise's JSON (:meth:`grader.results.ExerciseResult.to_json`).
    Returns:
        Plain text. When no case ran (import error, missing function, stub) it is the
        exercise's message, which is about the student's own files.
    """
    cases = exercise.get("cases") or []
    if not cases:
        return f"[{exercise['status']}] {exercise['message']}"
    passed = sum(c["passed"] for c in cases)
    lines = [f"[{exercise['status']}] {passed} of {len(cases)} cases passed."]
    public = [c for c in cases if not c["passed"] and c["case_id"].startswith("public/")]
    hidden = [c for c in cases if not c["passed"] and not c["case_id"].startswith("public/")]
    if public:
        lines.append(f"First failure, {public[0]['label']}:\n{public[0]['message']}")
    if hidden:
        lines.append(f"{len(hidden)} hidden case(s) failed (their details are not shown).")
    if exercise.get("diagnoses"):
        lines.append("Diagnosis: " + ", ".join(exercise["diagnoses"]))
    return "\n".join(lines)


def export(docs: Sequence[dict], exercise_names: Sequence[str], fmt: str, out: Path) -> list[Path]:
    """Write an export of ``docs`` in ``fmt`` to ``out``.

    Args:
        docs: per-student documents (:func:`student_document`).
        exercise_names: CSV columns, in order.
        fmt: one of :data:`EXPORT_FORMATS`.
        out: a file (``csv``, ``jsonl``) or a folder (``gradescope``: one sub-folder per
            student, named by ``output_name``).
    Returns:
        The files written.
    Raises:
        ValueError: unknown format.
        OSError: cannot write.
    """
    out = Path(out)
    if fmt == "csv":
        out.parent.mkdir(parents=True, exist_ok=True)
        write_gradebook_csv(out, docs, exercise_names)
        return [out]
    if fmt == "jsonl":
        out.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(out, "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs))
        return [out]
    if fmt == "gradescope":
        written = []
        for doc in docs:
            folder = out / (doc.get("output_name") or safe_name(doc["submission"]))
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / "results.json"
            atomic_write(path, json.dumps(gradescope_results(doc), indent=2, ensure_ascii=False) + "\n")
            written.append(path)
        return written
    raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(EXPORT_FORMATS)}")
