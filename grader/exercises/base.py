"""What an exercise is, and the checks exercises are written with.

An :class:`Exercise` is data plus three pure-ish functions:

* ``make_cases(rng, hidden) -> [(label, inputs)]`` — seeded inputs; ``hidden=True`` adds the
  extra configurations only graded cases use;
* ``expect(ref, inputs) -> dict`` — expected values computed with the reference namespace
  ``ref`` (grader process only; for students they come from precomputed fixtures), including
  the outputs of known-wrong *variants* under ``"variants"`` so a failure can be named;
* ``check(ctx, inputs, expected)`` — calls the student's code through ``ctx`` and raises
  :class:`CaseFailed` with a student-facing message when something is wrong.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from grader import compare as cmp
from grader import gradcheck
from grader.runner.backend import Limits
from grader.runner.codec import Ref
from grader.runner.session import Reply, Session, StudentError


class CaseFailed(Exception):
    """A check failed. ``message`` is for the student; ``diagnoses`` name misconceptions."""

    def __init__(self, message: str, diagnoses: Sequence[str] = ()):
        super().__init__(message)
        self.message = message
        self.diagnoses = tuple(diagnoses)


class StubNotImplemented(Exception):
    """The student's function still raises the stub's ``NotImplementedError``."""


@dataclass(frozen=True)
class Exercise:
    """One graded function or class (one gradebook column).

    Attributes:
        name: the function/class name students implement (also the gradebook column).
        assignment: folder name, e.g. ``"02_convolution"``.
        points: points for passing every case.
        requires: names that must exist in the submission (the graded one first).
        make_cases: ``(rng, hidden) -> list[(label, inputs)]``.
        expect: ``(ref, inputs) -> dict`` of expected values (see module docstring).
        check: ``(ctx, inputs, expected) -> None``; raises :class:`CaseFailed`.
        misconceptions: diagnosis name → message shown when a variant matches.
        limits: resource limits for the student process.
        summary: one line for listings.
    """

    name: str
    assignment: str
    points: float
    requires: tuple[str, ...]
    make_cases: Callable[[np.random.Generator, bool], list]
    expect: Callable[[Any, dict], dict]
    check: Callable[["Context", dict, dict], None]
    misconceptions: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    limits: Limits = Limits()
    summary: str = ""


class Context:
    """The student's process as seen from one case's check.

    Args:
        session: the live session.
        exercise: the exercise being graded (for misconception messages).
        public: whether expected values may be shown in messages.
        rng: seeded randomness for gradient-check directions.
    """

    def __init__(self, session: Session, exercise: Exercise, public: bool, rng: np.random.Generator):
        self.session = session
        self.exercise = exercise
        self.public = public
        self.rng = rng

    # -- calling --------------------------------------------------------------------------
    def call(self, func: str | Ref, *args: Any, **kwargs: Any) -> Reply:
        """Call into the student process; a raised exception becomes :class:`CaseFailed`.

        Keyword arguments ``store``, ``send``, ``echo_args``, ``echo_stored`` are passed to
        :meth:`Session.call`; all others go to the student's function.
        Raises:
            StubNotImplemented: the function is still the stub.
            CaseFailed: the function raised anything else.
            SessionAborted: the process is gone.
        """
        try:
            return self.session.call(func, *args, **kwargs)
        except StudentError as err:
            if err.not_implemented and _is_stub(err.message, self.exercise.requires):
                raise StubNotImplemented(err.message) from None
            name = func if isinstance(func, str) else ".".join(map(str, func.path))
            tb = f"\n{err.traceback.rstrip()}" if err.traceback else ""
            raise CaseFailed(f"{name} raised {err.type_name}: {err.message}{tb}") from None

    # -- checks ---------------------------------------------------------------------------
    def expect_close(
        self,
        what: str,
        got: Any,
        expected: Any,
        *,
        variants: Mapping[str, Any] | None = None,
        atol: float = cmp.DEFAULT_ATOL,
        rtol: float = cmp.DEFAULT_RTOL,
    ) -> None:
        """Fail unless ``got`` matches ``expected`` (shape, then values); name matching variants.

        Args:
            what: the name shown to the student (``"out"``, ``"dw"``).
            got: the student's value (decoded).
            expected: reference array.
            variants: misconception name → what a student with it returns (``None`` = n/a).
        Raises:
            CaseFailed: with shape/worst-error message and any diagnoses.
        """
        result = cmp.compare(got, expected, atol=atol, rtol=rtol)
        if result.ok:
            return
        message = cmp.describe(what, result, show_values=self.public)
        names = self.match_variants(got, variants or {}, atol=atol, rtol=rtol)
        raise CaseFailed(self._with_diagnoses(message, names), names)

    def match_variants(self, got: Any, variants: Mapping[str, Any], *, atol: float = cmp.DEFAULT_ATOL, rtol: float = cmp.DEFAULT_RTOL) -> tuple[str, ...]:
        """Names of the variants whose output ``got`` matches."""
        found = []
        for name, value in variants.items():
            if value is None:
                continue
            if isinstance(value, (int, float, bool)) or (isinstance(value, np.ndarray)):
                if cmp.close(got, np.asarray(value), atol=atol, rtol=rtol):
                    found.append(name)
        return tuple(found)

    def _with_diagnoses(self, message: str, names: Sequence[str]) -> str:
        for name in names:
            message += f"\n→ {self.exercise.misconceptions.get(name, name)}"
        return message

    def fail(self, message: str, *diagnoses: str) -> None:
        """Raise :class:`CaseFailed`, appending the messages of the named misconceptions."""
        raise CaseFailed(self._with_diagnoses(message, diagnoses), diagnoses)

    def expect_unchanged(self, func: str, names: Sequence[str], before: Sequence[Any], after: Sequence[Any] | None) -> None:
        """Fail with diagnosis ``mutates_input`` if any argument was modified in place.

        Args:
            func: the function that was called.
            names: argument names, aligned with ``before``.
            before: the values sent.
            after: the values echoed back after the call.
        """
        if after is None:
            return
        for name, b, a in zip(names, before, after):
            if isinstance(b, np.ndarray):
                a_arr = cmp.as_array(a)
                if a_arr is None or a_arr.shape != b.shape or not np.array_equal(a_arr, b, equal_nan=True):
                    self.fail(
                        f"{func} modified its argument `{name}` in place; work on a copy "
                        f"(e.g. `{name}.copy()`, or `np.pad`, which returns a new array)",
                        "mutates_input",
                    )
            elif isinstance(b, dict) and isinstance(a, dict):
                self.expect_unchanged(func, [f"{name}['{k}']" for k in b], list(b.values()), [a.get(k) for k in b])

    # -- gradients ------------------------------------------------------------------------
    def check_backward(
        self,
        *,
        forward: str,
        inputs: Mapping[str, Any],
        wrt: Sequence[str],
        backward: str,
        douts: Sequence[np.ndarray],
        grad_keys: Sequence[Any],
        expected: Mapping[str, Any],
        out_paths: Sequence[tuple] = ((0,),),
        cache_path: tuple = (1,),
        variants: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        """The two-way gradient check of a backward function.

        1. Run the student's forward on ``inputs`` (keeping its cache in the child) and their
           backward on ``douts`` and that cache.
        2. Compare every gradient with the reference (``expected["grads"]``).
        3. When one differs, differentiate the student's *own* forward numerically along random
           directions to tell whether the forward or the backward is at fault, and localise
           the worst element.
        Also fails (``mutates_input``) when the backward modified its upstream gradients or
        the arrays its forward was given.

        Args:
            forward, backward: function names.
            inputs: forward arguments in order, name → value.
            wrt: input names aligned with ``grad_keys``.
            douts: upstream gradients, aligned with ``out_paths``.
            grad_keys: where each gradient is in the backward's return (index or dict key).
            expected: ``{"outs": [...], "grads": [...]}`` from the reference, aligned.
            out_paths: index paths of the differentiable outputs in the forward's return.
            cache_path: index path of the cache in the forward's return.
            variants: gradient name → {misconception → variant gradient}.
        Raises:
            CaseFailed: with the diagnosis.
        """
        names = list(inputs)
        fwd = self.call(forward, *inputs.values(), store="fwd", send=[*out_paths])
        outs = list(fwd.value)
        fwd_problem = ""
        for i, (got, exp) in enumerate(zip(outs, expected["outs"])):
            res = cmp.compare(got, exp)
            if not res.ok:
                fwd_problem = cmp.describe(f"forward output {i}" if len(outs) > 1 else "forward output", res, show_values=False)
                break
        bwd = self.call(backward, *douts, Ref("fwd", tuple(cache_path)), echo_args=True, echo_stored=("fwd",))
        self.expect_unchanged(backward, [f"dout{i}" if len(douts) > 1 else "dout" for i in range(len(douts))], list(douts), bwd.args_after)
        stored = bwd.stored_after.get("fwd")
        if stored:
            self.expect_unchanged(f"{backward} (through the cache)", names, list(inputs.values()), stored[0])
        grads_raw = bwd.value
        grads = []
        for key in grad_keys:
            try:
                grads.append(grads_raw[key])
            except (KeyError, IndexError, TypeError):
                shape = "a dict" if isinstance(key, str) else f"a tuple of {len(grad_keys)}"
                self.fail(f"{backward} must return {shape} gradients ({', '.join(map(str, grad_keys))}); got {cmp.type_name(grads_raw)}")
        mismatched = []
        for name, key, got, exp in zip(wrt, grad_keys, grads, expected["grads"]):
            res = cmp.compare(got, exp)
            if not res.ok:
                mismatched.append((name, got, res))
        if not mismatched:
            return
        name, got, res = mismatched[0]
        gname = f"d{name}"
        message = cmp.describe(gname, res, show_values=self.public)
        diagnoses = list(self.match_variants(got, (variants or {}).get(name, {})))
        if res.problem in ("shape", "type", "dtype"):
            self.fail(message, *diagnoses)
        message += self._blame(forward, inputs, wrt, grads, douts, out_paths, mismatched, fwd_problem)
        self.fail(message, *diagnoses)

    def _blame(self, forward, inputs, wrt, grads, douts, out_paths, mismatched, fwd_problem) -> str:
        """Explain whose fault a gradient mismatch is (see :meth:`check_backward`)."""
        dense = {k: (np.asarray(v, dtype=np.float64) if isinstance(v, np.ndarray) else v) for k, v in inputs.items()}

        def evaluate(values: dict) -> list:
            reply = self.call(forward, *values.values(), send=[*out_paths])
            return [cmp.as_array(v) if cmp.as_array(v) is not None else np.full(1, np.nan) for v in reply.value]

        disagree = []
        try:
            for name, grad in zip(wrt, grads):
                p = gradcheck.project(evaluate, dense, name, grad, douts, self.rng)
                if not p.ok:
                    # A ReLU/max kink within one step of x fools a central difference;
                    # blame the backward only if a ten times smaller step disagrees too.
                    p = gradcheck.project(evaluate, dense, name, grad, douts, self.rng, step_scale=0.1)
                if not p.ok:
                    disagree.append((name, grad))
        except ValueError as exc:
            return f"\n(could not differentiate your forward numerically: {exc})"
        bad = ", ".join(f"d{n}" for n, *_ in mismatched)
        if not disagree:
            if fwd_problem:
                return (
                    f"\nYour backward is consistent with your own forward (numerical check), but your forward "
                    f"is wrong ({fwd_problem}): fix {forward} first."
                )
            return f"\nYour backward agrees with the numerical derivative of your forward, yet {bad} differs from the reference."
        name, grad = disagree[0]
        loc = gradcheck.localise(evaluate, dense, name, grad, douts, self.rng)
        where = "[" + ", ".join(map(str, loc.index)) + "]"
        detail = (
            f": at d{name}{where} your backward gives {loc.analytic:.6g}, the numerical derivative of your forward {loc.numeric:.6g}"
            if self.public
            else f" (worst element probed: d{name}{where})"
        )
        ok_names = [f"d{n}" for n in wrt if n not in {m for m, _ in disagree}]
        agree = f"; {', '.join(ok_names)} agree" if ok_names else ""
        return (
            f"\nThe numerical derivative of your own forward disagrees with your backward for "
            f"{', '.join('d' + n for n, _ in disagree)}{agree}{detail}: the bug is in the backward pass."
        )


def _is_stub(message: str, names: Sequence[str] = ()) -> bool:
    """Whether a ``NotImplementedError`` message is an untouched stub's.

    Our stubs raise ``NotImplementedError("<assignment>/<name>")``; CS231n-style stubs raise it
    bare or with the function's (or ``Class.method``) name. A student's own ``NotImplementedError("stride > 1 not
    supported")`` is an ordinary failure.
    """
    text = message.strip()
    return text == "" or ("/" in text and " " not in text) or text.split(".")[0] in names


def rounded(x: np.ndarray, decimals: int = 3) -> np.ndarray:
    """Round generated inputs so that printed public fixtures stay readable."""
    return np.round(x, decimals)
