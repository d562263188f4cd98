"""The seccomp policy compiled once to BPF (``seccomp_filter.Compiled``) enforces what libseccomp's
own ``load()`` enforces. Each check runs in a forked child, since a filter cannot be removed."""
from __future__ import annotations

import errno
import os
import socket
import sys

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="seccomp is Linux-only")
sc = pytest.importorskip("pyseccomp")

from grader.sandbox import seccomp_filter  # noqa: E402


def _in_child(body) -> tuple[str, str]:
    """Runs ``body()`` (which returns a short text) in a forked child; returns (status, text)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        try:
            text = "ok:" + body()
        except BaseException as exc:  # noqa: BLE001  (reported to the parent)
            text = f"raised:{type(exc).__name__}:{getattr(exc, 'errno', '')}"
        os.write(write_end, text.encode())
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as fh:
        text = fh.read().decode()
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status
    return tuple(text.split(":", 1))


def _fork_once() -> str:
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    return "forked"


def _status_line(key: str) -> str:
    with open("/proc/self/status") as fh:
        return next(line.split()[1] for line in fh if line.startswith(key + ":"))


def test_program_is_libseccomps_own_export():
    compiled = seccomp_filter.compile_program(seccomp_filter.build_fork_ban())
    assert compiled.program and len(compiled.program) % 8 == 0
    again = seccomp_filter.compile_program(seccomp_filter.build_fork_ban())
    assert again.program == compiled.program
    # The full policy is a different, longer program than the fork ban alone.
    assert len(seccomp_filter.compile_program(seccomp_filter.build()).program) > len(compiled.program)


def test_fork_ban_denies_fork_and_sets_no_new_privs():
    compiled = seccomp_filter.compile_program(seccomp_filter.build_fork_ban())
    assert _in_child(_fork_once) == ("ok", "forked")          # the control: fork works unfiltered

    def banned() -> str:
        compiled.load()
        modes = _status_line("Seccomp") + _status_line("NoNewPrivs")
        try:
            _fork_once()
        except PermissionError:
            return "denied" + modes
        return "forked"

    assert _in_child(banned) == ("ok", "denied21")


def test_full_policy_refuses_inet_sockets_but_allows_unix_ones_and_threads():
    compiled = seccomp_filter.compile_program(seccomp_filter.build())

    def body() -> str:
        import threading

        compiled.load()
        socket.socket(socket.AF_UNIX, socket.SOCK_STREAM).close()
        ran = []
        worker = threading.Thread(target=lambda: ran.append(1))
        worker.start()
        worker.join()
        try:
            socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        except OSError as exc:
            return f"inet refused {exc.errno == errno.EACCES} thread ran {ran == [1]}"
        return "inet allowed"

    assert _in_child(body) == ("ok", "inet refused True thread ran True")


def test_warm_policy_keeps_fork_and_the_ban_stacks_on_it():
    warm = seccomp_filter.compile_program(seccomp_filter.build(allow_fork=True))
    ban = seccomp_filter.compile_program(seccomp_filter.build_fork_ban())

    def body() -> str:
        warm.load()
        first = _fork_once()
        ban.load()
        try:
            _fork_once()
        except PermissionError:
            return first + " then denied"
        return first + " then forked"

    assert _in_child(body) == ("ok", "forked then denied")
