"""Unpacking a student's zip or tar archive without trusting it.

An archive from a student (or from an LMS download) is data, never a list of paths to write to.
:func:`unpack` writes only regular files, only under the destination, and stops with
:class:`ArchiveError` before writing more than the limits allow:

* total unpacked size (:attr:`ArchiveLimits.max_total_bytes`), counted on the bytes actually
  written, not on the sizes the archive declares (a forged header cannot lie its way past it);
* number of entries (:attr:`ArchiveLimits.max_entries`);
* compression ratio, unpacked / packed bytes (:attr:`ArchiveLimits.max_ratio`): a zip bomb such
  as 42.zip has ratios in the millions, real source code compresses about 3–10×;
* nesting: archives inside an archive are left for the caller, which unpacks at most one level.

Entries that are not safe are skipped and reported, not written: absolute paths, ``..``
components, drive letters, symbolic and hard links, devices, FIFOs. Zip entry names without the
UTF-8 flag are decoded as UTF-8 when valid, else CP949 (Korean Windows), else CP437 (the
zip standard), so Korean file names survive Windows' "send to compressed folder".
"""
from __future__ import annotations

import stat
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

ARCHIVE_SUFFIXES = (".zip", ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz")
_CHUNK = 1 << 16


class ArchiveError(ValueError):
    """The archive cannot be unpacked safely or at all (bomb, too many entries, corrupt)."""


@dataclass(frozen=True)
class ArchiveLimits:
    """Limits for one archive.

    Attributes:
        max_total_bytes: bytes written in all (default 64 MiB; a submission is source code).
        max_entries: entries in the archive, folders included (default 2000).
        max_ratio: largest unpacked/packed ratio, for the archive as a whole (default 200).
    """

    max_total_bytes: int = 64 << 20
    max_entries: int = 2000
    max_ratio: float = 200.0


def is_archive(path: Path) -> bool:
    """Whether ``path``'s name ends in a supported archive suffix (``.zip``, ``.tar``, ``.tar.gz``, ...)."""
    return path.name.lower().endswith(ARCHIVE_SUFFIXES)


def archive_stem(name: str) -> str:
    """``name`` without its archive suffix (``"kim.tar.gz"`` → ``"kim"``)."""
    lower = name.lower()
    for suffix in sorted(ARCHIVE_SUFFIXES, key=len, reverse=True):
        if lower.endswith(suffix):
            return name[: -len(suffix)]
    return name


def safe_member_path(name: str) -> PurePosixPath | None:
    """The relative path an entry may be written to, or ``None`` when it must be skipped.

    Backslashes count as separators (archives made on Windows); absolute paths, drive letters
    (``C:``), ``..`` components and empty names are refused; ``.`` components are dropped.
    """
    parts = [p for p in name.replace("\\", "/").split("/") if p not in ("", ".")]
    if not parts or name.startswith(("/", "\\")) or ".." in parts or (len(parts[0]) == 2 and parts[0][1] == ":"):
        return None
    if any("\0" in p for p in parts):
        return None
    return PurePosixPath(*parts)


def unpack(archive: Path, dest: Path, limits: ArchiveLimits = ArchiveLimits()) -> list[str]:
    """Unpack ``archive`` into ``dest`` (created) safely.

    Args:
        archive: a ``.zip`` or tar file (plain, gzip, bzip2 or xz).
        dest: destination folder; nothing is written outside it.
        limits: size, entry-count and ratio limits.
    Returns:
        One note per entry that was skipped, e.g. ``"../evil.py skipped: path leaves the archive"``.
    Raises:
        ArchiveError: the archive is corrupt or unreadable, or exceeds a limit (a zip bomb);
            files written before the limit was reached stay in ``dest`` (the caller discards it).
    """
    archive, dest = Path(archive), Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    packed = max(archive.stat().st_size, 1)
    try:
        if zipfile.is_zipfile(archive):
            return _unpack_zip(archive, dest, limits, packed)
        if tarfile.is_tarfile(archive):
            return _unpack_tar(archive, dest, limits, packed)
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError, NotImplementedError, RuntimeError) as exc:
        # zlib/lzma errors surface as OSError/EOFError, encrypted zips as RuntimeError.
        raise ArchiveError(f"{archive.name} could not be unpacked: {exc}") from None
    raise ArchiveError(f"{archive.name} is not a zip or tar archive")


class _Budget:
    def __init__(self, archive: str, limits: ArchiveLimits, packed: int):
        self.archive, self.limits, self.packed, self.written = archive, limits, packed, 0

    def entries(self, n: int) -> None:
        if n > self.limits.max_entries:
            raise ArchiveError(f"{self.archive} has {n} entries, more than the limit of {self.limits.max_entries}")

    def add(self, n: int) -> None:
        self.written += n
        if self.written > self.limits.max_total_bytes:
            raise ArchiveError(
                f"{self.archive} unpacks to more than {self.limits.max_total_bytes >> 20} MiB (a zip bomb?); not unpacked"
            )
        # A small absolute allowance keeps tiny archives of a few short files from tripping the ratio.
        if self.written > 1 << 20 and self.written / self.packed > self.limits.max_ratio:
            raise ArchiveError(
                f"{self.archive} expands more than {self.limits.max_ratio:g}× its size (a zip bomb?); not unpacked"
            )


def _write(src, target: Path, budget: _Budget) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "xb") as out:
        while chunk := src.read(_CHUNK):
            budget.add(len(chunk))
            out.write(chunk)


def _zip_name(info: zipfile.ZipInfo) -> str:
    if info.flag_bits & 0x800:
        return info.filename
    raw = info.filename.encode("cp437", "replace")
    for codec in ("utf-8", "cp949"):
        try:
            return raw.decode(codec)
        except UnicodeDecodeError:
            continue
    return info.filename


def _unpack_zip(archive: Path, dest: Path, limits: ArchiveLimits, packed: int) -> list[str]:
    notes: list[str] = []
    budget = _Budget(archive.name, limits, packed)
    with zipfile.ZipFile(archive) as zf:
        infos = zf.infolist()
        budget.entries(len(infos))
        declared = sum(i.file_size for i in infos)
        if declared > limits.max_total_bytes:
            raise ArchiveError(f"{archive.name} declares {declared} bytes unpacked, more than {limits.max_total_bytes >> 20} MiB (a zip bomb?); not unpacked")
        for info in infos:
            name = _zip_name(info)
            mode = info.external_attr >> 16
            if info.is_dir():
                continue
            if stat.S_ISLNK(mode):
                notes.append(f"{name} skipped: a symbolic link")
                continue
            rel = safe_member_path(name)
            if rel is None:
                notes.append(f"{name} skipped: path leaves the archive (absolute or '..')")
                continue
            target = dest.joinpath(*rel.parts)
            if target.exists():
                notes.append(f"{name} skipped: a file of that name was already unpacked")
                continue
            try:
                with zf.open(info) as src:
                    _write(src, target, budget)
            except (FileExistsError, NotADirectoryError):
                notes.append(f"{name} skipped: clashes with another entry of the archive")
    return notes


def _unpack_tar(archive: Path, dest: Path, limits: ArchiveLimits, packed: int) -> list[str]:
    notes: list[str] = []
    budget = _Budget(archive.name, limits, packed)
    count = 0
    with tarfile.open(archive) as tf:
        # Iterate rather than getmembers(): a bomb of headers is stopped at the limit.
        for member in tf:
            count += 1
            budget.entries(count)
            if member.isdir():
                continue
            if member.issym() or member.islnk():
                notes.append(f"{member.name} skipped: a link")
                continue
            if not member.isfile():
                notes.append(f"{member.name} skipped: not a regular file")
                continue
            rel = safe_member_path(member.name)
            if rel is None:
                notes.append(f"{member.name} skipped: path leaves the archive (absolute or '..')")
                continue
            target = dest.joinpath(*rel.parts)
            if target.exists():
                notes.append(f"{member.name} skipped: a file of that name was already unpacked")
                continue
            src = tf.extractfile(member)
            if src is None:
                continue
            try:
                with src:
                    _write(src, target, budget)
            except (FileExistsError, NotADirectoryError):
                notes.append(f"{member.name} skipped: clashes with another entry of the archive")
    return notes
