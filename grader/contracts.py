"""Contracts: which features of an exercise a course grades (DESIGN §3, "Contracts").

Courses disagree on what a layer must support. Every case declares the *feature* it
exercises (:attr:`grader.exercises.spec.Case.feature`); a contract is the set of features a
course grades, per exercise. Cases of other features are neither run nor counted.

``deepgrade`` (the default) is DESIGN §3 and today's stubs. ``cs231n`` is what the CS231n
assignment skeletons ask for (2017–2024): no ``dilation``/``groups`` in ``conv_param``, conv
and pool windows that divide evenly, batchnorm backward in train mode only, even
``embed_dim``, masks that leave each query a key. Neither grades ``invalid_input`` (a
``ValueError`` on inputs DESIGN §3 does not call errors: it asks one only of
``conv_output_size`` and ``pool_output_size``, for which both contracts grade it), ``test_mode``
backward passes, or fully masked rows of the ``MultiHeadAttention`` *module* (its ``-inf``
fill gives NaN, a ``-1e9`` fill the mean of V: both fine there; the zero-row rule is DESIGN's
for the numpy function).

A course picks one in ``deepgrade.toml`` and may override features per exercise::

    contract = "cs231n"
    [exercises.conv_forward_naive]
    features = ["core", "dilation"]

Feature explanations are in the ``contracts`` catalogue (:mod:`grader.i18n`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping, Sequence

from grader.i18n import N_, translator

DOMAIN = "contracts"

# feature → what it asks, for feedback ("dilation: 0/3 cases: with dilation d ...")
FEATURES: Mapping[str, str] = MappingProxyType(
    {
        "core": N_("the cases every contract grades"),
        "dilation": N_("with dilation d the kernel taps are d pixels apart"),
        "groups": N_("with groups g each filter sees only the C/g input channels of its group"),
        "uneven_windows": N_("windows that do not divide the input evenly: the last incomplete window is dropped"),
        "invalid_input": N_("invalid arguments raise ValueError"),
        "test_mode": N_("the backward pass of a test-mode forward, where the statistics are constants"),
        "odd_embed_dim": N_("an odd embed_dim: the last column is a sine"),
        "fully_masked_rows": N_("a query whose keys are all masked gets an output of zeros"),
        "batch_of_one": N_("a batch of one (N = 1)"),
    }
)

_DEEPGRADE = frozenset({"core", "dilation", "groups", "uneven_windows", "odd_embed_dim", "fully_masked_rows", "batch_of_one"})
_CS231N = frozenset({"core", "batch_of_one"})


class ContractError(ValueError):
    """An unknown contract or feature name."""


@dataclass(frozen=True)
class Contract:
    """The features a course grades.

    Attributes:
        name: ``"deepgrade"`` or ``"cs231n"``.
        features: features graded for every exercise not listed in ``per_exercise``.
        per_exercise: exercise name → the features graded for it (built-in exceptions and the
            course's ``[exercises.<name>] features`` overrides).
    """

    name: str
    features: frozenset
    per_exercise: Mapping[str, frozenset] = field(default_factory=lambda: MappingProxyType({}))

    def graded(self, exercise: str) -> frozenset:
        """The features graded for ``exercise`` (a name such as ``"conv_forward_naive"``)."""
        return self.per_exercise.get(exercise, self.features)

    @property
    def overrides(self) -> dict[str, tuple[str, ...]]:
        """The course's per-exercise overrides: exercise → sorted features, where they differ from
        the named contract's own (``contract(c.name, c.overrides)`` rebuilds ``c``)."""
        stock = CONTRACTS.get(self.name)
        built_in = stock.per_exercise if stock is not None else {}
        return {k: tuple(sorted(v)) for k, v in sorted(self.per_exercise.items()) if built_in.get(k) != v}

    @property
    def key(self) -> str:
        """A stable text naming the contract and the course's overrides (for the gradebook's resume
        key): just the name (``"deepgrade"``) when the course overrides nothing."""
        extra = ";".join(f"{k}={','.join(v)}" for k, v in self.overrides.items())
        return f"{self.name}[{extra}]" if extra else self.name


# DESIGN §3 asks a ValueError of the two output-size functions only.
_SIZES_INVALID = {"conv_output_size", "pool_output_size"}

CONTRACTS: Mapping[str, Contract] = MappingProxyType(
    {
        "deepgrade": Contract(
            "deepgrade",
            _DEEPGRADE,
            MappingProxyType(
                {"MultiHeadAttention": _DEEPGRADE - {"fully_masked_rows"}, **{n: _DEEPGRADE | {"invalid_input"} for n in _SIZES_INVALID}}
            ),
        ),
        "cs231n": Contract("cs231n", _CS231N, MappingProxyType({n: _CS231N | {"invalid_input"} for n in _SIZES_INVALID})),
    }
)
DEFAULT = "deepgrade"


def contract(name: str = DEFAULT, overrides: Mapping[str, Sequence[str]] | None = None) -> Contract:
    """A named contract with per-exercise feature overrides.

    Args:
        name: ``"deepgrade"`` (default) or ``"cs231n"``.
        overrides: exercise name → the features to grade for it (replacing the contract's).
    Returns:
        The contract.
    Raises:
        ContractError: an unknown contract or feature name.
    """
    if name not in CONTRACTS:
        raise ContractError(f"unknown contract {name!r}; choose one of {', '.join(CONTRACTS)}")
    base = CONTRACTS[name]
    if not overrides:
        return base
    per = dict(base.per_exercise)
    for exercise, features in overrides.items():
        unknown = sorted(set(features) - set(FEATURES))
        if unknown:
            raise ContractError(f"unknown feature(s) {', '.join(unknown)} for {exercise}; known: {', '.join(FEATURES)}")
        per[exercise] = frozenset(features)
    return Contract(name, base.features, MappingProxyType(per))


def explain(feature: str, lang: str = "en") -> str:
    """What a feature asks, in ``lang`` (the feature's name when it is not documented).

    Raises:
        grader.i18n.UnknownLanguage: ``lang`` is not a catalogue language.
    """
    _ = translator(lang, DOMAIN)
    return _(FEATURES[feature]) if feature in FEATURES else feature


def weighted_score(points: float, weights: Mapping[str, float], counts: Mapping[str, tuple[int, int]]) -> float:
    """An exercise's score from its features: ``points × Σ w_f·passed_f/total_f / Σ w_f``.

    Only features with cases count, so a contract that leaves features out re-spreads their
    weight over the rest. A feature with cases but no weight in the spec weighs its share of
    the cases (how every case counted before features had weights).

    Args:
        points: the exercise's points.
        weights: feature → weight (the spec's ``Exercise.weights``; positive).
        counts: feature → (cases passed, cases graded).
    Returns:
        The score rounded to 0.01; 0 when there are no cases.
    """
    graded = {f: c for f, c in counts.items() if c[1] > 0}
    if not graded:
        return 0.0
    n_all = sum(total for _, total in graded.values())
    w = {f: float(weights[f]) if f in weights else total / n_all for f, (_, total) in graded.items()}
    total_w = sum(w.values())
    share = sum(w[f] * passed / total for f, (passed, total) in graded.items())
    return round(points * share / total_w, 2)


FEATURE_LINE = N_("{feature}: {passed}/{total} cases: {explanation}")
GRADED_LINE = N_("Graded under the {contract} contract: {graded}.")
UNGRADED_LINE = N_("Not graded under this contract: {ungraded}.")


def feedback(contract_name: str, scores: Sequence, ungraded: Sequence[str], lang: str = "en") -> str:
    """Per-feature feedback lines and which features were graded.

    Args:
        contract_name: e.g. ``"cs231n"``.
        scores: :class:`grader.results.FeatureScore` of the graded features.
        ungraded: features the exercise has that the contract leaves out.
        lang: ``"en"`` or ``"ko"``.
    Returns:
        Lines such as ``"dilation: 0/3 cases: with dilation d the kernel taps are d pixels apart"``
        (one per graded feature), then the graded and (if any) ungraded features.
    """
    _ = translator(lang, DOMAIN)
    lines = [_(FEATURE_LINE, feature=s.feature, passed=s.passed, total=s.total, explanation=explain(s.feature, lang)) for s in scores]
    lines.append(_(GRADED_LINE, contract=contract_name, graded=", ".join(s.feature for s in scores)))
    if ungraded:
        lines.append(_(UNGRADED_LINE, ungraded=", ".join(ungraded)))
    return "\n".join(lines)
