"""wb.SparseTensor and wb.sparse: TF's COO values, their ops and gradients (values, dense operand)."""

import numpy as np
import pytest

import workbench as wb
from gradients import check_gradients
from workbench.errors import InvalidArgumentError

IDX = [[0, 1], [0, 3], [1, 0], [2, 2], [2, 3]]
SHAPE = [3, 4]


def _st(values=None, dtype="float64"):
    values = np.array([1.0, -2.0, 3.0, 0.5, 4.0], dtype=dtype) if values is None else values
    return wb.SparseTensor(IDX, values, SHAPE)


def _dense(values=None):
    out = np.zeros(SHAPE)
    for (i, j), v in zip(IDX, [1.0, -2.0, 3.0, 0.5, 4.0] if values is None else values):
        out[i, j] += v
    return out


def test_construction_follows_tf():
    st = wb.SparseTensor([[0, 0], [1, 2]], [1.0, 2.0], [3, 4])
    assert st.indices.dtype == np.int64 and st.dense_shape.dtype == np.int64
    assert st.shape == (3, 4) and st.dtype == np.float32 and st.values.shape == (2,)
    np.testing.assert_array_equal(st.dense_shape.numpy(), [3, 4])
    empty = wb.SparseTensor(np.zeros((0, 2), np.int64), np.zeros(0, np.float32), [2, 2])
    np.testing.assert_array_equal(wb.sparse.to_dense(empty).numpy(), np.zeros((2, 2)))
    assert isinstance(wb.sparse.SparseTensor, type) and wb.sparse.SparseTensor is wb.SparseTensor
    st2 = st.with_values(wb.constant([5.0, 6.0]))
    np.testing.assert_array_equal(wb.sparse.to_dense(st2).numpy()[1], [0, 0, 6, 0])


def test_bad_input_is_named():
    with pytest.raises(ValueError, match=r"indices must have shape \[N, 2\]"):
        wb.SparseTensor([[0, 0, 0]], [1.0], [3, 4])
    with pytest.raises(ValueError, match="values must have shape"):
        wb.SparseTensor([[0, 0]], [1.0, 2.0], [3, 4])
    with pytest.raises(ValueError, match="out of bounds"):
        wb.SparseTensor([[0, 4]], [1.0], [3, 4])
    with pytest.raises(TypeError, match="indices must be integers"):
        wb.SparseTensor([[0.0, 1.0]], [1.0], [3, 4])
    with pytest.raises(TypeError, match="must be a SparseTensor"):
        wb.sparse.to_dense(wb.ones((2, 2)))
    with pytest.raises(TypeError, match="at least one of a and b"):
        wb.sparse.add(wb.ones((2, 2)), wb.ones((2, 2)))
    with pytest.raises(InvalidArgumentError, match="inner dimension does not match: 4 vs. 3"):
        wb.sparse.sparse_dense_matmul(_st(), wb.ones((3, 2), dtype="float64"))


def _matmul_text(message):
    return ("{{function_node __wrapped__SparseTensorDenseMatMul_device_/job:localhost/replica:0/task:0/device:CPU:0}} "
            f"{message} [Op:SparseTensorDenseMatMul] name: ")


_SP23 = ([[0, 0], [1, 2]], [1.0, 2.0], [2, 3])


@pytest.mark.parametrize("args, kwargs, text", [   # TF 2.21's eager texts
    ((wb.ones([4, 2]),), {}, _matmul_text(
        "Cannot multiply A and B because inner dimension does not match: 3 vs. 4.  Did you forget a transpose?  "
        "Dimensions of A: [2, 3).  Dimensions of B: [4,2]")),
    ((wb.ones([4, 2]),), {"adjoint_a": True}, _matmul_text(
        "Cannot multiply A and B because inner dimension does not match: 2 vs. 4.  Did you forget a transpose?  "
        "Dimensions of A: [2, 3).  Dimensions of B: [4,2]")),
    ((wb.ones([2, 4]),), {"adjoint_b": True}, _matmul_text(
        "Cannot multiply A and B because inner dimension does not match: 3 vs. 4.  Did you forget a transpose?  "
        "Dimensions of A: [2, 3).  Dimensions of B: [2,4]")),
    ((wb.ones([0, 2]),), {}, _matmul_text(
        "Cannot multiply A and B because inner dimension does not match: 3 vs. 0.  Did you forget a transpose?  "
        "Dimensions of A: [2, 3).  Dimensions of B: [0,2]")),
    ((wb.ones([3]),), {}, _matmul_text("Tensor 'b' is not a matrix")),
    ((wb.ones([3, 2], wb.float64),), {}, "cannot compute SparseTensorDenseMatMul as input #3(zero-based) was "
     "expected to be a float tensor but is a double tensor [Op:SparseTensorDenseMatMul] name: "),
    ((wb.ones([3, 2], wb.int32),), {}, "cannot compute SparseTensorDenseMatMul as input #3(zero-based) was "
     "expected to be a float tensor but is a int32 tensor [Op:SparseTensorDenseMatMul] name: "),
])
def test_sparse_dense_matmul_errors_are_tfs(args, kwargs, text):
    with pytest.raises(InvalidArgumentError) as info:
        wb.sparse.sparse_dense_matmul(wb.SparseTensor(*_SP23), *args, **kwargs)
    assert str(info.value) == text


def test_dense_sparse_matmul_and_rank_errors_are_tfs():
    with pytest.raises(InvalidArgumentError) as info:   # dense @ sparse: TF's adjointed product's text
        wb.sparse.sparse_dense_matmul(wb.ones([2, 4]), wb.SparseTensor(*_SP23))
    assert str(info.value) == _matmul_text(
        "Cannot multiply A and B because inner dimension does not match: 2 vs. 4.  Did you forget a transpose?  "
        "Dimensions of A: [2, 3).  Dimensions of B: [2,4]")
    with pytest.raises(InvalidArgumentError) as info:
        wb.sparse.sparse_dense_matmul(wb.SparseTensor([[0, 0, 0]], [1.0], [1, 2, 3]), wb.ones([3, 2]))
    assert str(info.value) == _matmul_text("Tensor 'a_shape' must have 2 elements")


def test_from_dense_and_to_dense():
    x = wb.constant([[0.0, 5.0, 0.0], [7.0, 0.0, -1.0]])
    st = wb.sparse.from_dense(x)
    assert st.indices.numpy().tolist() == [[0, 1], [1, 0], [1, 2]]
    assert st.values.numpy().tolist() == [5.0, 7.0, -1.0]
    np.testing.assert_array_equal(wb.sparse.to_dense(st).numpy(), x.numpy())
    filled = wb.sparse.to_dense(st, default_value=9.0).numpy()
    np.testing.assert_array_equal(filled, np.where(x.numpy() != 0, x.numpy(), 9.0))


def test_to_dense_wants_canonical_order_and_reorder_makes_it():
    st = wb.SparseTensor([[1, 0], [0, 2]], [1.0, 2.0], [2, 3])
    with pytest.raises(InvalidArgumentError, match="out of order.*reorder"):
        wb.sparse.to_dense(st)
    r = wb.sparse.reorder(st)
    assert r.indices.numpy().tolist() == [[0, 2], [1, 0]] and r.values.numpy().tolist() == [2.0, 1.0]
    np.testing.assert_array_equal(wb.sparse.to_dense(r).numpy(), [[0, 0, 2], [1, 0, 0]])
    dup = wb.SparseTensor([[0, 2], [0, 2]], [1.0, 2.0], [2, 3])
    with pytest.raises(InvalidArgumentError, match="repeated"):
        wb.sparse.to_dense(dup)
    # TF 2.21: without validation the last of repeated values wins; sparse + dense adds them all
    assert wb.sparse.to_dense(dup, validate_indices=False).numpy()[0, 2] == 2.0
    assert wb.sparse.add(dup, wb.zeros([2, 3])).numpy()[0, 2] == 3.0
    check_gradients(lambda v: wb.sparse.to_dense(wb.SparseTensor([[0, 2], [1, 0], [0, 2]], v, [2, 3]),
                                                 validate_indices=False), [np.array([1.0, 2.0, 3.0])])


@pytest.mark.parametrize("adjoint_a", [False, True])
@pytest.mark.parametrize("adjoint_b", [False, True])
def test_sparse_dense_matmul(adjoint_a, adjoint_b):
    rng = np.random.default_rng(0)
    a = _dense()
    k = a.shape[0] if adjoint_a else a.shape[1]
    b = rng.normal(size=(2, k) if adjoint_b else (k, 2))
    got = wb.sparse.sparse_dense_matmul(_st(), wb.constant(b), adjoint_a=adjoint_a, adjoint_b=adjoint_b)
    want = (a.T if adjoint_a else a) @ (b.T if adjoint_b else b)
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-12)
    check_gradients(lambda v, m: wb.sparse.sparse_dense_matmul(
        wb.SparseTensor(IDX, v, SHAPE), m, adjoint_a=adjoint_a, adjoint_b=adjoint_b),
        [np.array([1.0, -2.0, 3.0, 0.5, 4.0]), b])


def test_dense_times_sparse_and_a_variable_gets_a_dense_gradient():
    rng = np.random.default_rng(1)
    d = rng.normal(size=(2, 3))
    got = wb.sparse.sparse_dense_matmul(wb.constant(d), _st())
    np.testing.assert_allclose(got.numpy(), d @ _dense(), rtol=1e-12)
    w = wb.Variable(rng.normal(size=(4, 2)))
    with wb.GradientTape() as tape:
        loss = wb.reduce_sum(wb.sparse.sparse_dense_matmul(_st(), w) ** 2)
    g = tape.gradient(loss, w)
    assert type(g) is wb.Tensor
    np.testing.assert_allclose(g.numpy(), 2 * _dense().T @ (_dense() @ w.numpy()), rtol=1e-12)


@pytest.mark.parametrize("axis", [None, 0, 1, -1, [0, 1]])
@pytest.mark.parametrize("keepdims", [False, True])
def test_reduce_sum(axis, keepdims):
    got = wb.sparse.reduce_sum(_st(), axis=axis, keepdims=keepdims)
    want = _dense().sum(axis=None if axis is None else tuple(np.atleast_1d(axis)), keepdims=keepdims)
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-12)
    sp = wb.sparse.reduce_sum(_st(), axis=axis, keepdims=keepdims, output_is_sparse=True)
    assert isinstance(sp, wb.SparseTensor)
    np.testing.assert_allclose(wb.sparse.to_dense(sp).numpy(), np.reshape(want, sp.shape), rtol=1e-12)
    check_gradients(lambda v: wb.sparse.reduce_sum(wb.SparseTensor(IDX, v, SHAPE), axis=axis,
                                                   keepdims=keepdims),
                    [np.array([1.0, -2.0, 3.0, 0.5, 4.0])])


def test_reduce_sum_sparse_keeps_the_positions_reached():
    sp = wb.sparse.reduce_sum_sparse(_st(), axis=0)
    assert sp.indices.numpy().tolist() == [[0], [1], [2], [3]]
    np.testing.assert_allclose(sp.values.numpy(), [3.0, 1.0, 0.5, 2.0])


def test_concat_as_tf_documents():
    a = wb.SparseTensor([[0, 2], [1, 0], [1, 1]], [1.0, 2.0, 3.0], [2, 3])
    b = wb.SparseTensor([[0, 1], [0, 2]], [4.0, 5.0], [2, 4])
    c = wb.sparse.concat(1, [a, b])
    assert c.shape == (2, 7)
    assert c.indices.numpy().tolist() == [[0, 2], [0, 4], [0, 5], [1, 0], [1, 1]]
    assert c.values.numpy().tolist() == [1.0, 4.0, 5.0, 2.0, 3.0]
    with pytest.raises(ValueError, match="expand_nonconcat_dims"):
        wb.sparse.concat(0, [a, b])
    e = wb.sparse.concat(0, [a, b], expand_nonconcat_dims=True)
    assert e.shape == (4, 4)
    want = np.zeros((4, 4))
    want[:2, :3] = wb.sparse.to_dense(a).numpy()
    want[2:, :4] = wb.sparse.to_dense(b).numpy()
    np.testing.assert_array_equal(wb.sparse.to_dense(e).numpy(), want)
    check_gradients(lambda u, v: wb.sparse.to_dense(wb.sparse.concat(
        -1, [wb.SparseTensor(a.indices, u, a.shape), wb.SparseTensor(b.indices, v, b.shape)])),
        [np.array([1.0, 2.0, 3.0]), np.array([4.0, 5.0])])


def test_slice_retain_reshape():
    s = wb.sparse.slice(_st(), [1, 1], [5, 2])
    assert s.shape == (2, 2)
    np.testing.assert_array_equal(wb.sparse.to_dense(s).numpy(), _dense()[1:, 1:3])
    r = wb.sparse.retain(_st(), [True, False, True, False, True])
    assert r.values.numpy().tolist() == [1.0, 3.0, 4.0]
    with pytest.raises(ValueError, match="bool vector of length 5"):
        wb.sparse.retain(_st(), [True, False])
    m = wb.sparse.reshape(_st(), [2, -1])
    assert m.shape == (2, 6)
    np.testing.assert_array_equal(wb.sparse.to_dense(m).numpy(), _dense().reshape(2, 6))
    with pytest.raises(ValueError, match="cannot reshape"):
        wb.sparse.reshape(_st(), [5, -1])
    v0 = np.array([1.0, -2.0, 3.0, 0.5, 4.0])
    for f in (lambda v: wb.sparse.to_dense(wb.sparse.slice(wb.SparseTensor(IDX, v, SHAPE), [0, 1], [3, 3])),
              lambda v: wb.sparse.retain(wb.SparseTensor(IDX, v, SHAPE), [False, True, True, False, True]).values,
              lambda v: wb.sparse.to_dense(wb.sparse.reshape(wb.SparseTensor(IDX, v, SHAPE), [4, 3])),
              lambda v: wb.sparse.to_dense(wb.sparse.reorder(wb.SparseTensor(IDX[::-1], v, SHAPE)))):
        check_gradients(f, [v0])


def test_add():
    other = wb.SparseTensor([[0, 1], [1, 1], [2, 3]], [5.0, 6.0, -4.0], SHAPE)
    s = wb.sparse.add(_st(), wb.SparseTensor(other.indices, wb.cast(other.values, "float64"), SHAPE))
    assert isinstance(s, wb.SparseTensor)
    assert s.indices.numpy().tolist() == [[0, 1], [0, 3], [1, 0], [1, 1], [2, 2], [2, 3]]
    want = _dense() + wb.sparse.to_dense(other).numpy()
    np.testing.assert_allclose(wb.sparse.to_dense(s).numpy(), want)
    t = wb.sparse.add(_st(), wb.SparseTensor(other.indices, wb.cast(other.values, "float64"), SHAPE),
                      threshold=0.6)
    assert [0, 1] in t.indices.numpy().tolist() and [2, 3] not in t.indices.numpy().tolist()  # 4 - 4 = 0
    d = wb.sparse.add(_st(), wb.ones(SHAPE, dtype="float64"))
    assert type(d) is wb.Tensor
    np.testing.assert_allclose(d.numpy(), _dense() + 1)
    np.testing.assert_allclose(wb.sparse.add(wb.ones(SHAPE, dtype="float64"), _st()).numpy(), _dense() + 1)
    o = np.array([5.0, 6.0, -4.0])
    check_gradients(lambda u, v: wb.sparse.to_dense(wb.sparse.add(wb.SparseTensor(IDX, u, SHAPE),
                                                                  wb.SparseTensor(other.indices, v, SHAPE))),
                    [np.array([1.0, -2.0, 3.0, 0.5, 4.0]), o])
    check_gradients(lambda u, x: wb.sparse.add(wb.SparseTensor(IDX, u, SHAPE), x),
                    [np.array([1.0, -2.0, 3.0, 0.5, 4.0]), np.ones(SHAPE)])


def test_gradients_of_from_dense_and_to_dense():
    x = wb.constant([[0.0, 2.0], [3.0, 0.0], [0.0, -1.0]], dtype="float64")
    with wb.GradientTape() as tape:   # nonzero entries only: finite differences would move zeros
        tape.watch(x)
        loss = wb.reduce_sum(wb.sparse.from_dense(x).values * wb.constant([1.0, 2.0, 3.0], dtype="float64"))
    np.testing.assert_array_equal(tape.gradient(loss, x).numpy(), [[0, 1], [2, 0], [0, 3]])
    check_gradients(lambda v: wb.sparse.to_dense(wb.SparseTensor(IDX, v, SHAPE), default_value=-1.0),
                    [np.array([1.0, -2.0, 3.0, 0.5, 4.0])])


def test_a_tape_watches_a_sparse_tensor_through_its_values():
    st = _st()
    with wb.GradientTape() as tape:
        tape.watch(st)
        loss = wb.reduce_sum(wb.sparse.reduce_sum(st, axis=1) ** 2)
    g = tape.gradient(loss, st)
    assert isinstance(g, wb.SparseTensor)
    assert g.indices.numpy().tolist() == IDX
    rows = _dense().sum(axis=1)
    np.testing.assert_allclose(g.values.numpy(), [2 * rows[i] for i, _ in IDX])


def test_function_runs_sparse_ops_as_eager():
    b = wb.constant(np.random.default_rng(3).normal(size=(4, 3)))

    def f(values):
        st = wb.SparseTensor(IDX, values, SHAPE)
        return wb.sparse.sparse_dense_matmul(st, b) + wb.sparse.reduce_sum(st, axis=1, keepdims=True)

    fn = wb.function(f)
    for seed in range(3):
        v = wb.constant(np.random.default_rng(seed).normal(size=(5,)))
        np.testing.assert_array_equal(fn(v).numpy(), f(v).numpy())


def test_map_values_transpose_expand_dims():
    st = _st()
    doubled = wb.sparse.map_values(wb.multiply, st, 2.0)
    np.testing.assert_allclose(wb.sparse.to_dense(doubled).numpy(), 2 * _dense())
    summed = wb.sparse.map_values(wb.add, st, st)
    np.testing.assert_allclose(summed.values.numpy(), 2 * st.values.numpy())
    with pytest.raises(ValueError, match="other indices"):
        wb.sparse.map_values(wb.add, st, wb.sparse.retain(st, [True] * 4 + [False]))
    t = wb.sparse.transpose(st)
    assert t.shape == (4, 3)
    np.testing.assert_array_equal(wb.sparse.to_dense(t).numpy(), _dense().T)   # canonical order again
    e = wb.sparse.expand_dims(st, 1)
    assert e.shape == (3, 1, 4)
    np.testing.assert_array_equal(wb.sparse.to_dense(e).numpy(), _dense()[:, None, :])
    assert wb.sparse.expand_dims(st, -1).shape == (3, 4, 1)
    v0 = np.array([1.0, -2.0, 3.0, 0.5, 4.0])
    check_gradients(lambda v: wb.sparse.to_dense(wb.sparse.transpose(wb.SparseTensor(IDX, v, SHAPE))), [v0])
    check_gradients(lambda v: wb.sparse.map_values(wb.sin, wb.SparseTensor(IDX, v, SHAPE)).values, [v0])


def test_elementwise_with_a_dense_operand_stays_sparse_and_prints_as_tf():
    st = _st()
    x = np.random.default_rng(4).normal(size=SHAPE) + 3.0
    prod = st * wb.constant(x)
    assert isinstance(prod, wb.SparseTensor)
    np.testing.assert_allclose(wb.sparse.to_dense(prod).numpy(), _dense() * x)
    np.testing.assert_allclose(wb.sparse.to_dense(st / wb.constant(x[0])).numpy(), _dense() / x[0])
    np.testing.assert_allclose(wb.sparse.to_dense(2.0 * st).numpy(), 2 * _dense())
    with pytest.raises(ValueError, match="does not broadcast"):
        st * wb.ones((2, 4), dtype="float64")
    check_gradients(lambda v, d: (wb.SparseTensor(IDX, v, SHAPE) * d).values,
                    [np.array([1.0, -2.0, 3.0, 0.5, 4.0]), x])
    text = str(wb.SparseTensor([[0, 0], [1, 2]], [1, 2], [3, 4]))
    assert text.startswith("SparseTensor(indices=") and "values=" in text and "dense_shape=" in text
    ints = wb.sparse.to_dense(wb.SparseTensor([[0, 0], [1, 2]], [1, 2], [3, 4]))
    assert ints.dtype == np.int32 and ints.numpy()[1, 2] == 2


@pytest.mark.filterwarnings("ignore::workbench.compiler.api.UnreplayableWarning")
def test_function_with_indices_that_change_between_calls():
    """Indices computed from a traced tensor (or from values) are not baked into the trace:
    the function runs eagerly for that signature (with a warning that says why)."""
    b = wb.constant(np.arange(8.0).reshape(4, 2))

    def f(idx, values):
        st = wb.sparse.reorder(wb.SparseTensor(idx, values, SHAPE))
        return wb.sparse.sparse_dense_matmul(st, b) + wb.sparse.to_dense(
            wb.sparse.from_dense(wb.sparse.to_dense(st)), default_value=0.0)[:, :2]

    fn = wb.function(f)
    for idx, vals in (([[2, 1], [0, 3]], [1.0, 2.0]), ([[1, 0], [0, 0]], [3.0, 0.0]),
                      ([[0, 2], [2, 2]], [5.0, -1.0])):
        idx_t, vals_t = wb.constant(np.array(idx, np.int64)), wb.constant(vals, dtype="float64")
        np.testing.assert_array_equal(fn(idx_t, vals_t).numpy(), f(idx_t, vals_t).numpy())


def test_str_prints_each_part_as_a_tensor():
    # TF 2.21's text, with our module prefix (str(wb.constant(...)) is "wb.Tensor(...)")
    text = str(wb.SparseTensor([[0, 3], [2, 4]], [10, 20], [3, 10]))
    assert text == ("SparseTensor(indices=" + str(wb.constant(np.array([[0, 3], [2, 4]]))) + ", values="
                    "wb.Tensor([10 20], shape=(2,), dtype=int32), dense_shape=wb.Tensor([ 3 10], shape=(2,), "
                    "dtype=int64))")
    assert f"{wb.SparseTensor([[0]], [1], [2])}" == str(wb.SparseTensor([[0]], [1], [2]))


def test_to_dense_of_strings_and_bools():
    rt = wb.ragged.constant([["John"], ["a", "big", "dog"]])
    words = wb.sparse.concat(axis=1, sp_inputs=[rt.to_sparse(), wb.ragged.constant([["fell"], []]).to_sparse()])
    assert wb.sparse.to_dense(words, "").numpy().tolist() == [[b"John", b"", b"", b"fell"], [b"a", b"big", b"dog", b""]]
    assert wb.sparse.to_dense(rt.to_sparse(), "-").numpy().tolist() == [[b"John", b"-", b"-"], [b"a", b"big", b"dog"]]
    assert wb.sparse.to_dense(wb.sparse.from_dense([[True, False], [False, True]])).numpy().tolist() == [
        [True, False], [False, True]]
    with pytest.raises(ValueError, match=r"default_value must be a scalar of the values' dtype \(string\), got 0"):
        wb.sparse.to_dense(rt.to_sparse(), 0)


def test_reduce_max_takes_only_stored_values():
    # TF's sparse tensor guide and TF 2.21's outputs: implicit zeros take no part; a position
    # that no value reaches is 0
    assert wb.sparse.reduce_max(wb.sparse.from_dense([-5, 0, -3])).numpy() == -3
    st = wb.SparseTensor([[0, 0], [0, 2], [2, 1]], [3.0, -1.0, -4.0], [3, 3])
    assert wb.sparse.reduce_max(st, axis=1).numpy().tolist() == [3.0, 0.0, -4.0]
    assert wb.sparse.reduce_max(st, axis=0, keepdims=True).numpy().tolist() == [[3.0, -4.0, -1.0]]
    out = wb.sparse.reduce_max(st, axis=1, output_is_sparse=True)
    assert out.indices.numpy().tolist() == [[0], [2]] and out.values.numpy().tolist() == [3.0, -4.0]
    assert out.dense_shape.numpy().tolist() == [3]
    assert wb.sparse.reduce_max(st, axis=[0, 1]).numpy() == 3.0
    empty = wb.SparseTensor(np.zeros((0, 1), np.int64), wb.zeros([0]), [3])
    assert wb.sparse.reduce_max(empty).numpy() == 0.0
    with pytest.raises(TypeError, match="values must be real numbers"):
        wb.sparse.reduce_max(wb.ragged.constant([["a"]]).to_sparse())
    check_gradients(lambda v: wb.sparse.reduce_max(wb.SparseTensor([[0, 0], [0, 2], [2, 1]], v, [3, 3]), axis=1),
                    [np.array([3.0, -1.0, -4.0])])


def test_add_threshold_drops_small_sums_only():
    # TF 2.21: an entry of one operand alone is kept whatever its size; a sum below the
    # threshold is dropped
    a = wb.SparseTensor([[0, 0], [1, 2], [2, 1]], [1.0, 2.0, 3.0], [3, 4])
    b = wb.SparseTensor([[0, 0], [1, 1], [2, 3]], [10.0, 20.0, 30.0], [3, 4])
    out = wb.sparse.add(a, b, threshold=15.0)
    assert out.indices.numpy().tolist() == [[1, 1], [1, 2], [2, 1], [2, 3]]
    assert out.values.numpy().tolist() == [20.0, 2.0, 3.0, 30.0]
    assert wb.SparseTensor([[0]], [1.0], [3]).shape == wb.TensorShape([3])   # TF: a TensorShape


# ---------------------------------------------------------------------------
# maximum, minimum, softmax, fill_empty_rows, to_indicator, split, eye, reset_shape and the
# sparse segment reductions: indices and values as TF 2.21 gives them

A = ([[0, 0], [1, 2], [2, 1]], [1.0, 2.0, 3.0], [3, 4])
B = ([[0, 0], [1, 1], [2, 3]], [10.0, 20.0, 30.0], [3, 4])


def _parts(st):
    return st.indices.numpy().tolist(), st.values.numpy().tolist(), st.dense_shape.numpy().tolist()


def test_maximum_and_minimum_over_the_union():
    a, b = wb.SparseTensor(*A), wb.SparseTensor(*B)
    union = [[0, 0], [1, 1], [1, 2], [2, 1], [2, 3]]
    assert _parts(wb.sparse.maximum(a, b)) == (union, [10.0, 20.0, 2.0, 3.0, 30.0], [3, 4])
    assert _parts(wb.sparse.minimum(a, b)) == (union, [1.0, 0.0, 0.0, 0.0, 0.0], [3, 4])
    neg = wb.SparseTensor([[0, 0], [1, 2]], [-1.0, -2.0], [3, 4])
    assert _parts(wb.sparse.maximum(neg, b))[:2] == ([[0, 0], [1, 1], [1, 2], [2, 3]], [10.0, 20.0, 0.0, 30.0])
    with pytest.raises(ValueError, match="must match"):
        wb.sparse.maximum(a, wb.SparseTensor([[0]], [1.0], [3]))
    check_gradients(lambda u, v: wb.sparse.maximum(wb.SparseTensor(A[0], u, A[2]), wb.SparseTensor(B[0], v, B[2])).values,
                    [np.array([11.0, 2.0, 3.0]), np.array([10.0, 20.0, 30.0])], order=1)


def test_softmax_of_each_rows_stored_values():
    st = wb.SparseTensor([[0, 0], [0, 2], [1, 1], [2, 0], [2, 1]], [1.0, 2.0, 3.0, 0.5, 0.5], [3, 3])
    out = wb.sparse.softmax(st)
    assert out.indices.numpy().tolist() == st.indices.numpy().tolist()
    np.testing.assert_allclose(out.values.numpy(), [0.26894143, 0.7310586, 1.0, 0.5, 0.5], rtol=1e-6)
    check_gradients(lambda v: wb.sparse.softmax(wb.SparseTensor([[0, 0], [0, 2], [1, 1]], v, [2, 3])).values,
                    [np.array([1.0, 2.0, 3.0])])


def test_fill_empty_rows_and_to_indicator():
    filled, empty = wb.sparse.fill_empty_rows(wb.SparseTensor([[0, 1], [2, 0]], [5, 6], [4, 2]), -1)
    assert _parts(filled) == ([[0, 1], [1, 0], [2, 0], [3, 0]], [5, -1, 6, -1], [4, 2])
    assert empty.numpy().tolist() == [False, True, False, True]
    ind = wb.sparse.to_indicator(wb.SparseTensor([[0, 0], [0, 1], [1, 0]], [1, 3, 2], [2, 2]), 4)
    assert ind.numpy().tolist() == [[False, True, False, True], [False, False, True, False]]
    with pytest.raises(wb.errors.InvalidArgumentError, match=r"value 3 is not in \[0, vocab_size=3\)"):
        wb.sparse.to_indicator(wb.SparseTensor([[0, 0], [0, 1], [1, 0]], [1, 3, 2], [2, 2]), 3)


def test_split_eye_reset_shape():
    st = wb.SparseTensor([[0, 0], [0, 4], [1, 2], [2, 3]], [1, 2, 3, 4], [3, 5])
    assert [_parts(s) for s in wb.sparse.split(sp_input=st, num_split=2, axis=1)] == [
        ([[0, 0], [1, 2]], [1, 3], [3, 3]), ([[0, 1], [2, 0]], [2, 4], [3, 2])]
    assert [_parts(s) for s in wb.sparse.split(sp_input=st, num_split=3, axis=0)] == [
        ([[0, 0], [0, 4]], [1, 2], [1, 5]), ([[0, 2]], [3], [1, 5]), ([[0, 3]], [4], [1, 5])]
    assert _parts(wb.sparse.eye(2, 3, dtype=wb.int32)) == ([[0, 0], [1, 1]], [1, 1], [2, 3])
    loose = wb.SparseTensor([[0, 1], [2, 0]], [1, 2], [5, 5])
    assert _parts(wb.sparse.reset_shape(loose))[2] == [3, 2]
    assert _parts(wb.sparse.reset_shape(loose, [6, 5]))[2] == [6, 5]
    with pytest.raises(ValueError, match="no smaller than the current shape"):
        wb.sparse.reset_shape(loose, [2, 2])


def test_sparse_segment_reductions():
    data = wb.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    assert wb.sparse.segment_sum(data, [0, 2, 1], [0, 0, 2]).numpy().tolist() == [[6.0, 8.0], [0.0, 0.0], [3.0, 4.0]]
    assert wb.sparse.segment_mean(data, [0, 2, 1], [0, 0, 2]).numpy().tolist() == [[3.0, 4.0], [0.0, 0.0], [3.0, 4.0]]
    np.testing.assert_allclose(wb.sparse.segment_sqrt_n(data, [0, 2, 1], [0, 0, 2]).numpy(),
                               [[4.2426405, 5.656854], [0.0, 0.0], [3.0, 4.0]], rtol=1e-6)
    assert wb.sparse.segment_sum(data, [0, 2], [0, 0], num_segments=3).numpy().tolist() == [
        [6.0, 8.0], [0.0, 0.0], [0.0, 0.0]]
    check_gradients(lambda d: wb.sparse.segment_sqrt_n(d, [0, 2, 1], [0, 0, 2]), [np.arange(6.0).reshape(3, 2)])


def test_cross_and_cross_hashed_as_tf():
    # TF 2.21's values (FarmHash Fingerprint64 folded with TF's FingerprintCat64)
    a = wb.SparseTensor([[0, 0], [1, 0], [1, 1]], ["a", "b", "c"], [2, 2])
    b = wb.SparseTensor([[0, 0], [1, 0]], ["d", "e"], [2, 1])
    out = wb.sparse.cross([a, b])
    assert _parts(out) == ([[0, 0], [1, 0], [1, 1]], [b"a_X_d", b"b_X_e", b"c_X_e"], [2, 2])
    assert wb.sparse.cross([a, b], separator="_Y_").values.numpy().tolist()[0] == b"a_Y_d"
    hashed = wb.sparse.cross_hashed([wb.SparseTensor([[0, 0], [0, 1], [1, 0]], ["a", "b", "c"], [2, 2])])
    assert hashed.values.numpy().tolist() == [3550520439517529108, 5701958020731327761, 5287514571041673476]
    with pytest.raises(wb.errors.InvalidArgumentError, match="inputs\\[1\\] has 1 rows"):
        wb.sparse.cross([a, wb.SparseTensor([[0, 0]], ["x"], [1, 1])])
    with pytest.raises(TypeError, match="strings or integers"):
        wb.sparse.cross([wb.SparseTensor([[0, 0]], [1.5], [1, 1])])


def test_bincount_as_tf_documents():
    # TF 2.21's docstring examples and outputs
    data = wb.ragged.constant([[10, 20], [30, 20, 11, 101, 11, 10001]], dtype=wb.int64)
    out = wb.sparse.bincount(data, axis=-1)
    assert _parts(out) == ([[0, 10], [0, 20], [1, 11], [1, 20], [1, 30], [1, 101], [1, 10001]],
                           [1, 1, 2, 1, 1, 1, 1], [2, 10002])
    assert out.values.dtype == np.int64
    capped = wb.sparse.bincount(data, axis=-1, minlength=500, maxlength=500)
    assert _parts(capped)[2] == [2, 500] and [1, 10001] not in _parts(capped)[0]
    assert _parts(wb.sparse.bincount(data, binary_output=True, axis=-1))[1] == [1] * 7
    weights = wb.ragged.constant([[2, 0.25], [15, 0.5, 2, 17, 3, 0.9]])
    np.testing.assert_allclose(wb.sparse.bincount(data, weights=weights, axis=-1).values.numpy(),
                               [2.0, 0.25, 5.0, 0.5, 15.0, 17.0, 0.9], rtol=1e-6)
    dense = np.array([[10, 20, 30, 20], [11, 101, 11, 10001]], dtype=np.int64)
    assert _parts(wb.sparse.bincount(dense, axis=-1))[1] == [1, 2, 1, 2, 1, 1]
    sp = wb.SparseTensor([[0, 3], [0, 7], [0, 8], [0, 11], [1, 9], [1, 11], [1, 18], [1, 27]],
                         [10, 20, 30, 20, 11, 101, 11, 10001], [2, 30])
    assert _parts(wb.sparse.bincount(sp, axis=-1))[:2] == ([[0, 10], [0, 20], [0, 30], [1, 11], [1, 101], [1, 10001]],
                                                          [1, 2, 1, 2, 1, 1])
    assert wb.sparse.bincount(sp, axis=-1).values.dtype == np.int32
    flat = wb.sparse.bincount(wb.constant([1, 1, 4]))
    assert _parts(flat) == ([[1], [4]], [2, 1], [5])
    with pytest.raises(wb.errors.InvalidArgumentError, match="non-negative"):
        wb.sparse.bincount(wb.constant([1, -1]))
    check_gradients(lambda w: wb.sparse.bincount(wb.constant([[1, 3, 1], [2, 2, 0]]), weights=w, axis=-1).values,
                    [np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])])


def test_set_shape_checks_compatibility():
    # TF 2.21: a compatible shape changes nothing; an incompatible one is a ValueError
    st = wb.SparseTensor([[0, 0]], [1.0], [3, 4])
    st.set_shape([3, None])
    st.set_shape(wb.TensorShape([3, 4]))
    assert st.shape == (3, 4)
    with pytest.raises(ValueError, match="not compatible"):
        st.set_shape([2, 4])
    with pytest.raises(ValueError, match="not compatible"):
        st.set_shape([3])
