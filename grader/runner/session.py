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

from grader.runner import codec, reasons
from grader.runner.backend import Backend, ChildGone, ChildTimeout, Limits



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
        limits = self._limits
        # Importing may import torch (seconds on a loaded 2-core machine): its own budget,
        # limits.import_s. A warm host (grader.runner.warm) has imported the files already.
        preloaded = bool(getattr(self._backend, "preloads", False))
        try:
            # The session enforces the load and call deadlines itself; the backend's own
            # wall-clock kill (sandbox) is a backstop covering both phases.
            self._channel = self._backend.open(limits if preloaded else replace(limits, wall_s=limits.wall_s + limits.import_s + 5))
        except RuntimeError as exc:
            raise SessionAborted(f"the grader could not start a process for your code: {exc}", "crashed") from None
        self._deadline = time.monotonic() + max(limits.wall_s, limits.import_s)
        request = {"op": "load", "want": want} if preloaded else {"op": "load", "files": files, "want": want}
        if stub_modules:
            request["stub_modules"] = list(stub_modules)
        reply = self._roundtrip(request, what=reasons.IMPORTING)
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
        request = self.request(func, *args, store=store, send=send, echo_args=echo_args,
                               echo_stored=echo_stored, **kwargs)
        reply = self._roundtrip(request, what=reasons.RUNNING.format(func=_name(func)))
        return _to_reply(reply)

    def request(
        self,
        func: str | codec.Ref,
        *args: Any,
        store: str | None = None,
        send: str | list = "all",
        echo_args: bool = False,
        echo_stored: tuple[str, ...] = (),
        **kwargs: Any,
    ) -> dict:
        """The request :meth:`call` would send (same arguments), without sending it.

        Options left at their defaults are not written (the child reads the same defaults):
        every node of a request costs encoding here and decoding there, for each of the
        hundreds of calls a submission gets.
        """
        request: dict = {"op": "call", "func": func, "args": list(args)}
        if kwargs:
            request["kwargs"] = kwargs
        if store is not None:
            request["store"] = store
        if send != "all":
            request["send"] = send
        if echo_args:
            request["echo_args"] = True
        if echo_stored:
            request["echo_stored"] = list(echo_stored)
        return request

    def call_many(self, requests: list[dict], encoded: bytes | None = None) -> list:
        """Several independent calls in one round trip; the child runs them in order.

        Args:
            requests: from :meth:`request`. Calls that depend on each other (``store``, or a
                ``Ref`` to what another call stored) must not be batched.
            encoded: :meth:`encode_many` of ``requests``, when the caller kept it (the same
                cases are sent to every submission of a batch).
        Returns:
            One entry per request, in order: a :class:`Reply`, or the :class:`StudentError` its
            function raised (not raised here); when a call hangs or ends the process, the list
            stops with that call's :class:`SessionAborted` (the process is then closed).
        Raises:
            SessionAborted: the request could not even be sent.
        """
        if not requests:
            return []
        self._send_bytes(encoded or self.encode_many(requests), reasons.RUNNING.format(func=_name(requests[0]["func"])))
        out: list = []
        for request in requests:
            # One reply frame per call, as each call returns: a call that hangs or kills the
            # process ends the list with the SessionAborted it caused; the calls before it keep
            # their replies and the calls after it were never run.
            try:
                reply = self._receive(reasons.RUNNING.format(func=_name(request["func"])))
            except SessionAborted as aborted:
                out.append(aborted)
                break
            out.append(_to_reply(reply) if reply["ok"] else _student_error(reply))
        return out

    def param_count(self, key: str) -> int:
        """Number of parameters of a stored torch module."""
        return int(self._roundtrip({"op": "param_count", "ref": key}, what=reasons.COUNTING)["value"])

    def _roundtrip(self, request: dict, what: str) -> dict:
        self._send(request, what)
        reply = self._receive(what)
        if not reply["ok"]:
            raise _student_error(reply)
        return reply

    @staticmethod
    def encode_many(requests: list[dict]) -> bytes:
        """The message :meth:`call_many` sends for ``requests`` (bytes, see :mod:`grader.runner.codec`)."""
        return codec.encode({"op": "call_many", "calls": requests})

    def _send(self, request: dict, what: str) -> None:
        self._send_bytes(codec.encode(request), what)

    def _send_bytes(self, payload: bytes, what: str) -> None:
        if self._channel is None:
            raise SessionAborted("the student process is not running", "crashed")
        try:
            self._channel.send(payload)
        except ChildGone as gone:
            raise self._gone(gone, what) from None

    def _receive(self, what: str) -> dict:
        """One reply (``ok`` true or false), or SessionAborted with the student's message."""
        if self._channel is None:
            raise SessionAborted("the student process is not running", "crashed")
        try:
            remaining = self._deadline - time.monotonic()
            if remaining <= 0:
                raise ChildTimeout()
            raw = self._channel.recv(remaining)
        except ChildTimeout:
            self.close()
            limit = self._limits.wall_s if what != reasons.IMPORTING else max(self._limits.wall_s, self._limits.import_s)
            raise SessionAborted(reasons.TIMED_OUT.format(what=what, seconds=f"{limit:g}"), "timeout") from None
        except ChildGone as gone:
            raise self._gone(gone, what) from None
        try:
            reply = codec.decode(raw)
        except codec.CodecError as exc:
            self.close()
            raise SessionAborted(f"your code's process sent an unreadable reply ({exc})", "crashed") from None
        if not isinstance(reply, dict) or not isinstance(reply.get("ok"), bool):
            self.close()
            raise SessionAborted("your code's process sent an unreadable reply", "crashed")
        return reply

    def _gone(self, gone: ChildGone, what: str) -> SessionAborted:
        self.log = gone.exit.log
        self._channel = None
        tail = _tail(gone.exit.log)
        timed_out = "time limit" in gone.exit.reason or "wall-clock" in gone.exit.reason
        sentence = (reasons.ENDED_SLOW if timed_out else reasons.ENDED_CRASH).format(what=what, reason=gone.exit.reason)
        return SessionAborted(sentence + (f"\n{reasons.LAST_OUTPUT}\n{tail}" if tail else ""), "timeout" if timed_out else "crashed")

    def close(self) -> None:
        """End the child (idempotent); keeps its log in ``self.log``."""
        if self._channel is not None:
            exit_ = self._channel.close()
            self.log = exit_.log
            self._channel = None


def _name(func: str | codec.Ref) -> str:
    return func if isinstance(func, str) else f"{func.key}.{'.'.join(map(str, func.path))}"


def _to_reply(reply: dict) -> Reply:
    seconds = reply.get("seconds", 0.0)
    return Reply(
        value=reply.get("value"),
        args_after=reply.get("args_after"),
        kwargs_after=reply.get("kwargs_after"),
        stored_after=reply.get("stored_after") or {},
        seconds=float(seconds) if codec.is_finite_number(seconds) else 0.0,
    )


def _student_error(reply: dict) -> StudentError:
    err = reply.get("error") if isinstance(reply.get("error"), dict) else {}
    return StudentError(
        str(err.get("type", "Exception")),
        [str(m) for m in err.get("mro", [])] if isinstance(err.get("mro"), list) else [],
        str(err.get("message", "")),
        str(err.get("traceback", "")),
    )


def _tail(log: str, lines: int = 8) -> str:
    return "\n".join(log.strip().splitlines()[-lines:])
