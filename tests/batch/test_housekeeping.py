"""What a killed grader leaves behind is removed at the next start, and nothing in use is."""
from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from grader import housekeeping
from grader.report.files import clean_stale_temp


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_stale_temp_dirs_removed_live_and_fresh_ones_kept(tmp_path):
    old = time.time() - 3600
    stale, busy, fresh, other, users = (tmp_path / n for n in ("deepgrade-stale.dgtmp", "deepgrade-busy.dgtmp", "deepgrade-fresh.dgtmp",
                                                               "unrelated", "deepgrade-homework"))
    for d in (stale, busy, fresh, other, users):
        d.mkdir()
        (d / "f").write_text("x")
    for d in (stale, busy, other, users):
        os.utime(d, (old, old))
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"], cwd=busy)
    try:
        time.sleep(0.2)
        removed = housekeeping.clean_stale_temp_dirs(tmp_path)
    finally:
        proc.kill()
        proc.wait()
    assert removed == [stale]
    assert not stale.exists() and busy.exists() and fresh.exists() and other.exists()
    assert (users / "f").exists()  # a user's own deepgrade-… folder is never ours to remove


def test_staging_of_dead_process_and_half_written_files(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (tmp_path / f".intake-{dead.pid}").mkdir()
    (tmp_path / f".intake-{os.getpid()}").mkdir()
    (tmp_path / ".tmp-abc").write_text("{")
    (tmp_path / "kim.json").write_text("{}")
    assert housekeeping.clean_stale_staging(tmp_path) == [tmp_path / f".intake-{dead.pid}"]
    assert clean_stale_temp(tmp_path) == [tmp_path / ".tmp-abc"]
    assert (tmp_path / f".intake-{os.getpid()}").exists() and (tmp_path / "kim.json").exists()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_sandbox_runtime_dirs_need_a_dead_owner(tmp_path):
    old = time.time() - 3600
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    owned_dead, owned_alive, unowned = (tmp_path / f"deepgrade-sandbox-{n}.dgtmp" for n in ("a", "b", "c"))
    for d in (owned_dead, owned_alive, unowned):
        (d / "root").mkdir(parents=True)
    (owned_dead / "owner.pid").write_text(str(dead.pid))
    housekeeping.mark_owner(owned_alive)
    for d in (owned_dead, owned_alive, unowned):
        os.utime(d, (old, old))
    assert housekeeping.clean_stale_temp_dirs(tmp_path) == [owned_dead]
    assert owned_alive.exists() and unowned.exists()  # an idle backend of another program is kept


@pytest.mark.skipif(os.name != "posix", reason="flock")
def test_second_batch_on_the_same_out_is_refused_and_lock_dies_with_its_holder(tmp_path):
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from grader.housekeeping import out_dir_lock\n"
         f"with out_dir_lock({str(tmp_path)!r}):\n    print('held', flush=True); time.sleep(30)"],
        stdout=subprocess.PIPE, text=True, cwd=os.getcwd(), env={**os.environ, "PYTHONPATH": str(__import__('grader').__path__[0] + '/..')},
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(housekeeping.OutDirBusy, match=f"pid {holder.pid}"):
            with housekeeping.out_dir_lock(tmp_path):
                pass
    finally:
        holder.kill()
        holder.wait()
    with housekeeping.out_dir_lock(tmp_path):  # free again after a kill -9
        pass
