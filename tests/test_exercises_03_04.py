"""Exercise specs of assignments 03 (pooling) and 04 (normalization, residual blocks).

* every reference solution scores full marks, hidden cases included;
* the released stubs score 0 with status ``not_implemented``;
* every example in examples/submissions/03_04 gets the status, score and diagnoses of
  ``EXPECTED.json`` there (secret ``"examples"``);
* each named diagnosis fires on a submission that has that misconception.

Speed: grading starts a fresh Python per exercise (~0.3 s) and imports every file of the
submission; a file importing torch adds ~3 s per process. So each submission is graded in two
parts, its torch-free files on the numpy exercises and its torch files on ``BasicBlock`` /
``Bottleneck`` (which file is imported does not change what a numpy function returns); the
examples are graded once per distinct reachable source per exercise (see ``_reach_key``: they
are copies of ``correct_loops`` with one function changed), and all gradings run concurrently.
"""
from __future__ import annotations

import ast
import hashlib
import json
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest

from grader import api
from grader.exercises import get_assignment, normalization_residual, pooling, variants
from grader.reference import REPO_ROOT, SOLUTIONS_DIR, load_assignment
from grader.submission import Submission, read_submission

SECRET = "examples"
GROUP = REPO_ROOT / "examples" / "submissions" / "03_04"
EXPECTED = json.loads((GROUP / "EXPECTED.json").read_text())
EXERCISES = [*get_assignment("03_pooling"), *get_assignment("04_normalization_residual")]
TORCH_NAMES = {"BasicBlock", "Bottleneck"}
NUMPY_EXERCISES = [e for e in EXERCISES if e.name not in TORCH_NAMES]
TORCH_EXERCISES = [e for e in EXERCISES if e.name in TORCH_NAMES]


def _subset(sub: Submission, keep) -> Submission:
    files = {k: v for k, v in sub.files.items() if keep(k, v)}
    digest = hashlib.sha256(json.dumps(sorted(files.items())).encode()).hexdigest()
    return replace(sub, files=files, digest=digest)


TORCH_IMPORT = re.compile(r"^\s*(import torch|from torch)", re.MULTILINE)


def _parts(sub: Submission) -> tuple[Submission, Submission]:
    """(files that do not import torch, files that do); instructor-only ``_*.py`` files dropped."""
    student = _subset(sub, lambda k, v: not k.rsplit("/", 1)[-1].startswith("_"))
    return _subset(student, lambda k, v: not TORCH_IMPORT.search(v)), _subset(student, lambda k, v: bool(TORCH_IMPORT.search(v)))


def _source(assignment: str, filename: str) -> str:
    return (SOLUTIONS_DIR / assignment / filename).read_text()


def _edit(text: str, *pairs: tuple[str, str]) -> str:
    for old, new in pairs:
        assert text.count(old) >= 1, old
        text = text.replace(old, new, 1)
    return text


def _files(name: str, **files: str) -> Submission:
    return Submission(name=name, files=files, digest=name)


# -- submissions with one (or a few independent) misconceptions, built from the solutions --------

POOL = _source("03_pooling", "pooling.py")
BN = _source("04_normalization_residual", "batchnorm.py")
RES = _source("04_normalization_residual", "residual.py")
BLOCKS = (GROUP / "correct_loops" / "resnet.py").read_text()

MAX_FWD_WINDOW = "window = x[:, :, i * stride:i * stride + ph, j * stride:j * stride + pw]  # (N, C, ph, pw)\n            out[:, :, i, j] = window.max("
FIRST_MAX = "first_max = window.argmax(axis=2)  # (N, C)"

FOCUSED = {
    # name: (submission, exercise names, {exercise: diagnoses that must be named})
    "pool_mix": (
        _files("pool_mix", **{"pooling.py": _edit(
            POOL,
            (MAX_FWD_WINDOW, MAX_FWD_WINDOW.replace("+ ph, j * stride:j * stride + pw]", "+ pw, j * stride:j * stride + ph]")),
            (FIRST_MAX, "first_max = ph * pw - 1 - window[:, :, ::-1].argmax(axis=2)"),
            ("out[:, :, i, j] = window.mean(axis=(2, 3))", "out[:, :, i, j] = window.sum(axis=(2, 3)) / (stride * stride)"),
            ("    return dx\n    ### END SOLUTION\n\n\ndef global_avg_pool_forward", "    dout[...] = 0\n    return dx\n    ### END SOLUTION\n\n\ndef global_avg_pool_forward"),
            ("out = x.mean(axis=(2, 3))  # (N, C)", "out = x.mean(axis=(2, 3), keepdims=True)"),
            ("dout[:, :, None, None] / (H * W)", "dout[:, :, None, None] * 1.0"),
        )}),
        {e.name for e in get_assignment("03_pooling")},
        {
            "max_pool_forward_naive": {"swapped_pool_hw"},
            "max_pool_backward_naive": {"backward_last_tie"},
            "avg_pool_forward_naive": {"avg_divides_by_stride"},
            "avg_pool_backward_naive": {"mutates_input"},
            "global_avg_pool_forward": {"global_keeps_spatial_axes"},
            "global_avg_pool_backward": {"global_backward_no_division"},
        },
    ),
    "pool_split_ties": (
        _files("pool_split_ties", **{"pooling.py": _edit(POOL, (
            "mask = np.arange(ph * pw) == first_max[:, :, None]  # (N, C, ph*pw), one True per row",
            "mask = window == window.max(axis=2, keepdims=True)\n            mask = mask / mask.sum(axis=2, keepdims=True)",
        ))}),
        {"max_pool_backward_naive"},
        {"max_pool_backward_naive": {"backward_split_ties"}},
    ),
    "pool_assign_at_argmax": (
        _files("pool_assign_at_argmax", **{"pooling.py": _edit(POOL, (
            "dx[:, :, rows, cols] += mask.reshape(N, C, ph, pw) * dout[:, :, i, j][:, :, None, None]",
            "m = mask.reshape(N, C, ph, pw)\n"
            "            dx[:, :, rows, cols] = np.where(m, dout[:, :, i, j][:, :, None, None], dx[:, :, rows, cols])",
        ))}),
        {"max_pool_backward_naive"},
        {"max_pool_backward_naive": {"backward_assign_at_argmax"}},
    ),
    "bn_mix": (
        _files("bn_mix", **{"batchnorm.py": _edit(
            BN,
            ("mu, var = running_mean, running_var", "mu, var = x.mean(axis=0), x.var(axis=0)"),
            ("(1 - momentum) * var\n", "(1 - momentum) * x.var(axis=0, ddof=1)\n"),
            ("dx = inv_std / N * (N * dx_hat - dx_hat.sum(axis=0) - x_hat * (dx_hat * x_hat).sum(axis=0))", "dx = dx_hat * inv_std"),
        )}),
        {"batchnorm_forward", "batchnorm_backward", "spatial_batchnorm_forward", "spatial_batchnorm_backward"},
        {
            "batchnorm_forward": {"test_mode_uses_batch_stats", "unbiased_running_var"},
            "batchnorm_backward": {"bn_backward_constant_stats"},
            "spatial_batchnorm_forward": {"test_mode_uses_batch_stats", "unbiased_running_var"},
            "spatial_batchnorm_backward": {"bn_backward_constant_stats"},
        },
    ),
    "res_no_projection_when_stride2": (
        _files("res_np", **{"residual.py": _edit(
            RES,
            ('    elif stride != 1 or C != F:', '    elif False:'),
            ('    if "ws" in params:\n        shortcut, shortcut_cache', '    if "ws" in params and params["ws"].shape[0] != x.shape[1]:\n        shortcut, shortcut_cache'),
        )}),
        {"residual_block_forward"},
        {"residual_block_forward": {"no_projection_when_stride2"}},
    ),
    "res_mutates_params": (
        _files("res_mut", **{"residual.py": _edit(RES, ("    cache = (a1, z, conv1_cache", '    params["b1"][...] = 0\n    cache = (a1, z, conv1_cache'))}),
        {"residual_block_forward", "residual_block_backward"},
        {"residual_block_forward": {"mutates_input"}, "residual_block_backward": {"mutates_input"}},
    ),
    "blocks_a": (
        _files("blocks_a", **{"resnet.py": _edit(
            BLOCKS,
            ("if stride != 1 or in_planes != planes * self.expansion:", "if in_planes != planes * self.expansion:"),
            ("        out += identity\n        out = self.relu(out)\n        return out", "        return self.relu(out) + identity"),
            ("        self.conv1 = conv1x1(in_planes, planes)\n", "        self.conv1 = nn.Conv2d(in_planes, planes, kernel_size=1, bias=True)\n"),
        )}),
        TORCH_NAMES,
        {"BasicBlock": {"missing_projection", "relu_before_add"}, "Bottleneck": {"conv_bias"}},
    ),
    "blocks_b": (
        _files("blocks_b", **{"resnet.py": _edit(
            BLOCKS,
            ("        self.downsample = None\n        if stride != 1 or in_planes != planes * self.expansion:\n            self.downsample = nn.Sequential(",
             "        self.shortcut = None\n        if stride != 1 or in_planes != planes * self.expansion:\n            self.shortcut = nn.Sequential("),
            ("        identity = x\n\n        out = self.conv1(x)", "        x.relu_()\n        identity = x\n\n        out = self.conv1(x)"),
            ("        if self.downsample is not None:\n            identity = self.downsample(x)\n\n        out += identity\n        out = self.relu(out)",
             "        if self.shortcut is not None:\n            identity = self.shortcut(x)\n\n        out += identity\n        out = self.relu(out)"),
            ("        self.conv1 = conv1x1(in_planes, planes)\n", "        self.conv1 = conv1x1(in_planes, planes, stride)\n"),
            ("        self.conv2 = conv3x3(planes, planes, stride)  # stride on the 3x3 (v1.5)", "        self.conv2 = conv3x3(planes, planes)"),
            ("        self.downsample = None\n        if stride != 1 or in_planes != planes * self.expansion:\n            self.downsample = nn.Sequential(",
             "        if True:\n            self.downsample = nn.Sequential("),
        )}),
        TORCH_NAMES,
        {"BasicBlock": {"not_torchvision_names", "mutates_input"}, "Bottleneck": {"unneeded_projection", "stride_on_first_conv"}},
    ),
}


# -- one concurrent grading run for the whole module --------------------------------------------

def _reach_key(sub: Submission, exercise) -> tuple:
    """What can influence ``exercise`` in ``sub``: the module-level statements and the source of
    every top-level function or class reachable from the exercise's required names.

    Two submissions with the same key get the same result on that exercise (grading is
    deterministic), so the examples — copies of ``correct_loops`` with one function changed —
    are graded once per distinct key instead of once per submission.
    """
    defs: dict = {}
    other: list = []
    for path, src in sorted(sub.files.items()):
        try:
            tree = ast.parse(src)
        except SyntaxError:
            return (exercise.name, sub.digest)
        for node in tree.body:
            text = ast.get_source_segment(src, node)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                defs[node.name] = (text, {n.id for n in ast.walk(node) if isinstance(n, ast.Name)})
            else:
                other.append(text)
    seen: set = set()
    todo = list(exercise.requires)
    while todo:
        name = todo.pop()
        if name in defs and name not in seen:
            seen.add(name)
            todo.extend(defs[name][1])
    return (exercise.name, tuple(other), tuple((n, defs[n][0]) for n in sorted(seen)))


def _jobs() -> list:
    """(keys, submission, exercises): grade ``submission`` once, file the results under every key."""
    jobs = []
    for assignment in ("03_pooling", "04_normalization_residual"):
        numpy_part, torch_part = _parts(read_submission(SOLUTIONS_DIR / assignment))
        stub_numpy, stub_torch = _parts(read_submission(REPO_ROOT / "assignments" / assignment))
        exercises = get_assignment(assignment)
        for key, sub in ((f"solution/{assignment}", numpy_part), (f"stub/{assignment}", stub_numpy)):
            jobs.append(([key], sub, [e for e in exercises if e.name not in TORCH_NAMES]))
        if assignment.startswith("04"):
            jobs.append(([f"solution/{assignment}"], torch_part, TORCH_EXERCISES))
            jobs.append(([f"stub/{assignment}"], stub_torch, TORCH_EXERCISES))
    groups: dict = {}  # (exercise, reach key) -> (submission, [result keys])
    for path in api.list_submissions(GROUP):
        numpy_part, torch_part = _parts(read_submission(path))
        for exercise in NUMPY_EXERCISES:
            groups.setdefault(_reach_key(numpy_part, exercise), (numpy_part, exercise, []))[2].append(f"example/{path.name}")
        groups.setdefault(("torch", torch_part.digest), (torch_part, None, []))[2].append(f"example/{path.name}")
    for sub, exercise, keys in groups.values():
        jobs.append((keys, sub, [exercise] if exercise else TORCH_EXERCISES))
    for name, (sub, names, _) in FOCUSED.items():
        jobs.append(([f"focused/{name}"], sub, [e for e in EXERCISES if e.name in names]))
    return jobs


@pytest.fixture(scope="module")
def bank():
    bank = api.CaseBank(SECRET)
    for exercise in EXERCISES:  # expected values once, before the threads start
        bank.cases(exercise)
    return bank


@pytest.fixture(scope="module")
def graded(bank, grading_backend) -> dict:
    """key → {exercise name: ExerciseResult}."""
    def run(job):
        keys, sub, exercises = job
        result = api.grade_submission(sub, exercises, bank=bank, backend=grading_backend)
        return keys, {e.name: e for e in result.exercises}

    results: dict = {}
    # Longest jobs (those importing torch) first, so that they overlap with the short ones.
    jobs = sorted(_jobs(), key=lambda job: -len(job[2]) - 10 * bool(TORCH_IMPORT.search("".join(job[1].files.values()))))
    with ThreadPoolExecutor(max_workers=4) as pool:
        for keys, found in pool.map(run, jobs):
            for key in keys:
                results.setdefault(key, {}).update(found)
    return results


# -- reference solutions and stubs ---------------------------------------------------------------

@pytest.mark.parametrize("assignment", ["03_pooling", "04_normalization_residual"])
def test_reference_solutions_score_full_marks_on_hidden_cases(graded, assignment):
    results = graded[f"solution/{assignment}"]
    assert sorted(results) == sorted(e.name for e in get_assignment(assignment))
    bad = {name: r.message for name, r in results.items() if r.status != "passed" or r.score != r.max_score}
    assert not bad
    for r in results.values():
        assert len(r.cases) >= 8
        assert any(c.case_id.startswith("hidden/") for c in r.cases)


@pytest.mark.parametrize("assignment", ["03_pooling", "04_normalization_residual"])
def test_released_stubs_score_zero_not_implemented(graded, assignment):
    results = graded[f"stub/{assignment}"]
    assert sorted(results) == sorted(e.name for e in get_assignment(assignment))
    assert {r.status for r in results.values()} == {"not_implemented"}
    assert sum(r.score for r in results.values()) == 0


# -- the example submissions ---------------------------------------------------------------------

def test_every_example_is_documented():
    assert sorted(EXPECTED) == sorted(p.name for p in api.list_submissions(GROUP))
    for name, per_exercise in EXPECTED.items():
        assert sorted(per_exercise) == sorted(e.name for e in EXERCISES), name


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_scores_and_diagnoses(graded, name):
    got = graded[f"example/{name}"]
    for exercise, want in EXPECTED[name].items():
        r = got[exercise]
        assert r.status == want["status"], (exercise, r.message)
        assert r.score == pytest.approx(want["score"]), (exercise, r.message)
        assert sorted(r.diagnoses) == sorted(want["diagnoses"]), (exercise, r.diagnoses, r.message)


def test_hidden_case_messages_do_not_show_expected_values(graded):
    failures = [
        c for results in graded.values() for r in results.values() for c in r.cases
        if not c.passed and c.case_id.startswith("hidden/")
    ]
    assert len(failures) > 20
    # Shapes may be shown (shapes first); values and counts of hidden cases may not.
    assert not [c.message for c in failures if re.search(r"expected:? *-?[\d.]", c.message)]


# -- each named diagnosis ------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(FOCUSED))
def test_named_diagnosis_fires(graded, name):
    _, names, wanted = FOCUSED[name]
    results = graded[f"focused/{name}"]
    assert sorted(results) == sorted(names)
    for exercise, diagnoses in wanted.items():
        r = results[exercise]
        assert r.status in ("partial", "failed"), (exercise, r.message)
        assert diagnoses <= set(r.diagnoses), (exercise, r.diagnoses, r.message)


def test_every_misconception_is_exercised():
    """Those without a variant: each variant's diagnosis is self-tested by `deepgrade validate`."""
    named = {d for _, _, wanted in FOCUSED.values() for ds in wanted.values() for d in ds}
    named |= {d for per_exercise in EXPECTED.values() for want in per_exercise.values() for d in want["diagnoses"]}
    for assignment in ("03_pooling", "04_normalization_residual"):
        named |= {misconception for _, misconception in variants.table(load_assignment(assignment)).values()}
    assert set(pooling.MISCONCEPTIONS) | set(normalization_residual.MISCONCEPTIONS) <= named


def test_hidden_messages_name_the_probe_and_tie_rules(graded):
    ties = graded["example/maxpool_all_ties"]["max_pool_backward_naive"]
    assert any("sums to" in c.message for c in ties.cases if c.case_id.startswith("public/"))
    assert not any("sums to" in c.message for c in ties.cases if c.case_id.startswith("hidden/"))
    probe = graded["example/residual_relu_before_add"]["residual_block_forward"]
    assert any("relu(shortcut(x))" in c.message for c in probe.cases if "probe" in c.label)
