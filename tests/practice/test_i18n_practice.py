"""Every message of the practice package has a Korean translation with the same placeholders."""
from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir

import grader.practice
from grader.i18n import catalogue, untranslated

PACKAGE = Path(grader.practice.__file__).parent


def practice_ids() -> list[str]:
    ids = []
    for _file, _line, message, _comments, _ctx in extract_from_dir(str(PACKAGE), method_map=[("**.py", "python")], keywords={"N_": None, "msg": None}):
        if isinstance(message, str) and message not in ids:
            ids.append(message)
    return ids


def test_extraction_finds_the_messages():
    ids = practice_ids()
    assert len(ids) > 150 and "Correct." in ids and "Question {label} ({points} points)" in ids


def test_every_practice_message_has_korean():
    assert untranslated("ko", "practice", practice_ids()) == []


def test_korean_keeps_the_placeholders():
    table = catalogue("ko", "practice")
    for message in practice_ids():
        assert set(re.findall(r"\{(\w+)\}", message)) == set(re.findall(r"\{(\w+)\}", table[message])), message
