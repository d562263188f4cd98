"""Notebook submissions: code from code cells, magics skipped, errors cite the cell."""
import json

import nbformat
import pytest

from grader.api import CaseBank, grade_submission, select_exercises
from grader.runner.local import LocalBackend
from grader.submission import NotebookError, cite_cells, read_notebook, read_submission

SOLUTION = '''def conv_output_size(input_size, kernel_size, stride=1, pad=0, dilation=1):
    if min(input_size, kernel_size, stride, dilation) < 1 or pad < 0:
        raise ValueError("out of range")
    out = (input_size + 2 * pad - dilation * (kernel_size - 1) - 1) // stride + 1
    if out < 1:
        raise ValueError("does not fit")
    return out'''


def _write(path, *sources, markdown_first=True):
    nb = nbformat.v4.new_notebook()
    nb.cells = ([nbformat.v4.new_markdown_cell("# Homework")] if markdown_first else []) + [nbformat.v4.new_code_cell(s) for s in sources]
    nbformat.write(nb, path)
    return path


@pytest.fixture(scope="module")
def grade():
    exercises = select_exercises(["01_conv_arithmetic"], "conv_output_size")
    bank = CaseBank(None)
    backend = LocalBackend()

    def run(path):
        return grade_submission(read_submission(path), exercises, bank=bank, backend=backend)

    return run


def test_split_reordered_cells_with_magics_and_scratch_code_pass(tmp_path, grade):
    head, body = SOLUTION.split("    out =")
    path = _write(
        tmp_path / "hw 1.ipynb",  # a name that is not a module name
        "print(conv_output_size(5, 3))\nwhile True: pass",  # scratch code before the definition; never run
        "%matplotlib inline\n!pip install numpy\nimport numpy as np",
        "%%bash\necho hi",
        head + "    return _helper(input_size, kernel_size, stride, pad, dilation)",
        "def _helper(input_size, kernel_size, stride, pad, dilation):\n    out =" + body.replace("\n    ", "\n    ", 1),
    )
    result = grade(path)
    assert result.exercises[0].status == "passed", result.exercises[0].message
    notes = "\n".join(result.notes)
    assert "cell 3 (`%matplotlib inline`): lines 1, 2 are IPython magics or shell commands; skipped, not run" in notes
    assert "cell 4 (`%%bash`): a cell magic (%%bash); the cell was skipped" in notes
    assert "not run when grading" in notes


def test_errors_cite_cell_and_line_within_it(tmp_path, grade):
    broken = SOLUTION.replace("    return out", "    return out + undefined_name")
    path = _write(tmp_path / "hw2.ipynb", "import numpy as np", broken, "def other(:\n    pass")
    result = grade(path)
    ex = result.exercises[0]
    assert ex.status in ("failed", "partial")
    assert 'File "hw2.ipynb", cell 3 (`def conv_output_size(input_size, kernel_size, stride=1, pad…`), line 7' in ex.message
    assert "hw2.py" not in ex.message
    assert any("cell 4 (`def other(:`), line 1: SyntaxError" in n for n in result.notes)


def test_import_error_cites_the_notebook_not_python_yourfile(tmp_path):
    path = _write(tmp_path / "hw2.ipynb", "import numpy as np\nX = 1", "Y = np.zeros(2)\nraise_here = 1 / 0")
    sub = read_submission(path)
    (py,) = sub.files
    line = sub.files[py].splitlines().index("raise_here = 1 / 0") + 1
    message = (
        "conv_output_size could not be found because a file failed to import; fix the error below "
        f"(`python yourfile.py` shows it too).\n{py[:-3]}.py failed to import:\n"
        f'  File "{py}", line {line}, in <module>\nZeroDivisionError: division by zero'
    )
    cited = cite_cells(message, sub)
    assert 'File "hw2.ipynb", cell 3 (`Y = np.zeros(2)`), line 2, in <module>' in cited
    assert "hw2.ipynb failed to import" in cited
    assert "python yourfile.py" not in cited and "running that cell in Jupyter shows it too" in cited


def test_deepgrade_cells_and_scratch_are_not_graded():
    nb = nbformat.v4.new_notebook()
    check = nbformat.v4.new_code_cell("check('01', 'conv_output_size')")
    check.metadata["tags"] = ["deepgrade-check"]
    setup = nbformat.v4.new_code_cell("from grader.notebooks.kernel import check")
    setup.metadata["tags"] = ["deepgrade-setup"]
    nb.cells = [setup, nbformat.v4.new_code_cell("import numpy as np\nK = np.array([1, 2])\nout = f(K)\nplt.show()"), check]
    src = read_notebook(nbformat.writes(nb)).source
    assert "grader" not in src and "check(" not in src
    assert "K = np.array([1, 2])" in src and "f(K)" not in src and "plt.show" not in src


@pytest.mark.parametrize("text, reason", [
    ("not json", "not a valid Jupyter notebook"),
    (json.dumps({"cells": 3, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}), "not a valid Jupyter notebook"),
])
def test_invalid_notebook_gets_its_reason(tmp_path, text, reason):
    with pytest.raises(NotebookError, match=reason):
        read_notebook(text, "x.ipynb")
    (tmp_path / "x.ipynb").write_text(text)
    sub = read_submission(tmp_path / "x.ipynb")
    assert sub.files == {} and sub.notes[0].startswith("x.ipynb skipped: x.ipynb is not a valid Jupyter notebook: ")


@pytest.mark.slow  # subprocesses of the CLI
def test_check_cli_on_a_notebook_cites_cells_and_lists_skipped_magics(tmp_path):
    import subprocess
    import sys

    broken = SOLUTION.replace("    return out", "    return out + undefined_name")
    path = _write(tmp_path / "hw2.ipynb", "!pip install numpy\nimport numpy as np", broken)
    proc = subprocess.run([sys.executable, "-m", "grader", "check", "01", "-k", "conv_output_size", "--path", str(path)], capture_output=True, text=True, timeout=120, env={**__import__("os").environ, "COLUMNS": "300"})
    out = proc.stdout
    assert proc.returncode == 1
    assert 'File "hw2.ipynb", cell 3 (`def conv_output_size(' in out and "line 7, in conv_output_size" in out
    assert "note: hw2.ipynb, cell 2 (`!pip install numpy`): line 1 is an IPython magic or shell command; skipped, not run" in out
    assert "hw2.py" not in out and "python yourfile.py" not in out
    positional = subprocess.run([sys.executable, "-m", "grader", "check", "hw2.ipynb"], cwd=tmp_path, capture_output=True, text=True, timeout=180, env={**__import__("os").environ, "COLUMNS": "300"})
    assert "on the public cases of 01_conv_arithmetic\n" in positional.stdout and 'File "hw2.ipynb", cell 3' in positional.stdout


def test_release_extras_write_notebooks_course_and_bundle(tmp_path):
    from rich.console import Console

    from grader.lms.release_targets import release_extras

    (tmp_path / "copy").mkdir()
    (tmp_path / "copy" / "pyproject.toml").write_text('[tool.pytest.ini_options]\ntestpaths = ["tests"]\n')
    release_extras(Console(file=__import__("io").StringIO()), student_dir=tmp_path / "copy", nbgrader_dir=tmp_path / "course", gradescope_dir=tmp_path / "gs", assignments=["01_conv_arithmetic"])
    assert len(list((tmp_path / "copy" / "notebooks").glob("*.ipynb"))) == 6
    assert 'testpaths = ["assignments"]' in (tmp_path / "copy" / "pyproject.toml").read_text()
    assert (tmp_path / "course" / "source" / "01_conv_arithmetic" / "01_conv_arithmetic.ipynb").is_file()
    assert "DeepgradeAutograde" in (tmp_path / "course" / "nbgrader_config.py").read_text()
    assert (tmp_path / "gs" / "run_autograder").is_file() and (tmp_path / "gs" / "setup.sh").is_file()


def test_copied_cell_later_definition_wins_and_deleted_cell_is_missing(tmp_path, grade):
    wrong = SOLUTION.replace("    return out", "    return out + 1")
    copied = _write(tmp_path / "copied.ipynb", wrong, "import numpy as np", SOLUTION)  # fixed in a copy further down
    assert grade(copied).exercises[0].status == "passed"
    deleted = _write(tmp_path / "deleted.ipynb", "import numpy as np", "def something_else():\n    pass")
    ex = grade(deleted).exercises[0]
    assert ex.status == "missing" and "deleted.ipynb" in ex.message and "deleted.py" not in ex.message


def test_schema_problems_are_named_but_code_cells_still_read():
    text = json.dumps({"cells": [{"cell_type": "code", "source": "X = 1", "metadata": {}, "outputs": [], "execution_count": None, "colab_extra": True}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    read = read_notebook(text, "colab.ipynb")
    assert "X = 1" in read.source
    assert read.notes[0].startswith("colab.ipynb does not follow the notebook format (") and read.notes[0].endswith("its code cells were read anyway")
