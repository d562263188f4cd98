"""Distinct uid ranges per grader instance (grader.sandbox.uids), held with flock."""
from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith(("linux", "darwin")), reason="flock is POSIX")


def test_concurrent_claims_get_disjoint_ranges_and_release_frees(tmp_path):
    from grader.sandbox.uids import RANGE_SIZE, claim

    a = claim(4, first=70000, directory=str(tmp_path))
    b = claim(4, first=70000, directory=str(tmp_path))
    assert (a.base, b.base) == (70000, 70000 + RANGE_SIZE)
    a.release()
    c = claim(4, first=70000, directory=str(tmp_path))
    assert c.base == 70000                         # a's range is free again
    b.release()
    c.release()


def test_a_range_held_by_another_process_is_skipped(tmp_path):
    from grader.sandbox.uids import RANGE_SIZE, claim

    code = ("import sys, time; from grader.sandbox.uids import claim; "
            f"r = claim(2, first=71000, directory={str(tmp_path)!r}); print(r.base, flush=True); time.sleep(30)")
    other = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert other.stdout.readline().strip() == "71000"
        mine = claim(2, first=71000, directory=str(tmp_path))
        assert mine.base == 71000 + RANGE_SIZE
        mine.release()
    finally:
        other.kill()
        other.wait()
    # The kernel dropped the dead process's lock: its range can be claimed again.
    again = claim(2, first=71000, directory=str(tmp_path))
    assert again.base == 71000
    again.release()


def test_every_range_held_raises(tmp_path):
    from grader.sandbox.uids import claim

    held = [claim(1, first=72000, ranges=2, directory=str(tmp_path)) for _ in range(2)]
    with pytest.raises(RuntimeError, match="held by other graders"):
        claim(1, first=72000, ranges=2, directory=str(tmp_path))
    for r in held:
        r.release()


def test_two_backends_get_distinct_uids(sandbox_env):
    from grader.sandbox import SandboxBackend

    first, second = SandboxBackend(slots=2), SandboxBackend(slots=2)
    try:
        uids_a = {first.base_uid + i for i in range(first.slots)}
        uids_b = {second.base_uid + i for i in range(second.slots)}
        assert not uids_a & uids_b
    finally:
        first.shutdown()
        second.shutdown()
