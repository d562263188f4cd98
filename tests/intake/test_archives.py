"""Archive attacks: traversal, absolute paths, links, bombs, forged sizes, entry floods."""
import io
import os
import stat
import tarfile
import zipfile

import pytest

from grader.intake.archives import ArchiveError, ArchiveLimits, safe_member_path, unpack


def _zip(path, members, *, compression=zipfile.ZIP_DEFLATED):
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, data in members:
            if isinstance(name, zipfile.ZipInfo):
                zf.writestr(name, data)
            else:
                zf.writestr(name, data)
    return path


def test_plain_zip_and_nested_folders(tmp_path):
    arc = _zip(tmp_path / "s.zip", [("hw/layers.py", "x = 1\n"), ("hw/notes.txt", "hi")])
    assert unpack(arc, tmp_path / "out") == []
    assert (tmp_path / "out/hw/layers.py").read_text() == "x = 1\n"


@pytest.mark.parametrize("name", ["../evil.py", "/etc/evil.py", "a/../../evil.py", "C:/evil.py", "..\\evil.py"])
def test_traversal_and_absolute_entries_are_skipped(tmp_path, name):
    arc = _zip(tmp_path / "s.zip", [(name, "pwned"), ("ok.py", "x = 1\n")])
    out = tmp_path / "deep" / "out"
    notes = unpack(arc, out)
    assert len(notes) == 1 and "leaves the archive" in notes[0]
    assert (out / "ok.py").is_file()
    assert not (tmp_path / "evil.py").exists() and not (tmp_path / "deep" / "evil.py").exists()
    assert sorted(p.name for p in out.rglob("*")) == ["ok.py"]


def test_zip_symlink_is_not_created(tmp_path):
    info = zipfile.ZipInfo("link.py")
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    arc = _zip(tmp_path / "s.zip", [(info, "/etc/passwd"), ("ok.py", "")])
    notes = unpack(arc, tmp_path / "out")
    assert notes == ["link.py skipped: a symbolic link"]
    assert not (tmp_path / "out/link.py").exists()


def test_tar_links_devices_and_traversal(tmp_path):
    arc = tmp_path / "s.tar.gz"
    with tarfile.open(arc, "w:gz") as tf:
        for name, kind in [("sym.py", tarfile.SYMTYPE), ("hard.py", tarfile.LNKTYPE), ("fifo", tarfile.FIFOTYPE)]:
            ti = tarfile.TarInfo(name)
            ti.type = kind
            ti.linkname = "/etc/passwd"
            tf.addfile(ti)
        for name in ("../up.py", "good.py"):
            data = b"x = 1\n"
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            tf.addfile(ti, io.BytesIO(data))
    notes = unpack(arc, tmp_path / "out")
    assert len(notes) == 4
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["good.py"]
    assert not (tmp_path / "up.py").exists()


def test_zip_bomb_is_refused_with_a_clear_error(tmp_path):
    arc = tmp_path / "bomb.zip"
    with zipfile.ZipFile(arc, "w", zipfile.ZIP_DEFLATED) as zf:
        with zf.open("zeros.py", "w") as f:
            chunk = b"\0" * (1 << 20)
            for _ in range(80):
                f.write(chunk)
    assert arc.stat().st_size < 200_000
    with pytest.raises(ArchiveError, match="zip bomb"):
        unpack(arc, tmp_path / "out", ArchiveLimits(max_total_bytes=64 << 20))
    with pytest.raises(ArchiveError, match="zip bomb"):  # under the size cap, over the ratio
        unpack(arc, tmp_path / "out2", ArchiveLimits(max_total_bytes=1 << 30, max_ratio=100))


def test_forged_sizes_are_caught_while_writing(tmp_path):
    arc = tmp_path / "forged.zip"
    data = os.urandom(3 << 20)  # incompressible: no ratio trip, only the byte count
    with zipfile.ZipFile(arc, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("a.py", data)
    raw = bytearray(arc.read_bytes())
    # Lie in the central directory: claim 10 bytes unpacked (the declared-size check passes).
    cd = raw.rfind(b"PK\x01\x02")
    raw[cd + 24 : cd + 28] = (10).to_bytes(4, "little")
    arc.write_bytes(bytes(raw))
    with pytest.raises(ArchiveError):
        unpack(arc, tmp_path / "out", ArchiveLimits(max_total_bytes=1 << 20))


def test_entry_flood(tmp_path):
    arc = _zip(tmp_path / "many.zip", [(f"f{i}.py", "") for i in range(50)])
    with pytest.raises(ArchiveError, match="entries"):
        unpack(arc, tmp_path / "out", ArchiveLimits(max_entries=20))


def test_corrupt_archive(tmp_path):
    arc = tmp_path / "bad.zip"
    arc.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ArchiveError):
        unpack(arc, tmp_path / "out")


def test_korean_names_from_windows_zip(tmp_path):
    arc = tmp_path / "k.zip"
    korean = "과제.py".encode("cp949")  # what Windows' zipper stores, without the UTF-8 flag
    with zipfile.ZipFile(arc, "w") as zf:
        zf.writestr("X" * (len(korean) - 3) + ".py", "x = 1\n")
    arc.write_bytes(arc.read_bytes().replace(b"X" * (len(korean) - 3) + b".py", korean))
    unpack(arc, tmp_path / "out")
    assert (tmp_path / "out" / "과제.py").is_file()


def test_safe_member_path():
    assert str(safe_member_path("./a/./b.py")) == "a/b.py"
    assert safe_member_path("") is None and safe_member_path("a/\x00/b") is None
