"""The message catalogue: lookup, fallback, placeholders, and unknown languages."""
from __future__ import annotations

import pytest

from grader import i18n


@pytest.fixture
def po_dir(tmp_path, monkeypatch):
    folder = tmp_path / "ko" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "demo.po").write_text(
        'msgid ""\nmsgstr ""\n"Language: ko\\n"\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "{name} passed"\nmsgstr "{name} 통과"\n\n'
        '#, fuzzy\nmsgid "draft"\nmsgstr "초안"\n\n'
        'msgid "empty"\nmsgstr ""\n',
        encoding="utf-8",
    )
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    i18n.catalogue.cache_clear()
    yield tmp_path
    i18n.catalogue.cache_clear()


def test_korean_translation_with_fields(po_dir):
    t = i18n.translator("ko", "demo")
    assert t("{name} passed", name="conv_forward_naive") == "conv_forward_naive 통과"


def test_english_is_the_message_id(po_dir):
    assert i18n.translator("en", "demo")("{name} passed", name="x") == "x passed"


def test_fuzzy_and_empty_entries_fall_back_and_are_reported(po_dir):
    t = i18n.translator("ko", "demo")
    assert t("draft") == "draft"
    assert i18n.untranslated("ko", "demo", ["{name} passed", "draft", "empty", "new"]) == ["draft", "empty", "new"]


def test_unknown_language_is_refused():
    with pytest.raises(i18n.UnknownLanguage):
        i18n.translator("fr", "cli")


def test_shipped_cli_catalogue_loads():
    t = i18n.translator("ko", "cli")
    assert "알 수 없는 언어" in t("unknown language {lang}; choose one of {choices}", lang="fr", choices="en, ko")
