"""A submission that imports torch gets a warm child forked from a zygote that imported it already.

Real sandbox (Linux, root), real student process (``grader.runner.child``). The torch zygote of a
slot is started on its first torch job; later submissions find torch in ``sys.modules`` before
their own ``import torch`` runs, and a submission without torch never sees it.
"""
from __future__ import annotations

import pytest

from grader.runner.backend import Limits
from grader.runner.session import Session
from grader.runner.warm import WarmHost
from sandbox_support import sandbox_skip_reason

LIMITS = Limits(wall_s=20.0, cpu_s=20.0, memory_bytes=1 << 30, import_s=60.0)

# Evaluated before the file's own imports: was torch already in the process?
PROBE = "import sys\nHAD_TORCH = 'torch' in sys.modules\n"
WITH_TORCH = {"layers.py": PROBE + "import torch\n\ndef had_torch():\n    return HAD_TORCH\n\n"
                                  "def double(x):\n    return (torch.as_tensor(x) * 2).numpy()\n"}
WITHOUT_TORCH = {"arith.py": PROBE + "import numpy as np\n\ndef had_torch():\n    return HAD_TORCH\n"}


@pytest.fixture(scope="module")
def sandbox():
    reason = sandbox_skip_reason()
    if reason:
        pytest.skip(reason)
    pytest.importorskip("torch")
    from grader.sandbox import SandboxBackend

    backend = SandboxBackend(slots=1)              # uids from the locked allocator
    yield backend
    backend.shutdown()


def _grade(backend, files: dict, names: list[str]) -> tuple[WarmHost, list]:
    host = WarmHost(backend, files, names, LIMITS, exercises=len(names))
    out = []
    try:
        for name in names:                         # one exercise (one forked child) per name
            with Session(host, LIMITS) as session:
                session.load(files, [name])
                out.append(session.call(name, [1.0, 2.5]) if name == "double" else session.call(name).value)
    finally:
        host.shutdown()
    return host, out


def test_torch_submissions_fork_from_the_torch_zygote_and_others_do_not(sandbox):
    first, _ = _grade(sandbox, WITH_TORCH, ["had_torch"])         # starts the slot's torch zygote
    host, (had, doubled) = _grade(sandbox, WITH_TORCH, ["had_torch", "double"])
    assert first.torch and host.torch
    assert had is True
    assert doubled.value.tolist() == [2.0, 5.0]    # torch works in the forked exercise child
    plain, (had_plain,) = _grade(sandbox, WITHOUT_TORCH, ["had_torch"])
    assert not plain.torch
    assert had_plain is False                      # the plain zygote has no torch
