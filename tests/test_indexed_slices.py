"""IndexedSlices: the gradient of gather / embedding lookups for a variable (TF 2 semantics)."""

import numpy as np
import pytest

import workbench as wb
from gradients import numerical_jacobian


def _table(rows=6, cols=3, dtype="float64"):
    return wb.Variable(np.random.default_rng(0).normal(size=(rows, cols)).astype(dtype))


def _fd_grad(f, value):
    """Central differences of scalar ``f`` (a function of a float64 tensor) at ``value``."""
    _, jac = numerical_jacobian(lambda x: f(x), [wb.constant(value)])
    return jac[0].reshape(value.shape)


def test_gather_of_a_variable_gives_indexed_slices_as_tf():
    v = _table()
    ids = [4, 1, 4]
    w = wb.constant(np.arange(9.0).reshape(3, 3))
    with wb.GradientTape() as tape:
        loss = wb.reduce_sum(wb.gather(v, ids) * w)
    g = tape.gradient(loss, v)
    assert isinstance(g, wb.IndexedSlices)
    np.testing.assert_array_equal(g.indices.numpy(), ids)          # duplicates kept, as TF
    np.testing.assert_array_equal(g.values.numpy(), w.numpy())
    assert g.dense_shape.dtype == np.int32        # TF 2.21 casts the gather's shape to int32
    np.testing.assert_array_equal(g.dense_shape.numpy(), [6, 3])
    assert g.shape == (6, 3) and g.dtype == np.float64
    want = _fd_grad(lambda x: wb.reduce_sum(wb.gather(x, ids) * w), v.numpy())
    np.testing.assert_allclose(wb.convert_to_tensor(g).numpy(), want, atol=1e-6)


def test_embedding_lookup_and_keras_embedding_give_indexed_slices():
    v = _table(5, 2)
    ids = wb.constant([[0, 3], [3, 3]])
    with wb.GradientTape() as tape:
        loss = wb.reduce_sum(wb.nn.embedding_lookup(v, ids) ** 2)
    g = tape.gradient(loss, v)
    assert isinstance(g, wb.IndexedSlices)
    np.testing.assert_array_equal(g.indices.numpy(), [0, 3, 3, 3])
    want = _fd_grad(lambda x: wb.reduce_sum(wb.nn.embedding_lookup(x, ids) ** 2), v.numpy())
    np.testing.assert_allclose(g.numpy(), want, atol=1e-6)

    layer = wb.keras.layers.Embedding(7, 4)
    with wb.GradientTape() as tape:
        loss = wb.reduce_sum(layer(wb.constant([[1, 6], [2, 1]])))
    g = tape.gradient(loss, layer.trainable_variables)[0]
    assert isinstance(g, wb.IndexedSlices)
    assert g.values.shape == (4, 4) and g.shape == (7, 4)


def test_a_watched_tensor_gets_slices_too_and_a_jacobian_stays_dense():
    v = _table()
    x = wb.constant(v.numpy())
    with wb.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = wb.gather(x, [1, 2])
        z = wb.gather(v, [1, 2])
        u = wb.gather(x * 2.0, [1, 2])
    g = tape.gradient(y, x)
    assert isinstance(g, wb.IndexedSlices)                 # as TF 2.21 for a watched tensor
    assert g.indices.numpy().tolist() == [1, 2]
    assert type(tape.gradient(u, x)) is wb.Tensor          # through another op: dense
    j = tape.jacobian(z, v)
    assert type(j) is wb.Tensor and j.shape == (2, 3, 6, 3)


def test_two_lookups_concatenate_and_a_dense_use_densifies():
    v = _table()
    with wb.GradientTape() as tape:
        loss = wb.reduce_sum(wb.gather(v, [0, 1])) + 2.0 * wb.reduce_sum(wb.gather(v, [1, 5]))
    g = tape.gradient(loss, v)
    assert isinstance(g, wb.IndexedSlices)
    assert sorted(g.indices.numpy().tolist()) == [0, 1, 1, 5]
    dense = np.zeros((6, 3))
    dense[0] += 1
    dense[1] += 3
    dense[5] += 2
    np.testing.assert_allclose(g.numpy(), dense)

    def f(x):
        return wb.reduce_sum(wb.gather(x, [0, 4]) ** 2) + wb.reduce_sum(x * x * x)
    with wb.GradientTape() as tape:
        loss = f(v)
    g = tape.gradient(loss, v)
    assert type(g) is wb.Tensor
    np.testing.assert_allclose(g.numpy(), _fd_grad(f, v.numpy()), atol=1e-6)


def test_converts_to_dense_where_used_densely():
    s = wb.IndexedSlices(wb.constant([[1.0, 2.0], [3.0, 4.0]]), wb.constant([2, 2]),
                         wb.constant([3, 2], dtype="int64"))
    dense = np.array([[0, 0], [0, 0], [4, 6]], dtype=np.float32)
    np.testing.assert_array_equal(wb.convert_to_tensor(s).numpy(), dense)
    np.testing.assert_array_equal((s + 1.0).numpy(), dense + 1)
    np.testing.assert_array_equal((1.0 + s).numpy(), dense + 1)
    np.testing.assert_array_equal((s * 2.0).numpy(), dense * 2)
    np.testing.assert_array_equal(wb.add(s, wb.ones((3, 2))).numpy(), dense + 1)
    np.testing.assert_array_equal(wb.add_n([s, wb.ones((3, 2)), s]).numpy(), 2 * dense + 1)
    np.testing.assert_array_equal(wb.reduce_sum(s).numpy(), dense.sum())
    neg = -s
    assert isinstance(neg, wb.IndexedSlices)
    np.testing.assert_array_equal(neg.numpy(), -dense)


def test_second_order_through_the_values():
    v = _table(4, 2)
    with wb.GradientTape() as outer:
        with wb.GradientTape() as inner:
            loss = wb.reduce_sum(wb.gather(v, [0, 2, 0]) ** 3)
        g = inner.gradient(loss, v)
        assert isinstance(g, wb.IndexedSlices)
        s = wb.reduce_sum(wb.convert_to_tensor(g))
    h = outer.gradient(s, v)
    x = v.numpy()
    counts = np.array([2, 0, 1, 0])[:, None]
    np.testing.assert_allclose(wb.convert_to_tensor(h).numpy(), 6 * x * counts, rtol=1e-12)


def test_second_order_with_a_dense_use_too():
    v = _table(4, 2)

    def f(x):
        return wb.reduce_sum(wb.gather(x, [1, 1, 3]) ** 3) + wb.reduce_sum(wb.sin(x))
    with wb.GradientTape() as outer:
        with wb.GradientTape() as inner:
            loss = f(v)
        g = inner.gradient(loss, v)      # rows and a dense part: dense, on the tensor rules
        assert type(g) is wb.Tensor
        s = wb.reduce_sum(g * g)
    h = outer.gradient(s, v)
    x = v.numpy()
    counts = np.array([0, 2, 0, 1])[:, None]
    grad = 3 * x ** 2 * counts + np.cos(x)
    np.testing.assert_allclose(g.numpy(), grad, rtol=1e-12)
    np.testing.assert_allclose(wb.convert_to_tensor(h).numpy(), 2 * grad * (6 * x * counts - np.sin(x)),
                               rtol=1e-12)


def test_function_replays_indexed_slices_bitwise():
    v = _table(50, 8, "float32")
    w = wb.constant(np.random.default_rng(1).normal(size=(8,)).astype(np.float32))

    def step(ids):
        with wb.GradientTape() as tape:
            loss = wb.reduce_sum(wb.tanh(wb.nn.embedding_lookup(v, ids) * w))
        return tape.gradient(loss, v)

    fn = wb.function(step)
    for seed in range(3):
        ids = wb.constant(np.random.default_rng(seed).integers(0, 50, size=(4, 5)))
        eager, traced = step(ids), fn(ids)
        assert isinstance(traced, wb.IndexedSlices)
        np.testing.assert_array_equal(traced.values.numpy(), eager.values.numpy())
        np.testing.assert_array_equal(traced.indices.numpy(), eager.indices.numpy())


def test_bad_input_is_named():
    with pytest.raises(TypeError, match="indices must be a 1-D integer"):
        wb.IndexedSlices(wb.ones((2, 2)), wb.constant([0.0, 1.0]), [3, 2])
    with pytest.raises(ValueError, match="one row per index"):
        wb.IndexedSlices(wb.ones((2, 2)), wb.constant([0, 1, 2]), [3, 2])
    with pytest.raises(ValueError, match="do not fit dense_shape"):
        wb.IndexedSlices(wb.ones((2, 2)), wb.constant([0, 1]), [3, 5])
    with pytest.raises(ValueError, match="without dense_shape"):
        wb.convert_to_tensor(wb.IndexedSlices(wb.ones((2, 2)), wb.constant([0, 1])))


def _sparse_and_dense_runs(make_opt, steps=([0, 2, 0], [1, 0], [3, 3, 3])):
    out = []
    for sparse in (True, False):
        v = wb.Variable(np.arange(12.0).reshape(4, 3) / 7)
        opt = make_opt()
        for ids in steps:
            with wb.GradientTape() as tape:
                src = v if sparse else v * 1.0   # through a multiply: the gradient is dense
                loss = wb.reduce_sum(wb.gather(src, ids) ** 2)
            g = tape.gradient(loss, v)
            assert isinstance(g, wb.IndexedSlices) == sparse
            opt.apply_gradients([(g, v)])
        out.append((v.numpy(), opt, v))
    return out


_OPTIMIZERS = {
    "sgd": lambda: wb.optimizers.SGD(0.1),
    "sgd-nesterov": lambda: wb.optimizers.SGD(0.1, momentum=0.9, nesterov=True),
    "adam": lambda: wb.optimizers.Adam(0.1),
    "amsgrad": lambda: wb.optimizers.Adam(0.1, amsgrad=True),
    "adamw": lambda: wb.optimizers.AdamW(0.1),
    "adamax": lambda: wb.optimizers.Adamax(0.1),
    "nadam": lambda: wb.optimizers.Nadam(0.1),
    "rmsprop": lambda: wb.optimizers.RMSprop(0.1, momentum=0.5, centered=True),
    "adagrad": lambda: wb.optimizers.Adagrad(0.1),
    "adadelta": lambda: wb.optimizers.Adadelta(0.1),
    "ftrl": lambda: wb.optimizers.Ftrl(0.1),
    "lion": lambda: wb.optimizers.Lion(0.1),
    "clipnorm": lambda: wb.optimizers.SGD(0.1, clipnorm=0.5),
    "accumulation": lambda: wb.optimizers.Adam(0.1, gradient_accumulation_steps=2),
}


@pytest.mark.parametrize("name", sorted(_OPTIMIZERS))
def test_optimizers_apply_indexed_slices_as_their_dense_gradient(name):
    """Repeated indices included (Keras 3 on JAX and PyTorch; on TensorFlow, Keras squares
    the rows before adding repeats up, which changes the second-moment optimizers there)."""
    (sparse, *_), (dense, *_) = _sparse_and_dense_runs(_OPTIMIZERS[name])
    np.testing.assert_allclose(sparse, dense, rtol=1e-12, atol=1e-14)


def test_adam_without_repeated_indices_is_the_dense_step_bit_for_bit():
    for make in (lambda: wb.optimizers.Adam(0.1), lambda: wb.optimizers.Adam(0.1, amsgrad=True)):
        (sparse, *_), (dense, *_) = _sparse_and_dense_runs(make, steps=([0, 2], [1, 0], [3]))
        np.testing.assert_array_equal(sparse, dense)


def test_lazy_adam_updates_only_the_rows_with_duplicates_summed():
    (w, opt, var), _ = _sparse_and_dense_runs(lambda: wb.optimizers.LazyAdam(0.1, epsilon=1e-7))
    ref = np.arange(12.0).reshape(4, 3) / 7
    m, v = np.zeros_like(ref), np.zeros_like(ref)
    for t, ids in enumerate(([0, 2, 0], [1, 0], [3, 3, 3]), start=1):
        g = np.zeros_like(ref)
        np.add.at(g, ids, 2 * ref[ids])
        rows = np.unique(ids)
        m[rows] = 0.9 * m[rows] + 0.1 * g[rows]
        v[rows] = 0.999 * v[rows] + 0.001 * g[rows] ** 2
        alpha = float(np.float32(0.1)) * np.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t)
        ref[rows] -= alpha * m[rows] / (np.sqrt(v[rows]) + 1e-7)
    np.testing.assert_allclose(w, ref, rtol=1e-12)
    # row 2 was named only at step 1: its moments kept that step's values (no decay since)
    np.testing.assert_allclose(opt.get_slot(var, "m").numpy(), m, rtol=1e-12)
    np.testing.assert_allclose(opt.get_slot(var, "v").numpy(), v, rtol=1e-12)


def test_lazy_adam_with_a_dense_gradient_is_adam():
    def run(cls):
        v = wb.Variable(np.linspace(-1, 1, 6).reshape(2, 3))
        opt = cls(0.05)
        for _ in range(3):
            opt.minimize(lambda: wb.reduce_sum(v ** 3), [v])
        return v.numpy()
    np.testing.assert_array_equal(run(wb.optimizers.LazyAdam), run(wb.optimizers.Adam))
    assert wb.optimizers.get("lazyadam").__class__ is wb.optimizers.LazyAdam


def test_a_traced_training_step_with_sparse_updates_matches_eager():
    def make():
        v = wb.Variable(np.random.default_rng(2).normal(size=(30, 4)).astype(np.float32))
        return v, wb.optimizers.LazyAdam(0.01)

    def step(v, opt, ids):
        with wb.GradientTape() as tape:
            loss = wb.reduce_sum(wb.nn.embedding_lookup(v, ids) ** 2)
        opt.apply_gradients([(tape.gradient(loss, v), v)])
        return loss

    v1, o1 = make()
    v2, o2 = make()
    traced = wb.function(lambda ids: step(v2, o2, ids))
    for seed in range(4):
        ids = wb.constant(np.random.default_rng(seed).integers(0, 30, size=(6,)))
        step(v1, o1, ids)
        traced(ids)
    np.testing.assert_array_equal(v1.numpy(), v2.numpy())


def test_keras_embedding_model_fits_with_sparse_gradients():
    model = wb.keras.Sequential([wb.keras.layers.Embedding(20, 4),
                                 wb.keras.layers.GlobalAveragePooling1D(),
                                 wb.keras.layers.Dense(1)])
    model.compile(optimizer=wb.optimizers.SGD(0.1), loss="mse")
    x = np.random.default_rng(0).integers(0, 10, size=(16, 3))
    y = np.ones((16, 1), np.float32)
    model(x[:1])
    before = model.layers[0].embeddings.numpy().copy()
    history = model.fit(x, y, epochs=3, batch_size=8, verbose=0)
    after = model.layers[0].embeddings.numpy()
    assert history.history["loss"][-1] < history.history["loss"][0]
    np.testing.assert_array_equal(after[10:], before[10:])   # ids 10.. never looked up
    assert np.abs(after[:10] - before[:10]).max() > 0


def test_the_sparse_embedding_benchmark_runs_and_its_rules_agree(capsys):
    from benchmarks import sparse_embedding
    sparse_embedding.main(["--quick"])   # checks dense == Adam(IndexedSlices) (and torch) first
    out = capsys.readouterr().out
    assert "| LazyAdam(IndexedSlices) |" in out and "| dense |" in out


def test_replicas_sum_sparse_gradients_densely():
    # the collectives seam stood in for a two-rank job whose other rank holds the same rows
    from workbench.distribute.collectives import Collectives

    class Twin(Collectives):
        def __init__(self):
            self.rank, self.size, self.bucket_bytes = 0, 2, 1 << 20

        def _start_all_reduce(self, send, recv):
            recv[...] = send * 2   # two replicas holding the same gradient
            return recv

        def _finish(self, handles, what):
            pass

        def broadcast(self, array, root=0):
            return array

        def barrier(self):
            pass

    s = wb.distribute.MultiWorkerMirroredStrategy(collectives=Twin())
    with s.scope():
        v = wb.Variable(np.zeros((4, 2)))
        opt = wb.optimizers.SGD(learning_rate=1.0)
    with wb.GradientTape() as tape:
        loss = wb.reduce_sum(wb.gather(v, [1, 1, 3]))
    g = tape.gradient(loss, v)
    assert isinstance(g, wb.IndexedSlices)
    opt.apply_gradients([(g, v)])
    np.testing.assert_array_equal(v.numpy(), [[0, 0], [-4, -4], [0, 0], [-2, -2]])
