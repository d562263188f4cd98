"""Cost of the feedback post-pass that ``grade`` runs: pages per student and the class report.

Reads the per-student result files of a ``grade`` output folder, copies them to a scratch
folder ``--copies`` times (as if the class were that much larger; the students' heat maps
differ only by copy, so the picture cache is cleared between copies), and times
:func:`grader.report.pages.write_all` (HTML + Markdown, English + Korean, per student; then the
class report in both languages).

Usage: ``python bench/feedback_pages.py OUT [--copies N]``. The last line is exactly
``seconds_per_student=<s> report_seconds=<s> students=<n>``.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from grader.report import pages, plots  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="a grade output folder (OUT/<student>.json)")
    parser.add_argument("--copies", type=int, default=1)
    args = parser.parse_args()
    results = pages.load_results(args.out)
    if not results:
        sys.exit(f"no result files in {args.out}")
    plots.histogram([1.0], 1.0)  # import matplotlib before timing
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        page_s = 0.0
        for copy in range(args.copies):
            plots.heat_map.cache_clear()
            for r in results:
                shutil.copy(r.path, work / f"{r.key}-{copy}.json")
            batch = [r for r in pages.load_results(work) if r.key.endswith(f"-{copy}")]
            start = time.perf_counter()
            for r in batch:
                pages.write_feedback(work, r.key, r.data)
            page_s += time.perf_counter() - start
        start = time.perf_counter()
        pages.write_report(work)
        report_s = time.perf_counter() - start
    n = len(results) * args.copies
    print(f"seconds_per_student={page_s / n:.3f} report_seconds={report_s:.2f} students={n}")


if __name__ == "__main__":
    main()
