"""Submissions as courses deliver them: per-student folders and files, LMS downloads, archives.

Modules: :mod:`~grader.intake.identity` (student ids and output names),
:mod:`~grader.intake.layouts` (Canvas, Moodle, Gradescope naming), :mod:`~grader.intake.archives`
(safe zip/tar unpacking), :mod:`~grader.intake.collect` (the folder → one entry per student).
"""
from grader.intake.archives import ArchiveError, ArchiveLimits
from grader.intake.collect import Entry, Intake, Skipped, collect, read_roster
from grader.intake.identity import normalize_id, output_names
from grader.intake.layouts import LAYOUTS

__all__ = ["ArchiveError", "ArchiveLimits", "Entry", "Intake", "Skipped", "collect", "read_roster", "normalize_id", "output_names", "LAYOUTS"]
