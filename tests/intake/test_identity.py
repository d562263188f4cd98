"""Student ids and output names: Unicode kept, nothing collides, nothing escapes OUT/."""
import unicodedata

import pytest

from grader.intake.identity import lookalike_groups, normalize_id, output_names, safe_name, short_hash


def test_nfd_and_nfc_korean_names_are_one_student():
    nfd = unicodedata.normalize("NFD", "김민수")
    assert nfd != "김민수" and normalize_id(nfd) == normalize_id("김민수") == "김민수"


def test_korean_names_keep_their_letters_and_differ():
    names = output_names(["김민수", "이영희"])
    assert names == {"김민수": "김민수", "이영희": "이영희"}


@pytest.mark.parametrize("pair", [("kim lee", "kim_lee"), ("Kim", "kim"), ("alice", "аlice"), ("bob", "ｂｏｂ")])
def test_confusable_pairs_get_distinct_hashed_names(pair):
    names = output_names(pair)
    assert len({n.casefold() for n in names.values()}) == 2
    for sid, stem in names.items():
        if pair == ("kim lee", "kim_lee"):
            continue  # a space is a safe character: both keep their readable names
        assert stem.endswith("-" + short_hash(sid))


def test_space_and_underscore_stay_distinct_and_readable():
    assert output_names(["kim lee", "kim_lee"]) == {"kim lee": "kim lee", "kim_lee": "kim_lee"}


@pytest.mark.parametrize("raw", ["../../etc/passwd", "a/b", "..", ".", "x\\y", "con:1", "\x00evil", ".hidden"])
def test_unsafe_names_become_one_safe_component(raw):
    stem = output_names([normalize_id(raw)])[normalize_id(raw)]
    assert "/" not in stem and "\\" not in stem and "\x00" not in stem
    assert not stem.startswith(".") and stem not in ("", ".", "..")
    assert stem.endswith(short_hash(normalize_id(raw)))  # altered, so hashed


def test_undecodable_bytes_in_names_stay_distinct_and_lone_surrogates_are_replaced():
    a, b = normalize_id("bad\udcffname"), normalize_id("bad\udcfename")
    assert (a, b) == ("bad%FFname", "bad%FEname")
    sid = normalize_id("x\ud800y")
    sid.encode("utf-8")
    assert sid == "x\ufffdy"


def test_hashed_stem_cannot_be_claimed_by_another_name():
    victim = "Kim"
    names = output_names(["Kim", "kim"])
    claimed = names[victim]  # e.g. "Kim-1a2b3c4d", a name someone could choose on purpose
    names = output_names(["Kim", "kim", claimed])
    assert len({n.casefold() for n in names.values()}) == 3


def test_lookalike_groups_are_reported():
    assert lookalike_groups(["alice", "аlice", "bob"]) == [("alice", "аlice")]


def test_safe_name_keeps_unicode():
    assert safe_name("José Müller") == "José Müller"


def test_lms_students_get_their_name_and_number():
    from grader.intake.identity import readable_name

    ids = ["canvas:1001", "canvas:1002", "kimminsu_1001"]
    readable = {"canvas:1001": readable_name("canvas:1001", "kimminsu"), "canvas:1002": readable_name("canvas:1002", "김민수")}
    names = output_names(ids, readable)
    assert names["canvas:1002"] == "김민수_1002"
    # a folder literally named like the Canvas student's file name: both hashed, never shared
    assert names["canvas:1001"] != names["kimminsu_1001"] and names["canvas:1001"].startswith("kimminsu_1001-")
