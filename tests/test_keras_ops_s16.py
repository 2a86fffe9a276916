"""Keras 3.15's further ``keras.activations`` and ``keras.ops`` names, against values of Keras 3.15
(TF 2.21 backend) pinned in tests/fixtures/keras_ops_s16_keras315.npz (made by
tests/fixtures/keras_ops_s16_make.py, which also lists the cases): values and dtypes, gradients
against finite differences in float64."""

import json
import os

import numpy as np
import pytest

import workbench as wb
from gradients import check_gradients

ops, activations = wb.keras.ops, wb.keras.activations

_FX = np.load(os.path.join(os.path.dirname(__file__), "fixtures", "keras_ops_s16_keras315.npz"))
SPEC = json.loads(str(_FX["spec"]))


def _decode(a):
    if "array" in a:
        return _FX[a["array"]]
    if "arrays" in a:
        return [_FX[k] for k in a["arrays"]]
    v = a["value"]
    return tuple(v) if isinstance(v, list) else v


def _call(cid, args=None):
    s = SPEC[cid]
    fn = getattr(getattr(wb.keras, s["mod"]), s["name"])
    args = [_decode(a) for a in s["args"]] if args is None else args
    return fn(*args, **{k: _decode(v) for k, v in s["kwargs"].items()})


@pytest.mark.parametrize("cid", sorted(SPEC))
def test_value_and_dtype_match_keras(cid):
    out = _call(cid)
    n_out = SPEC[cid]["n_out"]
    outs = list(out) if n_out is not None else [out]
    want = [_FX[f"{cid}__out{j}"] for j in range(n_out)] if n_out is not None else [_FX[f"{cid}__out"]]
    assert len(outs) == len(want)
    for got, w in zip(outs, want):
        got = np.asarray(got.numpy() if hasattr(got, "numpy") else got)
        assert got.shape == w.shape, (cid, got.shape, w.shape)
        assert got.dtype == w.dtype, (cid, got.dtype, w.dtype)
        if w.dtype.kind in "fc":
            np.testing.assert_allclose(got, w, rtol=2e-5, atol=2e-6, equal_nan=True)
        else:
            np.testing.assert_array_equal(got, w)


@pytest.mark.parametrize("cid", sorted(c for c in SPEC if SPEC[c]["grad"]))
def test_gradients_match_finite_differences(cid):
    s = SPEC[cid]
    args = [_decode(a) for a in s["args"]]
    pos = [i for i, a in enumerate(args) if isinstance(a, np.ndarray) and a.dtype.kind == "f"]
    # nudge inputs off the kinks (0, +-1, +-threshold) so finite differences are well defined
    base = [a.astype(np.float64) + 0.013 if i in pos else a for i, a in enumerate(args)]

    def f(*xs):
        full = list(base)
        for i, x in zip(pos, xs):
            full[i] = x
        return _call(cid, full)

    check_gradients(f, [base[i] for i in pos], order=1, modes=("rev",))


def test_activations_by_name():
    for name in ["celu", "glu", "hard_shrink", "hard_sigmoid", "hard_silu", "hard_tanh", "log_sigmoid", "mish",
                 "soft_shrink", "sparse_plus", "sparse_sigmoid", "sparsemax", "squareplus", "tanh_shrink"]:
        fn = activations.get(name)
        assert fn is getattr(activations, name)
        assert activations.serialize(fn) == name
    assert activations.get("hard_swish") is activations.hard_silu
    assert activations.serialize(activations.hard_swish) == "hard_silu"  # Keras 3.15's name for both
    layer = wb.keras.layers.Dense(2, activation="mish")
    assert layer.activation is activations.mish


def test_bad_input_is_refused_by_name():
    with pytest.raises(ValueError, match="glu.*even"):
        ops.glu(np.ones((2, 3), np.float32))
    with pytest.raises(TypeError, match="gcd: x2 must be an integer"):
        ops.gcd(np.array([4]), np.array([2.0]))
    with pytest.raises(TypeError, match="array_split.*indices_or_sections.*int"):
        ops.array_split(np.arange(6.0), [1, 3])
    with pytest.raises(ValueError, match="fliplr.*2 dimensions"):
        ops.fliplr(np.ones(3))
    with pytest.raises(TypeError, match="ldexp: x2 must be an integer"):
        ops.ldexp(np.ones(3), np.ones(3))


def test_sparsemax_is_the_projection_onto_the_simplex():
    # Keras 3.15's TF backend returns zeros here (its tau sums the cumulative sums); this is the definition
    x = np.array([[0.1, 1.2, -0.5, 1.0], [0.3, 0.2, 0.1, 0.0]], np.float32)
    np.testing.assert_allclose(ops.sparsemax(x).numpy(), [[0.0, 0.6, 0.0, 0.4], [0.4, 0.3, 0.2, 0.1]], atol=1e-6)
    np.testing.assert_allclose(activations.sparsemax(x.T, axis=0).numpy(), ops.sparsemax(x).numpy().T, atol=1e-6)


def test_rot90_twice_is_numpys():
    # Keras 3.15's TF backend gives [[7, 5, 9], [12, -3, 0]] for k=2; NumPy (Keras' reference) is pinned
    x = np.array([[12, 7, -3], [5, 0, 9]], np.int32)
    np.testing.assert_array_equal(ops.rot90(x, 2).numpy(), [[9, 0, 5], [-3, 7, 12]])
    np.testing.assert_array_equal(ops.rot90(x, -2).numpy(), [[9, 0, 5], [-3, 7, 12]])


def test_logdet_gradient_on_symmetric_input():
    m = np.array([[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]])
    check_gradients(lambda a: ops.logdet((a + ops.transpose(a)) / 2.0), [m], order=1, modes=("rev",))


def test_eig_reconstructs_the_matrix():
    a = np.array([[2.0, 1.0, 0.0], [0.5, 3.0, 1.0], [0.0, 1.0, 4.0]], np.float32)
    w, v = ops.eig(a)
    assert w.dtype == np.complex64 and v.shape == (3, 3)
    np.testing.assert_allclose((v.numpy() * w.numpy()) @ np.linalg.inv(v.numpy()), a, atol=1e-4)


def test_core_custom_gradient_and_vectorized_map():
    @ops.custom_gradient
    def clipped(x):
        return x * 1.0, lambda up: up * 3.0

    x = wb.Variable(2.0)
    with wb.GradientTape() as tape:
        y = clipped(x) * 2.0
    assert float(tape.gradient(y, x).numpy()) == 6.0
    out = ops.vectorized_map(lambda row: ops.sum(row * row), np.arange(6.0, dtype=np.float32).reshape(3, 2))
    np.testing.assert_allclose(out.numpy(), [1.0, 13.0, 41.0])


def test_more_bad_input_is_refused_by_name():
    with pytest.raises(ValueError, match="fft: x must be a tuple of two tensors"):
        ops.fft(np.ones(4, np.float32))
    with pytest.raises(ValueError, match="fft2: the real and imaginary parts must have the same shape"):
        ops.fft2((np.ones((2, 2), np.float32), np.ones((2, 3), np.float32)))
    with pytest.raises(ValueError, match="psnr: x1 and x2 must have the same shape"):
        ops.psnr(np.ones(3), np.ones(4), 1.0)
    with pytest.raises(ValueError, match="quantile: method must be one of"):
        ops.quantile(np.ones(3), 0.5, method="inverted_cdf")
    with pytest.raises(ValueError, match="quantile: q must lie in"):
        ops.quantile(np.ones(3), 1.5)
    with pytest.raises(ValueError, match="depth_to_space: data_format"):
        ops.depth_to_space(np.ones((1, 2, 2, 4)), 2, data_format="NHWC")
    with pytest.raises(TypeError, match="lstsq: a must be 2-D"):
        ops.lstsq(np.ones((2, 2, 2)), np.ones(2))


def test_backend_settings_round_trip():
    b = wb.keras.backend
    assert b.epsilon() == 1e-7 and b.image_data_format() == "channels_last"
    try:
        b.set_epsilon(1e-5)
        b.set_image_data_format("channels_first")
        assert b.epsilon() == 1e-5 and b.image_data_format() == "channels_first"
        assert b.spatial_2d_padding(np.ones((1, 2, 3, 3), np.float32)).shape == (1, 2, 5, 5)
    finally:
        b.set_epsilon(1e-7)
        b.set_image_data_format("channels_last")
    with pytest.raises(ValueError, match="set_image_data_format: data_format must be"):
        b.set_image_data_format("NHWC")


def test_backend_dtypes_and_uids():
    b = wb.keras.backend
    # Keras 3.15's answers
    assert [b.standardize_dtype(d) for d in (None, int, float, bool, complex, str, np.int16, "int")] == [
        "float32", "int64", "float32", "bool", "complex128", "string", "int16", "int64"]
    assert b.standardize_dtype(wb.float16) == "float16"
    with pytest.raises(ValueError, match="Invalid dtype"):
        b.standardize_dtype("float")
    first = b.get_uid("s16_prefix")
    assert b.get_uid("s16_prefix") == first + 1
    assert b.is_keras_tensor(wb.keras.Input((3,))) and not b.is_keras_tensor(wb.constant(1.0))
    with pytest.raises(TypeError, match="eye: size must be a positive int"):
        b.eye((2, 3))


def test_backend_variables_and_updates():
    b = wb.keras.backend
    v = b.variable([[1, 2], [3, 4]])
    assert v.dtype == np.float32 and b.dtype(v) == "float32"
    b.set_value(v, [[0, 0], [0, 1]])
    b.update_add(v, np.ones((2, 2), np.float32))
    b.update_sub(v, np.full((2, 2), 0.5, np.float32))
    np.testing.assert_allclose(b.get_value(v), [[0.5, 0.5], [0.5, 1.5]])
    w = b.zeros((2,))
    b.batch_set_value([(w, [3.0, 4.0])])
    assert b.batch_get_value([w])[0].tolist() == [3.0, 4.0]
    b.moving_average_update(w, np.array([1.0, 0.0], np.float32), 0.75)
    np.testing.assert_allclose(b.eval(w), [2.5, 3.0])
    b.update(w, [0.0, 1.0])
    assert b.get_value(w).tolist() == [0.0, 1.0]
    sp = wb.sparse.SparseTensor([[0, 1]], [2.0], [2, 2])
    assert b.is_sparse(sp) and not b.is_sparse(w)
    assert b.to_dense(sp).numpy().tolist() == [[0.0, 2.0], [0.0, 0.0]]


def test_backend_functional_and_random():
    b = wb.keras.backend
    xs = np.arange(1.0, 5.0, dtype=np.float32)
    assert float(b.foldl(lambda acc, x: acc - x, xs).numpy()) == 1.0 - 2.0 - 3.0 - 4.0
    assert float(b.foldr(lambda acc, x: acc - x, xs).numpy()) == 4.0 - 3.0 - 2.0 - 1.0
    np.testing.assert_allclose(b.map_fn(lambda x: x * x, xs).numpy(), xs ** 2)
    wb.random.set_seed(11)
    r1 = b.random_normal((3, 2), seed=5).numpy()
    wb.random.set_seed(11)
    np.testing.assert_array_equal(r1, b.random_normal((3, 2), seed=5).numpy())
    u = b.random_uniform((1000,), minval=2.0, maxval=3.0, seed=1).numpy()
    assert u.dtype == np.float32 and u.min() >= 2.0 and u.max() < 3.0
    bern = b.random_bernoulli((2000,), p=0.3, seed=2).numpy()
    assert set(np.unique(bern)) <= {0.0, 1.0} and abs(bern.mean() - 0.3) < 0.05
    t = b.truncated_normal((2000,), stddev=2.0, seed=3).numpy()
    assert np.abs(t).max() <= 4.0
    v = b.random_uniform_variable((2, 2), 0.0, 1.0, seed=4)
    assert isinstance(v, wb.Variable) and v.shape == (2, 2)
    d = b.dropout(np.ones((1000,), np.float32), 0.5, seed=6).numpy()
    assert set(np.unique(d)) <= {0.0, 2.0}


def test_associative_scan_matches_keras():
    # Keras 3.15's values
    add = ops.associative_scan(lambda a, b: a + b, np.arange(5.0, dtype=np.float32))
    assert add.numpy().tolist() == [0.0, 1.0, 3.0, 6.0, 10.0]
    mul = ops.associative_scan(lambda a, b: a * b, np.arange(1.0, 5.0, dtype=np.float32), reverse=True)
    assert mul.numpy().tolist() == [24.0, 24.0, 12.0, 4.0]
    pair = ops.associative_scan(lambda a, b: [a[0] + b[0], a[1] * b[1]],
                                [np.ones((2, 3), np.float32), np.full((2, 3), 2.0, np.float32)], axis=1)
    assert [p.numpy().tolist() for p in pair] == [[[1.0, 2.0, 3.0]] * 2, [[2.0, 4.0, 8.0]] * 2]
    check_gradients(lambda x: ops.associative_scan(lambda a, b: a * b, x), [np.array([1.5, -0.5, 2.0, 0.7])],
                    order=1, modes=("rev",))
    with pytest.raises(ValueError, match="associative_scan: every tensor of elems must have the same length"):
        ops.associative_scan(lambda a, b: a, [np.ones(2), np.ones(3)])
