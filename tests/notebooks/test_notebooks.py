"""Generated notebooks: structure, bilingual text, worked numbers, and real executions with nbclient."""
import ast
import re

import nbformat
import numpy as np
import pytest

from grader.exercises import ASSIGNMENTS
from grader.i18n import catalogue, untranslated
from grader.notebooks import content
from grader.notebooks.build import FLAVOURS, VISUALISATIONS, build_notebook
from grader.notebooks.kernel import check_result, format_result
from grader.notebooks.viz import correlate_valid, load_image, make_image, receptive_fields
from grader.release import released_files


def _messages() -> list[str]:
    """Every message id marked with N_() in the notebooks package (what babel's extractor sees)."""
    from pathlib import Path

    from babel.messages.extract import extract_from_dir

    import grader.notebooks as pkg

    import grader.submission

    found = {m[2] for m in extract_from_dir(Path(pkg.__file__).parent, keywords={"N_": None}, method_map=[("**.py", "python")])}
    from babel.messages.extract import extract

    with open(grader.submission.__file__, "rb") as fh:  # notebook-reading notes are in the same domain
        found |= {m[1] for m in extract("python", fh, keywords={"N_": None})}
    return sorted(found)


def test_every_notebook_message_has_korean():
    messages = _messages()
    assert len(messages) > 40 and content.CHECK_LINE in messages and content.TOPICS["05_recurrent"][0] in messages
    from grader import submission

    assert submission.NOTE_SCRATCH in messages and submission.RUN_THAT_CELL in messages
    assert untranslated("ko", "notebook", messages) == []


def test_korean_placeholders_match_english():
    for en, ko in catalogue("ko", "notebook").items():
        assert set(re.findall(r"\{(\w+)", en)) == set(re.findall(r"\{(\w+)", ko)), en


@pytest.mark.parametrize("assignment", list(ASSIGNMENTS))
def test_stub_notebook_has_stub_cells_checks_and_both_languages(assignment):
    nb = build_notebook(assignment, "stub")
    nbformat.validate(nb)
    stubs = "".join(text for rel, text in released_files().items() if rel.startswith(assignment + "/"))
    codes = [c for c in nb.cells if c.cell_type == "code"]
    for ex in ASSIGNMENTS[assignment]:
        (cell_index,) = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and re.match(rf"(class|def) {ex.name}\b", c.source)]
        cell = nb.cells[cell_index]
        assert cell.source in stubs, f"{ex.name}: the cell is not the released stub's text"
        assert f'raise NotImplementedError("{assignment}/{ex.name}")' in cell.source
        ast.parse(cell.source)
        following = nb.cells[cell_index + 1]
        assert following.metadata["tags"] == ["deepgrade-check"] and following.source == f"check({assignment!r}, {ex.name!r})"
    assert "### BEGIN SOLUTION" not in "".join(c.source for c in codes)
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert re.search("[가-힣]", markdown) and "Exercise:" in markdown and "문제:" in markdown


def test_topics_cover_what_the_issue_asks():
    text = " ".join(" ".join(t) for t in content.TOPICS.values())
    for needle in ("cross-correlation", "H_{out}", "Dilation", "Groups", "1×1", "GoogLeNet", "MobileNet", "identity", "forget gate", "vanishing", "Queries, keys and values"):
        assert needle in text, needle


def test_worked_numbers_in_the_texts(solution):
    s1 = solution("01_conv_arithmetic")
    text = " ".join(" ".join(t) for t in content.TOPICS.values())
    assert s1.conv_output_size(32, 5, pad=2) == 32 and "$H=32, K=5, P=2, S=1$ gives 32" in text
    assert s1.conv_output_size(7, 3, stride=2) == 3 and "$H=7, K=3, P=0, S=2$ gives 3" in text
    assert s1.receptive_field([(3, 1, 1)] * 3) == 7 == receptive_fields([(3, 1, 1)] * 3)[-1]
    full = s1.conv_param_count(256, 256, 3, bias=False)
    bottleneck = s1.conv_param_count(256, 64, 1, bias=False) + s1.conv_param_count(64, 64, 3, bias=False) + s1.conv_param_count(64, 256, 1, bias=False)
    assert (full, bottleneck) == (589_824, 69_632) and "589{,}824" in text and "69{,}632" in text
    ratio = s1.depthwise_separable_cost_ratio(64, 256, 3)
    assert round(ratio, 3) == 0.115 and round(1 / ratio, 1) == 8.7 and "0.115" in text and "8.7 times" in text
    assert receptive_fields([(3, 2, 1), (3, 2, 1), (3, 1, 2)]) == [3, 7, 23]


def test_bundled_image_is_the_generated_one():
    assert np.array_equal(np.round(load_image() * 255).astype(np.uint8), make_image())
    sobel = correlate_valid(load_image(), np.array([[1.0, 0, -1], [2, 0, -2], [1, 0, -1]]))
    assert sobel.shape == (62, 62) and np.abs(sobel).max() > 1  # the shapes have edges


def test_nbgrader_flavour_has_graded_cells_with_the_exercise_points():
    nb = build_notebook("02_convolution", "nbgrader")
    graded = {c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"] for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")}
    assert graded == {f"test_{ex.name}": {"grade": True, "solution": False, "locked": True, "grade_id": f"test_{ex.name}", "schema_version": 3, "points": float(ex.points)} for ex in ASSIGNMENTS["02_convolution"]}
    solutions = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
    assert all("### BEGIN SOLUTION" in c.source for c in solutions)
    assert not any("deepgrade-check" in c.metadata.get("tags", []) for c in nb.cells)


def test_notebook_notes_in_korean():
    from grader.submission import read_notebook

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("%matplotlib inline\nimport numpy as np")]
    (note,) = read_notebook(nbformat.writes(nb), "hw.ipynb", "ko").notes
    assert note == "hw.ipynb, 셀 1 (`%matplotlib inline`): 1번째 줄은 IPython 매직 또는 셸 명령입니다. 건너뛰었고 실행하지 않았습니다"


def test_kernel_check_grades_cells_in_a_child_and_cites_in_numbers():
    good = "import numpy as np\ndef correlate2d(image, kernel):\n    H, W = kernel.shape\n    return np.array([[np.sum(image[i:i+H, j:j+W] * kernel) for j in range(image.shape[1]-W+1)] for i in range(image.shape[0]-H+1)])"
    assert check_result("02", "correlate2d", cells=[good, "correlate2d(np.ones((3, 3)), np.ones((2, 2)))"]).status == "passed"
    bad = good.replace("return np.array", "return undefined_name + np.array")
    result = check_result("02", "correlate2d", cells=["x = 1", bad])
    assert result.status == "error"  # it raised on every case (not wrong values)
    assert 'cell 2 (`import numpy as np`), line 4' in result.message and "notebook_session.py" not in result.message
    text = format_result(result, "ko")
    assert text.startswith("correlate2d: 오류, 0/1점 (공개 케이스)")


def _outputs(nb, tag):
    return [(c, "".join(o.get("text", "") for o in c.outputs if o.output_type == "stream")) for c in nb.cells if tag in c.metadata.get("tags", [])]


@pytest.mark.slow
@pytest.mark.parametrize("flavour", ["solution", "stub"])
@pytest.mark.parametrize("assignment", list(ASSIGNMENTS))
def test_notebook_runs_to_the_end(assignment, flavour, tmp_path):
    """One kernel per notebook; every self-check passes on the reference and says "not implemented" on the stubs."""
    from nbclient import NotebookClient

    nb = build_notebook(assignment, flavour)
    NotebookClient(nb, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors, errors[0]
    checks = _outputs(nb, "deepgrade-check")
    assert len(checks) == len(ASSIGNMENTS[assignment])
    word = "passed" if flavour == "solution" else "not implemented"
    for ex, (cell, text) in zip(ASSIGNMENTS[assignment], checks):
        assert text.startswith(f"{ex.name}: {word}, "), text
    for cell, text in _outputs(nb, "deepgrade-viz"):
        assert any("image/png" in o.get("data", {}) for o in cell.outputs), cell.source
        assert ("not implemented yet" in text) == (flavour == "stub") or "receptive_field" in cell.source
    assert len(_outputs(nb, "deepgrade-viz")) == sum(a == assignment for a, _ in VISUALISATIONS)


@pytest.mark.skipif(__import__("importlib.util").util.find_spec("nbgrader") is None, reason="nbgrader extra not installed")
def test_nbgrader_preprocessor_scores_only_deepgrade_cells(tmp_path, monkeypatch):
    """Without a kernel, an ordinary (non-deepgrade) test cell must not get full marks by having no output."""
    from nbgrader.utils import determine_grade

    from grader.lms.nbgrader_glue import DeepgradeAutograde

    nb = build_notebook("01_conv_arithmetic", "solution")
    other = nbformat.v4.new_code_cell("assert True")
    other.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True, "grade_id": "my_test", "points": 5, "schema_version": 3}
    deepgrade_cell = nbformat.v4.new_code_cell("autograder_cell('01', 'same_padding')")
    deepgrade_cell.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True, "grade_id": "test_same_padding", "points": 1.0, "schema_version": 3}
    nb.cells += [other, deepgrade_cell]
    monkeypatch.setenv("DEEPGRADE_SECRET", "unit-secret")
    pre = DeepgradeAutograde(no_sandbox=True)
    nb, _ = pre.preprocess(nb, {"nbgrader": {"student": "s1"}})
    assert determine_grade(other) == (0, 5.0)
    assert determine_grade(deepgrade_cell) == (1.0, 1.0)
    assert deepgrade_cell.outputs[0]["text"].startswith("same_padding: passed, 1/1 points (all cases)")
