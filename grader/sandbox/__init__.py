"""Running untrusted student code locked down (Linux, root): ``SandboxBackend``.

Usage::

    from grader.sandbox import SandboxBackend, SandboxUnavailable, probe
    backend = SandboxBackend()          # slots = os.cpu_count()
    print(backend.notes)                # what is degraded on this host, if anything
    chan = backend.open(Limits(wall_s=10, cpu_s=10, memory_bytes=2 << 30))
    ...
    backend.shutdown()

Modules, one concept each: :mod:`.backend` (slots, zygote process, ``open``), :mod:`.channel`
(grader end of one child), :mod:`.zygote` (the warm forking process), :mod:`.jail` (the
child's lockdown sequence), :mod:`.rootfs`, :mod:`.landlock`, :mod:`.seccomp_filter`,
:mod:`.cgroups`, :mod:`.syscalls` (ctypes), :mod:`.protocol` (messages), :mod:`.exits`
(``ChildExit.reason`` wording), :mod:`.probe`, :mod:`.standin` (test serving loops).

Importing this package is safe on every OS (students import ``grader`` on macOS and Windows):
Linux-only modules are imported only when a sandbox is actually used.
"""
from .backend import SandboxBackend
from .errors import SandboxUnavailable
from .probe import probe

__all__ = ["SandboxBackend", "SandboxUnavailable", "probe"]
