"""Writing results to disk: one JSON per submission and the gradebook CSV."""
from __future__ import annotations

import csv
import io
import json
import os
import re
import tempfile
from pathlib import Path
from typing import Sequence


def safe_name(name: str) -> str:
    """A file-system-safe version of a submission name (letters, digits, ``._-``)."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", name) or "_"


def _atomic_write(path: Path, text: str) -> None:
    # Write-then-rename so an interrupted batch never leaves a half-written file.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    os.replace(tmp, path)


def write_submission_json(out_dir: Path, result: dict) -> Path:
    """Write ``<out_dir>/<submission>.json`` (keys ``submission, total, max_total, exercises, ...``)."""
    path = Path(out_dir) / f"{safe_name(result['submission'])}.json"
    _atomic_write(path, json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    return path


def write_gradebook_csv(path: Path, results: Sequence[dict], exercise_names: Sequence[str]) -> None:
    """One row per submission: ``submission``, points per exercise (by function name), ``total``, ``max_total``."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["submission", *exercise_names, "total", "max_total"])
    for result in results:
        scores = {e["name"]: e["score"] for e in result["exercises"]}
        writer.writerow([result["submission"], *(scores.get(n, 0.0) for n in exercise_names), result["total"], result["max_total"]])
    _atomic_write(Path(path), buf.getvalue())
