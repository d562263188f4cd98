"""Assignments 05 (recurrent) and 06 (attention) end to end through the unsandboxed backend.

* every reference solution scores full marks on public and hidden cases;
* the released stubs score 0 with status ``not_implemented``;
* every example of ``examples/submissions/05_06`` gets the status, score and diagnoses recorded
  in its ``EXPECTED.json`` (secret ``"examples"``);
* one focused submission per named diagnosis that no example exercises, proving it fires;

Speed (LocalBackend starts a fresh Python per exercise; importing torch there costs 2–5 s):

* each exercise is graded on the submission file(s) that define its names only, so the numpy
  exercises never import ``transformer_layers.py`` (and torch). This is equivalent: the child
  looks exercises up by name, and the test asserts that those files import no sibling file;
* gradings are shared: two (exercise, submission) pairs whose *relevant source* is the same —
  the defining file's module-level statements plus the definitions reachable from the
  exercise's names — get one grading. Every buggy example is ``correct_loops`` with one
  function changed, so only the changed functions are regraded; the torch modules of the buggy
  examples (byte-identical to ``correct_loops``) are graded once, those of ``stubs`` share the
  grading of ``assignments/06_attention``;
* all gradings run up front in two threads (one fixture), the tests then only read results.

``make examples`` rewrites ``examples/submissions/05_06/EXPECTED.json`` (grader/examples.py). The
in-process checks of the case grids and modules are in tests/exercises/test_recurrent.py and
tests/exercises/test_attention.py.
"""
from __future__ import annotations

import ast
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from grader import api
from grader.exercises import get_assignment
from grader.reference import REPO_ROOT
from grader.runner.local import LocalBackend
from grader.submission import Submission, read_submission

GROUP = REPO_ROOT / "examples" / "submissions" / "05_06"
EXPECTED_PATH = GROUP / "EXPECTED.json"
EX05 = get_assignment("05_recurrent")
EX06 = get_assignment("06_attention")
EXERCISES = {ex.name: ex for ex in (*EX05, *EX06)}
TORCH_MODULES = ("MultiHeadAttention", "PositionalEncoding", "PatchEmbedding")
BANK = api.CaseBank("examples")  # one bank for everything: its hidden cases come from the secret "examples"
WORKERS = 3  # 2 cores: a third process fills the gaps while the others wait on round trips

SOL05 = (REPO_ROOT / "solutions/05_recurrent/rnn_layers.py").read_text()
SOL06 = (REPO_ROOT / "solutions/06_attention/attention.py").read_text()
LOOPS = {name: (GROUP / "correct_loops" / name).read_text() for name in ("rnn_layers.py", "attention.py", "transformer_layers.py")}


def _patched(source: str, *edits: tuple[str, str]) -> str:
    """``source`` with each (old, new) replaced exactly once (fails loudly if a solution drifts)."""
    for old, new in edits:
        assert source.count(old) == 1, f"expected exactly one {old!r}"
        source = source.replace(old, new)
    return source


# -- focused submissions: one per diagnosis that the examples do not exercise ------------------
# name → (files, exercise, diagnosis that must be named)
FOCUSED = {
    "lstm_step_fiog": ("rnn", "lstm_step_forward", "lstm_gate_order_fiog"),
    "lstm_step_backward_fiog": ("rnn", "lstm_step_backward", "backward_lstm_gate_order_fiog"),
    "lstm_forward_fiog": ("rnn", "lstm_forward", "lstm_forward_gate_order_fiog"),
    "lstm_backward_fiog": ("rnn", "lstm_backward", "backward_lstm_forward_gate_order_fiog"),
    "lstm_step_igfo": ("rnn", "lstm_step_forward", "lstm_gate_order_igfo"),
    "lstm_step_backward_igfo": ("rnn", "lstm_step_backward", "backward_lstm_gate_order_igfo"),
    "gru_swapped_z": ("rnn", "gru_step_forward", "gru_swapped_z"),
    "gru_backward_swapped_z": ("rnn", "gru_step_backward", "backward_gru_swapped_z"),
    "rnn_backward_inplace_dh": ("rnn", "rnn_backward", "mutates_input"),
    "softmax_overflow": ("att", "softmax", "softmax_overflow"),
    "softmax_ignores_axis": ("att", "softmax", "softmax_ignores_axis"),
    "softmax_sum_over_all": ("att", "softmax", "softmax_sum_over_all"),
    "sdpa_pos_inf_fill": ("att", "scaled_dot_product_attention_forward", "mask_fill_pos_inf"),
    "sdpa_fully_blocked_nan": ("att", "scaled_dot_product_attention_forward", "fully_blocked_nan"),
    "sdpa_mask_inverted": ("att", "scaled_dot_product_attention_forward", "mask_inverted"),
    "sdpa_backward_mask_inverted": ("att", "scaled_dot_product_attention_backward", "backward_mask_inverted"),
    "mha_no_scale": ("att", "multi_head_attention_forward", "mha_no_scale"),
    "mha_reshape_without_transpose": ("att", "multi_head_attention_forward", "mha_reshape_without_transpose"),
    "pe_exponent_j_over_d": ("att", "sinusoidal_positional_encoding", "pe_exponent_j_over_d"),
    "pe_positions_from_one": ("att", "sinusoidal_positional_encoding", "pe_positions_from_one"),
    "patch_order_column_major": ("att", "patchify", "patch_order_column_major"),
    # one file, one bug per module (each module is its own exercise)
    "module_mha_float32": ("torch", "MultiHeadAttention", "hardcoded_float32"),
    "module_pe_sin_cos_swapped": ("torch", "PositionalEncoding", "pe_sin_cos_swapped"),
    "module_patch_renamed_proj": ("torch", "PatchEmbedding", "missing_submodule"),
}


def _focused_source(name: str) -> dict:
    """The files of focused submission ``name`` (the reference or ``correct_loops`` with one bug)."""
    if name.endswith("_fiog") and "lstm" in name:
        src = _patched(
            SOL05,
            ("i = _sigmoid(a[:, 0 * H:1 * H])", "i = _sigmoid(a[:, 1 * H:2 * H])"),
            ("f = _sigmoid(a[:, 1 * H:2 * H])", "f = _sigmoid(a[:, 0 * H:1 * H])"),
            ("[di * i * (1.0 - i), df * f * (1.0 - f), ", "[df * f * (1.0 - f), di * i * (1.0 - i), "),
        )
    elif name.endswith("_igfo"):
        src = _patched(
            SOL05,
            ("f = _sigmoid(a[:, 1 * H:2 * H])", "f = _sigmoid(a[:, 2 * H:3 * H])"),
            ("o = _sigmoid(a[:, 2 * H:3 * H])", "o = _sigmoid(a[:, 3 * H:4 * H])"),
            ("g = np.tanh(a[:, 3 * H:4 * H])", "g = np.tanh(a[:, 1 * H:2 * H])"),
            (
                "[di * i * (1.0 - i), df * f * (1.0 - f), do * o * (1.0 - o), dg * (1.0 - g**2)]",
                "[di * i * (1.0 - i), dg * (1.0 - g**2), df * f * (1.0 - f), do * o * (1.0 - o)]",
            ),
        )
    elif "swapped_z" in name:
        src = _patched(
            SOL05,
            ("next_h = (1.0 - z) * n + z * prev_h", "next_h = z * n + (1.0 - z) * prev_h"),
            ("dn = dnext_h * (1.0 - z)", "dn = dnext_h * z"),
            ("dz = dnext_h * (prev_h - n)", "dz = dnext_h * (n - prev_h)"),
            ("dprev_h = dnext_h * z + dah @ Wh.T", "dprev_h = dnext_h * (1.0 - z) + dah @ Wh.T"),
        )
    elif name == "rnn_backward_inplace_dh":
        src = _patched(
            SOL05,
            (
                "        dx_t, dprev_h, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t, :] + dprev_h, step_caches[t])",
                "        dh[:, t, :] += dprev_h\n        dx_t, dprev_h, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t, :], step_caches[t])",
            ),
        )
    elif name == "softmax_overflow":
        src = _patched(SOL06, ("shifted = x - x.max(axis=axis, keepdims=True)", "shifted = x"))
    elif name == "softmax_ignores_axis":
        src = _patched(
            SOL06,
            ("shifted = x - x.max(axis=axis, keepdims=True)", "shifted = x - x.max(axis=-1, keepdims=True)"),
            ("return e / e.sum(axis=axis, keepdims=True)", "return e / e.sum(axis=-1, keepdims=True)"),
        )
    elif name == "softmax_sum_over_all":
        src = _patched(
            SOL06,
            ("shifted = x - x.max(axis=axis, keepdims=True)", "shifted = x - x.max()"),
            ("return e / e.sum(axis=axis, keepdims=True)", "return e / e.sum()"),
        )
    elif name == "sdpa_pos_inf_fill":
        src = _patched(SOL06, ("filled = np.where(allowed, scores, -np.inf)", "filled = np.where(allowed, scores, -float('-inf'))"))
    elif name == "sdpa_fully_blocked_nan":
        src = _patched(
            SOL06,
            ("    row_max = np.where(np.isneginf(row_max), 0.0, row_max)\n", ""),
            ("return e / np.where(denom > 0, denom, 1.0)", "return e / denom"),
        )
    elif name in ("sdpa_mask_inverted", "sdpa_backward_mask_inverted"):
        src = _patched(SOL06, ("np.broadcast_to(np.asarray(mask) != 0, scores.shape)", "np.broadcast_to(np.asarray(mask) == 0, scores.shape)"))
    elif name == "mha_no_scale":
        src = _patched(SOL06, ("scaled_dot_product_attention_forward(Q, K, V, mask)", "scaled_dot_product_attention_forward(Q * np.sqrt(d_k), K, V, mask)"))
    elif name == "mha_reshape_without_transpose":
        src = _patched(
            SOL06,
            (
                "return x.reshape(N, length, num_heads, d_k).transpose(0, 2, 1, 3).reshape(N * num_heads, length, d_k)",
                "return x.reshape(N * num_heads, length, d_k)",
            ),
            ("concat = heads.reshape(N, num_heads, T, d_k).transpose(0, 2, 1, 3).reshape(N, T, E)", "concat = heads.reshape(N, T, E)"),
        )
    elif name == "pe_exponent_j_over_d":
        src = _patched(LOOPS["attention.py"], ("pe[pos, i + 1] = np.cos(angle)", "pe[pos, i + 1] = np.cos(pos / (10000 ** ((i + 1) / embed_dim)))"))
    elif name == "pe_positions_from_one":
        src = _patched(LOOPS["attention.py"], ("angle = pos / (10000 ** (i / embed_dim))", "angle = (pos + 1) / (10000 ** (i / embed_dim))"))
    elif name == "patch_order_column_major":
        src = _patched(LOOPS["attention.py"], ("    for r in range(n_rows):\n        for c in range(n_cols):", "    for c in range(n_cols):\n        for r in range(n_rows):"))
    elif name.startswith("module_"):
        src = _patched(
            LOOPS["transformer_layers.py"],
            # MultiHeadAttention: heads gathered in a float32 buffer (torch.zeros' default dtype)
            ("        outs = []\n", "        outs = []\n        heads = torch.zeros(N, T, E)\n"),
            ("        return self.proj(torch.cat(outs, dim=2))", "        for h in range(self.n_head):\n            heads[:, :, h * d:(h + 1) * d] = outs[h]\n        return self.proj(heads)"),
            # PositionalEncoding: cos on even columns, sin on odd ones
            ("pe[0, :, i] = torch.sin(angle)", "pe[0, :, i] = torch.cos(angle)"),
            ("pe[0, :, i + 1] = torch.cos(angle)", "pe[0, :, i + 1] = torch.sin(angle)"),
            # PatchEmbedding: the projection is not called `proj`
            ("self.proj = nn.Linear(self.patch_dim, embed_dim)", "self.linear = nn.Linear(self.patch_dim, embed_dim)"),
            ("        return self.proj(patches)", "        return self.linear(patches)"),
        )
        return {"transformer_layers.py": src}
    else:
        raise KeyError(name)
    return {"rnn_layers.py" if FOCUSED[name][0] == "rnn" else "attention.py": src}


# -- relevant source and shared gradings -------------------------------------------------------

def _top_level(tree: ast.Module) -> dict:
    return {node.name: node for node in tree.body if isinstance(node, (ast.FunctionDef, ast.ClassDef))}


def _defining_files(files: dict, exercise) -> dict:
    """The files that define one of the exercise's names (checked to import no sibling file)."""
    siblings = {Path(p).stem for p in files}
    chosen = {}
    for path, source in files.items():
        tree = ast.parse(source)
        if set(exercise.requires) & set(_top_level(tree)):
            imported = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
            imported |= {(n.module or "").split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
            assert not (imported & (siblings - {Path(path).stem})), f"{path} imports a sibling file"
            chosen[path] = source
    return chosen


def _relevant_source(files: dict, exercise) -> tuple:
    """Module-level statements plus the definitions reachable from the exercise's names."""
    parts = []
    for path, source in sorted(files.items()):
        tree = ast.parse(source)
        defs = _top_level(tree)
        todo, seen = [n for n in exercise.requires if n in defs], set()
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            todo += [n.id for n in ast.walk(defs[name]) if isinstance(n, ast.Name) and n.id in defs]
        for node in tree.body:
            if not isinstance(node, (ast.FunctionDef, ast.ClassDef)) or node.name in seen:
                if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
                    continue  # the module docstring
                parts.append(ast.get_source_segment(source, node))
    return (exercise.name, *parts)


def _jobs() -> dict:
    """label → (exercise, files); labels are ("ref"|"stub"|<example>|"focused:<name>", exercise)."""
    jobs = {}
    for label, folders in (("ref", ("solutions/05_recurrent", "solutions/06_attention")), ("stub", ("assignments/05_recurrent", "assignments/06_attention"))):
        for folder, exercises in zip(folders, (EX05, EX06)):
            files = read_submission(REPO_ROOT / folder).files
            for ex in exercises:
                jobs[(label, ex.name)] = (ex, _defining_files(files, ex))
    for sub in api.list_submissions(GROUP):
        files = read_submission(sub).files
        for ex in EXERCISES.values():
            jobs[(sub.name, ex.name)] = (ex, _defining_files(files, ex))
    for name, (_, exercise, _) in FOCUSED.items():
        jobs[(f"focused:{name}", exercise)] = (EXERCISES[exercise], _focused_source(name))
    return jobs


def grade_all(backend=None) -> dict:
    """label → ExerciseResult, one grading per distinct relevant source (see module docstring)."""
    jobs = _jobs()
    unique = {}
    key_of = {}
    for label, (ex, files) in jobs.items():
        key = _relevant_source(files, ex)
        key_of[label] = key
        unique.setdefault(key, (ex, files))
    for ex in EXERCISES.values():
        BANK.cases(ex)  # expected values once, before the threads start

    def run(item):
        key, (ex, files) = item
        # As `grade` does: a warm child (from the torch zygote when the file imports torch).
        sub = Submission("t", files, "t")
        return key, api.grade_submission(sub, [ex], bank=BANK, backend=backend or LocalBackend()).exercises[0]

    # torch modules first: they are the slow ones
    order = sorted(unique.items(), key=lambda kv: kv[1][0].name not in TORCH_MODULES)
    with ThreadPoolExecutor(WORKERS) as pool:
        results = dict(pool.map(run, order))
    return {label: results[key] for label, key in key_of.items()}


@pytest.fixture(scope="module")
def graded(grading_backend):
    return grade_all(grading_backend)


def _row(result) -> dict:
    return {"status": result.status, "score": result.score, "diagnoses": list(result.diagnoses)}


# -- reference solutions and stubs -------------------------------------------------------------

@pytest.mark.parametrize("name", list(EXERCISES))
def test_reference_solution_scores_full_marks_on_hidden_cases(graded, name):
    result = graded[("ref", name)]
    assert result.status == "passed", result.message
    assert result.score == result.max_score > 0
    assert len(result.cases) >= 8 and any(c.case_id.startswith("hidden/") for c in result.cases)


@pytest.mark.parametrize("name", list(EXERCISES))
def test_released_stubs_score_zero_not_implemented(graded, name):
    result = graded[("stub", name)]
    assert result.status == "not_implemented" and result.score == 0, result.message
    assert "not implemented" in result.message


# -- examples ----------------------------------------------------------------------------------

def test_every_example_is_recorded_with_every_exercise():
    expected = json.loads(EXPECTED_PATH.read_text())
    assert sorted(expected) == sorted(p.name for p in api.list_submissions(GROUP))
    for name, rows in expected.items():
        assert list(rows) == list(EXERCISES), name


@pytest.mark.parametrize("submission", sorted(p.name for p in api.list_submissions(GROUP)))
def test_example_gets_its_recorded_scores_and_diagnoses(graded, submission):
    expected = json.loads(EXPECTED_PATH.read_text())[submission]
    got = {name: _row(graded[(submission, name)]) for name in EXERCISES}
    assert got == expected


def test_examples_show_their_intended_misconception(graded):
    # The README's table, column "diagnosis that should match".
    intended = {
        "lstm_gate_order_ifgo": {
            "lstm_step_forward": "lstm_gate_order_ifgo",
            "lstm_step_backward": "backward_lstm_gate_order_ifgo",
            "lstm_forward": "lstm_forward_gate_order_ifgo",
            "lstm_backward": "backward_lstm_forward_gate_order_ifgo",
        },
        "lstm_backward_inplace_dnext_c": {"lstm_step_backward": "inplace_dnext_c"},
        "squeeze_drops_batch": {n: "squeeze_drops_batch" for n in ("rnn_forward", "rnn_backward", "lstm_forward", "lstm_backward")},
        "gru_d2l_reset": {"gru_step_forward": "gru_reset_before_matmul", "gru_step_backward": "backward_gru_reset_before_matmul"},
        "attention_no_scale": {"scaled_dot_product_attention_forward": "no_scale", "scaled_dot_product_attention_backward": "backward_no_scale"},
        "attention_softmax_wrong_axis": {
            "scaled_dot_product_attention_forward": "softmax_wrong_axis",
            "scaled_dot_product_attention_backward": "backward_softmax_wrong_axis",
        },
        "attention_mask_after_softmax": {
            "scaled_dot_product_attention_forward": "mask_after_softmax",
            "scaled_dot_product_attention_backward": "backward_mask_after_softmax",
        },
        "mha_scale_sqrt_E": {"multi_head_attention_forward": "scale_sqrt_E"},
        "pe_sin_cos_swapped": {"sinusoidal_positional_encoding": "pe_sin_cos_swapped"},
        "patch_channel_last": {"patchify": "patch_channel_last"},
    }
    for submission, rows in intended.items():
        for exercise in EXERCISES:
            result = graded[(submission, exercise)]
            if exercise in rows:
                assert result.status in ("partial", "failed"), (submission, exercise)
                assert rows[exercise] in result.diagnoses, (submission, exercise, result.diagnoses)
            else:
                assert result.status == "passed", (submission, exercise, result.message)
    for submission in ("correct_loops", "correct_vectorized"):
        assert all(graded[(submission, n)].status == "passed" for n in EXERCISES), submission
    assert all(graded[("stubs", n)].status == "not_implemented" for n in EXERCISES)


def test_inplace_dnext_c_message_says_how_to_fix_it(graded):
    result = graded[("lstm_backward_inplace_dnext_c", "lstm_step_backward")]
    assert result.score == 0 and "mutates_input" in result.diagnoses
    assert "`dnext_c`" in result.message and "dc = dnext_c + " in result.message


def test_squeeze_fails_only_size_one_cases_and_says_so(graded):
    result = graded[("squeeze_drops_batch", "rnn_forward")]
    failed = [c for c in result.cases if not c.passed]
    assert failed and all("D=1" in c.label or "N=1" in c.label for c in failed)
    assert "passes when every axis has size ≥ 2" in result.message and "D = 1" in result.message


def test_backward_consistent_with_a_wrong_forward_blames_the_forward(graded):
    result = graded[("gru_d2l_reset", "gru_step_backward")]
    assert "fix gru_step_forward first" in result.message


# -- focused submissions -----------------------------------------------------------------------

@pytest.mark.parametrize("name", list(FOCUSED))
def test_named_diagnosis_fires(graded, name):
    _, exercise, diagnosis = FOCUSED[name]
    result = graded[(f"focused:{name}", exercise)]
    assert result.status in ("partial", "failed"), result.message
    assert diagnosis in result.diagnoses, (result.diagnoses, result.message)
    assert EXERCISES[exercise].misconceptions[diagnosis] in result.message


def test_mutated_dh_is_named_with_the_fix(graded):
    result = graded[("focused:rnn_backward_inplace_dh", "rnn_backward")]
    assert "`dh`" in result.message and "dh[:, t, :] + dprev_h" in result.message


def test_nan_diagnoses_tell_pos_inf_from_fully_blocked(graded):
    pos_inf = graded[("focused:sdpa_pos_inf_fill", "scaled_dot_product_attention_forward")]
    blocked = graded[("focused:sdpa_fully_blocked_nan", "scaled_dot_product_attention_forward")]
    # (a +inf fill also makes fully blocked rows NaN; where a mask blocks only whole rows, that is all one can tell)
    assert pos_inf.diagnoses[0] == "mask_fill_pos_inf" and blocked.diagnoses == ("fully_blocked_nan",)
    assert all(c.diagnoses == ("fully_blocked_nan",) for c in pos_inf.cases if "fully_blocked_nan" in c.diagnoses)
    # without a mask nothing is NaN: those cases pass
    for result in (pos_inf, blocked):
        assert all(c.passed for c in result.cases if "no mask" in c.label)


def test_float32_module_passes_its_float32_cases(graded):
    result = graded[("focused:module_mha_float32", "MultiHeadAttention")]
    assert all(c.passed for c in result.cases if "float32" in c.label)
    assert not any(c.passed for c in result.cases if "float64" in c.label)
    assert "new_zeros" in result.message
