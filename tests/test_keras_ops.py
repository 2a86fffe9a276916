"""wb.keras.ops against NumPy: every name Keras 3's guides and research code use, with Keras'
argument names, defaults and dtypes; gradients through the wrappers against finite differences."""

import numpy as np
import pytest

import workbench as wb
from gradients import check_gradients
from workbench.keras import ops

rng = np.random.default_rng(0)
A = rng.normal(size=(3, 4)).astype(np.float32)
B = rng.normal(size=(4, 5)).astype(np.float32)
C = rng.normal(size=(2, 3, 4)).astype(np.float32)
P = rng.uniform(0.1, 2.0, size=(3, 4)).astype(np.float32)
U = rng.uniform(-0.9, 0.9, size=(3, 4)).astype(np.float32)
I = np.array([[3, 1, 2], [0, 5, 4]], np.int32)
V = np.array([2.0, -1.0, 0.0, 3.5, -2.5], np.float32)


def _softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


# (name, args, kwargs, numpy reference)
CASES = [
    ("abs", (A,), {}, np.abs(A)), ("absolute", (A,), {}, np.abs(A)),
    ("add", (A, 1), {}, A + 1), ("subtract", (A, A), {}, A - A), ("multiply", (A, 2.0), {}, A * 2),
    ("divide", (A, P), {}, A / P), ("true_divide", (I, 2), {}, I / 2), ("floor_divide", (I, 2), {}, I // 2),
    ("mod", (I, 4), {}, I % 4), ("power", (P, 2.0), {}, P ** 2), ("negative", (A,), {}, -A),
    ("square", (A,), {}, A ** 2), ("sqrt", (P,), {}, np.sqrt(P)), ("exp", (A,), {}, np.exp(A)),
    ("expm1", (A,), {}, np.expm1(A)), ("log", (P,), {}, np.log(P)), ("log1p", (P,), {}, np.log1p(P)),
    ("log2", (P,), {}, np.log2(P)), ("log10", (P,), {}, np.log10(P)),
    ("sin", (A,), {}, np.sin(A)), ("cos", (A,), {}, np.cos(A)), ("tan", (U,), {}, np.tan(U)),
    ("arcsin", (U,), {}, np.arcsin(U)), ("arccos", (U,), {}, np.arccos(U)), ("arctan", (A,), {}, np.arctan(A)),
    ("arctan2", (A, P), {}, np.arctan2(A, P)), ("sinh", (A,), {}, np.sinh(A)), ("cosh", (A,), {}, np.cosh(A)),
    ("tanh", (A,), {}, np.tanh(A)), ("arcsinh", (A,), {}, np.arcsinh(A)), ("arccosh", (P + 1,), {}, np.arccosh(P + 1)),
    ("arctanh", (U,), {}, np.arctanh(U)), ("sign", (A,), {}, np.sign(A)), ("floor", (A,), {}, np.floor(A)),
    ("ceil", (A,), {}, np.ceil(A)), ("round", (V,), {}, np.round(V)), ("round", (A,), {"decimals": 1}, np.round(A, 1)),
    ("reciprocal", (P,), {}, 1 / P), ("clip", (A, -0.5, 0.5), {}, np.clip(A, -0.5, 0.5)),
    ("maximum", (A, 0.0), {}, np.maximum(A, 0)), ("minimum", (A, U), {}, np.minimum(A, U)),
    ("logaddexp", (A, U), {}, np.logaddexp(A, U)),
    ("equal", (I, 2), {}, I == 2), ("not_equal", (I, 2), {}, I != 2), ("less", (A, U), {}, A < U),
    ("less_equal", (I, 2), {}, I <= 2), ("greater", (A, U), {}, A > U), ("greater_equal", (I, 3), {}, I >= 3),
    ("logical_and", (A > 0, U > 0), {}, (A > 0) & (U > 0)), ("logical_or", (A > 0, U > 0), {}, (A > 0) | (U > 0)),
    ("logical_xor", (A > 0, U > 0), {}, (A > 0) ^ (U > 0)), ("logical_not", (A > 0,), {}, ~(A > 0)),
    ("isnan", (np.array([1.0, np.nan], np.float32),), {}, [False, True]),
    ("isinf", (np.array([1.0, np.inf], np.float32),), {}, [False, True]),
    ("isfinite", (np.array([np.inf, 1.0], np.float32),), {}, [False, True]),
    ("mean", (A,), {}, A.mean()), ("mean", (C,), {"axis": (0, 2), "keepdims": True}, C.mean((0, 2), keepdims=True)),
    ("mean", (I,), {"axis": 1}, I.mean(1)), ("sum", (C,), {"axis": -1}, C.sum(-1)), ("sum", (I,), {}, I.sum()),
    ("max", (A,), {"axis": 0}, A.max(0)), ("min", (A,), {"axis": 1, "keepdims": True}, A.min(1, keepdims=True)),
    ("max", (A,), {"initial": 5.0}, 5.0), ("prod", (P,), {"axis": 1}, P.prod(1)), ("std", (A,), {"axis": 0}, A.std(0)),
    ("var", (A,), {}, A.var()), ("all", (A > -3,), {}, True), ("any", (A > 1, 1), {}, (A > 1).any(1)),
    ("count_nonzero", (I,), {"axis": 0}, np.count_nonzero(I, axis=0)),
    ("average", (A,), {"axis": 1, "weights": [1.0, 2.0, 3.0, 4.0]}, np.average(A, 1, [1, 2, 3, 4])),
    ("argmax", (A,), {}, A.argmax()), ("argmax", (A,), {"axis": 1}, A.argmax(1)),
    ("argmin", (A,), {"axis": 0, "keepdims": True}, A.argmin(0)[None]), ("argsort", (V,), {}, np.argsort(V)),
    ("sort", (A,), {"axis": 0}, np.sort(A, 0)), ("cumsum", (A,), {}, np.cumsum(A)),
    ("cumsum", (A,), {"axis": 1}, np.cumsum(A, 1)), ("cumprod", (P,), {"axis": 0}, np.cumprod(P, 0)),
    ("matmul", (A, B), {}, A @ B), ("matmul", (C, B), {}, C @ B), ("matmul", (A, B[:, 0]), {}, A @ B[:, 0]),
    ("dot", (C, B), {}, np.dot(C, B)), ("dot", (V, V), {}, V @ V), ("tensordot", (C, B), {"axes": 1}, np.tensordot(C, B, 1)),
    ("outer", (V, V[:3]), {}, np.outer(V, V[:3])), ("einsum", ("ij,jk->ik", A, B), {}, A @ B),
    ("concatenate", ([A, U],), {}, np.concatenate([A, U])), ("concatenate", ([A, U],), {"axis": 1}, np.concatenate([A, U], 1)),
    ("concatenate", ([A, V],), {"axis": None}, np.concatenate([A, V], axis=None)),
    ("append", (A, U), {"axis": 0}, np.append(A, U, axis=0)),
    ("stack", ([A, U],), {}, np.stack([A, U])), ("stack", ([A, U],), {"axis": -1}, np.stack([A, U], -1)),
    ("hstack", ([A, U],), {}, np.hstack([A, U])), ("vstack", ([V, V],), {}, np.vstack([V, V])),
    ("reshape", (A, (2, 6)), {}, A.reshape(2, 6)), ("reshape", (A, -1), {}, A.reshape(-1)), ("ravel", (C,), {}, C.ravel()),
    ("transpose", (C,), {}, C.T), ("transpose", (C, (1, 0, 2)), {}, C.transpose(1, 0, 2)),
    ("swapaxes", (C, 0, 2), {}, C.swapaxes(0, 2)), ("moveaxis", (C, 0, -1), {}, np.moveaxis(C, 0, -1)),
    ("expand_dims", (A, 1), {}, A[:, None]), ("expand_dims", (A, (0, 3)), {}, np.expand_dims(A, (0, 3))),
    ("squeeze", (A[None, :, None],), {}, A), ("squeeze", (A[None],), {"axis": 0}, A),
    ("broadcast_to", (V, (2, 5)), {}, np.broadcast_to(V, (2, 5))), ("tile", (A, 2), {}, np.tile(A, 2)),
    ("tile", (V, (2, 1)), {}, np.tile(V, (2, 1))), ("repeat", (A, 2), {}, np.repeat(A, 2)),
    ("repeat", (A, 2), {"axis": 0}, np.repeat(A, 2, 0)), ("flip", (A,), {}, np.flip(A)),
    ("flip", (A, 1), {}, np.flip(A, 1)), ("roll", (V, 2), {}, np.roll(V, 2)), ("roll", (A, 1), {"axis": 1}, np.roll(A, 1, 1)),
    ("pad", (A, 1), {}, np.pad(A, 1)), ("pad", (A, ((0, 1), (2, 0))), {"constant_values": 3}, np.pad(A, ((0, 1), (2, 0)), constant_values=3)),
    ("pad", (A, ((1, 1), (2, 2))), {"mode": "reflect"}, np.pad(A, ((1, 1), (2, 2)), mode="reflect")),
    ("take", (A, [0, 5, -1]), {}, np.take(A, [0, 5, -1])), ("take", (A, [[2, 0]]), {"axis": 1}, np.take(A, [[2, 0]], 1)),
    ("take_along_axis", (A, np.argsort(A, 1)), {"axis": 1}, np.take_along_axis(A, np.argsort(A, 1), 1)),
    ("where", (A > 0, A, U), {}, np.where(A > 0, A, U)), ("where", (A > 0, A, 0.0), {}, np.where(A > 0, A, 0)),
    ("zeros", ((2, 3),), {}, np.zeros((2, 3), np.float32)), ("ones", ((2,),), {"dtype": "int32"}, np.ones(2, np.int32)),
    ("full", ((2, 2), 7), {}, np.full((2, 2), 7, np.int32)), ("zeros_like", (I,), {}, np.zeros_like(I)),
    ("ones_like", (A,), {}, np.ones_like(A)), ("full_like", (A, 2.5), {}, np.full_like(A, 2.5)),
    ("arange", (5,), {}, np.arange(5, dtype=np.int32)), ("arange", (1, 2, 0.25), {}, np.arange(1, 2, 0.25, dtype=np.float32)),
    ("linspace", (0, 1, 5), {}, np.linspace(0, 1, 5, dtype=np.float32)),
    ("linspace", (0, 1, 4), {"endpoint": False}, np.linspace(0, 1, 4, endpoint=False, dtype=np.float32)),
    ("eye", (3,), {}, np.eye(3, dtype=np.float32)), ("eye", (2, 3), {"k": 1}, np.eye(2, 3, 1, dtype=np.float32)),
    ("identity", (2,), {}, np.eye(2, dtype=np.float32)), ("tril", (A,), {}, np.tril(A)), ("triu", (A, 1), {}, np.triu(A, 1)),
    ("tril", (C, -1), {}, np.tril(C, -1)), ("diag", (V,), {}, np.diag(V)), ("diag", (V[:3], -1), {}, np.diag(V[:3], -1)),
    ("diag", (A,), {"k": 1}, np.diag(A, 1)), ("trace", (A,), {}, np.trace(A)), ("trace", (C,), {"axis1": 1, "axis2": 2}, np.trace(C, axis1=1, axis2=2)),
    ("split", (A, 2), {"axis": 1}, np.split(A, 2, axis=1)), ("split", (V, [1, 3]), {}, np.split(V, [1, 3])),
    ("relu", (A,), {}, np.maximum(A, 0)), ("relu6", (A * 5,), {}, np.clip(A * 5, 0, 6)),
    ("sigmoid", (A,), {}, 1 / (1 + np.exp(-A))), ("softplus", (A,), {}, np.log1p(np.exp(A))),
    ("softsign", (A,), {}, A / (1 + np.abs(A))), ("silu", (A,), {}, A / (1 + np.exp(-A))), ("swish", (A,), {}, A / (1 + np.exp(-A))),
    ("log_sigmoid", (A,), {}, -np.log1p(np.exp(-A))), ("elu", (A,), {"alpha": 0.5}, np.where(A > 0, A, 0.5 * np.expm1(A))),
    ("leaky_relu", (A,), {}, np.where(A > 0, A, 0.2 * A)),
    ("gelu", (A,), {}, 0.5 * A * (1 + np.tanh(np.sqrt(2 / np.pi) * (A + 0.044715 * A ** 3)))),
    ("selu", (A,), {}, 1.0507009873554805 * np.where(A > 0, A, 1.6732632423543772 * np.expm1(A))),
    ("hard_swish", (A * 4,), {}, A * 4 * np.clip(A * 4 + 3, 0, 6) / 6),
    ("normalize", (A,), {}, A / np.linalg.norm(A, axis=-1, keepdims=True)),
    ("array", (I,), {"dtype": "float32"}, I.astype(np.float32)),
    ("hard_sigmoid", (A * 4,), {}, np.clip(A * 4 + 3, 0, 6) / 6), ("hard_silu", (A * 4,), {}, A * 4 * np.clip(A * 4 + 3, 0, 6) / 6),
    ("softmax", (A,), {}, _softmax(A)), ("softmax", (A,), {"axis": 0}, _softmax(A, 0)),
    ("log_softmax", (A,), {}, np.log(_softmax(A))),
    ("one_hot", (I[0], 6), {}, np.eye(6, dtype=np.float32)[I[0]]),
    ("one_hot", (I[0].astype(np.float32), 6), {}, np.eye(6, dtype=np.float32)[I[0]]),
    ("multi_hot", (I, 6), {}, np.array([[0, 1, 1, 1, 0, 0], [1, 0, 0, 0, 1, 1]], np.float32)),
    ("logsumexp", (A,), {"axis": 1}, np.log(np.exp(A).sum(1))), ("logsumexp", (A,), {}, np.log(np.exp(A).sum())),
    ("rsqrt", (P,), {}, 1 / np.sqrt(P)), ("norm", (V,), {}, np.linalg.norm(V)), ("norm", (A,), {}, np.linalg.norm(A)),
    ("norm", (A,), {"axis": 1}, np.linalg.norm(A, axis=1)), ("norm", (A,), {"ord": 1, "axis": 0}, np.linalg.norm(A, 1, axis=0)),
    ("norm", (C,), {"axis": (1, 2), "keepdims": True}, np.linalg.norm(C, axis=(1, 2), keepdims=True)),
    ("cast", (A, "int32"), {}, A.astype(np.int32)), ("convert_to_tensor", (I,), {"dtype": "float32"}, I.astype(np.float32)),
    ("stop_gradient", (A,), {}, A), ("segment_sum", (V, [0, 0, 1, 1, 1]), {}, [1.0, 1.0]),
    ("segment_max", (V, [1, 0, 1, 0, 0]), {"num_segments": 3}, [3.5, 2.0, np.finfo(np.float32).min]),
    ("slice", (A, (1, 0), (2, 3)), {}, A[1:3, 0:3]),
    ("copy", (A,), {}, A), ("isclose", (V, V + 1e-6), {}, np.isclose(V, V + 1e-6)),
    ("isclose", (np.array([np.nan, 1.0]), np.array([np.nan, 2.0])), {"equal_nan": True}, [True, False]),
    ("nan_to_num", (np.array([np.nan, np.inf, -np.inf, 1.0], np.float32),), {"posinf": 9.0},
     np.nan_to_num(np.array([np.nan, np.inf, -np.inf, 1.0], np.float32), posinf=9.0)),
    ("tri", (3, 4), {"k": 1}, np.tri(3, 4, 1, dtype=np.float32)), ("diagonal", (A, 1), {}, np.diagonal(A, 1)),
    ("diagonal", (C,), {"offset": -1, "axis1": 1, "axis2": 2}, np.diagonal(C, -1, 1, 2)),
    ("logspace", (0, 2, 5), {}, np.logspace(0, 2, 5, dtype=np.float32)),
    ("logspace", (1, 3, 3), {"base": 2, "endpoint": False}, np.logspace(1, 3, 3, base=2, endpoint=False)),
    ("meshgrid", (V[:3], V), {}, list(np.meshgrid(V[:3], V))),
    ("meshgrid", (V[:3], V[:2], V), {"indexing": "ij"}, list(np.meshgrid(V[:3], V[:2], V, indexing="ij"))),
    ("searchsorted", (np.sort(V), A), {}, np.searchsorted(np.sort(V), A)),
    ("searchsorted", (np.sort(V), V), {"side": "right"}, np.searchsorted(np.sort(V), V, side="right")),
    ("digitize", (A, [-1.0, 0.0, 1.0]), {}, np.digitize(A, [-1.0, 0.0, 1.0])),
    ("select", ([A > 0.5, A < -0.5], [A, -A]), {"default": 7.0}, np.select([A > 0.5, A < -0.5], [A, -A], 7.0)),
    ("scatter", ([[0, 1], [2, 3]], [5.0, 6.0], (3, 4)), {}, np.array([[0, 5, 0, 0], [0] * 4, [0, 0, 0, 6]], np.float32)),
]


def _value(x):
    return [_value(v) for v in x] if isinstance(x, (list, tuple)) else np.asarray(x.numpy() if hasattr(x, "numpy") else x)


@pytest.mark.parametrize("name,args,kwargs,want", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_op_matches_numpy(name, args, kwargs, want):
    got = getattr(ops, name)(*args, **kwargs)
    if isinstance(want, list) and isinstance(got, (list, tuple)):
        assert len(got) == len(want)
        for g, w in zip(got, want):
            np.testing.assert_allclose(_value(g), w, rtol=1e-5, atol=1e-6)
        return
    want = np.asarray(want)
    value = _value(got)
    assert value.shape == want.shape, (name, value.shape, want.shape)
    np.testing.assert_allclose(value, want, rtol=1e-5, atol=1e-6)
    if want.dtype != object and isinstance(want, np.ndarray) and want.dtype.kind in "iub" and name != "full":
        assert value.dtype.kind == want.dtype.kind, (name, value.dtype)


def test_keras_dtypes():
    assert ops.mean(np.arange(4, dtype=np.int32)).dtype == np.float32
    assert ops.arange(3).dtype == np.int32 and ops.arange(3.0).dtype == np.float32
    assert ops.zeros((2,)).dtype == np.float32 and ops.one_hot([1], 3).dtype == np.float32
    assert ops.argmax(A, axis=1).dtype == np.int32 and ops.argsort(V).dtype == np.int32
    assert (ops.add(np.int32(1), A)).dtype == np.float32  # an integer with a float gives the float
    assert ops.full((2,), 1.5).dtype == np.float32 and ops.full((2,), 1).dtype == np.int32
    assert ops.shape(A) == (3, 4) and ops.ndim(C) == 3 and ops.size(C) == 24 and ops.dtype(A) == "float32"
    assert ops.is_tensor(ops.ones(())) and not ops.is_tensor(A)
    assert isinstance(ops.convert_to_numpy(ops.ones((2,))), np.ndarray)


def test_control_flow_helpers_and_image_resize():
    assert ops.switch(5, [lambda v: v + 1, lambda v: v * 10], 3) == 30  # the index is clipped
    assert int(ops.switch(ops.convert_to_tensor(0), [lambda v: v + 1, lambda v: v * 10], 3)) == 4
    np.testing.assert_allclose(ops.map(lambda v: v * 2, V).numpy(), V * 2)
    pairs = ops.map(lambda d: {"s": d["a"] + d["b"]}, {"a": A, "b": U})
    np.testing.assert_allclose(pairs["s"].numpy(), A + U)
    carry, ys = ops.scan(lambda c, x: (c + x, c * x), 0.0, V)
    assert float(carry) == pytest.approx(V.sum())
    np.testing.assert_allclose(ys.numpy(), np.concatenate([[0.0], np.cumsum(V)[:-1]]) * V)
    carry, ys = ops.scan(lambda c, x: (c * 2, None), 1.0, length=3)
    assert float(carry) == 8.0 and ys is None
    back, _ = ops.scan(lambda c, x: (c * 10 + x, x), 0.0, np.array([1.0, 2.0]), reverse=True)
    assert float(back) == 21.0
    with pytest.raises(ValueError, match="scan: give xs or length"):
        ops.scan(lambda c, x: (c, x), 0.0)
    img = np.arange(16, dtype=np.float32).reshape(4, 4, 1)
    # half-pixel centres, as TF and Keras sample: nearest takes rows/cols 1 and 3, bilinear averages 2x2 blocks
    np.testing.assert_allclose(ops.image.resize(img, (2, 2), interpolation="nearest").numpy()[..., 0],
                               img[1::2, 1::2, 0])
    np.testing.assert_allclose(ops.image.resize(img, (2, 2)).numpy()[..., 0],
                               img[:, :, 0].reshape(2, 2, 2, 2).mean(axis=(1, 3)))
    assert ops.image.resize(np.ones((2, 4, 6, 3)), (3, 3), crop_to_aspect_ratio=True).shape == (2, 3, 3, 3)
    assert ops.image.resize(np.ones((3, 4, 4)), (2, 5), data_format="channels_first").shape == (3, 2, 5)
    np.testing.assert_allclose(ops.image.resize(np.full((4, 4, 2), 3.0), (7, 5)).numpy(), np.full((7, 5, 2), 3.0),
                               rtol=1e-6)
    with pytest.raises(ValueError, match="resize: interpolation must be one of"):
        ops.image.resize(img, (2, 2), interpolation="cubic")


def test_where_with_only_condition_gives_indices():
    rows, cols = ops.where(A > 0)
    want = np.nonzero(A > 0)
    np.testing.assert_array_equal(rows.numpy(), want[0])
    np.testing.assert_array_equal(cols.numpy(), want[1])
    with pytest.raises(ValueError, match="both x1 and x2"):
        ops.where(A > 0, A)


def test_top_k_and_in_top_k():
    values, indices = ops.top_k(A, 2)
    np.testing.assert_allclose(values.numpy(), -np.sort(-A, axis=1)[:, :2])
    np.testing.assert_array_equal(indices.numpy(), np.argsort(-A, axis=1)[:, :2])
    hit = ops.in_top_k(np.array([0, 1, 2]), A, 2).numpy()
    np.testing.assert_array_equal(hit, [t in np.argsort(-A[i])[:2] for i, t in enumerate([0, 1, 2])])


def test_nn_submodule_and_moments():
    assert ops.nn.relu is ops.relu and ops.numpy.mean is ops.mean and ops.math.erf is ops.erf
    mean, var = ops.moments(C, axes=[0, 1])
    np.testing.assert_allclose(mean.numpy(), C.mean((0, 1)), rtol=1e-5)
    np.testing.assert_allclose(var.numpy(), C.var((0, 1)), rtol=1e-5)
    from scipy.special import erf, erfinv
    np.testing.assert_allclose(ops.erf(A).numpy(), erf(A), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ops.erfinv(U).numpy(), erfinv(U), rtol=1e-4, atol=1e-5)


def test_cross_entropies_per_example():
    t = (rng.uniform(size=(3, 4)) > 0.5).astype(np.float32)
    p = 1 / (1 + np.exp(-A))
    bce = -(t * np.log(p) + (1 - t) * np.log(1 - p))
    np.testing.assert_allclose(ops.binary_crossentropy(t, p).numpy(), bce, rtol=1e-4)
    np.testing.assert_allclose(ops.binary_crossentropy(t, A, from_logits=True).numpy(), bce, rtol=1e-4)
    labels = np.array([1, 0, 3])
    onehot = np.eye(4, dtype=np.float32)[labels]
    cce = -np.log(_softmax(A)[np.arange(3), labels])
    np.testing.assert_allclose(ops.categorical_crossentropy(onehot, _softmax(A)).numpy(), cce, rtol=1e-4)
    np.testing.assert_allclose(ops.categorical_crossentropy(onehot, A, from_logits=True).numpy(), cce, rtol=1e-4)
    np.testing.assert_allclose(ops.sparse_categorical_crossentropy(labels, A, from_logits=True).numpy(), cce, rtol=1e-4)
    with pytest.raises(ValueError, match="same shape"):
        ops.binary_crossentropy(t[:, :2], p)


def test_control_flow_and_updates():
    assert ops.cond(ops.convert_to_tensor(True), lambda: 1, lambda: 2) == 1
    i, total = ops.while_loop(lambda i, t: i < 4, lambda i, t: (i + 1, t + i), (0, 0))
    assert int(i) == 4 and int(total) == 6
    assert int(ops.while_loop(lambda i: i < 3, lambda i: i + 1, 0)) == 3
    assert ops.fori_loop(0, 5, lambda i, v: v * 2, 1) == 32
    out = ops.scatter_update(np.zeros((2, 3), np.float32), [[0, 1], [1, 2]], [1.0, 2.0])
    np.testing.assert_array_equal(out.numpy(), [[0, 1, 0], [0, 0, 2]])
    out = ops.slice_update(np.zeros((3, 3), np.float32), (1, 1), np.ones((2, 2), np.float32))
    np.testing.assert_array_equal(out.numpy(), np.pad(np.ones((2, 2)), ((1, 0), (1, 0))))
    parts = ops.unstack(A, axis=1)
    assert len(parts) == 4 and parts[0].shape == (3,)


def test_linalg():
    m = A @ A.T + 3 * np.eye(3, dtype=np.float32)
    np.testing.assert_allclose(ops.inv(m).numpy(), np.linalg.inv(m), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(ops.det(m).numpy(), np.linalg.det(m), rtol=1e-4)
    np.testing.assert_allclose(ops.solve(m, A).numpy(), np.linalg.solve(m, A), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(ops.cholesky(m).numpy(), np.linalg.cholesky(m), rtol=1e-4, atol=1e-5)
    w, vecs = ops.eigh(m)
    np.testing.assert_allclose(w.numpy(), np.linalg.eigvalsh(m), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(vecs.numpy() @ np.diag(w.numpy()) @ vecs.numpy().T, m, rtol=1e-4, atol=1e-4)
    q, r = ops.qr(A)
    np.testing.assert_allclose((q.numpy() @ r.numpy()), A, atol=1e-5)
    u, s, vh = ops.svd(A, full_matrices=False)
    np.testing.assert_allclose((u.numpy() * s.numpy()) @ vh.numpy(), A, atol=1e-5)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="split: axis 0 of size 5"):
        ops.split(V, 2)
    with pytest.raises(ValueError, match="pad: mode"):
        ops.pad(A, 1, mode="wrap")
    with pytest.raises(ValueError, match="tril: x must have at least 2"):
        ops.tril(V)
    with pytest.raises(ValueError, match="take_along_axis: indices"):
        ops.take_along_axis(A, [0, 1], axis=1)
    with pytest.raises(ValueError, match="slice: start_indices"):
        ops.slice(A, (0,), (1, 1))


@pytest.mark.parametrize("fn", [
    lambda x, y: ops.sum(ops.matmul(x, y) ** 2, axis=0),
    lambda x, y: ops.mean(ops.concatenate([x, ops.transpose(y)], axis=0), axis=1, keepdims=True),
    lambda x, y: ops.logsumexp(ops.take(x, [1, 0, 1], axis=0), axis=1) + ops.norm(y),
    lambda x, y: ops.softmax(ops.where(x > 0, x, ops.tanh(x))) * ops.max(y),
    lambda x, y: ops.binary_crossentropy(ops.sigmoid(x), ops.sigmoid(ops.transpose(y) * 0.5)),
    lambda x, y: ops.dot(x, y) + ops.einsum("ij,jk->ik", x, y) + ops.tril(ops.outer(x[:, 0], y[0])),
], ids=["matmul-sum", "concat-mean", "take-logsumexp-norm", "softmax-where-max", "bce", "dot-einsum-tril"])
def test_gradients_match_finite_differences(fn):
    x = rng.normal(size=(3, 4))
    y = rng.normal(size=(4, 3))
    check_gradients(lambda a, b: fn(a, b), [x, y], order=1, modes=("rev",))


def _conv_reference(x, k, s):
    n, h, w, _ = x.shape
    kh, kw, _, o = k.shape
    oh, ow = (h - kh) // s + 1, (w - kw) // s + 1
    out = np.zeros((n, oh, ow, o))
    for i in range(oh):
        for j in range(ow):
            out[:, i, j] = np.einsum("nhwc,hwco->no", x[:, i * s:i * s + kh, j * s:j * s + kw], k)
    return out


def test_conv_and_its_transpose():
    x = rng.normal(size=(2, 7, 8, 3)).astype(np.float32)
    k = rng.normal(size=(3, 3, 3, 4)).astype(np.float32)
    y = ops.conv(x, k, strides=2)
    np.testing.assert_allclose(y.numpy(), _conv_reference(x, k, 2), rtol=1e-4, atol=1e-5)
    first = ops.conv(np.transpose(x, (0, 3, 1, 2)), k, strides=2, data_format="channels_first")
    np.testing.assert_allclose(np.transpose(first.numpy(), (0, 2, 3, 1)), y.numpy(), rtol=1e-5, atol=1e-5)
    assert ops.conv(x, k, padding="same").shape == (2, 7, 8, 4)
    assert ops.conv(x[:, 0], k[0], padding="same").shape == (2, 8, 4)
    # the transpose is the adjoint: <conv(x), g> == <x, conv_transpose(g)>
    g = rng.normal(size=y.shape).astype(np.float32)
    back = ops.conv_transpose(g, k, strides=2, output_padding=(0, 1))
    assert back.shape == x.shape
    np.testing.assert_allclose(float((y.numpy() * g).sum()), float((x * back.numpy()).sum()), rtol=1e-4)
    assert ops.conv_transpose(np.ones((1, 4, 4, 2), np.float32), np.ones((3, 3, 5, 2), np.float32),
                              strides=2, padding="same").shape == (1, 8, 8, 5)
    assert ops.conv_transpose(np.ones((1, 4, 2), np.float32), np.ones((3, 5, 2), np.float32),
                              strides=2).shape == (1, 9, 5)


def test_depthwise_separable_and_pools():
    x = rng.normal(size=(2, 6, 6, 3)).astype(np.float32)
    dk = rng.normal(size=(3, 3, 3, 2)).astype(np.float32)
    out = ops.depthwise_conv(x, dk).numpy()
    for c in range(3):
        for m in range(2):
            want = _conv_reference(x[..., c:c + 1], dk[:, :, c:c + 1, m:m + 1], 1)[..., 0]
            np.testing.assert_allclose(out[..., c * 2 + m], want, rtol=1e-4, atol=1e-5)
    pk = rng.normal(size=(1, 1, 6, 4)).astype(np.float32)
    np.testing.assert_allclose(ops.separable_conv(x, dk, pk).numpy(), np.einsum("nhwc,co->nhwo", out, pk[0, 0]),
                               rtol=1e-4, atol=1e-5)
    assert ops.depthwise_conv(x[:, 0], dk[0]).shape == (2, 4, 6)
    blocks = x.reshape(2, 3, 2, 3, 2, 3)
    np.testing.assert_allclose(ops.max_pool(x, 2).numpy(), blocks.max(axis=(2, 4)))
    np.testing.assert_allclose(ops.average_pool(x, (2, 2)).numpy(), blocks.mean(axis=(2, 4)), rtol=1e-5)
    edge = ops.average_pool(np.ones((1, 3, 1), np.float32), 2, strides=1, padding="same").numpy()
    np.testing.assert_allclose(edge, np.ones((1, 3, 1)))  # padding is not counted in the average
    with pytest.raises(ValueError, match="conv: padding must be 'valid' or 'same'"):
        ops.conv(x, dk, padding="full")
    with pytest.raises(ValueError, match="max_pool: inputs must be 3-D, 4-D or 5-D"):
        ops.max_pool(np.ones((2, 2)), 2)
    with pytest.raises(ValueError, match="conv: strides must be an int or 2 ints"):
        ops.conv(x, dk[..., :1], strides=(1, 1, 1))


def test_conv_gradients_match_finite_differences():
    x = rng.normal(size=(1, 5, 5, 2))
    k = rng.normal(size=(3, 3, 2, 2))
    check_gradients(lambda a, b: ops.sum(ops.conv(a, b, strides=2, padding="same") ** 2), [x, k], order=1,
                    modes=("rev",))
    check_gradients(lambda a: ops.average_pool(ops.max_pool(a, 2, strides=1), 2), [x], order=1, modes=("rev",))


def _attention_reference(q, k, v, mask=None, causal=False, scale=None):
    rep = q.shape[2] // k.shape[2]
    k, v = np.repeat(k, rep, axis=2), np.repeat(v, rep, axis=2)
    logits = np.einsum("btnh,bsnh->bnts", q, k) * (scale or 1 / np.sqrt(q.shape[-1]))
    keep = np.ones(logits.shape, bool) if mask is None else np.broadcast_to(mask, logits.shape)
    if causal:
        keep = keep & np.tril(np.ones(logits.shape[-2:], bool))
    logits = np.where(keep, logits, -1e30)
    w = np.exp(logits - logits.max(-1, keepdims=True))
    w /= w.sum(-1, keepdims=True)
    return np.einsum("bnts,bsnh->btnh", w, v)


def test_dot_product_attention_and_normalizations():
    q = rng.normal(size=(2, 3, 4, 5)).astype(np.float32)
    k = rng.normal(size=(2, 6, 2, 5)).astype(np.float32)
    v = rng.normal(size=(2, 6, 2, 5)).astype(np.float32)
    np.testing.assert_allclose(ops.dot_product_attention(q, k, v).numpy(), _attention_reference(q, k, v),
                               rtol=1e-4, atol=1e-5)
    mask = rng.uniform(size=(2, 1, 3, 6)) > 0.3
    mask[..., 0] = True
    np.testing.assert_allclose(ops.dot_product_attention(q, k, v, mask=mask, scale=0.5).numpy(),
                               _attention_reference(q, k, v, mask=mask, scale=0.5), rtol=1e-4, atol=1e-5)
    kk = rng.normal(size=(2, 3, 4, 5)).astype(np.float32)
    np.testing.assert_allclose(ops.dot_product_attention(q[0], kk[0], kk[0], is_causal=True).numpy(),
                               _attention_reference(q[:1], kk[:1], kk[:1], causal=True)[0], rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="must be a multiple of the key's 3"):
        ops.dot_product_attention(q, np.ones((2, 6, 3, 5), np.float32), np.ones((2, 6, 3, 5), np.float32))
    x = rng.normal(size=(4, 3)).astype(np.float32)
    mean, var = np.array([0.1, 0.2, 0.3]), np.array([1.0, 2.0, 0.5])
    np.testing.assert_allclose(ops.batch_normalization(x, mean, var, axis=1, offset=[1.0, 0, 0], scale=[2.0, 1, 1],
                                                       epsilon=1e-3).numpy(),
                               (x - mean) / np.sqrt(var + 1e-3) * [2, 1, 1] + [1, 0, 0], rtol=1e-5)
    np.testing.assert_allclose(ops.layer_normalization(x, gamma=2.0, beta=1.0).numpy(),
                               (x - x.mean(1, keepdims=True)) / np.sqrt(x.var(1, keepdims=True) + 1e-7) * 2 + 1,
                               rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(ops.rms_normalization(x, scale=3.0).numpy(),
                               x / np.sqrt((x ** 2).mean(1, keepdims=True) + 1e-7) * 3, rtol=1e-5)
    check_gradients(lambda a, b: ops.dot_product_attention(a, b, b, is_causal=True), [q[:1, :, :2].astype(np.float64),
                                                                                    kk[:1, :, :2].astype(np.float64)],
                    order=1, modes=("rev",))
