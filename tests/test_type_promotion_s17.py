"""TF 2.21's new type promotion (``experimental_enable_numpy_behavior(dtype_conversion_mode='all' |
'safe')``, the guide "TF-NumPy Type Promotion"): the lattice of every pair of dtypes and weak types
in both modes, Python numbers as weak operands, weak results, variables, and the default mode.

Every expected value here was measured with TF 2.21 (``x + y`` on ``tf.constant`` /
``WeakTensor.from_tensor`` operands after enabling the mode).
"""

import numpy as np
import pytest

import workbench as wb
import workbench.experimental.numpy as tnp
from workbench.dtypes import promoted_type
from workbench.core import WeakTensor
from workbench.experimental.numpy import behavior

# x + y: rows are x, columns y; "*" a weak type (weak result), "E" TF's TypeError (safe mode),
# "-" TF's AddV2 refusing bool (not a promotion: checked through result_type below)
_ALL = """
           b    u8   u16   u32   u64    i8   i16   i32  i32*   i64  i64*  bf16   f16   f32  f32*   f64  f64*   c64  c128 c128*
    b:     -    u8   u16   u32   u64    i8   i16   i32  i32*   i64  i64*  bf16   f16   f32  f32*   f64  f64*   c64  c128 c128*
   u8:    u8    u8   u16   u32   u64   i16   i16   i32    u8   i64    u8  bf16   f16   f32  f64*   f64  f64*   c64  c128 c128*
  u16:   u16   u16   u16   u32   u64   i32   i32   i32   u16   i64   u16  bf16   f16   f32  f64*   f64  f64*   c64  c128 c128*
  u32:   u32   u32   u32   u32   u64   i64   i64   i64   u32   i64   u32  bf16   f16   f32  f64*   f64  f64*   c64  c128 c128*
  u64:   u64   u64   u64   u64   u64  f64*  f64*  f64*   u64  f64*   u64  bf16   f16   f32  f64*   f64  f64*   c64  c128 c128*
   i8:    i8   i16   i32   i64  f64*    i8   i16   i32    i8   i64    i8  bf16   f16   f32  f64*   f64  f64*   c64  c128 c128*
  i16:   i16   i16   i32   i64  f64*   i16   i16   i32   i16   i64   i16  bf16   f16   f32  f64*   f64  f64*   c64  c128 c128*
  i32:   i32   i32   i32   i64  f64*   i32   i32   i32   i32   i64   i32  bf16   f16   f32  f64*   f64  f64*   c64  c128 c128*
 i32*:  i32*    u8   u16   u32   u64    i8   i16   i32  i32*   i64  i64*  bf16   f16   f32  f32*   f64  f64*   c64  c128 c128*
  i64:   i64   i64   i64   i64  f64*   i64   i64   i64   i64   i64   i64  bf16   f16   f32  f64*   f64  f64*   c64  c128 c128*
 i64*:  i64*    u8   u16   u32   u64    i8   i16   i32  i64*   i64  i64*  bf16   f16   f32  f32*   f64  f64*   c64  c128 c128*
 bf16:  bf16  bf16  bf16  bf16  bf16  bf16  bf16  bf16  bf16  bf16  bf16  bf16   f32   f32  bf16   f64  bf16   c64  c128   c64
  f16:   f16   f16   f16   f16   f16   f16   f16   f16   f16   f16   f16   f32   f16   f32   f16   f64   f16   c64  c128   c64
  f32:   f32   f32   f32   f32   f32   f32   f32   f32   f32   f32   f32   f32   f32   f32   f32   f64   f32   c64  c128   c64
 f32*:  f32*  f64*  f64*  f64*  f64*  f64*  f64*  f64*  f32*  f64*  f32*  bf16   f16   f32  f32*   f64  f64*   c64  c128 c128*
  f64:   f64   f64   f64   f64   f64   f64   f64   f64   f64   f64   f64   f64   f64   f64   f64   f64   f64  c128  c128  c128
 f64*:  f64*  f64*  f64*  f64*  f64*  f64*  f64*  f64*  f64*  f64*  f64*  bf16   f16   f32  f64*   f64  f64*   c64  c128 c128*
  c64:   c64   c64   c64   c64   c64   c64   c64   c64   c64   c64   c64   c64   c64   c64   c64  c128   c64   c64  c128   c64
 c128:  c128  c128  c128  c128  c128  c128  c128  c128  c128  c128  c128  c128  c128  c128  c128  c128  c128  c128  c128  c128
c128*: c128* c128* c128* c128* c128* c128* c128* c128* c128* c128* c128*   c64   c64   c64 c128*  c128 c128*   c64  c128 c128*
"""
_SAFE = """
           b    u8   u16   u32   u64    i8   i16   i32  i32*   i64  i64*  bf16   f16   f32  f32*   f64  f64*   c64  c128 c128*
    b:     -    u8   u16   u32   u64    i8   i16   i32  i32*   i64  i64*  bf16   f16   f32  f32*   f64  f64*   c64  c128 c128*
   u8:    u8    u8   u16   u32   u64     E   i16   i32    u8   i64    u8  bf16   f16   f32     E   f64  f64*   c64  c128 c128*
  u16:   u16   u16   u16   u32   u64     E     E   i32   u16   i64   u16     E     E   f32     E   f64  f64*   c64  c128 c128*
  u32:   u32   u32   u32   u32   u64     E     E     E   u32   i64   u32     E     E     E     E   f64  f64*     E  c128 c128*
  u64:   u64   u64   u64   u64   u64     E     E     E   u64     E   u64     E     E     E     E     E     E     E     E     E
   i8:    i8     E     E     E     E    i8   i16   i32    i8   i64    i8  bf16   f16   f32     E   f64  f64*   c64  c128 c128*
  i16:   i16   i16     E     E     E   i16   i16   i32   i16   i64   i16     E     E   f32     E   f64  f64*   c64  c128 c128*
  i32:   i32   i32   i32     E     E   i32   i32   i32   i32   i64   i32     E     E     E     E   f64  f64*     E  c128 c128*
 i32*:  i32*    u8   u16   u32   u64    i8   i16   i32  i32*   i64  i64*  bf16   f16   f32  f32*   f64  f64*   c64  c128 c128*
  i64:   i64   i64   i64   i64     E   i64   i64   i64   i64   i64   i64     E     E     E     E     E     E     E     E     E
 i64*:  i64*    u8   u16   u32   u64    i8   i16   i32  i64*   i64  i64*  bf16   f16   f32  f32*   f64  f64*   c64  c128 c128*
 bf16:  bf16  bf16     E     E     E  bf16     E     E  bf16     E  bf16  bf16     E   f32  bf16   f64  bf16   c64  c128     E
  f16:   f16   f16     E     E     E   f16     E     E   f16     E   f16     E   f16   f32   f16   f64   f16   c64  c128     E
  f32:   f32   f32   f32     E     E   f32   f32     E   f32     E   f32   f32   f32   f32   f32   f64   f32   c64  c128     E
 f32*:  f32*     E     E     E     E     E     E     E  f32*     E  f32*  bf16   f16   f32  f32*   f64  f64*   c64  c128 c128*
  f64:   f64   f64   f64   f64     E   f64   f64   f64   f64     E   f64   f64   f64   f64   f64   f64   f64     E  c128  c128
 f64*:  f64*  f64*  f64*  f64*     E  f64*  f64*  f64*  f64*     E  f64*  bf16   f16   f32  f64*   f64  f64*   c64  c128 c128*
  c64:   c64   c64   c64     E     E   c64   c64     E   c64     E   c64   c64   c64   c64   c64     E   c64   c64  c128   c64
 c128:  c128  c128  c128  c128     E  c128  c128  c128  c128     E  c128  c128  c128  c128  c128  c128  c128  c128  c128  c128
c128*: c128* c128* c128* c128*     E c128* c128* c128* c128*     E c128*     E     E     E c128*  c128 c128*   c64  c128 c128*
"""

_NAMES = {"b": "bool", "u8": "uint8", "u16": "uint16", "u32": "uint32", "u64": "uint64", "i8": "int8",
          "i16": "int16", "i32": "int32", "i64": "int64", "bf16": "bfloat16", "f16": "float16",
          "f32": "float32", "f64": "float64", "c64": "complex64", "c128": "complex128"}


def _cases(table, mode):
    lines = table.strip().splitlines()
    cols = lines[0].split()
    for line in lines[1:]:
        row, cells = line.split(":")
        for col, want in zip(cols, cells.split()):
            yield pytest.param(mode, row.strip(), col, want, id=f"{mode}-{row.strip()}+{col}")


@pytest.fixture
def mode_off():
    yield
    behavior.disable_numpy_behavior()


def _operand(code):
    name = _NAMES[code.rstrip("*")]
    t = wb.constant(True) if name == "bool" else wb.constant(1, name)
    return WeakTensor.from_tensor(t) if code.endswith("*") else t


def _code(t):
    short = {v: k for k, v in _NAMES.items()}[t.dtype.name]
    return short + ("*" if type(t) is WeakTensor else "")


@pytest.mark.parametrize("mode,row,col,want", [*_cases(_ALL, "all"), *_cases(_SAFE, "safe")])
def test_lattice(mode_off, mode, row, col, want):
    tnp.experimental_enable_numpy_behavior(dtype_conversion_mode=mode)
    x, y = _operand(row), _operand(col)
    if want == "-":
        assert promoted_type(("bool", False), ("bool", False), mode) == ("bool", False)
        return
    if want == "E":
        with pytest.raises(TypeError, match=r"In promotion mode PromoMode.SAFE, implicit dtype promotion "
                           r"between \(<dtype: '\w+'>, weak=(True|False)\) and"):
            x + y
        return
    out = x + y
    assert _code(out) == want
    assert out.numpy() == 2   # True counts as 1


# tensor + Python number in 'all' mode (TF 2.21): the number is weak (int32*, float32*, complex128*)
_SCALARS = {
    "b": ("i32*", "f32*", "c128*"), "u8": ("u8", "f64*", "c128*"), "i8": ("i8", "f64*", "c128*"),
    "i16": ("i16", "f64*", "c128*"), "i32": ("i32", "f64*", "c128*"), "i64": ("i64", "f64*", "c128*"),
    "u64": ("u64", "f64*", "c128*"), "bf16": ("bf16", "bf16", "c64"), "f16": ("f16", "f16", "c64"),
    "f32": ("f32", "f32", "c64"), "f64": ("f64", "f64", "c128"), "c64": ("c64", "c64", "c64"),
    "i32*": ("i32*", "f32*", "c128*"), "f32*": ("f32*", "f32*", "c128*"), "c128*": ("c128*", "c128*", "c128*"),
}


@pytest.mark.parametrize("code", list(_SCALARS))
def test_python_numbers_are_weak(mode_off, code):
    tnp.experimental_enable_numpy_behavior(dtype_conversion_mode="all")
    x = _operand(code)
    for number, want in zip((1, 1.5, 1j), _SCALARS[code]):
        assert _code(x + number) == want, number
        assert _code(number + x) == want, number
        assert _code(wb.multiply(x, number)) == want, number
    with pytest.raises(OverflowError, match="Python int 1099511627776 too large to convert to np.int32"):
        x + 2**40


def test_python_numbers_wrap_and_lists(mode_off):
    tnp.experimental_enable_numpy_behavior(dtype_conversion_mode="all")
    i8 = wb.constant(1, wb.int8)
    assert (i8 + 200).numpy() == -55 and (i8 + 200).dtype == wb.int8        # TF wraps, as a cast does
    assert (wb.constant(1, wb.uint8) + -1).numpy() == 0
    assert _code(i8 + [1, 2]) == "i8"
    assert _code(i8 + [1.5, 2]) == "f64*"
    assert _code(wb.constant(1, wb.float16) + [1.5, 2]) == "f16"
    assert _code(i8 + np.int64(3)) == "i64"                                  # NumPy values are not weak
    assert _code(wb.constant(1.0, wb.float32) + np.array([1.0])) == "f64"
    assert _code(wb.constant(1.0, wb.float32) + np.array([1], np.int8)) == "f32"
    assert _code(wb.add(1, 2.0)) == "f32*" and wb.add(1, 2.0).numpy() == 3.0
    tnp.experimental_enable_numpy_behavior(dtype_conversion_mode="safe")
    for refused in (lambda: i8 + [1.5, 2], lambda: wb.maximum(i8, 1.5), lambda: i8 + 1.5):
        with pytest.raises(TypeError, match=r"between \(<dtype: 'int8'>, weak=False\) and \(<dtype: 'float32'>, "
                           r"weak=True\) is disallowed"):
            refused()
    assert _code(i8 + 3) == "i8"


def test_python_bools(mode_off):
    """TF 2.21 converts a Python bool operand only to some dtypes (its conversion's quirk); a
    NumPy bool converts to any."""
    tnp.experimental_enable_numpy_behavior(dtype_conversion_mode="all")
    taken = {"uint64", "int32", "int64", "float16", "float32", "float64", "complex128"}
    for name in ("uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64", "bfloat16", "float16",
                 "float32", "float64", "complex64", "complex128"):
        t = wb.constant(1, name)
        assert (t + np.bool_(True)).dtype == name
        for value in (True, [True, False]):
            if name in taken:
                assert (t + value).dtype == name
            else:
                with pytest.raises(TypeError, match=f"Cannot convert {value!r} to EagerTensor of dtype {name}".replace(
                        "[", r"\[").replace("]", r"\]")):
                    t + value
    assert _code(wb.constant(True) + 1) == "i32*" and _code(wb.constant(1) + True) == "i32*"


def test_guide_values(mode_off):
    tnp.experimental_enable_numpy_behavior(dtype_conversion_mode="all")
    assert _code(wb.constant(10, wb.int32) + wb.constant(5.0, wb.float32)) == "f32"
    out = wb.constant(10, wb.int8) + wb.constant(5, wb.uint32)
    assert _code(out) == "i64" and out.numpy() == 15
    out = wb.constant(1, wb.int64) + wb.constant(3.2, wb.float16)
    assert _code(out) == "f16" and out.numpy() == np.float16(4.19921875)
    assert _code(wb.constant(1.2) + wb.constant(3.1, wb.float16)) == "f16"
    assert repr(wb.constant(5)) == "<wb.Tensor: shape=(), dtype=int32, numpy=5, weak=True>"
    assert _code(wb.constant([5.0, 10.0, 3])) == "f32*"
    assert _code(wb.constant(1.0, shape=[2])) == "f32*" and _code(wb.constant([1, 2], shape=[2, 1])) == "i32*"
    assert _code(wb.constant(np.int64(5))) == "i64" and _code(wb.constant(True)) == "b"
    assert repr(wb.constant(5, wb.int32)) == "<wb.Tensor: shape=(), dtype=int32, numpy=5>"
    assert str(wb.constant([[1, 2]])) == "wb.Tensor([[1 2]], shape=(1, 2), dtype=int32, weak=True)"
    assert f"{wb.constant(5.0):.2f}" == "5.00 weakly typed" and f"{wb.constant([1, 2])}" == "[1 2] weakly typed"
    assert _code(wb.math.abs([100.0, 4.0])) == "f32*"
    a, b, c = np.array(1, dtype=np.int8), wb.constant(1), np.array(1, dtype=np.float16)
    assert _code(wb.add(wb.add(a, b), c)) == "f16" and _code(wb.add(wb.add(b, a), c)) == "f16"
    out = np.array(3.2, np.float16) + wb.constant(1, wb.int8) + wb.constant(50)
    assert _code(out) == "f16" and out.numpy() == np.float16(54.1875)
    assert repr(-wb.constant(5)) == "<wb.Tensor: shape=(), dtype=int32, numpy=-5, weak=True>"
    assert _code(wb.constant(5, wb.int16) - wb.constant(1, wb.float32)) == "f32"
    assert _code(tnp.array(1)) == "i32*" and _code(tnp.array(1.0)) == "f32*"
    assert _code(tnp.asarray([1, 2])) == "i32*" and _code(tnp.array(True)) == "b"
    assert _code(tnp.array(np.float64(1))) == "f64" and _code(tnp.array(1j)) == "c128*"
    tnp.experimental_enable_numpy_behavior(dtype_conversion_mode="safe")
    with pytest.raises(TypeError, match=r"You need to explicitly specify the dtype in your op, or relax your dtype "
                       r"promotion rules \(such as from SAFE mode to ALL mode\)\."):
        wb.constant(10, wb.int32) + wb.constant(5.0, wb.float32)


def test_weak_results(mode_off):
    """Ops on weak inputs only give weak results where TF's ops support weak tensors."""
    tnp.experimental_enable_numpy_behavior(dtype_conversion_mode="all")
    x, m = wb.constant([0.5, 0.25]), wb.constant([[0.5, 0.25], [0.1, 0.2]])
    weak = [-x, wb.exp(x), wb.math.abs(x), wb.sqrt(x), wb.tanh(x), wb.sigmoid(x), wb.square(x), wb.reduce_sum(x),
            wb.reduce_mean(x), wb.reduce_max(x), wb.reshape(x, [2, 1]), wb.expand_dims(x, 0), wb.identity(x),
            wb.transpose(m), wb.stop_gradient(x), wb.matmul(m, m), x * x, x - x, x / x, x ** x, x // x, x % x,
            wb.math.divide_no_nan(x, x), wb.math.multiply_no_nan(x, x), wb.nn.relu6(x), wb.nn.log_softmax(x),
            wb.sqrt(4.0), wb.reduce_sum([1.0, 2.0]), wb.math.abs(-3), wb.constant(1) / wb.constant(2)]
    assert [_code(t) for t in weak] == ["f32*"] * 28 + ["i32*", "f64*"]
    strong = [wb.cast(x, wb.float64), wb.concat([x, x], 0), wb.stack([x, x]), x[0], wb.nn.softmax(x), wb.cumsum(x),
              wb.maximum(x, x), wb.minimum(x, x), wb.nn.relu(x), wb.exp(np.float32(4.0)),
              wb.exp(wb.constant(1.0, wb.float32)), wb.convert_to_tensor(1.0), wb.convert_to_tensor(x),
              wb.constant(x, wb.float64), wb.Variable(x).read_value()]
    assert [_code(t)[-1] == "*" for t in strong] == [False] * len(strong)
    assert _code(wb.equal(x, x)) == "b" and wb.constant(x) is x


def test_variables(mode_off):
    tnp.experimental_enable_numpy_behavior(dtype_conversion_mode="all")
    a = wb.Variable(10, dtype=wb.int32)
    assert a.assign_add(wb.constant(5, wb.int16)).numpy() == 15 and a.dtype == wb.int32
    assert a.assign_sub(np.array(1, np.int16)).numpy() == 14
    assert wb.Variable(1, dtype=wb.float64).assign_add(wb.constant(1, wb.uint64)).numpy() == 2.0
    assert wb.Variable(1.0).assign_add(1.5).numpy() == 2.5
    for var, op, value in ((wb.Variable(1, dtype=wb.int16), "assign_add", wb.constant(1, wb.int32)),
                           (wb.Variable(1.0), "assign", wb.constant(1, wb.float64)),
                           (wb.Variable(1, dtype=wb.int32), "assign", wb.constant(1, wb.float16))):
        with pytest.raises(TypeError, match=f"Variable dtype is immutable. Calling {op} of Variable \\(with dtype "
                           f"<dtype: '{var.dtype.name}'>\\)"):
            getattr(var, op)(value)
    tnp.experimental_enable_numpy_behavior(dtype_conversion_mode="safe")
    with pytest.raises(TypeError, match=r"PromoMode.SAFE, implicit dtype promotion between \(<dtype: 'uint8'>, "
                       r"weak=False\) and \(<dtype: 'int8'>, weak=False\)"):
        wb.Variable(1, dtype=wb.uint8).assign_add(wb.constant(1, wb.int8))


def test_gradients_and_function_under_promotion(mode_off):
    tnp.experimental_enable_numpy_behavior(dtype_conversion_mode="all")
    v = wb.Variable([1.0, 2.0], dtype=wb.float16)
    with wb.GradientTape() as tape:
        y = wb.reduce_sum((v + wb.constant([3.0, 4.0], wb.float32)) * 2.5)
    assert y.dtype == wb.float32
    g = tape.gradient(y, v)
    assert g.dtype == wb.float16 and g.numpy().tolist() == [2.5, 2.5]

    @wb.function
    def f(a, b):
        return a * b + 1.5

    out = f(wb.constant([1, 2], wb.int8), wb.constant([0.5, 0.5], wb.float16))
    assert out.dtype == wb.float16 and out.numpy().tolist() == [2.0, 2.5]


def test_modes_switch_and_default_rules(mode_off):
    with pytest.raises(TypeError, match="add: both operands must have the same dtype"):
        wb.constant(1, wb.int32) + wb.constant(1.0)
    tnp.experimental_enable_numpy_behavior(dtype_conversion_mode="all")
    assert type(wb.constant(1.0)) is WeakTensor
    tnp.experimental_enable_numpy_behavior(dtype_conversion_mode="off")   # NumPy's methods, TF's rules
    assert type(wb.constant(1.0)) is wb.Tensor and wb.ones((2, 3)).T.shape == (3, 2)
    with pytest.raises(TypeError, match="add: both operands must have the same dtype"):
        wb.constant(1, wb.int32) + wb.constant(1.0)
    tnp.experimental_enable_numpy_behavior(dtype_conversion_mode="legacy")   # NumPy's promotion
    assert (wb.constant(1, wb.int32) + wb.constant(1.0)).dtype == wb.float64
    assert wb.ones((3,))[(0, 2),].shape == (2,)
    tnp.experimental_enable_numpy_behavior(dtype_conversion_mode="all")
    assert (wb.constant(1, wb.int32) + wb.constant(1.0, wb.float32)).dtype == wb.float32
    with pytest.raises(ValueError, match="The provided promotion mode maybe does not exist"):
        tnp.experimental_enable_numpy_behavior(dtype_conversion_mode="maybe")
    behavior.disable_numpy_behavior()
    assert type(wb.constant(1.0)) is wb.Tensor
    with pytest.raises(TypeError, match="add: both operands must have the same dtype"):
        wb.constant(1, wb.int32) + wb.constant(1.0)


def test_add_takes_a_numpy_first_operands_dtype():
    """TF 2.21 (default mode): ``tf.add(x, y)`` takes a NumPy ``x``'s dtype, so a tensor ``y`` of
    another dtype is refused; the other ops and the operators convert ``x`` to ``y``'s dtype."""
    a, b, c = np.array(1, dtype=np.int8), wb.constant(1), np.array(1, dtype=np.float16)
    with pytest.raises(wb.errors.InvalidArgumentError, match=r"^cannot compute AddV2 as input #1\(zero-based\) "
                       r"was expected to be a int8 tensor but is a int32 tensor \[Op:AddV2\] name: $"):
        wb.add(wb.add(a, b), c)
    out = wb.add(wb.add(b, a), c)
    assert out.dtype == wb.int32 and out.numpy() == 3
    with pytest.raises(wb.errors.InvalidArgumentError, match="expected to be a double tensor but is a half tensor"):
        wb.add(np.array([1.0]), wb.constant([1.5], wb.float16))
    f16 = wb.constant([1.5], wb.float16)
    assert wb.add(np.array([1.0], np.float16), f16).numpy().tolist() == [2.5]
    for out in (np.array([1.0]) + f16, np.array([1.0]) * f16, wb.multiply(np.array([2.0]), f16),
                wb.subtract(np.array([1.0]), f16), wb.maximum(np.float64(0.0), f16), f16 + np.array([1.0])):
        assert out.dtype == wb.float16
    assert (np.array(1, np.int8) + wb.constant(1)).dtype == wb.int32


def test_which_ops_promote(mode_off):
    """In TF 2.21's 'all' mode matmul promotes as the arithmetic ops do; where, concat, stack and the
    ordering comparisons do not (mixed dtypes are refused as before)."""
    tnp.experimental_enable_numpy_behavior(dtype_conversion_mode="all")
    i8, f16 = wb.constant([[1]], wb.int8), wb.constant([[2.0]], wb.float16)
    assert _code(wb.matmul(i8, f16)) == "f16" and _code(i8 @ f16) == "f16"
    assert _code(wb.matmul(wb.constant([[1.0]]), wb.constant([[2.0]]))) == "f32*"
    assert _code(wb.maximum(wb.constant(1, wb.int8), 1.5)) == "f64"
    for refused in (lambda: wb.where(wb.constant([[True]]), i8, f16), lambda: wb.concat([i8, f16], 0),
                    lambda: wb.stack([i8, f16]), lambda: i8 < f16, lambda: wb.math.atan2(f16, wb.constant([[1.0]]))):
        with pytest.raises((TypeError, wb.errors.InvalidArgumentError)):
            refused()


def test_tnp_defaults_under_the_new_promotion(mode_off):
    """TF 2.21's tnp in 'all' mode: float32 for ``dtype=float`` and for ints taken to floats, 32-bit
    sums of narrow ints, weak ranges of Python bounds, result_type by the lattice; tnp's binary
    functions keep NumPy's promotion (``tnp.add(int32, float32)`` is float64, as in TF)."""
    i, i8 = wb.constant([1, 2], wb.int32), wb.constant([1, 2], wb.int8)
    cases = lambda: [tnp.zeros(2), tnp.ones(2), tnp.eye(2), tnp.full(2, 1.5), tnp.full(2, 1), tnp.linspace(0, 1, 3),
                     tnp.arange(3), tnp.arange(3.0), tnp.sqrt(i), tnp.mean(i), tnp.sum(i8), tnp.add(i8, 1.5),
                     tnp.add(i8, i), tnp.add(i, wb.constant([1.0, 2.0], wb.float32)), tnp.true_divide(i, i)]
    types = lambda: [tnp.result_type(float), tnp.result_type(tnp.int8, 1.5), tnp.result_type(tnp.int32, tnp.float32)]
    tnp.experimental_enable_numpy_behavior(dtype_conversion_mode="legacy")
    assert [_code(t) for t in cases()] == ["f64", "f64", "f64", "f64", "i64", "f64", "i64", "f64", "f64", "f64",
                                           "i64", "f64", "i32", "f64", "f64"]
    assert [t.name for t in types()] == ["float64", "float64", "float64"]
    tnp.experimental_enable_numpy_behavior(dtype_conversion_mode="all")
    assert [_code(t) for t in cases()] == ["f32", "f32", "f32", "f32", "i32", "f32", "i32*", "f32*", "f32", "f32",
                                           "i32", "f64", "i32", "f64", "f64"]
    assert [t.name for t in types()] == ["float32", "float64", "float32"]
