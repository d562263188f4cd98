"""What the grader, the zygote and the sandboxed child say to each other (portable, no Linux imports).

Three channels exist per child:

* the **control socket** (grader -> zygote, one per zygote, ``SOCK_SEQPACKET``): one message per
  child, a JSON :class:`JobSpec` carrying the four fds of :data:`JOB_FDS` as ``SCM_RIGHTS``;
* the **status socket** (grader <-> zygote, one per child, ``SOCK_SEQPACKET``): the zygote sends
  JSON events (``started``, ``exit``, ``error``); the grader sends :data:`KILL` to have the child
  killed at once, or shuts its end down to have it killed after :data:`CLOSE_GRACE_S`;
* the **request/reply pipes** and the **log pipe** (grader <-> child, direct): frames of
  :mod:`grader.runner.framing`. The zygote never reads them, so no student's data ever enters
  the zygote's memory, which every later child inherits.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

#: Default serving function of a child, ``"module:function"`` called as ``serve(rfile, wfile)``.
DEFAULT_ENTRY = "grader.runner.child:serve"

#: Order of the fds sent with each :class:`JobSpec`.
JOB_FDS = ("request_read", "reply_write", "log_write", "status")

#: First frame the child writes on its reply pipe, after every protection is in place and before
#: any student code can run. ``open()`` returns only after receiving it.
READY = b"deepgrade-sandbox-ready"

#: Exit code of a child whose sandbox setup failed (student code never ran).
SETUP_FAILED_EXIT = 121
#: Prefix of the line such a child writes to its log, followed by ``"at <step>: <error>"``.
SETUP_FAILED_MARK = "SANDBOX SETUP FAILED"

#: Grader -> zygote on a status socket: kill the child now.
KILL = b"kill"
#: Seconds the zygote waits after the grader closed a child's status socket before killing it
#: (a child whose request pipe reached EOF normally exits within milliseconds).
CLOSE_GRACE_S = 0.5

#: Where the child's scratch dir (its cwd) and its small /tmp are, inside the sandbox.
SCRATCH_DIR = "/sandbox"
TMP_DIR = "/scratch-tmp"  # not /tmp: a repository or venv under /tmp is bound read-only there

#: Largest control or status message, in bytes.
MAX_MESSAGE = 64 << 10


@dataclass(frozen=True)
class JobSpec:
    """Everything the zygote needs to start one sandboxed child; holds no student data.

    Attributes:
        slot: parallel slot index (0 .. slots-1).
        uid: unprivileged uid (and gid) the child runs as; distinct per slot.
        wall_s: seconds after the fork at which the zygote kills the child.
        cpu_s: RLIMIT_CPU in whole seconds (soft = hard, so the kernel sends SIGKILL).
        memory_bytes: RLIMIT_AS budget on top of the child's address-space size at setup.
        file_bytes: RLIMIT_FSIZE, largest file the child may write.
        open_files: RLIMIT_NOFILE.
        threads: RLIMIT_NPROC for the slot's uid (threads count as processes).
        scratch_bytes: size of the tmpfs mounted at :data:`SCRATCH_DIR`.
        tmp_bytes: size of the tmpfs mounted at :data:`TMP_DIR`.
        cgroup_procs: ``cgroup.procs`` files (host paths) the child joins before anything else.
        fail_at: test hook: name of a setup step that must fail (see ``jail.STEPS``).
        warm: the child is a warm child (:mod:`grader.runner.warm`): it may fork exercise
            children, each of which loads the ban on new processes before serving.
        torch: the child is forked from the slot's *torch* zygote, which imported torch once,
            before it joined the slot's cgroups: a submission that imports torch then finds it
            imported (a fork, ~10 ms) instead of importing it (1.5-2.5 s of CPU).
    """

    slot: int
    uid: int
    wall_s: float
    cpu_s: int
    memory_bytes: int
    file_bytes: int
    open_files: int
    threads: int
    scratch_bytes: int
    tmp_bytes: int
    cgroup_procs: list[str] = field(default_factory=list)
    fail_at: str | None = None
    warm: bool = False
    torch: bool = False

    def encode(self) -> bytes:
        """Returns the spec as UTF-8 JSON bytes."""
        return json.dumps(asdict(self)).encode()

    @classmethod
    def decode(cls, data: bytes) -> "JobSpec":
        """Parses :meth:`encode` output. Raises ``ValueError``/``TypeError`` on malformed input."""
        return cls(**json.loads(data))


def encode_event(**fields) -> bytes:
    """Returns one status-socket event (``event=...`` plus fields) as JSON bytes."""
    return json.dumps(fields).encode()


def decode_event(data: bytes) -> dict:
    """Parses one status-socket event. Raises ``ValueError`` on malformed input."""
    event = json.loads(data)
    if not isinstance(event, dict) or "event" not in event:
        raise ValueError(f"malformed sandbox event: {data[:200]!r}")
    return event
