"""Fixtures for the sandbox tests: a shared backend running the stand-in ``exec_serve``.

The sandbox needs Linux and root; elsewhere these tests are skipped. On Linux as root every
other missing protection is a failure, not a skip: CI runs on the same kind of machine.
"""
from __future__ import annotations

import os

import pytest

from sandbox_support import SECRET, SHARED_SLOTS, Student, sandbox_skip_reason


@pytest.fixture(scope="session")
def sandbox_env():
    """Puts a course secret into the grader's environment, as the real grader has."""
    reason = sandbox_skip_reason()
    if reason:
        pytest.skip(reason)
    old = os.environ.get("DEEPGRADE_SECRET")
    os.environ["DEEPGRADE_SECRET"] = SECRET
    yield SECRET
    if old is None:
        os.environ.pop("DEEPGRADE_SECRET", None)
    else:
        os.environ["DEEPGRADE_SECRET"] = old


@pytest.fixture(scope="session")
def test_uids(sandbox_env):
    """First uid of a range of 256 that this test process holds (``grader.sandbox.uids.claim``).

    Claimed with the lock every grader takes, so concurrent test processes and graders on the
    host get disjoint uids; released when the session ends (or the process dies).
    """
    from grader.sandbox.uids import claim

    held = claim(16)
    yield held.base
    held.release()


@pytest.fixture(scope="session")
def backend(sandbox_env, test_uids):
    """A started two-slot SandboxBackend whose children serve ``exec_serve``."""
    from grader.sandbox import SandboxBackend

    b = SandboxBackend(slots=2, base_uid=test_uids + SHARED_SLOTS, entry="grader.sandbox.standin:exec_serve")
    b.start()
    yield b
    b.shutdown()


@pytest.fixture
def open_student(backend):
    """``open_student(limits) -> Student``; every channel is closed after the test."""
    from grader.runner.backend import Limits

    channels = []

    def make(limits=None, **kw):
        chan = backend.open(limits or Limits(**({"wall_s": 5, "cpu_s": 2, "memory_bytes": 512 << 20} | kw)))
        channels.append(chan)
        return Student(chan)

    yield make
    for chan in channels:
        chan.close()
