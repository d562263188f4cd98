"""The context a check runs in: calls into the student's process and the assertions on them.

:class:`Context` turns the student's exceptions into :class:`~grader.exercises.spec.CaseFailed`
(or :class:`~grader.exercises.spec.StubNotImplemented`), compares values with
:mod:`grader.compare`, names the misconceptions whose variant outputs a wrong value matches,
and checks that inputs were not modified in place. The two-way gradient check built on it is
:func:`grader.exercises.backward.check_backward`.
"""
from __future__ import annotations

import dataclasses

from typing import TYPE_CHECKING, Any, Mapping, Sequence

import numpy as np

from grader import compare as cmp
from grader.exercises.spec import CaseFailed, Exercise, StubNotImplemented, is_stub
from grader.exercises.variants import matching
from grader.i18n import N_
from grader.runner.codec import Opaque, Ref, TorchArray
from grader.runner.session import Reply, Session, StudentError

# What a case says when the student's code raised (catalogue domain ``feedback``; feedback
# pages translate it, see grader.report.phrases). ``message`` is the student's own text.
RAISED = N_("{name} raised {error}: {message}")
# The sentences below, like RAISED, are catalogue templates (domain ``feedback``): results keep
# the English text and feedback pages (and ``check --lang ko``) translate each line they produced
# (grader.report.phrases); a field may itself hold one of them.
RAISED_SHOULD = N_("{name} raised {error}: {message}; it should {should}")
RETURNED_SHOULD = N_("{name} returned {value}; it should {should}")
RETURNED_NORMALLY_SHOULD = N_("{name} returned normally; it should {should}")
AN_ARRAY_OF_SHAPE = N_("an array of shape {shape}")
SHOULD_RETURN = N_("return {value}")
SHOULD_NOT_RAISE = N_("not raise")
SHOULD_RAISE = N_("raise {errors}")
SHOULD_RAISE_BECAUSE = N_("raise {errors} because {why}")
MODIFIED = N_("{func} modified its argument `{name}` in place")
MODIFIED_AS = N_("{func} modified its argument `{name}` ({role}) in place")
COPY_ADVICE = N_("{modified}; work on a copy (e.g. `{name}.copy()`) or build new arrays (`a = a + b`, not `a += b`)")
COPY_OR_PAD_ADVICE = N_(
    "{modified}; work on a copy (e.g. `{name}.copy()`, or `np.pad`, which returns a new array) or build new arrays "
    "(`a = a + b`, not `a += b`)"
)
WITH_HINT = N_("{modified}: {hint}")
THROUGH_CACHE = N_("{func} (through the cache)")
UPSTREAM_GRADIENT = N_("the upstream gradient")
# Sentences a spec module writes itself (its advice, its own failure messages): registered with
# sentence() so that feedback pages translate them too (they need Korean in feedback.po).
REGISTERED: list[str] = []


# Registered sentences that only ever fill a field of another ("a, b and 3 more" in "state_dict
# lacks {keys}"): never matched against a whole line (grader.report.phrases.FRAGMENTS).
REGISTERED_FRAGMENTS: list[str] = []


def sentence(template: str) -> str:
    """Registers ``template`` (English, ``{field}`` placeholders allowed) as a catalogue
    template of the ``feedback`` domain, like :data:`SENTENCES`; returns it unchanged."""
    REGISTERED.append(template)
    return template


def fragment(template: str) -> str:
    """Registers ``template`` like :func:`sentence`, as one that only fills a field of another."""
    REGISTERED_FRAGMENTS.append(template)
    return sentence(template)


def note_of(template: str, **fields: Any) -> str:
    """The ``note`` argument of :meth:`Context.expect_close` for a registered ``template`` that
    ends with ``{problem}`` (the comparison's sentence): the text before it, with ``fields``.
    ``note_of(T, **f) + problem == T.format(problem=problem, **f)``, so pages translate the line."""
    head, sep, tail = template.partition("{problem}")
    if not sep or tail:
        raise ValueError(f"a note template must end with {{problem}}: {template!r}")
    return head.format(**fields)


SENTENCES = (RAISED, RAISED_SHOULD, RETURNED_SHOULD, RETURNED_NORMALLY_SHOULD, AN_ARRAY_OF_SHAPE, SHOULD_RETURN, SHOULD_NOT_RAISE,
             SHOULD_RAISE, SHOULD_RAISE_BECAUSE, MODIFIED, MODIFIED_AS, COPY_ADVICE, COPY_OR_PAD_ADVICE, WITH_HINT,
             THROUGH_CACHE, UPSTREAM_GRADIENT)

if TYPE_CHECKING:  # pragma: no cover
    from grader.exercises.backward import BackwardSpec


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
            raise self._raised(_func_name(func, self.exercise.name), err, should) from None

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
        listed = " or ".join(errors)
        should = SHOULD_RAISE_BECAUSE.format(errors=listed, why=why) if why else SHOULD_RAISE.format(errors=listed)
        try:
            reply = self.session.call(func, *args, **kwargs)
        except StudentError as err:
            self._stub_check(err)
            if any(err.is_a(e) for e in errors):
                return
            raise self._raised(name, err, should) from None
        shown = _shown(reply.value)
        text = (RETURNED_NORMALLY_SHOULD.format(name=name, should=should) if shown == "normally"
                else RETURNED_SHOULD.format(name=name, value=shown, should=should))
        self.fail(text, *((diagnosis,) if diagnosis else ()))

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

    def _raised(self, name: str, err: StudentError, should: str = "") -> CaseFailed:
        """The :class:`CaseFailed` for an exception the student's code raised (after the stub
        check); ``should``: what the function should have done (:data:`SHOULD_RETURN` …)."""
        self._stub_check(err)
        tb = f"\n{err.traceback.rstrip()}" if err.traceback else ""
        if should:
            return CaseFailed(RAISED_SHOULD.format(name=name, error=err.type_name, message=err.message, should=should) + tb)
        return CaseFailed(RAISED.format(name=name, error=err.type_name, message=err.message) + tb)

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
        """Names of the variants whose output ``got`` matches (see :func:`grader.exercises.variants.matching`)."""
        return matching(got, variants, atol=atol, rtol=rtol)

    def _with_diagnoses(self, message: str, names: Sequence[str]) -> str:
        for name in names:
            message += f"\n→ {self.exercise.message(name)}"
        return message

    def fail(self, message: str, *diagnoses: str, error_map: cmp.ErrorMap | None = None) -> None:
        """Raise :class:`CaseFailed`, appending the messages of the named misconceptions."""
        raise CaseFailed(self._with_diagnoses(message, diagnoses), diagnoses, error_map)

    def _error_map(self, what: str, result: cmp.Comparison) -> cmp.ErrorMap | None:
        """The comparison's error map named ``what``, on public cases only (hidden ones stay hidden)."""
        if not self.public or result.error_map is None:
            return None
        return dataclasses.replace(result.error_map, name=what)

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
                advised = advice.get(shown, advice.get(path[0]))
                extra = diagnoses.get(shown, diagnoses.get(path[0]))
                what = (MODIFIED_AS.format(func=func, name=shown, role=role) if role
                        else MODIFIED.format(func=func, name=shown))
                if advised:
                    what = WITH_HINT.format(modified=what, hint=advised)
                elif not extra:  # a named misconception carries its own advice
                    what = (COPY_OR_PAD_ADVICE if path == ("x",) else COPY_ADVICE).format(modified=what, name=shown)
                self.fail(what, "mutates_input", *((extra,) if extra else ()))
        elif isinstance(b, dict) and isinstance(a, dict):
            for k in b:
                self._unchanged(func, (*path, k), b[k], a.get(k), role, advice, diagnoses, skip)

    # -- gradients ------------------------------------------------------------------------
    def check_backward(self, spec: "BackwardSpec", inputs: Mapping[str, Any], douts: Sequence[np.ndarray], expected: Mapping[str, Any]) -> None:
        """The two-way gradient check (see :func:`grader.exercises.backward.check_backward`)."""
        from grader.exercises.backward import check_backward

        check_backward(self, spec, inputs, douts, expected)


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
        return AN_ARRAY_OF_SHAPE.format(shape=arr.shape)
    text = repr(value)
    return text if len(text) <= 80 else cmp.type_name(value)
