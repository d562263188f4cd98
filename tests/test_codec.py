import io
import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from grader.runner import codec
from grader.runner.framing import FrameError, read_frame, write_frame


def test_round_trip_nested_values():
    value = {"a": (1, 2.5, None, True), "b": [np.arange(6).reshape(2, 3), "text"], 3: np.float64(1.5), "r": codec.Ref("fwd", (1, "w"))}
    back = codec.decode(codec.encode(value))
    assert back["a"] == (1, 2.5, None, True)
    assert isinstance(back["a"], tuple) and isinstance(back["b"], list)
    np.testing.assert_array_equal(back["b"][0], np.arange(6).reshape(2, 3))
    assert back[3] == 1.5 and back["r"] == codec.Ref("fwd", (1, "w"))


@settings(max_examples=50, deadline=None)
@given(hnp.arrays(dtype=st.sampled_from([np.float64, np.float32, np.int64, np.bool_, np.uint8]), shape=hnp.array_shapes(min_dims=0, max_dims=4, max_side=4)))
def test_arrays_round_trip_exactly(arr):
    back = codec.decode(codec.encode(arr))
    assert back.dtype == arr.dtype and back.shape == arr.shape
    np.testing.assert_array_equal(back, arr)


def test_unknown_objects_become_opaque_not_pickled():
    class Sneaky:
        def __reduce__(self):
            raise AssertionError("must never be pickled")

    back = codec.decode(codec.encode([Sneaky(), np.array([object()], dtype=object), {1.5: 2}]))
    assert all(isinstance(v, codec.Opaque) for v in back)
    assert "object" in back[1].type_name


def test_ndarray_subclass_is_sent_as_plain_array():
    class Lying(np.ndarray):
        def __eq__(self, other):
            return True

    back = codec.decode(codec.encode(np.zeros(3).view(Lying)))
    assert type(back) is np.ndarray


def test_decode_refuses_object_dtype_npy_payload():
    # Forge a message whose array is an object-dtype .npy: loading it would need pickle.
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.array([1, 2], dtype=object), allow_pickle=True)
    header = b'{"$a": 0}'
    blob = buf.getvalue()
    data = struct.pack("<I", len(header)) + header + struct.pack("<Q", len(blob)) + blob
    with pytest.raises(codec.CodecError):
        codec.decode(data)


@pytest.mark.parametrize("data", [b"", b"\x05\x00\x00\x00{bad", struct.pack("<I", 2) + b"{}", struct.pack("<I", 9) + b'{"$a": 3}'])
def test_decode_rejects_garbage(data):
    with pytest.raises(codec.CodecError):
        codec.decode(data)


def test_strings_are_capped_only_when_asked():
    assert codec.decode(codec.encode("x" * 10_000)) == "x" * 10_000
    assert len(codec.decode(codec.encode("x" * 10_000, max_str=100))) == 100


def test_frames_round_trip_and_cap():
    buf = io.BytesIO()
    write_frame(buf, b"hello")
    write_frame(buf, b"x" * 100)
    buf.seek(0)
    assert read_frame(buf, 1000) == b"hello"
    with pytest.raises(FrameError):
        read_frame(buf, 10)
    with pytest.raises(EOFError):
        read_frame(io.BytesIO(), 10)


@pytest.mark.parametrize("arr", [np.arange(6.0).reshape(2, 3), np.array(3.5), np.zeros((0, 4), np.int32),
                                 np.array([True, False]), np.arange(24, dtype=np.uint8).reshape(2, 3, 4),
                                 np.array([1 + 2j]), np.arange(5, dtype=">i4")])
def test_fast_npy_header_is_what_numpy_writes_and_reads(arr):
    arr = np.ascontiguousarray(arr)
    buf = io.BytesIO()
    np.lib.format.write_array(buf, arr, allow_pickle=False, version=(1, 0))
    numpy_bytes = buf.getvalue()
    ours = codec.npy_header(arr) + arr.tobytes()
    assert ours == numpy_bytes
    back = codec._read_npy(memoryview(numpy_bytes))
    assert back.dtype == arr.dtype and back.shape == arr.shape
    np.testing.assert_array_equal(back, arr)


def test_fortran_order_and_foreign_headers_still_parse_safely():
    f = np.asfortranarray(np.arange(6.0).reshape(2, 3))
    buf = io.BytesIO()
    np.lib.format.write_array(buf, f, allow_pickle=False)
    np.testing.assert_array_equal(codec._read_npy(memoryview(buf.getvalue())), f)
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.arange(3.0), allow_pickle=False, version=(2, 0))   # numpy's parser
    np.testing.assert_array_equal(codec._read_npy(memoryview(buf.getvalue())), np.arange(3.0))
    good = codec.npy_header(np.arange(4.0)) + np.arange(4.0).tobytes()
    with pytest.raises(codec.CodecError):
        codec._read_npy(memoryview(good[:-8]))                     # data shorter than the shape says
    with pytest.raises(codec.CodecError):
        codec._read_npy(memoryview(good.replace(b"<f8", b"|O8")))  # object dtype: refused
