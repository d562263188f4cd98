"""Hostile student code: each attack is appended to a correct assignment-01 file.

The appended ``def conv_output_size`` replaces the correct one, so the attack runs when the
grader calls it (or at import time, for attacks written at module level). Placeholders filled in
by the tests: ``@REPO@`` (the repository root), ``@OUT@`` (the grader's output folder), ``@PORT@``
(a TCP port the grader listens on at 127.0.0.1), ``@UDP@`` (a UDP port), ``@ABSTRACT@`` (an
abstract unix socket name the grader listens on).
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass

#: Put into the grader's environment during the tests; no child may see it.
SECRET = "hostile-test-course-secret-" + secrets.token_hex(4)
#: Small limits keep the attacks that burn a resource fast.
LIMITS = dict(wall_s=2.0, cpu_s=1.0, memory_bytes=512 << 20)


@dataclass(frozen=True)
class Attack:
    """One attack and what grading it must produce.

    Attributes:
        name: test id.
        source: code appended to the correct file.
        messages: the attacked exercise's message must contain one of these.
        bystander_ok: another exercise of the same file must still pass (False for attacks that
            run at import time, which break every exercise of the file).
    """

    name: str
    source: str
    messages: tuple[str, ...]
    bystander_ok: bool = True


def _fn(body: str, imports: str = "") -> str:
    lines = "\n".join("    " + line for line in body.strip("\n").splitlines())
    return f"{imports}\ndef conv_output_size(input_size, kernel_size, stride=1, pad=0, dilation=1):\n{lines}\n"


ATTACKS = [
    # -- burning time -------------------------------------------------------------------------
    # A spinning child on a busy machine can reach the wall-clock limit before 1 s of CPU.
    Attack("infinite_loop", _fn("while True:\n    pass"), ("CPU time limit of 1 s", "wall-clock limit")),
    Attack("sleep_forever", _fn("time.sleep(3600)", "import time"), ("wall-clock limit",)),
    Attack("ignore_sigterm_and_sleep",
           _fn("signal.signal(signal.SIGTERM, signal.SIG_IGN)\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
               "while True:\n    time.sleep(1)", "import signal, time"), ("wall-clock limit",)),
    Attack("busy_threads",
           _fn("for _ in range(4):\n    threading.Thread(target=lambda: [0 for _ in iter(int, 1)], daemon=True).start()\n"
               "return 0", "import threading"), ("CPU time limit of 1 s", "returned 0", "wall-clock limit")),
    # -- memory -------------------------------------------------------------------------------
    Attack("numpy_memory_bomb", _fn("xs = []\nwhile True:\n    xs.append(np.empty(1 << 24))", "import numpy as np"),
           ("MemoryError",)),
    Attack("numpy_touching_bomb", _fn("return int(np.ones(1 << 28).sum())", "import numpy as np"),
           ("MemoryError",)),
    Attack("bytearray_bomb", _fn("return len(bytearray(8 << 30))"), ("MemoryError",)),
    Attack("torch_memory_bomb", _fn("return int(torch.ones(1 << 31).sum())", "import torch"),
           ("can't allocate memory",)),
    Attack("mmap_shared_bomb", _fn("m = mmap.mmap(-1, 8 << 30)\nm.write(b'x' * (8 << 30))", "import mmap"),
           ("Cannot allocate memory",)),
    Attack("memfd", _fn("fd = os.memfd_create('x')\nos.ftruncate(fd, 8 << 30)\nreturn fd", "import os"),
           ("Operation not permitted",)),
    # -- processes ----------------------------------------------------------------------------
    Attack("fork_bomb", _fn("while True:\n    os.fork()", "import os"), ("Operation not permitted",)),
    # At import (warm child, before any exercise child exists), disarm the seccomp library the
    # fork ban was built with, then fork in an exercise: the ban must still hold.
    Attack("disarm_fork_ban_at_import",
           "import os, sys\n"
           "class _Stub:\n"
           "    def __getattr__(self, name):\n"
           "        return lambda *a, **k: 0\n"
           "for _m in [m for m in list(sys.modules) if 'seccomp' in m]:\n"
           "    _mod = sys.modules[_m]\n"
           "    for _k in dir(_mod):\n"
           "        _v = getattr(_mod, _k, None)\n"
           "        if isinstance(_v, type) and hasattr(_v, 'load'):\n"
           "            try:\n"
           "                setattr(_v, 'load', lambda self, *a, **k: None)\n"
           "            except Exception:\n"
           "                pass\n"
           "        if _k.startswith('_lib') or _k == 'libseccomp':\n"
           "            try:\n"
           "                setattr(_mod, _k, _Stub())\n"
           "            except Exception:\n"
           "                pass\n"
           + _fn("pid = os.fork()\nif pid == 0:\n    os._exit(0)\nos.waitpid(pid, 0)\nreturn 'forked'"),
           ("Operation not permitted",)),
    Attack("subprocess", _fn("return subprocess.run(['id'], capture_output=True).stdout", "import subprocess"),
           ("Operation not permitted",)),
    Attack("os_system", _fn("return os.system('echo pwned > /sandbox/pwned')", "import os"),
           ("returned 32512", "returned -1")),   # glibc: the shell could not be spawned
    Attack("multiprocessing", _fn("return multiprocessing.Pool(2).map(abs, [-1])[0]", "import multiprocessing"),
           ("Operation not permitted", "Permission denied", "No such file")),   # no /dev/shm for SemLock
    # -- network ------------------------------------------------------------------------------
    Attack("tcp_localhost", _fn("return socket.create_connection(('127.0.0.1', @PORT@), timeout=1).fileno()",
                                "import socket"), ("Permission denied",)),
    Attack("tcp_outside", _fn("return socket.create_connection(('1.1.1.1', 443), timeout=1).fileno()",
                              "import socket"), ("Permission denied",)),
    Attack("udp_localhost", _fn("s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
                                "return s.sendto(b'hello', ('127.0.0.1', @UDP@))", "import socket"),
           ("Permission denied",)),
    Attack("abstract_unix_socket", _fn("s = socket.socket(socket.AF_UNIX)\ns.connect('\\0@ABSTRACT@')\nreturn 1",
                                       "import socket"),
           ("Connection refused", "Operation not permitted", "No such file")),
    # -- files --------------------------------------------------------------------------------
    Attack("read_solutions", _fn("return len(open('@REPO@/solutions/01_conv_arithmetic/conv_arithmetic.py').read())"),
           ("No such file or directory",)),
    Attack("read_etc_passwd", _fn("return len(open('/etc/passwd').read())"), ("No such file or directory",)),
    Attack("write_grader_output", _fn("open('@OUT@/results.json', 'w').write('{\"score\": 100}')\nreturn 1"),
           ("No such file or directory", "Read-only file system", "Permission denied")),
    Attack("write_grader_package", _fn("open('@REPO@/grader/compare.py', 'a').write('# pwned')\nreturn 1"),
           ("Read-only file system", "Permission denied")),
    Attack("list_repository", _fn("raise RuntimeError(repr(os.listdir('@REPO@')))", "import os"),
           ("PermissionError", "Permission denied")),
    # The parent is outside the pid namespace (0: no such file), or the submission's own warm
    # child (not dumpable: its /proc entries are root's).
    Attack("proc_of_parent", _fn("return len(open('/proc/%d/environ' % os.getppid()).read())", "import os"),
           ("No such file or directory", "Permission denied")),
    # -- exiting, crashing, forging ------------------------------------------------------------
    Attack("os_exit_forged_score", _fn("print('SCORE 100/100 ALL TESTS PASSED', flush=True)\nos._exit(0)", "import os"),
           ("exited with code 0 before answering",)),
    Attack("sys_exit_at_import", "import sys\nprint('SCORE 100/100')\nsys.exit(0)\n", ("SystemExit",), bystander_ok=False),
    Attack("sys_exit_in_function", _fn("sys.exit(0)", "import sys"), ("SystemExit",)),
    Attack("segfault", _fn("return ctypes.string_at(0)", "import ctypes"), ("killed by signal 11 (segmentation fault)",)),
    Attack("forge_reply_frames", _fn(
        "import grader.runner.codec as codec, struct\n"
        "body = codec.encode({'ok': True, 'value': -7})\n"
        "os.write(4, struct.pack('<Q', len(body)) + body)\n"
        "return -7", "import os"), ("returned -7",)),
    Attack("oversized_reply_frame", _fn("os.write(4, struct.pack('<Q', 1 << 40))\nreturn 1", "import os, struct"),
           ("exceeds the cap",)),
    Attack("output_flood", _fn("while True:\n    print('A' * 1000)"), ("output flood",)),
    # -- tampering ----------------------------------------------------------------------------
    Attack("monkeypatch_numpy",
           "import numpy as np\nnp.allclose = lambda *a, **k: True\nnp.array_equal = lambda *a, **k: True\n"
           "np.testing.assert_allclose = lambda *a, **k: None\nnp.isclose = lambda *a, **k: True\n"
           + _fn("return 12345"), ("returned 12345",)),
    Attack("monkeypatch_builtins", _fn("import builtins\nbuiltins.isinstance = lambda *a: True\n"
                                       "builtins.int = float\nreturn 12345"), ("12345", "exited with code")),
    Attack("monkeypatch_grader_child",
           "import grader.runner.child as child\n"
           "child._handle = lambda state, request: {'ok': True, 'value': -7}\n" + _fn("return -7"),
           ("returned -7",), bystander_ok=False),
    Attack("monkeypatch_math_in_grader", "import math\nmath.isclose = lambda *a, **k: True\n" + _fn("return 0.5"),
           ("returned 0.5", "not an int")),
    Attack("kill_everything", "import os, signal\n"
           "for pid in [0, -1, 1] + list(range(2, 3000)) + [os.getppid()]:\n"
           "    try:\n        os.kill(pid, signal.SIGKILL)\n    except OSError:\n        pass\n"
           + _fn("return 0"), ("returned 0",)),
    Attack("setuid_root", _fn("os.setuid(0)\nreturn 0", "import os"), ("Operation not permitted",)),
    Attack("ptrace_and_namespaces", _fn("import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\n"
                                        "r = [libc.unshare(0x10000000), libc.ptrace(16, 1, 0, 0), libc.mount(b'x', b'/tmp', b'tmpfs', 0, None)]\n"
                                        "raise RuntimeError('results %r errno %d' % (r, ctypes.get_errno()))"),
           ("results [-1, -1, -1] errno 1",)),
    # -- lying return values --------------------------------------------------------------------
    Attack("ndarray_subclass_lying_eq",
           "import numpy as np\nclass Liar(np.ndarray):\n    def __eq__(self, other):\n        return True\n"
           "    __ne__ = lambda self, other: False\n" + _fn("return np.array(12345).view(Liar)"), ("12345",)),
    Attack("object_lying_eq_array",
           "class Liar:\n    __eq__ = lambda self, other: True\n    __int__ = __index__ = lambda self: 5\n"
           "    __float__ = lambda self: 5.0\n    __array__ = lambda self, *a, **k: __import__('numpy').array(5)\n"
           + _fn("return Liar()"), ("Opaque", "Liar")),
    Attack("int_subclass_lying_eq", "class Liar(int):\n    __eq__ = lambda self, other: True\n    __hash__ = int.__hash__\n"
           + _fn("return Liar(12345)"), ("12345", "Opaque")),
    Attack("nan", _fn("return float('nan')"), ("nan",)),
    Attack("inf", _fn("return float('inf')"), ("inf",)),
    Attack("object_dtype", _fn("return np.array([1, 'x'], dtype=object)", "import numpy as np"), ("Opaque", "object")),
    Attack("float_instead_of_int", _fn("return float((input_size + 2 * pad - dilation * (kernel_size - 1) - 1) // stride + 1)"),
           ("return an int", "not an int")),
    Attack("huge_output", "import numpy as np\nBIG = np.zeros(80 << 20, dtype=np.uint8)\n" + _fn("return BIG"),
           ("exceeds the cap", "CPU time limit", "wall-clock limit")),     # 80 MiB > 64 MiB frame cap
    # -- hunting for answers -------------------------------------------------------------------
    Attack("import_reference_by_name", _fn(
        "import importlib\nerrors = []\n"
        "for name in ('solutions', 'conv_arithmetic_solution', 'grader.reference'):\n"
        "    try:\n        importlib.import_module(name)\n    except Exception as e:\n        errors.append(repr(e))\n"
        "from grader.reference import load_assignment\n"
        "return load_assignment('01_conv_arithmetic').conv_output_size(input_size, kernel_size, stride, pad, dilation)"),
           ("no reference solutions",)),
    Attack("environment_secret", _fn("raise RuntimeError('ENV ' + repr(sorted(os.environ.items())))", "import os"),
           ("ENV [",)),
    Attack("stack_and_gc_inspection", _fn(
        "found = []\nf = sys._getframe()\n"
        "while f is not None:\n    found += [v for v in f.f_locals.values() if isinstance(v, dict) and 'expected' in v]\n"
        "    f = f.f_back\n"
        "found += [o for o in gc.get_objects() if isinstance(o, dict) and ('expected' in o or 'variants' in o)]\n"
        "raise RuntimeError('FOUND %d' % len(found))", "import gc, sys"), ("FOUND 0",)),
]
