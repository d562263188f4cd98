"""How LMS downloads name students' files (pure parsing; nothing here touches the disk).

=============  ================================================================================
layout         what the submissions folder looks like
=============  ================================================================================
``folders``    one folder per student (``kim/layers.py``), or one file or archive per student
               (``kim.py``, ``kim.ipynb``, ``kim.zip``): the name is the student.
``canvas``     Canvas "Download Submissions": flat files
               ``<name>[_LATE]_<user id>_<attachment id>_<original file name>``; a file
               uploaded again gets ``-1``, ``-2`` … before its extension (``layers-1.py``).
``moodle``     Moodle "Download all submissions": ``<Full Name>_<participant id>_assignsubmission_file_``
               folders, or flat ``<Full Name>_<participant id>_assignsubmission_file_<file>``.
``gradescope`` Gradescope "Export Submissions": ``submission_<id>/`` folders and
               ``submission_metadata.yml`` naming each submission's submitters.
=============  ================================================================================

In ``auto`` mode each top-level entry is classified on its own (:func:`classify`), so a folder
that mixes a Canvas download with folders or zips that arrived by e-mail is still read right.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

LAYOUTS = ("auto", "folders", "canvas", "moodle", "gradescope")
GRADESCOPE_METADATA = "submission_metadata.yml"

_CANVAS = re.compile(r"^(?P<name>[^_]+?)(?P<late>_LATE)?_(?P<uid>\d+)_(?P<aid>\d+)_(?P<file>.+)$")
_CANVAS_RESUBMIT = re.compile(r"^(?P<base>.+?)-(?P<n>\d+)(?P<ext>(\.[A-Za-z0-9]+)+)$")
_MOODLE = re.compile(r"^(?P<name>.+?)_(?P<pid>\d+)_assignsubmission_(?P<plugin>file|onlinetext)_(?P<file>.*)$")
_GS_FOLDER = re.compile(r"^submission_(?P<id>\d+)$")


@dataclass(frozen=True)
class LmsFile:
    """One top-level entry of an LMS download, attributed to a student.

    Attributes:
        layout: ``"canvas"``, ``"moodle"`` or ``"gradescope"``.
        student_id: the LMS's stable id (Canvas user id, Moodle participant id, Gradescope SID
            or e-mail), prefixed with the layout (``"canvas:1234"``) so ids of different
            sources never meet by accident.
        display_name: the student's name as the LMS wrote it.
        filename: the file's original name (LMS prefix and resubmission suffix removed); empty
            for a Moodle or Gradescope folder.
        order: larger is newer (Canvas attachment id; resubmission number otherwise).
        late: Canvas marked it ``LATE``.
    """

    layout: str
    student_id: str
    display_name: str
    filename: str
    order: int = 0
    late: bool = False


def parse_canvas(name: str) -> LmsFile | None:
    """Parse a Canvas download file name, e.g. ``"kimminsu_LATE_1234_98765_layers-1.py"``.

    Returns:
        The parsed entry (``filename="layers.py"``, ``order=98765``, ``late=True``), or ``None``
        when ``name`` is not in Canvas's form.
    """
    m = _CANVAS.match(name)
    if not m:
        return None
    filename = m["file"]
    r = _CANVAS_RESUBMIT.match(filename)
    if r:
        filename = r["base"] + r["ext"]
    return LmsFile("canvas", f"canvas:{m['uid']}", m["name"], filename, int(m["aid"]), bool(m["late"]))


def parse_moodle(name: str) -> LmsFile | None:
    """Parse a Moodle download name, e.g. ``"김민수_4821_assignsubmission_file_layers.py"``.

    Returns:
        The parsed entry (``filename`` empty for a per-student folder), or ``None``.
    """
    m = _MOODLE.match(name)
    if not m:
        return None
    return LmsFile("moodle", f"moodle:{m['pid']}", m["name"].strip(), m["file"])


def parse_gradescope_metadata(text: str) -> dict[str, LmsFile]:
    """Read Gradescope's ``submission_metadata.yml`` (the subset Gradescope writes).

    The file maps ``submission_<id>:`` to ``:submitters:`` entries with ``:name:``, ``:sid:``
    and ``:email:``. It is read line by line (no YAML library, no object construction).

    Args:
        text: the file's contents.
    Returns:
        Folder name (``"submission_123"``) → entry of its first submitter; the id is the SID,
        else the e-mail, else the folder name.
    """
    out: dict[str, LmsFile] = {}
    folder = None
    fields: dict[str, str] = {}

    def flush() -> None:
        if folder is None:
            return
        sid = fields.get("sid") or fields.get("email") or folder
        out[folder] = LmsFile("gradescope", f"gradescope:{sid}", fields.get("name") or sid, "")

    for line in text.splitlines():
        top = re.match(r"^(submission_\d+):\s*$", line)
        if top:
            flush()
            folder, fields = top.group(1), {}
            continue
        m = re.match(r"^\s*-?\s*:(name|sid|email):\s*(.*?)\s*$", line)
        if m and folder is not None and m.group(1) not in fields:
            value = m.group(2).strip().strip("'\"")
            if value:
                fields[m.group(1)] = value
    flush()
    return out


def is_gradescope_folder(name: str) -> bool:
    """Whether ``name`` is a Gradescope ``submission_<id>`` folder."""
    return bool(_GS_FOLDER.match(name))


def classify(name: str, is_dir: bool, layout: str = "auto") -> LmsFile | None:
    """The LMS entry ``name`` is, under ``layout`` (``"auto"`` tries Moodle, then Canvas).

    Args:
        name: a top-level entry name of the submissions folder.
        is_dir: whether it is a folder (Canvas downloads are flat files only).
        layout: one of :data:`LAYOUTS`.
    Returns:
        The parsed entry, or ``None`` for a plain per-student file or folder (or, under a fixed
        LMS layout, an entry that does not follow it).
    Raises:
        ValueError: unknown ``layout``.
    """
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}; choose one of {', '.join(LAYOUTS)}")
    if layout in ("auto", "moodle"):
        parsed = parse_moodle(name)
        if parsed is not None and (parsed.filename or is_dir):
            return parsed
    if layout in ("auto", "canvas") and not is_dir:
        return parse_canvas(name)
    return None
