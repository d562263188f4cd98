"""Every message the batch path marks with N_ has a Korean translation (domain "batch")."""
from __future__ import annotations

from babel.messages.extract import extract_python

from grader import i18n
from grader.reference import REPO_ROOT
from grader.results import STATUS_MEANINGS

FILES = ("grader/results.py", "grader/api.py", "grader/intake/collect.py")


def _ids() -> list[str]:
    ids = []
    for path in FILES:
        with open(REPO_ROOT / path, "rb") as fh:
            ids += [m[2] for m in extract_python(fh, ["N_"], [], {})]
    return ids


def test_every_batch_message_has_korean():
    ids = _ids()
    assert len(ids) >= 15 and set(STATUS_MEANINGS.values()) <= set(ids)
    assert i18n.untranslated("ko", "batch", ids) == []
    assert "시간 제한" in i18n.translator("ko", "batch")(STATUS_MEANINGS["timeout"])
