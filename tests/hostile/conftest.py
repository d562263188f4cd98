"""Fixtures for the hostile-submission tests: a real grader (``grade_submission``) on the sandbox.

Linux and root only (skipped elsewhere, with the reason). Every attack is graded with small
limits so that the whole suite stays fast: wall 2 s, CPU 1 s, memory 512 MiB.
"""
from __future__ import annotations

import os
import secrets
import socket
import sys

import pytest

from attacks import SECRET


@pytest.fixture(scope="session")
def grader_env():
    if not sys.platform.startswith("linux"):
        pytest.skip("the sandbox needs Linux")
    if os.geteuid() != 0:
        pytest.skip("the sandbox needs root (namespaces, mounts, cgroups, setuid)")
    old = os.environ.get("DEEPGRADE_SECRET")
    os.environ["DEEPGRADE_SECRET"] = SECRET              # what a real grading run has
    yield
    if old is None:
        os.environ.pop("DEEPGRADE_SECRET", None)
    else:
        os.environ["DEEPGRADE_SECRET"] = old


@pytest.fixture(scope="session")
def sandbox(grader_env):
    from grader.sandbox import SandboxBackend

    # the real grader.runner.child:serve, on a uid range claimed like any grader's (uids.claim):
    # no uid shared with another test process or a grader on this host
    backend = SandboxBackend(slots=2)
    backend.start()
    yield backend
    backend.shutdown()


@pytest.fixture(scope="session")
def listeners():
    """Things on the grader's host that a student must not reach; checked after each attack."""
    tcp = socket.create_server(("127.0.0.1", 0))
    tcp.setblocking(False)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    udp.setblocking(False)
    name = "deepgrade-hostile-" + secrets.token_hex(4)
    unix = socket.socket(socket.AF_UNIX)
    unix.bind("\0" + name)
    unix.listen()
    unix.setblocking(False)
    yield {"tcp": tcp, "udp": udp, "unix": unix, "abstract": name}
    for s in (tcp, udp, unix):
        s.close()


@pytest.fixture(scope="session")
def out_dir(tmp_path_factory):
    """The grader's output folder, with a results file no student may touch."""
    out = tmp_path_factory.mktemp("grader-out")
    (out / "results.json").write_text('{"score": 0}')
    return out
