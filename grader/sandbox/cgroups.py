"""Per-slot cgroup v1 ``memory`` and ``pids`` groups, managed by the grader. Linux only.

RLIMIT_AS caps what a child maps, but not the tmpfs pages it writes or the copy-on-write copies
of pages it inherited from the zygote; the memory cgroup is the only cap on the true total.
The pids cgroup backs up RLIMIT_NPROC. Both are optional: on hosts without writable v1
hierarchies the sandbox still holds (fork is blocked by seccomp, so per-process rlimits are
total limits, and the tmpfs mounts have size caps) and the backend records a note instead.

Layout: ``<our own cgroup>/deepgrade-<pid>-<random>/slot-<i>`` in each hierarchy, nested under
the grader's cgroup so that any limit set on the grader still applies. A slot's groups are
reused by every child of that slot (one child at a time), which avoids creating and destroying
a memory cgroup per child.
"""
from __future__ import annotations

import os
import signal
import time

_ROOT = "/sys/fs/cgroup"


def _own_dir(controller: str) -> str | None:
    """Returns the directory of this process's cgroup in a v1 hierarchy, or None."""
    rel = None
    try:
        with open("/proc/self/cgroup") as fh:
            for line in fh:
                _, ctrls, path = line.rstrip("\n").split(":", 2)
                if controller in ctrls.split(","):
                    rel = path
    except OSError:
        return None
    if rel is None:
        return None
    mine = str(os.getpid())
    # Inside a container the hierarchy may be mounted at our own cgroup, so try both places.
    for d in (f"{_ROOT}/{controller}{rel.rstrip('/')}", f"{_ROOT}/{controller}"):
        try:
            with open(f"{d}/cgroup.procs") as fh:
                if mine in fh.read().split():
                    return d
        except OSError:
            continue
    return None


def _write(path: str, value: int | str) -> None:
    with open(path, "w") as fh:
        fh.write(str(value))


def _read(path: str) -> str:
    with open(path) as fh:
        return fh.read()


class SlotCgroups:
    """The memory and pids groups of every slot of one backend.

    Attributes:
        memory: slot directories in the memory hierarchy (empty when unavailable).
        pids: slot directories in the pids hierarchy (empty when unavailable).
        notes: what is degraded, in words, for ``SandboxBackend.notes``.
    """

    def __init__(self, name: str, slots: int):
        """Creates ``name/slot-<i>`` for every slot in each writable hierarchy.

        Args:
            name: per-backend directory name (unique per grader process).
            slots: number of slots.
        Never raises: a hierarchy that cannot be used is left out and explained in ``notes``.
        """
        self.memory: list[str] = []
        self.pids: list[str] = []
        self.notes: list[str] = []
        self._parents: list[str] = []
        self._oom_base = [0] * slots
        for controller, missing in (
                ("memory", "no writable cgroup v1 memory hierarchy: a child's memory is capped by "
                           "RLIMIT_AS and the tmpfs sizes only, not as one total"),
                ("pids", "no writable cgroup v1 pids hierarchy: threads are capped by "
                         "RLIMIT_NPROC only")):
            dirs = self._create(controller, name, slots)
            if dirs is None:
                self.notes.append(missing)
            else:
                setattr(self, controller, dirs)

    def _create(self, controller: str, name: str, slots: int) -> list[str] | None:
        own = _own_dir(controller)
        if own is None:
            return None
        parent = f"{own}/{name}"
        try:
            os.mkdir(parent, 0o700)
        except OSError:
            return None
        self._parents.append(parent)
        dirs = []
        try:
            for i in range(slots):
                d = f"{parent}/slot-{i}"
                os.mkdir(d, 0o700)
                dirs.append(d)
            if controller == "memory":
                _read(f"{dirs[0]}/memory.oom_control")       # the OOM counter must be readable
        except OSError:
            self._remove_tree(parent, dirs)
            self._parents.remove(parent)
            return None
        return dirs

    def prepare(self, slot: int, memory_bytes: int, threads: int) -> list[str]:
        """Sets the slot's limits for its next child.

        Args:
            slot: slot index; its previous child must be dead.
            memory_bytes: total memory cap in bytes (RSS + tmpfs + page cache charged to it).
            threads: most tasks (threads) at once.
        Returns:
            The ``cgroup.procs`` files the child must join (write ``0`` to), possibly empty.
        Raises:
            OSError: a limit could not be written (the child must not run).
        """
        procs = []
        if self.memory:
            d = self.memory[slot]
            self._set_memory_limit(d, memory_bytes)
            self._oom_base[slot] = self._oom_count(d)
            procs.append(f"{d}/cgroup.procs")
        if self.pids:
            d = self.pids[slot]
            _write(f"{d}/pids.max", threads)
            procs.append(f"{d}/cgroup.procs")
        return procs

    @staticmethod
    def _set_memory_limit(d: str, limit: int) -> None:
        # memory+swap must stay >= memory: raise it first when growing, lower it last when
        # shrinking. Without swap accounting the file is absent, which is fine.
        memsw = f"{d}/memory.memsw.limit_in_bytes"
        has_memsw = os.path.exists(memsw)
        current = int(_read(f"{d}/memory.limit_in_bytes"))
        if has_memsw and limit > current:
            _write(memsw, limit)
        _write(f"{d}/memory.limit_in_bytes", limit)
        if has_memsw and limit <= current:
            _write(memsw, limit)

    @staticmethod
    def _oom_count(d: str) -> int:
        for line in _read(f"{d}/memory.oom_control").splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill":
                return int(value)
        return 0

    def oom_kills(self, slot: int) -> int:
        """Returns how many OOM kills the slot's memory group saw since :meth:`prepare`."""
        if not self.memory:
            return 0
        try:
            return self._oom_count(self.memory[slot]) - self._oom_base[slot]
        except OSError:
            return 0

    def remove(self) -> None:
        """Kills anything left in the groups and removes them. Idempotent; never raises."""
        for parent in self._parents:
            slots = [os.path.join(parent, n) for n in sorted(os.listdir(parent))
                     if n.startswith("slot-")] if os.path.isdir(parent) else []
            self._remove_tree(parent, slots)
        self._parents = []
        self.memory, self.pids = [], []

    @staticmethod
    def _remove_tree(parent: str, dirs: list[str]) -> None:
        for d in dirs + [parent]:
            deadline = time.monotonic() + 2.0
            while os.path.isdir(d):
                try:
                    for pid in _read(f"{d}/cgroup.procs").split():
                        try:
                            os.kill(int(pid), signal.SIGKILL)
                        except ProcessLookupError:
                            pass
                    os.rmdir(d)
                except OSError:
                    if time.monotonic() > deadline:
                        break
                    time.sleep(0.02)
