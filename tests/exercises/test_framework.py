"""The spec contract itself: spec modules mirror solution files, variants point one way,
every case has a feature and every exercise feature weights (grader.exercises.spec/variants)."""
from __future__ import annotations

import ast
import dataclasses
import importlib

import numpy as np
import pytest

from grader import cases
from grader.exercises import ASSIGNMENTS, get_assignment, spec, variants
from grader.exercises.backward import BackwardSpec
from grader.reference import SOLUTIONS_DIR, load_assignment, load_module
from grader.runner import codec

TOPICS = sorted(ASSIGNMENTS)


def _package(assignment: str) -> str:
    return f"grader.exercises.{assignment.split('_', 1)[1]}"


@pytest.mark.parametrize("assignment", TOPICS)
def test_spec_modules_mirror_solution_files(assignment):
    solution_files = sorted(p.stem for p in (SOLUTIONS_DIR / assignment).glob("*.py") if not p.name.startswith("_"))
    package = importlib.import_module(_package(assignment))
    spec_files = sorted(p.stem for p in __import__("pathlib").Path(package.__file__).parent.glob("*.py") if not p.name.startswith("_"))
    assert spec_files == solution_files
    # and each graded name is defined in the solution file its spec module mirrors
    for stem in spec_files:
        module = importlib.import_module(f"{package.__name__}.{stem}")
        source = (SOLUTIONS_DIR / assignment / f"{stem}.py").read_text()
        defined = {n.name for n in ast.parse(source).body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
        assert {e.name for e in module.EXERCISES} <= defined, (stem, {e.name for e in module.EXERCISES} - defined)


@pytest.mark.parametrize("path", sorted(SOLUTIONS_DIR.glob("*/*.py")), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_solution_file_imports_the_grader(path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            assert not any(a.name.split(".")[0] == "grader" for a in node.names), path
        elif isinstance(node, ast.ImportFrom):
            assert node.level > 0 or (node.module or "").split(".")[0] != "grader", path


def test_each_solution_file_executes_once():
    first = load_assignment("05_recurrent")
    again = load_assignment("05_recurrent")
    assert first.rnn_step_forward is again.rnn_step_forward
    assert load_module("05_recurrent", "_variants")._ref is load_module("05_recurrent", "rnn_layers")
    assert load_module("04_normalization_residual", "_variants")._bn is load_module("04_normalization_residual", "batchnorm")


@pytest.mark.parametrize("assignment", TOPICS)
def test_variants_are_declared_once_and_have_messages(assignment):
    ref = load_assignment(assignment)
    module = load_module(assignment, "_variants")
    functions = {n[len("variant_"):] for n in vars(module) if n.startswith("variant_")}
    table = variants.table(ref)
    assert functions == set(table), "every variant_<name> is in IMITATES, and only those"
    assert set(vars(module)) & {"MESSAGES", "MISCONCEPTIONS"} == set(), "messages live only in the grader"
    by_name = {e.name: e for e in get_assignment(assignment)}
    for variant, (imitated, misconception) in table.items():
        assert hasattr(ref, imitated), (variant, imitated)
        assert imitated in by_name, f"{variant} imitates {imitated}, which is not an exercise"
        assert by_name[imitated].misconceptions.get(misconception, "").strip(), f"no message for {misconception} ({variant})"


@pytest.mark.parametrize("assignment", TOPICS)
def test_cases_carry_a_feature_and_exercises_weights(assignment):
    for exercise in get_assignment(assignment):
        assert exercise.weights and all(w > 0 for w in exercise.weights.values())
        cases = exercise.cases(np.random.default_rng(0), hidden=False)
        assert cases and all(isinstance(c, spec.Case) and isinstance(c.feature, str) and c.feature for c in cases)
        assert {c.feature for c in cases} <= set(exercise.weights) | {spec.CORE}


@pytest.mark.parametrize("assignment", TOPICS)
def test_public_cases_survive_the_fixture_format(assignment, tmp_path):
    ref = load_assignment(assignment)
    for exercise in get_assignment(assignment):
        public = cases.prepare(exercise, ref, None)
        cases.save_fixtures(tmp_path / f"{exercise.name}.dgf", public)
        loaded = cases.load_fixtures(tmp_path / f"{exercise.name}.dgf")
        assert [(c.id, c.label, c.feature) for c in loaded] == [(c.id, c.label, c.feature) for c in public]
        for a, b in zip(loaded, public):
            assert codec.encode(a.inputs) == codec.encode(b.inputs), (exercise.name, a.label)
            assert codec.encode(a.expected) == codec.encode(b.expected), (exercise.name, a.label)


def test_topic_declares_assignment_and_messages_once():
    topic = spec.Topic("99_demo", {"a": "message a"})
    ex = topic.exercise("f", points=1, make_cases=lambda rng, hidden: [("x", {})], expect=lambda ref, i: {}, check=lambda c, i, e: None,
                        requires=("g", "f"), misconceptions={"b": "message b"})
    assert (ex.assignment, ex.requires, dict(ex.weights)) == ("99_demo", ("f", "g"), {"core": 1.0})
    assert dict(ex.misconceptions) == {"a": "message a", "b": "message b"}
    assert ex.cases(np.random.default_rng(0), False) == [spec.Case("x", {}, "core")]
    with pytest.raises(ValueError):
        topic.exercise("f", points=1, make_cases=None, expect=None, check=None, weights={"core": 0})
    with pytest.raises(dataclasses.FrozenInstanceError):
        ex.points = 2


def test_as_case_rejects_other_shapes():
    assert spec.as_case(("l", {"x": 1}, "groups")).feature == "groups"
    with pytest.raises(TypeError):
        spec.as_case(["l", {}])


def test_backward_spec_is_frozen():
    s = BackwardSpec(forward="f", backward="b", wrt=("x",), grad_keys=(0,))
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.forward = "g"


def test_variant_filter_drops_twins_and_the_reference():
    ref = np.zeros(3)
    found = variants.identifiable(ref, {"same": np.zeros(3), "a": np.ones(3), "twin_a": np.ones(3) + 1e-13, "b": 2 * np.ones(3), "n/a": None, "nan": np.full(3, np.nan)})
    assert set(found) == {"b"}
    assert set(variants.identifiable(ref, {"zero_grad": np.zeros(2)}, nonzero=True)) == set()


def test_variant_outputs_follow_imitates():
    class Ref:
        IMITATES = {"one": "f", "one_again": ("f", "one"), "two": ("f", "second"), "other": "g", "broken": "f"}

        @staticmethod
        def variant_one(x):
            return None  # does not apply: the next variant of the same misconception is used

        @staticmethod
        def variant_one_again(x):
            return x + 1

        @staticmethod
        def variant_two(x):
            return (x * 2, None)

        @staticmethod
        def variant_other(x):
            raise AssertionError("imitates another function")

        @staticmethod
        def variant_broken(x):
            raise ValueError("cannot handle this case")

    assert variants.outputs(Ref, "f", 3, pick=lambda r: r[0] if isinstance(r, tuple) else r) == {"one": 4, "second": 6}
    assert variants.misconception_of(Ref, "one_again") == "one"
    assert variants.gradients(Ref, "f", ("x", "w"), 3) == {"x": {"one": 4, "second": 6}, "w": {}}
