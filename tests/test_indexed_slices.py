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


@pytest.mark.parametrize("make_opt", [
    lambda: wb.optimizers.SGD(0.1),
    lambda: wb.optimizers.SGD(0.1, momentum=0.9, nesterov=True),
    lambda: wb.optimizers.SGD(0.1, clipnorm=0.5),
    lambda: wb.optimizers.Adam(0.1, gradient_accumulation_steps=2),
], ids=["sgd", "sgd-nesterov", "clipnorm", "accumulation"])
def test_optimizers_apply_indexed_slices_as_their_dense_gradient(make_opt):
    """SGD without momentum scatters into the rows; these others equal their dense update."""
    (sparse, *_), (dense, *_) = _sparse_and_dense_runs(make_opt)
    np.testing.assert_allclose(sparse, dense, rtol=1e-13, atol=1e-15)


# TF 2.21 / Keras 3.15.1, float64, learning rate 0.1, the steps of _sparse_and_dense_runs on
# the IndexedSlices gradient (rounded to 8 digits)
TF_SPARSE = {
    'SGD': [
        [0.00000000, 0.06857143, 0.13714286],
        [0.34285714, 0.45714286, 0.57142857],
        [0.68571428, 0.80000000, 0.91428571],
        [0.51428570, 0.57142856, 0.62857141],
    ],
    'Adam': [
        [0.00000000, -0.16750561, -0.05830978],
        [0.29663712, 0.43949414, 0.58235121],
        [0.63834319, 0.78120028, 0.92405738],
        [1.17506934, 1.31792647, 1.46078361],
    ],
    'AdamW': [
        [0.00000000, -0.16748875, -0.05847668],
        [0.29615280, 0.43883846, 0.58152417],
        [0.63742182, 0.78010754, 0.92279328],
        [1.17352710, 1.31621287, 1.45889865],
    ],
    'Adamax': [
        [0.00000000, -0.04740197, 0.08041198],
        [0.34269630, 0.48555344, 0.62841058],
        [0.67977790, 0.82263504, 0.96549218],
        [1.24881392, 1.39167107, 1.53452821],
    ],
    'Nadam': [
        [0.00000000, -0.02447136, 0.08018120],
        [0.31782637, 0.46068351, 0.60354065],
        [0.73592885, 0.87878599, 1.02164314],
        [1.10063514, 1.24349228, 1.38634942],
    ],
    'RMSprop': [
        [0.00000000, -0.03676570, -0.03872101],
        [0.11234387, 0.25520092, 0.39805802],
        [0.54091514, 0.68377227, 0.82662940],
        [0.73799173, 0.88084887, 1.02370602],
    ],
    'Adagrad': [
        [0.00000000, 0.01930561, 0.12056560],
        [0.33475269, 0.47505003, 0.61664920],
        [0.75880202, 0.90122704, 1.04380065],
        [1.11294414, 1.25571889, 1.39851500],
    ],
    'Adadelta': [
        [0.00000000, 0.14253981, 0.28539690],
        [0.42843001, 0.57128715, 0.71414429],
        [0.85700144, 0.99985858, 1.14271572],
        [1.28546934, 1.42832648, 1.57118362],
    ],
    'Ftrl': [
        [0.00000000, -0.03502856, 0.03847574],
        [0.00000000, 0.00000000, 0.00000000],
        [0.60331150, 0.74505328, 0.88717858],
        [0.00000000, 0.00000000, 0.00000000],
    ],
    'Lion': [
        [0.00000000, -0.15714286, -0.01428572],
        [0.22857143, 0.37142857, 0.51428571],
        [0.55714285, 0.70000000, 0.84285714],
        [1.18571428, 1.32857143, 1.47142857],
    ],
    'SGDm': [
        [0.00000000, -0.04457143, -0.08914285],
        [0.26571429, 0.35428571, 0.44285714],
        [0.39257143, 0.45800001, 0.52342858],
        [0.51428570, 0.57142856, 0.62857141],
    ],
    'RMSpropm': [
        [0.00000000, -0.31290383, -0.35223309],
        [-0.07142820, 0.07142878, 0.21428584],
        [0.27380963, 0.41666674, 0.55952386],
        [0.63106063, 0.77391777, 0.91677491],
    ],
}

_KERAS = {"SGDm": lambda: wb.optimizers.SGD(0.1, momentum=0.9),
          "RMSpropm": lambda: wb.optimizers.RMSprop(0.1, momentum=0.5, centered=True)}


@pytest.mark.parametrize("name", sorted(TF_SPARSE))
def test_every_optimizer_applies_indexed_slices_as_keras3(name):
    """Keras 3 squares (and takes the magnitude of) an IndexedSlices row by row before
    repeated indices add up: Adam, Nadam, RMSprop, Adagrad, Adadelta and Ftrl then differ
    from their dense update where an index repeats."""
    make = _KERAS.get(name, lambda: getattr(wb.optimizers, name)(0.1))
    (sparse, *_), (dense, *_) = _sparse_and_dense_runs(make)
    np.testing.assert_allclose(sparse, TF_SPARSE[name], atol=5e-5)
    if name in ("Adam", "AdamW", "Nadam", "RMSprop", "RMSpropm", "Adagrad", "Ftrl"):
        assert np.abs(sparse - dense).max() > 0.01


# TF 2.21 / Keras 3.15.1, float64, Adam(0.1), the three steps of _sparse_and_dense_runs
TF_ADAM_SPARSE = [
    [0.0, -0.16750560747609644, -0.05830978154353213],
    [0.2966371167749755, 0.4394941379188048, 0.5823512077478518],
    [0.6383431929851162, 0.7812002781610781, 0.9240573777573149],
    [1.1750693367564056, 1.3179264717576435, 1.4607836081872267],
]
TF_ADAM_DENSE = [
    [0.0, -0.09420727408121532, 0.03193969450141046],
    [0.2966371167749755, 0.4394941379188048, 0.5823512077478518],
    [0.6383431929851162, 0.7812002781610781, 0.9240573777573149],
    [1.2218333754792383, 1.3646905157177445, 1.5075476564323664],
]


def test_adam_squares_the_rows_before_repeated_indices_add_up_as_keras3():
    """Keras 3's Adam squares an IndexedSlices row by row, then densifies: where an index
    repeats, v gets the sum of squares, not the square of the sum (m and w: dense)."""
    (sparse, *_), (dense, *_) = _sparse_and_dense_runs(lambda: wb.optimizers.Adam(0.1))
    np.testing.assert_allclose(sparse, TF_ADAM_SPARSE, atol=1e-5)
    np.testing.assert_allclose(dense, TF_ADAM_DENSE, atol=1e-5)
    assert np.abs(sparse - dense).max() > 0.05
    # no repeated index: exactly the dense update
    (sparse, *_), (dense, *_) = _sparse_and_dense_runs(lambda: wb.optimizers.Adam(0.1, amsgrad=True),
                                                       steps=([0, 2], [1, 0], [3]))
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

        def _start_all_reduce(self, flat):
            flat *= 2
            return flat

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
