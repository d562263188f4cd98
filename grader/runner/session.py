"""One exercise's conversation with one student process.

A :class:`Session` opens a child through a backend, loads the submission's files, and turns
each ``call`` into a request/reply round trip. Everything a student can do wrong in the
process (raise, hang, die, flood, send garbage) surfaces as one of two exceptions with a
message written for the student: :class:`StudentError` (their function raised; the process is
fine) and :class:`SessionAborted` (the process is gone; no further calls are possible).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Any

from grader.runner import codec
from grader.runner.backend import Backend, ChildGone, ChildTimeout, Limits


# Importing a submission may import torch (seconds on a loaded 2-core machine): its own budget.
LOAD_WALL_S = 30.0


class SessionAborted(Exception):
    """The student process is gone (timeout, crash, limit, protocol violation).

    Attributes:
        message: what happened, for the student.
        kind: ``"timeout"`` or ``"crashed"``.
    """

    def __init__(self, message: str, kind: str):
        super().__init__(message)
        self.message = message
        self.kind = kind


class StudentError(Exception):
    """The student's function raised. Attributes mirror the child's description."""

    def __init__(self, type_name: str, mro: list[str], message: str, traceback: str):
        super().__init__(f"{type_name}: {message}")
        self.type_name = type_name
        self.mro = tuple(mro)
        self.message = message
        self.traceback = traceback

    @property
    def not_implemented(self) -> bool:
        """True when this is the stub's ``NotImplementedError``."""
        return "NotImplementedError" in self.mro

    def is_a(self, name: str) -> bool:
        """Whether the exception is (a subclass of) the builtin named ``name``."""
        return name in self.mro


@dataclass(frozen=True)
class Reply:
    """A successful call's results (plain data only).

    Attributes:
        value: what was asked for of the return value (``send``), decoded.
        args_after: the positional arguments as they were after the call (if ``echo_args``).
        kwargs_after: likewise for keyword arguments.
        stored_after: ``{key: [args, kwargs]}`` of earlier stored calls, after this call.
        seconds: wall time of the call inside the child, in seconds.
    """

    value: Any
    args_after: list | None = None
    kwargs_after: dict | None = None
    stored_after: dict = field(default_factory=dict)
    seconds: float = 0.0


@dataclass(frozen=True)
class LoadResult:
    """What loading the submission found: ``found`` name → module, ``import_errors`` module → text,
    ``foreign`` name → the library module a found name was imported from (not the student's work)."""

    found: dict
    import_errors: dict
    foreign: dict = field(default_factory=dict)


class Session:
    """Round trips to one student process for one exercise.

    Args:
        backend: starts the child.
        limits: resource limits; ``limits.wall_s`` bounds the loading and, separately, all
            calls of the session together.
    """

    def __init__(self, backend: Backend, limits: Limits):
        self._backend = backend
        self._limits = limits
        self._channel = None
        self._deadline = 0.0
        self.log = ""

    def __enter__(self) -> "Session":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def load(self, files: dict[str, str], want: list[str], stub_modules: tuple[str, ...] = ()) -> LoadResult:
        """Start the child and import the submission.

        Args:
            files: relative path → source text of every Python file of the submission.
            want: names the exercise needs.
            stub_modules: module patterns (``"cs231n.*"``) imported as empty stand-ins when
                missing (:mod:`grader.runner.stub_modules`).
        Raises:
            SessionAborted: the child could not start, or importing hung or killed it.
        """
        try:
            # The session enforces the load and call deadlines itself; the backend's own
            # wall-clock kill (sandbox) is a backstop covering both phases.
            self._channel = self._backend.open(replace(self._limits, wall_s=self._limits.wall_s + LOAD_WALL_S + 5))
        except RuntimeError as exc:
            raise SessionAborted(f"the grader could not start a process for your code: {exc}", "crashed") from None
        self._deadline = time.monotonic() + max(self._limits.wall_s, LOAD_WALL_S)
        request = {"op": "load", "files": files, "want": want}
        if stub_modules:
            request["stub_modules"] = list(stub_modules)
        reply = self._roundtrip(request, what="importing your files")
        # The calls get their own budget, so slow imports (torch) do not eat into it.
        self._deadline = time.monotonic() + self._limits.wall_s
        foreign = reply.get("foreign") if isinstance(reply.get("foreign"), dict) else {}
        return LoadResult(
            found=dict(reply.get("found", {})),
            import_errors=dict(reply.get("import_errors", {})),
            foreign={str(k): str(v) for k, v in foreign.items()},
        )

    def call(
        self,
        func: str | codec.Ref,
        *args: Any,
        store: str | None = None,
        send: str | list = "all",
        echo_args: bool = False,
        echo_stored: tuple[str, ...] = (),
        **kwargs: Any,
    ) -> Reply:
        """Call a student function (or a method of a stored object) in the child.

        Args:
            func: the function's name, or ``Ref(key, ("method",))`` for a stored object's method.
            *args, **kwargs: plain data; ``Ref`` for values kept in the child;
                ``codec.TorchArray`` for tensors.
            store: keep the whole return value (and the arguments) in the child under this key.
            send: ``"all"`` the return value, ``"none"``, or a list of index paths into it.
            echo_args: also return the arguments as they are after the call.
            echo_stored: also return the arguments of these earlier stored calls.
        Returns:
            A :class:`Reply`.
        Raises:
            StudentError: the function raised.
            SessionAborted: the process is gone.
        """
        request = {
            "op": "call",
            "func": func,
            "args": list(args),
            "kwargs": kwargs,
            "store": store,
            "send": send,
            "echo_args": echo_args,
            "echo_stored": list(echo_stored),
        }
        name = func if isinstance(func, str) else f"{func.key}.{'.'.join(map(str, func.path))}"
        reply = self._roundtrip(request, what=f"running {name}")
        return Reply(
            value=reply.get("value"),
            args_after=reply.get("args_after"),
            kwargs_after=reply.get("kwargs_after"),
            stored_after=reply.get("stored_after") or {},
            seconds=float(reply.get("seconds", 0.0)) if codec.is_finite_number(reply.get("seconds", 0.0)) else 0.0,
        )

    def param_count(self, key: str) -> int:
        """Number of parameters of a stored torch module."""
        return int(self._roundtrip({"op": "param_count", "ref": key}, what="counting parameters")["value"])

    def _roundtrip(self, request: dict, what: str) -> dict:
        if self._channel is None:
            raise SessionAborted("the student process is not running", "crashed")
        try:
            self._channel.send(codec.encode(request))
            remaining = self._deadline - time.monotonic()
            if remaining <= 0:
                raise ChildTimeout()
            raw = self._channel.recv(remaining)
        except ChildTimeout:
            self.close()
            limit = self._limits.wall_s if what != "importing your files" else max(self._limits.wall_s, LOAD_WALL_S)
            raise SessionAborted(
                f"timed out while {what}: the wall-clock limit is {limit:g} s "
                "(look for an infinite loop or a very slow loop over elements)",
                "timeout",
            ) from None
        except ChildGone as gone:
            self.log = gone.exit.log
            self._channel = None
            tail = _tail(gone.exit.log)
            timed_out = "time limit" in gone.exit.reason or "wall-clock" in gone.exit.reason
            hint = (
                " (look for an infinite loop or a very slow loop over elements)"
                if timed_out
                else " (exit(), sys.exit() or os._exit() in your code, a crash in native code, or too much memory end the process)"
            )
            raise SessionAborted(
                f"your code's process ended while {what}: {gone.exit.reason}{hint}" + (f"\nlast output:\n{tail}" if tail else ""),
                "timeout" if timed_out else "crashed",
            ) from None
        try:
            reply = codec.decode(raw)
        except codec.CodecError as exc:
            self.close()
            raise SessionAborted(f"your code's process sent an unreadable reply ({exc})", "crashed") from None
        if not isinstance(reply, dict) or not isinstance(reply.get("ok"), bool):
            self.close()
            raise SessionAborted("your code's process sent an unreadable reply", "crashed")
        if not reply["ok"]:
            err = reply.get("error") if isinstance(reply.get("error"), dict) else {}
            raise StudentError(
                str(err.get("type", "Exception")),
                [str(m) for m in err.get("mro", [])] if isinstance(err.get("mro"), list) else [],
                str(err.get("message", "")),
                str(err.get("traceback", "")),
            )
        return reply

    def close(self) -> None:
        """End the child (idempotent); keeps its log in ``self.log``."""
        if self._channel is not None:
            exit_ = self._channel.close()
            self.log = exit_.log
            self._channel = None


def _tail(log: str, lines: int = 8) -> str:
    return "\n".join(log.strip().splitlines()[-lines:])
