"""Plain-data encoding of nested values: JSON for structure, ``.npy`` bytes for arrays.

Used in both directions between the grader and a student process, and for public fixtures.
Nothing is ever unpickled: arrays are read with ``allow_pickle=False`` and only boolean,
integer, unsigned, float and complex dtypes are accepted. Anything else a student returns
(objects, generators, custom classes) is replaced by an ``Opaque`` marker naming its type, so
the grader can say "you returned a list, expected an ndarray".

Wire format of one message::

    u32 header length | header JSON (utf-8) | for each array: u64 length | .npy bytes

Tree nodes in the header: JSON scalars and strings as themselves; ``{"$t": [...]}`` tuple;
``{"$l": [...]}`` list; ``{"$d": [[key, value], ...]}`` dict; ``{"$a": i}`` the i-th array
(``"torch": true`` when it was a ``torch.Tensor``); ``{"$o": "typename"}`` opaque;
``{"$r": key, "p": path}`` a reference to a value kept in the student process.
"""
from __future__ import annotations

import io
import json
import math
import re
import struct
from dataclasses import dataclass
from typing import Any

import numpy as np

_U32 = struct.Struct("<I")
_U64 = struct.Struct("<Q")
_ACCEPTED_KINDS = frozenset("biufc")
_MAX_DEPTH = 32


class CodecError(ValueError):
    """A message is malformed, too deep, or holds an array of a refused dtype."""


@dataclass(frozen=True)
class Opaque:
    """Stands for a value that has no plain-data form (named by its type)."""

    type_name: str


@dataclass(frozen=True)
class Ref:
    """Names a value kept inside the student process (e.g. an opaque cache).

    ``key`` is the name it was stored under; ``path`` indexes into it (``(1,)`` is the second
    element of a returned ``(out, cache)`` pair).
    """

    key: str
    path: tuple = ()


@dataclass(frozen=True)
class TorchArray:
    """Marks an array that should be (or was) a ``torch.Tensor`` on the other side."""

    array: np.ndarray


def _is_torch_tensor(value: Any) -> bool:
    # Checked by class name so the grader never needs to import torch to encode.
    return any(c.__module__ == "torch" and c.__name__ == "Tensor" for c in type(value).__mro__)


def encode(value: Any, *, max_str: int | None = None) -> bytes:
    """Serialise a nested value to bytes.

    Args:
        value: ``None``, ``bool``, ``int``, ``float``, ``str``, ``np.ndarray`` (or a numpy
            scalar), ``torch.Tensor``, :class:`TorchArray`, and tuples, lists and dicts of those
            (dict keys ``str`` or ``int``). Other objects become :class:`Opaque`.
        max_str: truncate strings to this many characters (the student process caps its
            replies; requests carry whole source files).
    Returns:
        The message bytes (see module docstring).
    """
    arrays: list[np.ndarray] = []
    tree = _encode_node(value, arrays, 0, max_str)
    header = json.dumps(tree, allow_nan=True).encode()
    out = io.BytesIO()
    out.write(_U32.pack(len(header)))
    out.write(header)
    for arr in arrays:
        head = npy_header(arr)
        out.write(_U64.pack(len(head) + arr.nbytes))
        out.write(head)
        out.write(arr.data if arr.ndim else arr.tobytes())
    return out.getvalue()


def npy_header(arr: np.ndarray) -> bytes:
    """The ``.npy`` (format 1.0) header of a C-contiguous array of a plain dtype.

    What ``np.lib.format.write_array`` writes before the data, built directly: that function
    costs tens of microseconds per array, as much as a round trip to the student process.

    Args:
        arr: a C-contiguous array whose dtype kind is one of ``biufc`` (not structured).
    Returns:
        Magic, version 1.0, header length (u16 little-endian) and the header dict, padded with
        spaces and a newline to a multiple of 64 bytes, as numpy does.
    """
    text = "{'descr': '%s', 'fortran_order': False, 'shape': %r, }" % (arr.dtype.str, tuple(arr.shape))
    pad = -(len(text) + 1 + 10) % 64
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text) + pad + 1) + (text + " " * pad + "\n").encode("latin1")


# What our own encoder writes (and numpy's, for plain dtypes); anything else is parsed by numpy.
_NPY_HEADER = re.compile(r"\{'descr': '([<>|=][biufc][0-9]{1,2})', 'fortran_order': (False|True), "
                         r"'shape': \(((?:[0-9]+, )*[0-9]*,?)\), \} *\n?\Z")


def _read_npy(data: memoryview) -> np.ndarray:
    """Parses ``.npy`` bytes without pickle: our own header format fast, anything else by numpy
    (``allow_pickle=False``, header capped at 10 kB). Raises ``CodecError`` on malformed data."""
    fast = None
    if bytes(data[:6]) == b"\x93NUMPY" and len(data) >= 10:
        major = data[6]
        start, size = (10, struct.unpack_from("<H", data, 8)[0]) if major == 1 else (12, None)
        if size is not None and start + size <= len(data):
            fast = _NPY_HEADER.match(bytes(data[start:start + size]).decode("latin1"))
    if fast is None:
        try:
            return np.lib.format.read_array(io.BytesIO(data), allow_pickle=False, max_header_size=10_000)
        except Exception as exc:  # any parse failure of untrusted bytes is just malformed input
            raise CodecError(f"malformed array: {exc}") from None
    descr, fortran, shape_text = fast.groups()
    dtype = np.dtype(descr)
    shape = tuple(int(n) for n in shape_text.replace(",", " ").split())
    count = math.prod(shape)
    offset = start + size
    if len(data) - offset != count * dtype.itemsize:
        raise CodecError("truncated or oversized array data")
    arr = np.frombuffer(data, dtype=dtype, count=count, offset=offset)
    return arr.reshape(shape, order="F" if fortran == "True" else "C")


def _encode_node(value: Any, arrays: list, depth: int, max_str: int | None) -> Any:
    if depth > _MAX_DEPTH:
        return {"$o": "too deeply nested"}
    # Exact types first, most frequent first (this runs once per node of every message).
    # bool is tested by `type(...) is`, so it never passes as an int or float.
    t = type(value)
    if value is None or t is bool or t is int or t is float:
        return value
    if t is str:
        return value if max_str is None else value[:max_str]
    if t is np.ndarray:
        return _encode_array(value, arrays, torch=False)
    if t is tuple:
        return {"$t": [_encode_node(v, arrays, depth + 1, max_str) for v in value]}
    if t is list:
        return {"$l": [_encode_node(v, arrays, depth + 1, max_str) for v in value]}
    if t is dict and all(type(k) in (str, int) for k in value):
        return {"$d": [[k, _encode_node(v, arrays, depth + 1, max_str)] for k, v in value.items()]}
    if isinstance(value, TorchArray):
        return _encode_array(value.array, arrays, torch=True)
    if isinstance(value, np.ndarray):
        return _encode_array(value, arrays, torch=False)
    if isinstance(value, np.generic):
        return _encode_array(np.asarray(value), arrays, torch=False)
    if _is_torch_tensor(value):
        try:
            arr = value.detach().cpu().numpy()
        except Exception:  # a tensor that cannot become numpy (e.g. bfloat16)
            return {"$o": f"torch.Tensor({getattr(value, 'dtype', '?')})"}
        return _encode_array(arr, arrays, torch=True)
    if isinstance(value, dict) and all(type(k) in (str, int) for k in value):
        return {"$d": [[k, _encode_node(v, arrays, depth + 1, max_str)] for k, v in value.items()]}
    if isinstance(value, Opaque):
        return {"$o": value.type_name}
    if isinstance(value, Ref):
        return {"$r": value.key, "p": list(value.path)}
    return {"$o": _type_name(value)}


def _type_name(value: Any) -> str:
    cls = type(value)
    module = getattr(cls, "__module__", "") or ""
    name = getattr(cls, "__qualname__", "object")
    return name if module in ("builtins", "") else f"{module}.{name}"


def _encode_array(arr: np.ndarray, arrays: list, torch: bool) -> Any:
    # np.asarray drops ndarray subclasses (whose methods a student could override).
    arr = np.asarray(arr).view(np.ndarray)
    if not arr.flags.c_contiguous:
        arr = arr.copy(order="C")  # (np.ascontiguousarray would turn 0-d into 1-d)
    if arr.dtype.kind not in _ACCEPTED_KINDS or arr.dtype.names is not None:
        return {"$o": f"ndarray of dtype {arr.dtype}"}
    arrays.append(arr)
    node = {"$a": len(arrays) - 1}
    if torch:
        node["torch"] = True
    return node


def decode(data: bytes, *, max_arrays: int = 10_000, max_elements: int = 1 << 27) -> Any:
    """Parse bytes made by :func:`encode` without executing or unpickling anything.

    Args:
        data: the message.
        max_arrays: most arrays accepted.
        max_elements: most array elements accepted in total.
    Returns:
        The nested value; arrays come back as read-write ``np.ndarray`` (``TorchArray`` where
        marked as torch), non-plain values as :class:`Opaque`.
    Raises:
        CodecError: malformed data, a refused dtype, or a limit exceeded.
    """
    view = memoryview(data)
    try:
        (hlen,) = _U32.unpack_from(view, 0)
        header = json.loads(bytes(view[4 : 4 + hlen]).decode())
    except (struct.error, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CodecError(f"malformed header: {exc}") from None
    pos = 4 + hlen
    arrays: list[np.ndarray] = []
    total = 0
    while pos < len(view):
        if len(arrays) >= max_arrays:
            raise CodecError("too many arrays")
        try:
            (alen,) = _U64.unpack_from(view, pos)
        except struct.error:
            raise CodecError("truncated array length") from None
        pos += 8
        if pos + alen > len(view):
            raise CodecError("truncated array")
        arr = _read_npy(view[pos : pos + alen])
        if arr.dtype.kind not in _ACCEPTED_KINDS or arr.dtype.names is not None:
            raise CodecError(f"refused dtype {arr.dtype}")
        total += arr.size
        if total > max_elements:
            raise CodecError("arrays too large")
        arrays.append(np.array(arr, copy=True))
        pos += alen
    return _decode_node(header, arrays, 0)


def _decode_node(node: Any, arrays: list, depth: int) -> Any:
    if depth > _MAX_DEPTH + 2:
        raise CodecError("too deeply nested")
    t = type(node)   # what json.loads makes: exact types only
    if node is None or t is bool or t is int or t is str or t is float:
        return node
    if t is dict and node:
        if "$a" in node:
            idx = node["$a"]
            if type(idx) is not int or not 0 <= idx < len(arrays):
                raise CodecError("bad array reference")
            return TorchArray(arrays[idx]) if node.get("torch") else arrays[idx]
        if "$t" in node and type(node["$t"]) is list:
            return tuple([_decode_node(v, arrays, depth + 1) for v in node["$t"]])
        if "$l" in node and type(node["$l"]) is list:
            return [_decode_node(v, arrays, depth + 1) for v in node["$l"]]
        if "$d" in node and type(node["$d"]) is list:
            out = {}
            for pair in node["$d"]:
                if not (type(pair) is list and len(pair) == 2 and type(pair[0]) in (str, int)):
                    raise CodecError("bad dict entry")
                out[pair[0]] = _decode_node(pair[1], arrays, depth + 1)
            return out
        if "$r" in node and type(node.get("p")) is list:
            return Ref(str(node["$r"]), tuple(node["p"]))
        if "$o" in node:
            return Opaque(str(node["$o"])[:200])
    raise CodecError(f"unknown node {str(node)[:80]}")


def is_finite_number(value: Any) -> bool:
    """True for an int or a finite float (bools excluded)."""
    return (type(value) is int) or (type(value) is float and math.isfinite(value))
