"""Helpers shared by the sandbox tests (a uniquely named module: ``conftest`` names collide)."""
from __future__ import annotations

import json
import os
import sys

# Slots run as base_uid + i. The tests' uids are a range claimed like any grader's
# (grader.sandbox.uids, fixture ``test_uids``), so that neither a grader on the same machine nor a
# second test process (pytest-xdist workers) shares their RLIMIT_NPROC accounting or signals them.
#: Offsets inside the claimed range: the shared backend's slots, then single-slot backends.
SHARED_SLOTS, OWN_SLOT, RESTART_SLOT = 0, 4, 10
SECRET = "deepgrade-test-secret-4f1c"


def sandbox_skip_reason() -> str | None:
    """Why sandbox tests cannot run here, or None."""
    if not sys.platform.startswith("linux"):
        return "the sandbox needs Linux"
    if os.geteuid() != 0:
        return "the sandbox needs root (namespaces, mounts, cgroups, setuid)"
    return None


class Student:
    """Talks ``grader.sandbox.standin.exec_serve``'s JSON protocol over a channel."""

    def __init__(self, channel):
        self.channel = channel

    def request(self, obj: dict, timeout: float = 10.0):
        self.channel.send(json.dumps(obj).encode())
        return json.loads(self.channel.recv(timeout))

    def load(self, source: str, timeout: float = 10.0):
        return self.request({"source": source}, timeout)

    def call(self, name: str, *args, timeout: float = 10.0):
        return self.request({"call": name, "args": list(args)}, timeout)
