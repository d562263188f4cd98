"""Gradescope autograder bundles: ``setup.sh`` + ``run_autograder`` grading with deepgrade.

Gradescope unpacks the bundle into ``/autograder/source``, runs ``setup.sh`` once when the
image is built, and runs ``run_autograder`` for every submission, with the student's files in
``/autograder/submission``; it reads ``/autograder/results/results.json`` (format:
https://gradescope-autograders.readthedocs.io/en/latest/specs/). The bundle carries deepgrade
and the reference solutions (Gradescope keeps ``source/`` from students) and, when the
instructor has one configured, ``deepgrade.toml`` with the course secret that seeds the hidden
cases. The root is a parameter (``AUTOGRADER_ROOT``, default ``/autograder``) so the bundle can
be tried on a fake tree.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path
from typing import Sequence

from grader.reference import REPO_ROOT

DISCLOSURES = ("points", "message")
VISIBILITIES = ("visible", "after_due_date", "after_published", "hidden")
TORCH_VERSION = "2.13.0"

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once while building the autograder image (Ubuntu, as root).
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v python3 >/dev/null || ! python3 -m pip --version >/dev/null 2>&1; then
    apt-get update -qq && apt-get install -y -qq python3 python3-pip python3-venv >/dev/null
fi
python3 -m venv /opt/deepgrade-venv
/opt/deepgrade-venv/bin/python -m pip install -q --upgrade pip
# The CPU build of torch from PyTorch's CPU index: never a CUDA build.
/opt/deepgrade-venv/bin/python -m pip install -q --index-url https://download.pytorch.org/whl/cpu "torch=={torch}"
/opt/deepgrade-venv/bin/python -m pip install -q ./deepgrade
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission. AUTOGRADER_ROOT (default /autograder) and
# DEEPGRADE_PYTHON (default: the venv setup.sh made) exist so that the bundle can be tested.
set -euo pipefail
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
PY="${{DEEPGRADE_PYTHON:-/opt/deepgrade-venv/bin/python}}"
# deepgrade and the reference solutions come from the bundle itself.
export PYTHONPATH="$ROOT/source/deepgrade${{PYTHONPATH:+:$PYTHONPATH}}"
exec "$PY" -m grader.lms.gradescope --root "$ROOT" --assignment {assignments} --disclosure {disclosure} --visibility {visibility} --sandbox {sandbox}
"""


def write_bundle(target: Path, assignments: Sequence[str], *, secret: str | None = None, disclosure: str = "message", visibility: str = "visible", sandbox: str = "auto") -> Path:
    """Write a Gradescope autograder bundle folder (zip its contents to upload).

    Args:
        target: the bundle folder (created; its ``deepgrade/`` is replaced).
        assignments: assignment names graded together.
        secret: the course secret, written to ``deepgrade.toml`` in the bundle; ``None`` leaves
            it to a ``deepgrade.toml`` the instructor adds (grading fails clearly without one).
        disclosure: ``"message"`` (deepgrade's feedback per exercise) or ``"points"`` (scores only).
        visibility: Gradescope's visibility of the per-exercise results.
        sandbox: ``"auto"`` (use deepgrade's sandbox when the container allows it), ``"required"``, ``"off"``.
    Returns:
        ``target``.
    Raises:
        ValueError: an unknown disclosure, visibility or sandbox setting.
    """
    if disclosure not in DISCLOSURES or visibility not in VISIBILITIES or sandbox not in ("auto", "required", "off"):
        raise ValueError("bad disclosure, visibility or sandbox setting")
    target = Path(target)
    code = target / "deepgrade"
    if code.exists():
        shutil.rmtree(code)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(REPO_ROOT / "grader", code / "grader", ignore=ignore)
    shutil.copytree(REPO_ROOT / "solutions", code / "solutions", ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO_ROOT / name, code / name)
    (target / "setup.sh").write_text(SETUP_SH.format(torch=TORCH_VERSION), encoding="utf-8")
    run = target / "run_autograder"
    run.write_text(RUN_AUTOGRADER.format(assignments=",".join(assignments), disclosure=disclosure, visibility=visibility, sandbox=sandbox), encoding="utf-8")
    for script in (run, target / "setup.sh"):
        script.chmod(0o755)
    if secret is not None:
        (target / "deepgrade.toml").write_text(f"[course]\nsecret = {json.dumps(secret)}\n", encoding="utf-8")
    return target


def results_json(result: dict, *, disclosure: str, visibility: str, notes: Sequence[str] = ()) -> dict:
    """Gradescope's ``results.json`` for one graded submission.

    Args:
        result: :meth:`grader.results.SubmissionResult.to_json` output.
        disclosure: ``"message"`` or ``"points"``.
        visibility: visibility of each test.
        notes: remarks shown in the overall output (skipped files, manifest problems).
    Returns:
        ``{"score", "output", "visibility", "stdout_visibility", "tests": [{name, score, max_score, status, output?, visibility}]}``.
    """
    tests = []
    for e in result["exercises"]:
        test = {
            "name": f"{e['assignment']}: {e['name']}",
            "score": e["score"],
            "max_score": e["max_score"],
            "status": "passed" if e["status"] == "passed" else "failed",
            "visibility": visibility,
        }
        if disclosure == "message":
            test["output"] = e["message"] + (f"\ndiagnosis: {', '.join(e['diagnoses'])}" if e["diagnoses"] else "")
        tests.append(test)
    lines = [f"deepgrade: {result['total']:g}/{result['max_total']:g} points"] + [f"note: {n}" for n in (*result.get("notes", ()), *notes)]
    return {"score": result["total"], "output": "\n".join(lines), "visibility": "visible", "stdout_visibility": "hidden", "tests": tests}


def _backend(mode: str):
    from grader.runner.local import LocalBackend

    if mode == "off":
        return LocalBackend(), []
    from grader.sandbox import SandboxBackend, probe

    problems = probe()
    if problems:
        if mode == "required":
            raise RuntimeError("deepgrade's sandbox cannot run here: " + "; ".join(problems))
        return LocalBackend(), ["graded without deepgrade's sandbox (the container does not allow it): " + "; ".join(problems)]
    return SandboxBackend(slots=1), []


def main(argv: Sequence[str] | None = None) -> int:
    """Grade ``ROOT/submission`` and write ``ROOT/results/results.json`` (what ``run_autograder`` runs).

    Returns:
        0 when results were written (whatever the score); 2 when grading itself failed
        (``results.json`` then says so with score 0, so Gradescope shows the reason).
    """
    parser = argparse.ArgumentParser(prog="python -m grader.lms.gradescope")
    parser.add_argument("--root", type=Path, default=Path("/autograder"))
    parser.add_argument("--assignment", required=True)
    parser.add_argument("--disclosure", choices=DISCLOSURES, default="message")
    parser.add_argument("--visibility", choices=VISIBILITIES, default="visible")
    parser.add_argument("--sandbox", choices=("auto", "required", "off"), default="auto")
    args = parser.parse_args(argv)
    results_dir = args.root / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    out = results_dir / "results.json"
    try:
        from grader.api import CaseBank, grade_submission, select_exercises
        from grader.config import load_config
        from grader.exercises import resolve
        from grader.submission import read_submission
        from grader.submit import verify_manifest

        toml = args.root / "source" / "deepgrade.toml"
        config = load_config(None, toml if toml.is_file() else None)
        exercises = select_exercises([resolve(a) for a in args.assignment.split(",") if a])
        submission_dir = args.root / "submission"
        backend, notes = _backend(args.sandbox)
        notes += verify_manifest(submission_dir)
        try:
            result = grade_submission(read_submission(submission_dir), exercises, bank=CaseBank(config.secret), backend=backend, limits=config.limits)
        finally:
            backend.shutdown()
        doc = results_json(result.to_json(), disclosure=args.disclosure, visibility=args.visibility, notes=notes)
        code = 0
    except Exception as exc:  # the student must see that grading failed, not a blank page
        doc = {"score": 0, "output": f"deepgrade could not grade this submission: {type(exc).__name__}: {exc}", "tests": []}
        code = 2
    out.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(doc["output"])
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
