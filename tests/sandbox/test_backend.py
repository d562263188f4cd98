"""SandboxBackend at the Channel level (Linux, root), with the stand-in ``exec_serve``."""
from __future__ import annotations

import os
import threading
import time

import pytest

import numpy

import grader
from grader.runner.backend import ChildGone, ChildTimeout, Limits
from grader.sandbox import SandboxBackend, SandboxUnavailable
from grader.sandbox.jail import STEPS

from sandbox_support import OWN_SLOT, RESTART_SLOT, SECRET, Student

SMALL = dict(wall_s=5, cpu_s=2, memory_bytes=512 << 20)
REPO = os.path.dirname(os.path.dirname(os.path.abspath(grader.__file__)))

INSPECT = r'''
import os, resource, socket, sys
PATHS = %r
def facts():
    status = dict(l.split(":", 1) for l in open("/proc/self/status") if ":" in l)
    def attempt(f):
        try:
            f()
            return "ok"
        except Exception as e:
            return type(e).__name__
    def write_cwd():
        with open("hello.txt", "w") as fh:
            fh.write("hi")
    return {
        "uid": os.getresuid(), "gid": os.getresgid(), "groups": os.getgroups(),
        "cwd": os.getcwd(), "list_root": attempt(lambda: os.listdir("/")),
        "exists": {p: os.path.exists(p) for p in PATHS},
        "env": dict(os.environ), "fds": [fd for fd in range(256) if attempt(lambda: os.fstat(fd)) == "ok"],
        "proc_pids": sorted(p for p in os.listdir("/proc") if p.isdigit()),
        "pid": os.getpid(), "hostname": socket.gethostname(),
        "seccomp": status["Seccomp"].strip(), "nnp": status["NoNewPrivs"].strip(),
        "caps": [status[k].strip() for k in ("CapPrm", "CapEff", "CapBnd", "CapAmb")],
        "rlimits": {n: resource.getrlimit(getattr(resource, "RLIMIT_" + n))
                    for n in ("CPU", "NPROC", "NOFILE", "FSIZE", "CORE")},
        "interfaces": [l.split(":")[0].strip() for l in open("/proc/self/net/dev").readlines()[2:]],
        "netlink": attempt(socket.if_nameindex),
        "write_cwd": attempt(write_cwd),
        "write_root": attempt(lambda: open("/x", "w")),
        "write_usr": attempt(lambda: open("/usr/x", "w")),
        "etc": attempt(lambda: open("/etc/passwd").read()),
        "sys_path_repo": [p for p in sys.path if os.path.isdir(os.path.join(p, "solutions"))],
    }
''' % ([REPO + "/" + p for p in ("solutions", "grader", "grader/runner/child.py", "pyproject.toml",
                                   "tests", ".git")] + ["/etc", "/home", "/var", "/sys", "/usr/bin/python3",
                                                       os.path.realpath(numpy.__file__)])


def test_round_trip_and_clean_close(open_student):
    s = open_student()
    assert s.load("def echo(x):\n    return x\n") == {"ok": None}
    for payload in ("", "x", "é" * 1000, "y" * (6 << 20)):     # up to a 6 MiB frame
        assert s.call("echo", payload) == {"ok": payload}
    end = s.channel.close()
    assert (end.returncode, end.signal, end.reason) == (0, None, "")
    assert s.channel.close() is end                              # idempotent


def test_child_is_locked_down(open_student, backend):
    s = open_student()
    s.load(INSPECT)
    reply = s.call("facts")
    assert "ok" in reply, reply
    f = reply["ok"]
    uid = f["uid"][0]
    assert backend.base_uid <= uid < backend.base_uid + backend.slots
    assert f["uid"] == [uid] * 3 and f["gid"] == [uid] * 3 and f["groups"] == []
    assert f["caps"] == ["0000000000000000"] * 4
    assert f["seccomp"] == "2" and f["nnp"] == "1"
    assert f["cwd"] == "/sandbox" and f["write_cwd"] == "ok"
    assert f["write_root"] != "ok" and f["write_usr"] != "ok"
    assert f["etc"] == "FileNotFoundError"
    assert f["list_root"] == "PermissionError"                     # Landlock: / is not allowed
    visible = {p for p, there in f["exists"].items() if there}
    assert visible == {REPO + "/grader", REPO + "/grader/runner/child.py", "/usr/bin/python3",
                       os.path.realpath(numpy.__file__)}, visible
    assert SECRET not in repr(f["env"]) and "DEEPGRADE_SECRET" not in f["env"]
    assert f["fds"] == [0, 1, 2, 3, 4]
    assert f["pid"] == 1 and f["proc_pids"] == ["1"]                # own pid namespace, own /proc
    assert f["hostname"] == "sandbox"
    assert f["interfaces"] == ["lo"]                               # own, empty network namespace
    assert f["netlink"] == "PermissionError"                       # seccomp: no AF_NETLINK
    assert f["rlimits"]["CPU"] == [2, 2] and f["rlimits"]["CORE"] == [0, 0]
    assert f["rlimits"]["NPROC"][0] <= 16 and f["rlimits"]["NOFILE"][0] <= 64
    assert f["sys_path_repo"] == []


def test_scratch_is_size_capped(open_student):
    s = open_student()
    s.load("def fill(path, mib):\n"
           "    with open(path, 'wb') as fh:\n"
           "        for _ in range(mib):\n"
           "            fh.write(b'x' * (1 << 20))\n")
    assert "File too large" in s.call("fill", "big", 20)["error"]          # RLIMIT_FSIZE 16 MiB
    s.call("fill", "a", 15)
    assert "No space left" in s.call("fill", "b", 15)["error"]             # tmpfs 32 MiB
    assert "No space left" in s.call("fill", "/scratch-tmp/c", 12)["error"]        # /tmp 8 MiB


def test_wall_clock_limit(open_student):
    s = open_student(wall_s=1.0)
    s.load("import time\ndef nap():\n    time.sleep(60)\n")
    t = time.monotonic()
    with pytest.raises(ChildGone) as gone:
        s.call("nap", timeout=30)
    assert time.monotonic() - t < 3
    assert gone.value.exit.reason == "wall-clock limit of 1 s"


def test_cpu_limit(open_student):
    s = open_student(wall_s=10, cpu_s=1)
    s.load("def spin():\n    while True:\n        pass\n")
    with pytest.raises(ChildGone) as gone:
        s.call("spin", timeout=30)
    assert gone.value.exit.reason == "CPU time limit of 1 s", gone.value.exit
    assert gone.value.exit.signal == 9 and gone.value.exit.cpu_s >= 0.75


def test_memory_limit_rlimit(open_student):
    s = open_student(memory_bytes=256 << 20)
    s.load("import numpy as np\n"
           "def big(n):\n    return float(np.ones(n).sum())\n"
           "def crash():\n"
           "    try:\n        bytearray(1 << 30)\n"
           "    except MemoryError:\n"
           "        import traceback, os\n        traceback.print_exc()\n        os._exit(1)\n")
    assert s.call("big", 1 << 20) == {"ok": float(1 << 20)}          # 8 MiB is fine
    assert "MemoryError" in s.call("big", 1 << 26)["error"]          # 512 MiB is not
    with pytest.raises(ChildGone) as gone:
        s.call("crash")
    assert gone.value.exit.reason == "memory limit of 256 MiB (MemoryError)"


def test_memory_limit_cgroup(backend, open_student):
    """What RLIMIT_AS does not see (tmpfs pages) still counts in the memory cgroup."""
    if not backend._cgroups or not backend._cgroups.memory:
        pytest.skip("no writable cgroup v1 memory hierarchy on this host")
    backend._headroom = 0
    try:
        s = open_student(memory_bytes=128 << 20)
    finally:
        backend._headroom = None
    s.load("import numpy as np\nkeep = []\n"
           "def hog():\n"
           "    keep.append(np.ones(112 << 17))\n"                     # 112 MiB, inside RLIMIT_AS
           "    with open('f', 'wb') as fh:\n"
           "        for _ in range(30):\n            fh.write(b'x' * (1 << 20))\n")
    with pytest.raises(ChildGone) as gone:
        s.call("hog", timeout=30)
    assert gone.value.exit.reason == "memory limit of 128 MiB"


def test_segfault(open_student):
    s = open_student()
    s.load("import ctypes\ndef boom():\n    ctypes.string_at(0)\n")
    with pytest.raises(ChildGone) as gone:
        s.call("boom")
    assert gone.value.exit.reason == "killed by signal 11 (segmentation fault)"


@pytest.mark.parametrize("source, reason", [
    ("import os\ndef quit():\n    print('SCORE 100/100', flush=True)\n    os._exit(0)\n",
     "exited with code 0 before answering"),
    ("import sys\ndef quit():\n    sys.exit(3)\n", "exited with code 3 before answering"),
])
def test_exit_before_answering(open_student, source, reason):
    s = open_student()
    s.load(source)
    with pytest.raises(ChildGone) as gone:
        s.call("quit")
    assert gone.value.exit.reason == reason


def test_output_flood(open_student):
    s = open_student(Limits(wall_s=5, cpu_s=2, memory_bytes=512 << 20, log_bytes=4096))
    s.load("def talk():\n    while True:\n        print('blah ' * 20)\n")
    with pytest.raises(ChildGone) as gone:
        s.call("talk")
    assert gone.value.exit.reason == "output flood: more than 64 KiB written to stdout/stderr"
    assert 0 < len(gone.value.exit.log) <= 4096 and gone.value.exit.log.startswith("blah")


def test_oversized_reply_frame(open_student):
    s = open_student()
    s.load("import os, struct\ndef lie():\n    os.write(4, struct.pack('<Q', 1 << 40))\n")
    with pytest.raises(ChildGone) as gone:
        s.call("lie")
    assert gone.value.exit.reason == "reply frame of 1099511627776 bytes exceeds the cap of 64 MiB"


def test_timeout_then_close(open_student):
    s = open_student()
    s.load("import time\ndef slow():\n    time.sleep(30)\n")
    with pytest.raises(ChildTimeout):
        s.call("slow", timeout=0.2)
    t = time.monotonic()
    end = s.channel.close()
    assert time.monotonic() - t < 2
    assert end.reason == "stopped by the grader before answering" and end.signal == 9


def test_send_to_dead_child(open_student):
    s = open_student()
    s.load("import os\ndef die():\n    os._exit(5)\n")
    with pytest.raises(ChildGone):
        s.call("die")
    with pytest.raises(ChildGone) as gone:
        s.channel.send(b"{}")
    assert gone.value.exit.returncode == 5


@pytest.mark.parametrize("step", STEPS)
def test_fails_closed_at_every_step(backend, step):
    backend._fail_at = step
    try:
        with pytest.raises(SandboxUnavailable, match=f"sandbox setup failed at {step}: "):
            backend.open(Limits(**SMALL))
    finally:
        backend._fail_at = None
    backend.open(Limits(**SMALL)).close()                          # the slot is free again


def test_missing_protection_refuses(monkeypatch, sandbox_env, test_uids):
    import grader.sandbox.backend as backend_mod
    monkeypatch.setattr(backend_mod, "probe", lambda: ["Landlock not supported by this kernel"])
    b = SandboxBackend(slots=1, base_uid=test_uids + OWN_SLOT)
    with pytest.raises(SandboxUnavailable, match="Landlock not supported by this kernel"):
        b.open(Limits())
    b.shutdown()


def test_probe_reports_missing_pyseccomp(monkeypatch, sandbox_env):
    import sys
    from grader.sandbox import probe
    assert probe() == []
    monkeypatch.setitem(sys.modules, "pyseccomp", None)          # import pyseccomp -> ImportError
    assert "pyseccomp missing (pip install pyseccomp)" in probe()


def test_bad_entry_refuses(sandbox_env, test_uids):
    b = SandboxBackend(slots=1, base_uid=test_uids + OWN_SLOT, entry="grader.no_such_module:serve")
    try:
        with pytest.raises(SandboxUnavailable, match="No module named 'grader.no_such_module'"):
            b.open(Limits(**SMALL))
    finally:
        b.shutdown()


def test_parallel_slots_have_distinct_uids(backend):
    """Both slots serve at once; a third open waits for a free slot."""
    students = [Student(backend.open(Limits(**SMALL))) for _ in range(2)]
    try:
        uids = set()
        for s in students:
            s.load("import os\ndef uid():\n    return os.getuid()\n")
            uids.add(s.call("uid")["ok"])
        assert uids == {backend.base_uid, backend.base_uid + 1}
        third = []
        waiter = threading.Thread(target=lambda: third.append(backend.open(Limits(**SMALL))))
        waiter.start()
        time.sleep(0.5)
        assert not third                                           # blocked: no free slot
        students.pop().channel.close()
        waiter.join(10)
        assert third
        students.append(Student(third[0]))
    finally:
        for s in students:
            s.channel.close()


def test_concurrent_opens_from_threads(backend):
    results, errors = [], []

    def work():
        try:
            s = Student(backend.open(Limits(**SMALL)))
            s.load("def f(x):\n    return x * 2\n")
            results.append(s.call("f", 21)["ok"])
            s.channel.close()
        except Exception as e:                                     # pragma: no cover
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors and results == [42] * 6


def test_zygote_restart_and_shutdown(sandbox_env, test_uids):
    b = SandboxBackend(slots=1, base_uid=test_uids + RESTART_SLOT, entry="grader.sandbox.standin:exec_serve")
    try:
        b.start()
        first = b.zygote_pid
        # A child in flight when its zygote dies is gone, with a reason.
        s = Student(b.open(Limits(**SMALL)))
        s.load("import time\ndef nap():\n    time.sleep(30)\n")
        s.channel.send(b'{"call": "nap"}')
        os.kill(first, 9)
        with pytest.raises(ChildGone) as gone:
            s.channel.recv(10)
        assert gone.value.exit.reason == "the sandbox zygote died"
        # The next open restarts it transparently.
        s = Student(b.open(Limits(**SMALL)))
        assert b.zygote_pid not in (None, first)
        s.load("def f():\n    return 1\n")
        assert s.call("f") == {"ok": 1}
        s.channel.close()
        cgroup_dirs = list(b._cgroups.memory) + list(b._cgroups.pids)
        runtime = b._runtime_dir
    finally:
        b.shutdown()
    b.shutdown()                                                   # idempotent
    assert not any(os.path.exists(d) for d in cgroup_dirs) and not os.path.exists(runtime)
    with pytest.raises(SandboxUnavailable, match="shut down"):
        b.open(Limits(**SMALL))
