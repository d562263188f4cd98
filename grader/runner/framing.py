"""Length-prefixed frames on a byte stream (pipes between the grader and a student process).

A frame is an 8-byte little-endian unsigned length followed by that many payload bytes.
The reader enforces a size cap before allocating, so a hostile child cannot make the
grader allocate more than ``max_bytes``.
"""
from __future__ import annotations

import struct
from typing import BinaryIO

_HEADER = struct.Struct("<Q")


class FrameError(Exception):
    """The stream ended mid-frame or announced a frame larger than allowed."""


def write_frame(stream: BinaryIO, payload: bytes) -> None:
    """Write one frame and flush.

    Args:
        stream: a writable binary stream.
        payload: the frame body (any length).
    Raises:
        OSError: the other end is gone (BrokenPipeError).
    """
    stream.write(_HEADER.pack(len(payload)))
    stream.write(payload)
    stream.flush()


def read_exact(stream: BinaryIO, n: int) -> bytes:
    """Read exactly ``n`` bytes.

    Raises:
        EOFError: the stream ended before any byte was read.
        FrameError: the stream ended after some but not all bytes.
    """
    chunks, got = [], 0
    while got < n:
        chunk = stream.read(n - got)
        if not chunk:
            if got == 0:
                raise EOFError("stream closed")
            raise FrameError(f"stream closed after {got} of {n} bytes")
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def read_frame(stream: BinaryIO, max_bytes: int) -> bytes:
    """Read one frame.

    Args:
        stream: a readable binary stream.
        max_bytes: largest payload accepted, in bytes.
    Returns:
        The payload.
    Raises:
        EOFError: clean end of stream between frames.
        FrameError: truncated frame, or a length above ``max_bytes``.
    """
    (length,) = _HEADER.unpack(read_exact(stream, _HEADER.size))
    if length > max_bytes:
        raise FrameError(f"frame of {length} bytes exceeds the cap of {max_bytes} bytes")
    return read_exact(stream, length) if length else b""
