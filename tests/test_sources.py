"""Textual tests on a submission's sources (grader.runner.sources)."""
from __future__ import annotations

from grader.runner import sources

SRC = ("import numpy as np\n\ndef conv_forward_naive(x):\n    inner = 1\n    return x\n"
       "class ResidualBlock:\n    pass\nALPHA = 3\nbeta: int = 2\n\ndef conv_forward_fast(x):\n    pass\n")


def test_defined_names_are_defs_classes_and_assignments_at_line_start():
    names = sources.defined_names(SRC)
    assert {"conv_forward_naive", "ResidualBlock", "ALPHA", "inner", "conv_forward_fast"} <= names
    assert "conv_forward" not in names              # a prefix of a defined name is not defined
    assert "beta" not in names and "np" not in names
    assert sources.defines(SRC, "ResidualBlock") and not sources.defines(SRC, "conv")


def test_files_for_prefers_defining_files_else_all():
    files = {"b.py": "def g():\n    pass\n", "a.py": SRC, "c.py": "x = 1\n"}
    assert sources.files_for(files, ["conv_forward_naive", "g"]) == ["a.py", "b.py"]
    assert sources.files_for(files, ["nowhere"]) == ["a.py", "b.py", "c.py"]


def test_imports_torch_only_at_a_line_start():
    assert sources.imports_torch("import numpy\nimport torch\n")
    assert sources.imports_torch("from torch import nn\n")
    assert sources.imports_torch("try:\n    import torch.nn.functional as F\nexcept ImportError:\n    pass\n")
    assert not sources.imports_torch("import torchvision_like\n# import torch\nx = 'import torch'\n")
    assert not sources.imports_torch("import numpy as np\n")
