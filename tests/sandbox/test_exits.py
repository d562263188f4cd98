"""Pure tests (any OS, no root): exit wording, protocol encoding, portable imports, probe."""
from __future__ import annotations

import signal
import subprocess
import sys

import pytest

from grader.sandbox import exits, probe
from grader.sandbox.exits import ExitFacts, describe
from grader.sandbox.protocol import JobSpec

LIMITS = dict(wall_s=10.0, cpu_s=10.0, memory_bytes=2 << 30, flood_bytes=1 << 20, frame_cap=64 << 20)


def facts(**kw) -> ExitFacts:
    base = dict(returncode=None, signal=None, cpu_s=0.1, killed_by=None, oom_kills=0,
                awaiting_reply=True, closing=False, log="")
    return ExitFacts(**(base | kw))


@pytest.mark.parametrize("kw, reason", [
    (dict(signal=9, killed_by="wall"), "wall-clock limit of 10 s"),
    (dict(signal=9, cpu_s=10.02), "CPU time limit of 10 s"),
    (dict(signal=9, oom_kills=1), "memory limit of 2.0 GiB"),
    (dict(returncode=1, log="Traceback...\nMemoryError\n"), "memory limit of 2.0 GiB (MemoryError)"),
    (dict(signal=11), "killed by signal 11 (segmentation fault)"),
    (dict(returncode=0), "exited with code 0 before answering"),
    (dict(returncode=3, awaiting_reply=False), "exited with code 3"),
    (dict(signal=9, killed_by="flood"), "output flood: more than 1 MiB written to stdout/stderr"),
    (dict(signal=9, killed_by="frame", frame_bytes=1 << 40),
     "reply frame of 1099511627776 bytes exceeds the cap of 64 MiB"),
    (dict(returncode=0, closing=True, awaiting_reply=False), ""),
    (dict(signal=9, killed_by="grader", closing=True, awaiting_reply=False), ""),
    (dict(signal=9, killed_by="grader", closing=True), "stopped by the grader before answering"),
])
def test_describe_wording(kw, reason):
    assert describe(facts(**kw), **LIMITS) == reason


def test_cpu_kill_needs_the_cpu_time():
    # A SIGKILL long before the CPU limit was not the CPU limit.
    assert describe(facts(signal=signal.SIGKILL, cpu_s=2.0), **LIMITS) == "killed by signal 9 (SIGKILL)"


def test_formatting():
    assert exits.format_bytes(512 << 20) == "512 MiB"
    assert exits.format_bytes(3 << 29) == "1.5 GiB"
    assert exits.cpu_rlimit_seconds(0.2) == 1 and exits.cpu_rlimit_seconds(2.5) == 3


def test_jobspec_round_trip():
    spec = JobSpec(slot=1, uid=64001, wall_s=2.0, cpu_s=1, memory_bytes=1 << 29, file_bytes=1,
                   open_files=64, threads=16, scratch_bytes=1, tmp_bytes=1, cgroup_procs=["/x"])
    assert JobSpec.decode(spec.encode()) == spec


def test_probe_outside_linux(monkeypatch):
    monkeypatch.setattr(sys, "platform", "darwin")
    assert probe() == ["sandbox needs Linux"]


def test_import_is_portable():
    """`import grader.sandbox` must not load the Linux-only modules (students on macOS/Windows)."""
    code = ("import sys, grader.sandbox; "
            "print(sorted(m for m in sys.modules if m.startswith('grader.sandbox.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    loaded = set(eval(out))
    linux_only = {"grader.sandbox." + m for m in
                  ("syscalls", "landlock", "seccomp_filter", "cgroups", "rootfs", "jail", "zygote")}
    assert not loaded & linux_only, loaded & linux_only


def test_backend_refuses_outside_linux(monkeypatch):
    from grader.runner.backend import Limits
    from grader.sandbox import SandboxBackend, SandboxUnavailable

    monkeypatch.setattr(sys, "platform", "win32")
    backend = SandboxBackend(slots=1)
    assert backend.notes == []
    with pytest.raises(SandboxUnavailable, match="sandbox needs Linux"):
        backend.open(Limits())
    backend.shutdown()
