"""Names the student did not write, NumPy-2 removals, missing modules and stub_modules (issue 9 items 4-5)."""
import importlib.util
import sys
import textwrap
from pathlib import Path

import pytest

from grader import api, authorship, environment
from grader.config import ConfigError, load_config
from grader.i18n import untranslated
from grader.reference import REPO_ROOT
from grader.runner import ownership, stub_modules
from grader.runner.local import LocalBackend
from grader.submission import Submission

BACKEND = LocalBackend()
# The reference's own source: the arithmetic is not what these tests are about.
ARITHMETIC = "\n" + (REPO_ROOT / "solutions/01_conv_arithmetic/conv_arithmetic.py").read_text(encoding="utf-8") + "\n"
CORRELATE = "import numpy as np\n" \
    "def correlate2d(image, kernel):\n" \
    "    H, W = image.shape; HH, WW = kernel.shape\n" \
    "    return np.array([[np.sum(image[i:i + HH, j:j + WW] * kernel) for j in range(W - WW + 1)] for i in range(H - HH + 1)])\n"


@pytest.fixture(scope="module")
def bank():
    return api.CaseBank("env-test-secret")


def _grade(bank, files: dict, names: set, stub=()):
    exercises = [ex for ex in api.select_exercises(["01", "02"]) if ex.name in names]
    sub = Submission(name="t", files={k: textwrap.dedent(v) for k, v in files.items()}, digest="t")
    result = api.grade_submission(sub, exercises, bank=bank, backend=BACKEND, stub_modules=stub)
    return {r.name: r for r in result.exercises}


# -- item 4: a graded name imported from a library ----------------------------------------------

def test_library_function_bound_to_graded_name_scores_zero_and_says_so(bank):
    got = _grade(bank, {"conv.py": "from numpy import convolve as convolve2d\n" + CORRELATE}, {"convolve2d", "correlate2d"})
    assert got["convolve2d"].score == 0 and got["convolve2d"].status == "failed"
    assert got["convolve2d"].diagnoses == (authorship.DIAGNOSIS,)
    assert "imported from numpy" in got["convolve2d"].message and "not defined in your submission" in got["convolve2d"].message
    assert got["correlate2d"].status == "passed"  # the student's own function in the same file is graded as usual


def test_name_from_another_own_file_and_wrapper_around_library_are_own_work(bank):
    files = {
        "helpers.py": ARITHMETIC.replace("def conv_output_size", "def _size"),
        "answers.py": "from helpers import _size as conv_output_size\nimport numpy as np\n"
        + CORRELATE.replace("def correlate2d", "def _corr")
        + "def correlate2d(image, kernel):\n    return np.asarray(_corr(image, kernel))\n",
    }
    got = _grade(bank, files, {"conv_output_size", "correlate2d"})
    assert got["conv_output_size"].status == "passed", got["conv_output_size"].message
    assert got["correlate2d"].status == "passed", got["correlate2d"].message


def _module_from(tmp_path: Path, name: str, source: str):
    path = tmp_path / f"{name}.py"
    path.write_text(textwrap.dedent(source))
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def test_origin_tells_student_classes_decorated_functions_and_library_objects_apart(tmp_path):
    import functools

    mod = _module_from(
        tmp_path,
        "dg_student_mod",
        """
        import functools, json
        import numpy as np
        from numpy import pad as my_pad

        class Layer(json.JSONDecoder):         # methods from a library, class of the student's
            pass

        def deco(f):
            @functools.wraps(f)
            def inner(*a, **k):
                return f(*a, **k)
            return inner

        @deco
        def softmax(x, axis=-1):
            e = np.exp(x - x.max(axis=axis, keepdims=True))
            return e / e.sum(axis=axis, keepdims=True)

        partial_own = functools.partial(softmax, axis=0)
        lam = lambda x: x
        """,
    )
    try:
        workdir = tmp_path.resolve()
        assert ownership.origin(mod.Layer, workdir) is None
        assert ownership.origin(mod.softmax, workdir) is None
        assert ownership.origin(mod.partial_own, workdir) is None
        assert ownership.origin(mod.lam, workdir) is None
        assert ownership.origin(mod.my_pad, workdir) == "numpy"
        assert ownership.origin(functools.reduce, workdir) == "_functools"
        assert ownership.origin(mod.np.einsum, workdir) is not None
    finally:
        del sys.modules["dg_student_mod"]


# -- item 5: environment faults ------------------------------------------------------------------

def test_explain_numpy_removals_and_missing_modules():
    text = "Traceback...\nAttributeError: module 'numpy' has no attribute 'float'.\n`np.float` was a deprecated alias"
    assert environment.explain(text) == "np.float was removed in NumPy 1.24: use float"
    assert environment.explain("AttributeError: `np.float_` was removed in the NumPy 2.0 release. Use `np.float64` instead.") == (
        "np.float_ was removed in NumPy 2.0: use np.float64"
    )
    assert "cs231n.data_utils" in environment.explain("ModuleNotFoundError: No module named 'cs231n.data_utils'")
    assert environment.explain("AttributeError: module 'numpy' has no attribute 'frobnicate'") is None
    assert environment.explain("ValueError: shapes (2,3) and (4,) not aligned") is None
    ko = environment.explain(text, "ko")
    assert ko != environment.explain(text) and "np.float" in ko and "1.24" in ko


def test_every_submission_message_has_a_korean_translation():
    ids = [environment.NUMPY_ALIAS_REMOVED, environment.MODULE_MISSING, authorship.NOT_OWN_WORK]
    assert untranslated("ko", "submission", ids) == []


def test_numpy_alias_at_import_and_inside_a_call_get_one_line(bank):
    at_import = _grade(bank, {"a.py": "import numpy as np\nDTYPE = np.int\n" + ARITHMETIC}, {"conv_output_size"})["conv_output_size"]
    assert at_import.score == 0
    assert "np.int was removed in NumPy 1.24: use int" in at_import.message
    in_call = CORRELATE.replace("return np.array(", "return np.array(dtype=np.float, object=")
    got = _grade(bank, {"b.py": in_call}, {"correlate2d"})["correlate2d"]
    assert got.score == 0 and "np.float was removed in NumPy 1.24: use float" in got.message


def test_missing_module_is_named_and_stub_modules_make_it_importable(bank):
    files = {
        "layers.py": "from cs231n.data_utils import load_CIFAR10\nimport cs231n.fast_layers as fast\n"
        + ARITHMETIC
        + CORRELATE
        + "def convolve2d(image, kernel):\n    return fast.conv_forward_fast(image, kernel)\n"
    }
    names = {"conv_output_size", "correlate2d", "convolve2d"}
    without = _grade(bank, files, names)
    assert all(r.score == 0 for r in without.values())
    assert "your code imports cs231n, which is not available" in without["correlate2d"].message
    stubbed = _grade(bank, files, names, stub=("cs231n.*",))
    assert stubbed["conv_output_size"].status == "passed", stubbed["conv_output_size"].message
    assert stubbed["correlate2d"].status == "passed"
    used = stubbed["convolve2d"]
    assert used.score == 0 and "cs231n.fast_layers.conv_forward_fast was used" in used.message
    assert "stub_modules" in used.message


def test_stub_module_only_stands_in_for_what_cannot_be_found(bank):
    # The student's own cs231n package wins over the stand-in; only its missing submodule is stood in for.
    files = {
        "cs231n/__init__.py": "",
        "cs231n/helpers.py": "def pad_amount():\n    return 0\n",
        "main.py": "import numpy as np\nfrom cs231n.helpers import pad_amount\nfrom cs231n.im2col_cython import col2im\n"
        + CORRELATE.replace("H, W = image.shape", "H, W = image.shape; assert pad_amount() == 0"),
    }
    got = _grade(bank, files, {"correlate2d"}, stub=("cs231n.*",))
    assert got["correlate2d"].status == "passed", got["correlate2d"].message


def test_imported_from_stand_in_is_not_own_work(bank):
    got = _grade(bank, {"a.py": "from cs231n.layers import correlate2d\n"}, {"correlate2d"}, stub=("cs231n.*",))["correlate2d"]
    assert got.score == 0 and got.diagnoses == (authorship.DIAGNOSIS,) and "cs231n.layers" in got.message


def test_stub_module_patterns():
    assert stub_modules.matches("cs231n", ["cs231n.*"]) and stub_modules.matches("cs231n.a.b", ["cs231n.*"])
    assert not stub_modules.matches("cs231nx", ["cs231n.*"])
    assert stub_modules.matches("cs231n", ["cs231n.data_utils"])  # the parent of a listed module
    assert not stub_modules.matches("cs231n.layers", ["cs231n.data_utils"])
    missing = stub_modules.Missing("cs231n.data_utils.load_CIFAR10", "cs231n.data_utils")
    assert missing.anything is not None and "stand-in" in repr(missing)
    with pytest.raises(ModuleNotFoundError, match="load_CIFAR10 was used"):
        missing("path")
    with pytest.raises(ModuleNotFoundError):
        missing + 1
    with pytest.raises(AttributeError):
        missing.__array__


def test_config_reads_and_validates_stub_modules(tmp_path):
    good = tmp_path / "good.toml"
    good.write_text('[course]\nsecret = "s"\n[submission]\nstub_modules = ["cs231n.*", "im2col_cython"]\n')
    assert load_config(None, good).stub_modules == ("cs231n.*", "im2col_cython")
    bad = tmp_path / "bad.toml"
    bad.write_text('[course]\nsecret = "s"\n[submission]\nstub_modules = ["cs231n/*"]\n')
    with pytest.raises(ConfigError, match="stub_modules"):
        load_config(None, bad)
    no_secret = tmp_path / "ns.toml"
    no_secret.write_text('[submission]\nstub_modules = ["cs231n.*"]\n')
    assert load_config(None, no_secret, require_secret=False).stub_modules == ("cs231n.*",)
