"""What an exercise is, and the checks exercises are written with.

An :class:`Exercise` is data plus three pure-ish functions:

* ``make_cases(rng, hidden) -> [(label, inputs)]`` — seeded inputs; ``hidden=True`` adds the
  extra configurations only graded cases use;
* ``expect(ref, inputs) -> dict`` — expected values computed with the reference namespace
  ``ref`` (grader process only; for students they come from precomputed fixtures), including
  the outputs of known-wrong *variants* under ``"variants"`` so a failure can be named;
* ``check(ctx, inputs, expected)`` — calls the student's code through ``ctx`` and raises
  :class:`CaseFailed` with a student-facing message when something is wrong.

:class:`Context` holds the general mechanisms every topic module uses (calling into the
student's process, comparing, expected exceptions, no-mutation checks, the two-way gradient
check); helpers built on it that several topic modules share live in
:mod:`grader.exercises.checks`. Topic modules hold only topic knowledge.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from grader import compare as cmp
from grader import gradcheck
from grader.runner.backend import Limits
from grader.runner.codec import Opaque, Ref, TorchArray
from grader.runner.session import Reply, Session, StudentError


class CaseFailed(Exception):
    """A check failed. ``message`` is for the student; ``diagnoses`` name misconceptions;
    ``error_map`` (public cases) is where the failing array differs, for a heat map."""

    def __init__(self, message: str, diagnoses: Sequence[str] = (), error_map: cmp.ErrorMap | None = None):
        super().__init__(message)
        self.message = message
        self.diagnoses = tuple(diagnoses)
        self.error_map = error_map


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
    def call(self, func: str | Ref, *args: Any, should: str = "", **kwargs: Any) -> Reply:
        """Call into the student process; a raised exception becomes :class:`CaseFailed`.

        Keyword arguments ``store``, ``send``, ``echo_args``, ``echo_stored`` are passed to
        :meth:`Session.call`; ``should`` is this method's; all others go to the student's function.

        Args:
            func: a function name, or ``Ref(key, path)`` for a value stored in the child
                (``Ref("mod", ("forward",))``); named in messages by its path, or by its key
                when the path is empty.
            should: what the function should have done, appended to the message when it raises
                (``"return 3"`` gives "... raised TypeError: ...; it should return 3").
        Returns:
            The :class:`Reply`.
        Raises:
            StubNotImplemented: the function is still the stub.
            CaseFailed: the function raised anything else.
            SessionAborted: the process is gone.
        """
        try:
            return self.session.call(func, *args, **kwargs)
        except StudentError as err:
            raise self._raised(_func_name(func, self.exercise.name), err, f"it should {should}" if should else "") from None

    def expect_raises(
        self,
        func: str | Ref,
        *args: Any,
        errors: Sequence[str] = ("ValueError",),
        why: str = "",
        diagnosis: str | None = None,
        **kwargs: Any,
    ) -> None:
        """Call ``func``; pass only if it raises one of ``errors`` (builtin names; subclasses count).

        ``errors``, ``why`` and ``diagnosis`` are this method's; ``store``/``send``/… go to
        :meth:`Session.call` as in :meth:`call`; all other arguments go to the student's function.

        Args:
            func: function name or ``Ref`` (see :meth:`call`).
            errors: the accepted exceptions, e.g. ``("ValueError", "AssertionError")``.
            why: why the call must raise, for the message ("E = 6 is not divisible by num_heads = 4").
            diagnosis: a misconception to name when the call returns normally (e.g. ``"no_value_error"``).
        Raises:
            StubNotImplemented: the function is still the stub.
            CaseFailed: it returned normally (the value is shown) or raised another exception.
            SessionAborted: the process is gone.
        """
        name = _func_name(func, self.exercise.name)
        want = " or ".join(errors) + (f" because {why}" if why else "")
        try:
            reply = self.session.call(func, *args, **kwargs)
        except StudentError as err:
            self._stub_check(err)
            if any(err.is_a(e) for e in errors):
                return
            raise self._raised(name, err, f"it should raise {want}") from None
        self.fail(f"{name} returned {_shown(reply.value)}; it should raise {want}", *((diagnosis,) if diagnosis else ()))

    def param_count(self, key: str, what: str | None = None) -> int:
        """Number of parameters of the torch module stored in the child under ``key``.

        Args:
            key: the ``store`` key the module was created with.
            what: how the module is named in messages (default ``key``), e.g. ``"BasicBlock(4, 4, 1)"``.
        Raises:
            StubNotImplemented: counting hit the stub's ``NotImplementedError``.
            CaseFailed: counting raised (e.g. ``parameters()`` is broken).
            SessionAborted: the process is gone.
        """
        try:
            return self.session.param_count(key)
        except StudentError as err:
            self._stub_check(err)
            tb = f"\n{err.traceback.rstrip()}" if err.traceback else ""
            raise CaseFailed(f"could not count the parameters of {what or key}: {err.type_name}: {err.message}{tb}") from None

    def _stub_check(self, err: StudentError) -> None:
        if err.not_implemented and is_stub(err.message, self.exercise.requires):
            raise StubNotImplemented(err.message) from None

    def _raised(self, name: str, err: StudentError, note: str = "") -> CaseFailed:
        """The :class:`CaseFailed` for an exception the student's code raised (after the stub check)."""
        self._stub_check(err)
        tb = f"\n{err.traceback.rstrip()}" if err.traceback else ""
        return CaseFailed(f"{name} raised {err.type_name}: {err.message}{f'; {note}' if note else ''}{tb}")

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
        note: str = "",
    ) -> None:
        """Fail unless ``got`` matches ``expected`` (shape, then values); name matching variants.

        Args:
            what: the name shown to the student (``"out"``, ``"dw"``).
            got: the student's value (decoded; any type).
            expected: reference array (any shape).
            variants: misconception name → what a student with it returns (``None`` = n/a).
            note: put before the message (what the case probes, e.g. "With w2 = 0 ... ").
        Raises:
            CaseFailed: with shape/worst-error message and any diagnoses.
        """
        result = cmp.compare(got, expected, atol=atol, rtol=rtol)
        if result.ok:
            return
        message = cmp.describe(what, result, show_values=self.public)
        names = self.match_variants(got, variants or {}, atol=atol, rtol=rtol)
        raise CaseFailed(note + self._with_diagnoses(message, names), names, self._error_map(what, result))

    def match_variants(self, got: Any, variants: Mapping[str, Any], *, atol: float = cmp.DEFAULT_ATOL, rtol: float = cmp.DEFAULT_RTOL) -> tuple[str, ...]:
        """Names of the variants whose output ``got`` matches (same shape, values within tolerance)."""
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

    def fail(self, message: str, *diagnoses: str, error_map: cmp.ErrorMap | None = None) -> None:
        """Raise :class:`CaseFailed`, appending the messages of the named misconceptions."""
        raise CaseFailed(self._with_diagnoses(message, diagnoses), diagnoses, error_map)

    def _error_map(self, what: str, result: cmp.Comparison) -> cmp.ErrorMap | None:
        """The comparison's error map named ``what``, on public cases only (hidden ones stay hidden)."""
        if not self.public or result.error_map is None:
            return None
        return replace(result.error_map, name=what)

    def expect_unchanged(
        self,
        func: str,
        names: Sequence[str],
        before: Sequence[Any],
        after: Sequence[Any] | None,
        *,
        role: str = "",
        advice: Mapping[str, str] | None = None,
        diagnoses: Mapping[str, str] | None = None,
        mutable: Sequence[str | tuple] = (),
    ) -> None:
        """Fail with diagnosis ``mutates_input`` if any argument was modified in place.

        Arrays must be exactly equal (NaN equals NaN, same shape); dicts are checked entry by
        entry (entries the function adds are ignored); other values are not checked.

        Args:
            func: the function that was called.
            names: argument names, aligned with ``before``.
            before: the values sent.
            after: the values echoed back after the call (``None``: nothing to check).
            role: what the arguments are, shown after the name (``"the upstream gradient"``).
            advice: argument name → how to avoid the mutation, replacing the generic advice
                (``.copy()`` / build new arrays).
            diagnoses: argument name → a further misconception named besides ``mutates_input``
                (its message then replaces the generic advice).
            mutable: argument names, or paths into dict arguments such as
                ``("bn_param", "running_mean")``, that may legitimately change.
        Raises:
            CaseFailed: naming the first modified argument (``x`` or ``params['w1']``).
        """
        if after is None:
            return
        skip = {(m,) if isinstance(m, str) else tuple(m) for m in mutable}
        for name, b, a in zip(names, before, after):
            self._unchanged(func, (name,), b, a, role, advice or {}, diagnoses or {}, skip)

    def _unchanged(self, func: str, path: tuple, b: Any, a: Any, role: str, advice: Mapping, diagnoses: Mapping, skip: set) -> None:
        if path in skip:
            return
        if isinstance(b, np.ndarray):
            a_arr = cmp.as_array(a)
            if a_arr is None or a_arr.shape != b.shape or not np.array_equal(a_arr, b, equal_nan=True):
                shown = path[0] + "".join(f"[{k!r}]" for k in path[1:])
                hint = advice.get(shown, advice.get(path[0]))
                extra = diagnoses.get(shown, diagnoses.get(path[0]))
                what = f"{func} modified its argument `{shown}`{f' ({role})' if role else ''} in place"
                if hint:
                    what += f": {hint}"
                elif not extra:  # a named misconception carries its own advice
                    pad = ", or `np.pad`, which returns a new array" if path == ("x",) else ""
                    what += f"; work on a copy (e.g. `{shown}.copy()`{pad}) or build new arrays (`a = a + b`, not `a += b`)"
                self.fail(what, "mutates_input", *((extra,) if extra else ()))
        elif isinstance(b, dict) and isinstance(a, dict):
            for k in b:
                self._unchanged(func, (*path, k), b[k], a.get(k), role, advice, diagnoses, skip)

    # -- gradients ------------------------------------------------------------------------
    def check_backward(
        self,
        *,
        forward: str,
        inputs: Mapping[str, Any],
        wrt: Sequence[str | tuple],
        backward: str,
        douts: Sequence[np.ndarray],
        grad_keys: Sequence[Any],
        expected: Mapping[str, Any],
        out_paths: Sequence[tuple] = ((0,),),
        cache_path: tuple = (1,),
        variants: Mapping[Any, Mapping[str, Any]] | None = None,
        dout_names: Sequence[str] | None = None,
        mutation_advice: Mapping[str, str] | None = None,
        mutation_diagnoses: Mapping[str, str] | None = None,
        mutable: Sequence[str | tuple] = (),
    ) -> None:
        """The two-way gradient check of a backward function.

        1. Run the student's forward on ``inputs`` (keeping its cache in the child) and their
           backward on ``douts`` and that cache.
        2. Compare every gradient with the reference (``expected["grads"]``).
        3. When one differs, differentiate the student's *own* forward numerically along random
           directions to tell whether the forward or the backward is at fault, and localise
           the worst element.
        Also fails (``mutates_input``) when the backward modified its upstream gradients or
        the arrays its forward was given (through the cache).

        Args:
            forward, backward: function names.
            inputs: forward arguments in order, name → value.
            wrt: what each gradient is the gradient of, aligned with ``grad_keys``: an input
                name (``"x"``), or a path into a dict input (``("params", "w1")``, shown as ``dw1``).
            douts: upstream gradients (arrays of the shapes of the outputs), aligned with ``out_paths``.
            grad_keys: where each gradient is in the backward's return: an index, a dict key,
                or ``None`` for the returned value itself (a backward returning only ``dx``).
            expected: ``{"outs": [...], "grads": [...]}`` from the reference, aligned.
            out_paths: index paths of the differentiable outputs in the forward's return.
            cache_path: index path of the cache in the forward's return.
            variants: ``wrt`` entry (or gradient name without the ``d``) → {misconception →
                variant gradient}.
            dout_names: the upstream gradients' names for messages (default ``dout``,
                ``dout0``, ``dout1``…), e.g. ``("dnext_h", "dnext_c")``.
            mutation_advice: argument name → advice when it was modified in place (see
                :meth:`expect_unchanged`).
            mutation_diagnoses: argument name → a further misconception named when it was.
            mutable: input names or paths (``("bn_param", "running_mean")``) the forward may
                update in place by design.
        Raises:
            CaseFailed: with the diagnosis. Missing gradients are named (a dict lacking
                ``'w1'``, a tuple of the wrong length).
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
        if dout_names is None:
            dout_names = [f"dout{i}" if len(douts) > 1 else "dout" for i in range(len(douts))]
        mutation = {"advice": mutation_advice, "diagnoses": mutation_diagnoses}
        self.expect_unchanged(backward, list(dout_names), list(douts), bwd.args_after, role="the upstream gradient", **mutation)
        stored = bwd.stored_after.get("fwd")
        if stored:
            self.expect_unchanged(f"{backward} (through the cache)", names, list(inputs.values()), stored[0], mutable=mutable, **mutation)
        grads = [self._gradient(backward, bwd.value, key, wrt, grad_keys) for key in grad_keys]
        mismatched = []
        for entry, got, exp in zip(wrt, grads, expected["grads"]):
            res = cmp.compare(got, exp)
            if not res.ok:
                mismatched.append((entry, got, res))
        if not mismatched:
            return
        entry, got, res = mismatched[0]
        message = cmp.describe(f"d{_leaf(entry)}", res, show_values=self.public)
        per_grad = variants or {}
        diagnoses = list(self.match_variants(got, per_grad.get(entry, per_grad.get(_leaf(entry), {}))))
        if res.problem in ("shape", "type", "dtype"):
            self.fail(message, *diagnoses)
        message += self._blame(forward, inputs, wrt, grads, douts, out_paths, mismatched, fwd_problem)
        self.fail(message, *diagnoses, error_map=self._error_map(f"d{_leaf(entry)}", res))

    def _gradient(self, backward: str, value: Any, key: Any, wrt: Sequence, grad_keys: Sequence) -> Any:
        """``value[key]`` (``value`` itself for ``None``), or a failure saying what is missing."""
        if key is None:
            return value
        try:
            return value[key]
        except (KeyError, IndexError, TypeError):
            pass
        if isinstance(key, str) and isinstance(value, dict):
            missing = [k for k in grad_keys if isinstance(k, str) and k not in value]
            self.fail(
                f"{backward} returned no gradient for {', '.join(map(repr, missing))}: its dict must have "
                f"the keys {', '.join(repr(k) for k in grad_keys if k is not None)}"
            )
        if isinstance(key, str):
            shape = f"a dict of gradients with the keys {', '.join(repr(k) for k in grad_keys if k is not None)}"
        else:
            shape = f"a tuple of {len(grad_keys)} gradients ({', '.join(f'd{_leaf(w)}' for w in wrt)})"
        got = cmp.type_name(value) + (f" of {len(value)}" if isinstance(value, (tuple, list)) else "")
        self.fail(f"{backward} must return {shape}; got {got}")

    def _blame(self, forward, inputs, wrt, grads, douts, out_paths, mismatched, fwd_problem) -> str:
        """Explain whose fault a gradient mismatch is (see :meth:`check_backward`)."""
        names = list(inputs)
        dense = {k: (np.asarray(v, dtype=np.float64) if isinstance(v, np.ndarray) else v) for k, v in inputs.items()}
        for entry in wrt:
            if isinstance(entry, tuple):  # differentiated on its own, written back into its dict
                dense[entry] = np.asarray(_at(inputs, entry), dtype=np.float64)

        def evaluate(values: dict) -> list:
            args = {k: values[k] for k in names}
            for key, value in values.items():
                if isinstance(key, tuple):
                    args[key[0]] = _replaced(args[key[0]], key[1:], value)
            reply = self.call(forward, *args.values(), send=[*out_paths])
            return [cmp.as_array(v) if cmp.as_array(v) is not None else np.full(1, np.nan) for v in reply.value]

        disagree = []
        try:
            for entry, grad in zip(wrt, grads):
                p = gradcheck.project(evaluate, dense, entry, grad, douts, self.rng)
                if not p.ok:
                    # A ReLU/max kink within one step of x fools a central difference;
                    # blame the backward only if a ten times smaller step disagrees too.
                    p = gradcheck.project(evaluate, dense, entry, grad, douts, self.rng, step_scale=0.1)
                if not p.ok:
                    disagree.append((entry, grad))
        except ValueError as exc:
            return f"\n(could not differentiate your forward numerically: {exc})"
        bad = ", ".join(f"d{_leaf(n)}" for n, *_ in mismatched)
        if not disagree:
            if fwd_problem:
                return (
                    f"\nYour backward is consistent with your own forward (numerical check), but your forward "
                    f"is wrong ({fwd_problem}): fix {forward} first."
                )
            return f"\nYour backward agrees with the numerical derivative of your forward, yet {bad} differs from the reference."
        entry, grad = disagree[0]
        loc = gradcheck.localise(evaluate, dense, entry, grad, douts, self.rng)
        where = "[" + ", ".join(map(str, loc.index)) + "]"
        name = _leaf(entry)
        detail = (
            f": at d{name}{where} your backward gives {loc.analytic:.6g}, the numerical derivative of your forward {loc.numeric:.6g}"
            if self.public
            else f" (worst element probed: d{name}{where})"
        )
        failing = {m for m, _ in disagree}
        ok_names = [f"d{_leaf(n)}" for n in wrt if n not in failing]
        agree = f"; {', '.join(ok_names)} agree" if ok_names else ""
        return (
            f"\nThe numerical derivative of your own forward disagrees with your backward for "
            f"{', '.join('d' + _leaf(n) for n, _ in disagree)}{agree}{detail}: the bug is in the backward pass."
        )


def is_stub(message: str, names: Sequence[str] = ()) -> bool:
    """Whether a ``NotImplementedError`` message is an untouched stub's.

    Our stubs raise ``NotImplementedError("<assignment>/<name>")``; CS231n-style stubs raise it
    bare or with the function's (or ``Class.method``) name. A student's own ``NotImplementedError("stride > 1 not
    supported")`` is an ordinary failure.

    Args:
        message: the exception's message.
        names: the names the exercise requires (``Exercise.requires``).
    """
    text = message.strip()
    return text == "" or ("/" in text and " " not in text) or text.split(".")[0] in names


def _func_name(func: str | Ref, owner: str) -> str:
    """How a called function is named in messages.

    A plain name stays as it is; a method of an object kept in the student process is named
    after the exercise's class (``BasicBlock.forward``), never after the grader's storage key.
    """
    if isinstance(func, str):
        return func
    path = ".".join(map(str, func.path))
    return f"{owner}.{path}" if path else owner


def _shown(value: Any) -> str:
    """A short description of a returned value for messages."""
    if isinstance(value, Opaque):
        return "normally"
    arr = value.array if isinstance(value, TorchArray) else value
    if isinstance(arr, np.ndarray) and arr.ndim > 0:
        return f"an array of shape {arr.shape}"
    text = repr(value)
    return text if len(text) <= 80 else cmp.type_name(value)


def _leaf(entry: str | tuple) -> str:
    """The gradient name (without ``d``) of a ``wrt`` entry: ``"x"``, or a path's last key."""
    return entry if isinstance(entry, str) else str(entry[-1])


def _at(inputs: Mapping[str, Any], path: tuple) -> Any:
    """``inputs[path[0]][path[1]]…``."""
    value = inputs[path[0]]
    for key in path[1:]:
        value = value[key]
    return value


def _replaced(container: Any, path: tuple, value: Any) -> Any:
    """A copy of ``container`` (dicts, lists, tuples) with the entry at ``path`` set to ``value``."""
    if not path:
        return value
    if isinstance(container, dict):
        copy: Any = dict(container)
    else:
        copy = list(container)
    copy[path[0]] = _replaced(container[path[0]], path[1:], value)
    return tuple(copy) if isinstance(container, tuple) else copy


def rounded(x: np.ndarray, decimals: int = 3) -> np.ndarray:
    """Round generated inputs so that printed public fixtures stay readable."""
    return np.round(x, decimals)
