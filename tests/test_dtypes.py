"""wb.DType: TF's dtype objects (pinned against TF 2.21), and NumPy's dtype for every use NumPy has."""

import pickle

import numpy as np
import pytest

import workbench as wb


def test_tensor_dtype_prints_as_tf():
    x = wb.constant([1.0, 2.0])
    assert str(x.dtype) == "<dtype: 'float32'>"
    assert repr(x.dtype) == "wb.float32"
    assert str(wb.constant(["a"]).dtype) == "<dtype: 'string'>"
    # TF's tensor repr names the dtype bare
    assert "dtype=float32" in repr(x) and "dtype=int32" in str(wb.constant([1]))
    # f-strings (and every error message) name it bare, as NumPy's did
    assert f"{wb.int64}" == "int64" and f"{wb.int64:>6}" == " int64"


@pytest.mark.parametrize("make", [
    lambda: wb.constant([1.0]), lambda: wb.Variable([1.0]), lambda: wb.ragged.constant([[1.0], []]),
    lambda: wb.sparse.from_dense([[1.0, 0.0]]), lambda: wb.TensorSpec([2]),
], ids=["tensor", "variable", "ragged", "sparse", "spec"])
def test_every_dtype_handed_out_is_a_dtype_object(make):
    assert type(make().dtype) is wb.DType


def test_tf_attributes():
    # TF 2.21's values
    assert wb.float32.name == "float32" and wb.string.name == "string"
    assert wb.float32.as_numpy_dtype is np.float32 and wb.string.as_numpy_dtype is object
    assert wb.float32.as_datatype_enum == 1 and wb.int64.as_datatype_enum == 9
    assert wb.complex64.real_dtype == wb.float32 and wb.float64.real_dtype is wb.float64
    assert wb.float32.base_dtype is wb.float32
    assert wb.float32.is_floating and not wb.float32.is_integer
    assert wb.uint8.is_unsigned and wb.uint8.is_integer and not wb.int32.is_unsigned
    assert wb.bool.is_bool and not wb.bool.is_integer and wb.complex128.is_complex
    assert wb.float32.min == -wb.float32.max == np.float32(-3.4028235e38)
    assert (wb.int8.min, wb.uint8.max) == (-128, 255)
    assert wb.float32.limits == (0, 1) and wb.int32.limits == (0, 2147483647) and wb.bool.limits == (0, True)
    assert wb.float32.size == 4 and wb.string.size == 0
    assert wb.float32.is_compatible_with("float32") and not wb.float32.is_compatible_with(wb.float64)
    with pytest.raises(TypeError, match=r"Cannot find minimum value of <dtype: 'string'>"):
        wb.string.min
    with pytest.raises(TypeError, match="maximum value of <dtype: 'bool'>"):
        wb.bool.max


def test_equality_and_hash_as_numpy():
    d = wb.constant([1.0]).dtype
    assert d == np.float32 and np.float32 == d and d == np.dtype("float32") and np.dtype("float32") == d
    assert d == "float32" and d == "tf.float32" and d != "float64" and d != wb.float64
    assert not (d == 3) and not (d == None)  # noqa: E711
    assert wb.float64 != None and not (wb.float64 == None)  # noqa: E711  (np.dtype(None) is float64)
    assert {np.dtype("float32"): "yes"}[d] == "yes" and {d: "yes"}[np.dtype("float32")] == "yes"
    assert d in (np.float64, np.float32) and d in {np.dtype("float32")}
    assert wb.as_dtype(np.float32) is wb.float32 and wb.as_dtype("double") is wb.float64
    assert wb.as_dtype(wb.float16) is wb.half and wb.as_dtype(float) is wb.float32


def test_numpy_takes_it_as_a_dtype():
    d = wb.float32
    assert np.zeros(2, d).dtype == np.float32 and np.dtype(d) == np.float32
    assert np.arange(3).astype(d).dtype == np.float32
    assert np.issubdtype(d, np.floating) and not np.issubdtype(wb.int32, np.floating)
    assert np.finfo(d).eps == np.finfo(np.float32).eps and np.iinfo(wb.int16).max == 32767
    assert np.result_type(d, np.float64) == np.float64 and np.promote_types(wb.int8, wb.uint8) == np.int16
    assert (d.kind, d.itemsize, d.char, d.type) == ("f", 4, "f", np.float32)
    assert d.byteorder == np.dtype("float32").byteorder   # NumPy's other attributes pass through


def test_immutable_and_pickles_to_itself():
    with pytest.raises(AttributeError, match="immutable"):
        wb.float32.name = "x"
    for d in (wb.float32, wb.string, wb.bool):
        assert pickle.loads(pickle.dumps(d)) is d


def test_bad_dtype_is_named():
    with pytest.raises(TypeError, match=r"dtype must be a dtype name such as 'float32', got 'flaot32'"):
        wb.as_dtype("flaot32")
    with pytest.raises(TypeError, match=r"got <object object"):
        wb.as_dtype(object())


def test_dtypes_module_names():
    assert wb.dtypes.cast([1.7], wb.int32).numpy().tolist() == [1]
    assert wb.dtypes.DType is wb.DType


@pytest.mark.parametrize("values, dtype, expected", [
    # TF 2.21's results
    ([300.0, -5.0, 2.7], "uint8", [255, 0, 2]),
    ([3e10, -3e10], "int32", [2147483520, -2147483648]),
    ([1e300, 5.0], "float32", [3.4028234663852886e38, 5.0]),
])
def test_saturate_cast_as_tf(values, dtype, expected):
    src = wb.float64 if dtype == "float32" else wb.float32
    out = wb.saturate_cast(wb.constant(values, src), dtype)
    assert out.dtype == dtype
    np.testing.assert_array_equal(out.numpy(), np.array(expected, dtype=dtype))


def test_saturate_cast_gradient_is_the_clamps():
    x = wb.constant([0.5, 300.0, -1.0], wb.float64)
    with wb.GradientTape() as tape:
        tape.watch(x)
        y = wb.saturate_cast(x, wb.float16) * 2.0
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [2.0, 2.0, 2.0])
    with wb.GradientTape() as tape:
        tape.watch(x)
        y = wb.cast(wb.saturate_cast(x * 1e305, wb.float32), wb.float64)
    # clamped values get no gradient (TF's clip_by_value rule, boundaries included)
    assert tape.gradient(y, x).numpy().tolist() == [0.0, 0.0, 0.0]
