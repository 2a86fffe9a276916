"""Small TF 2.21 API members, pinned against TF 2.21's results: wb.nn.experimental.general_dropout
and tf.distribute's StrategyExtended members."""

import numpy as np
import pytest

import workbench as wb

gd = wb.nn.experimental.general_dropout
X5 = [1.1, 2.2, 3.3, 4.4, 5.5]


def test_general_dropout_with_a_generator_sampler_is_tfs_docstring_example():
    g = wb.random.Generator.from_seed(7)
    x = wb.constant(X5)
    # TF 2.21: [0, 4.4, 6.6, 8.8, 11.], then [2.2, 0, 0, 8.8, 0], then (rate 0.3 as a tensor)
    np.testing.assert_array_equal(gd(x, 0.5, g.uniform).numpy(), np.float32([0.0, 4.4, 6.6, 8.8, 11.0]))
    np.testing.assert_array_equal(gd(x, 0.5, g.uniform).numpy(), np.float32([2.2, 0.0, 0.0, 8.8, 0.0]))
    np.testing.assert_array_equal(gd(x, wb.constant(0.3), g.uniform).numpy(),
                                  np.float32([1.571428656578064, 3.142857313156128, 4.714285850524902, 0, 0]))
    y = gd(wb.reshape(wb.range(1., 7.), [2, 3]), 0.5, g.uniform, noise_shape=[1, 3])
    np.testing.assert_array_equal(y.numpy(), [[2.0, 0.0, 0.0], [8.0, 0.0, 0.0]])


def test_general_dropout_sampler_call_dtype_and_edge_values():
    seen = []

    def sampler(shape, dtype):
        seen.append((list(shape), dtype))
        return wb.constant([0.1, 0.9], dtype)

    y = gd(wb.constant([1., 2.], wb.float64), 0.25, sampler)
    assert seen == [([2], wb.float64)] and y.dtype == wb.float64
    np.testing.assert_array_equal(y.numpy(), [0.0, 2.6666666666666665])
    # TF: a dropped inf is 0 (where, not a product); rate 0 returns x without sampling
    y = gd(wb.constant([1., 2., np.inf]), 0.5, lambda shape, dtype: wb.constant([0.1, 0.9, 0.2]))
    np.testing.assert_array_equal(y.numpy(), [0.0, 4.0, 0.0])
    x = wb.constant(X5)
    assert gd(x, 0, lambda shape, dtype: pytest.fail("sampled")) is x
    # a tensor rate is not range-checked (TF): 1.0 drops everything
    np.testing.assert_array_equal(gd(x, wb.constant(1.0), wb.random.Generator.from_seed(1).uniform).numpy(),
                                  np.zeros(5, np.float32))


def test_general_dropout_gradient_is_the_kept_scale():
    x = wb.constant(X5)
    with wb.GradientTape() as tape:
        tape.watch(x)
        y = gd(x, 0.5, lambda shape, dtype: wb.constant([0.1, 0.9, 0.7, 0.2, 0.5]))
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [0., 2., 2., 0., 2.])


def test_general_dropout_errors_as_tf():
    u = wb.random.Generator.from_seed(1).uniform
    with pytest.raises(ValueError, match=r"rate must be a scalar tensor or a float in the range \[0, 1\), got 1.0"):
        gd(X5, 1.0, u)
    with pytest.raises(ValueError, match="got -0.1"):
        gd(X5, -0.1, u)
    with pytest.raises(ValueError, match="x must be a floating point tensor .*int32"):
        gd(wb.constant([1, 2]), 0.5, u)
    with pytest.raises(TypeError, match="uniform_sampler must be a callable"):
        gd(X5, 0.5, None)


# -- tf.distribute.StrategyExtended ---------------------------------------------------------------

def test_variable_created_in_scope_as_tf():
    default = wb.distribute.get_strategy()
    v0 = wb.Variable(1.)
    mirrored = wb.distribute.MirroredStrategy(["/cpu:0"])
    with mirrored.scope():
        v1 = wb.Variable(2.)
    one = wb.distribute.OneDeviceStrategy("/cpu:0")
    with one.scope():
        v2 = wb.Variable(3.)
    # TF 2.21: default True False; mirrored False True; one-device True False; mirrored(v2) False
    assert default.extended.variable_created_in_scope(v0) is True
    assert default.extended.variable_created_in_scope(v1) is False
    assert mirrored.extended.variable_created_in_scope(v0) is False
    assert mirrored.extended.variable_created_in_scope(v1) is True
    assert one.extended.variable_created_in_scope(v2) is True
    assert one.extended.variable_created_in_scope(v1) is False
    assert mirrored.extended.variable_created_in_scope(v2) is False
    with pytest.raises(TypeError, match="v must be a variable"):
        mirrored.extended.variable_created_in_scope(wb.constant(1.))


def test_strategy_extended_update_reduce_to_and_the_rest_as_tf():
    default = wb.distribute.get_strategy()
    s = wb.distribute.MirroredStrategy(["/cpu:0"])
    with s.scope():
        v1 = wb.Variable(2.)
    v0 = wb.Variable(1.)
    assert s.extended.experimental_require_static_shapes is False
    assert default.extended.experimental_require_static_shapes is False
    assert s.extended.value_container(v1) is v1 and default.extended.value_container(v0) is v0
    # TF 2.21: 3.0; with group=False a 1-tuple (4.0,); the default strategy: the result (4.0)
    assert s.extended.update(v1, lambda v, d: v.assign_add(d), args=(1.,)).numpy() == 3.0
    r = s.extended.update(v1, lambda v, d: v.assign_add(d), args=(1.,), group=False)
    assert isinstance(r, tuple) and len(r) == 1 and r[0].numpy() == 4.0
    assert default.extended.update(v0, lambda v, d: v.assign_add(d) * 2, args=(1.,)).numpy() == 4.0
    # TF 2.21: reduce_to of a plain tensor is that tensor (one replica), for SUM and MEAN
    assert s.extended.reduce_to(wb.distribute.ReduceOp.SUM, wb.constant(3.), v1).numpy() == 3.0
    assert s.extended.reduce_to("MEAN", wb.constant(3.), v1).numpy() == 3.0
    got = s.extended.batch_reduce_to("SUM", [(wb.constant(3.), v1), (wb.constant(4.), v1)])
    assert [t.numpy() for t in got] == [3.0, 4.0]
    pr = s.experimental_distribute_values_from_function(lambda ctx: wb.constant(5.))
    assert s.extended.reduce_to("SUM", pr, "/cpu:0").numpy() == 5.0
    with pytest.raises(RuntimeError, match="strategy.scope"):
        with s.extended.colocate_vars_with(v1):
            pass
    with s.scope():
        with s.extended.colocate_vars_with(v1):
            v4 = wb.Variable(1.)
    assert s.extended.variable_created_in_scope(v4)


# -- tf.saved_model.experimental fingerprints -----------------------------------------------------

class _Scale(wb.Module):
    def __init__(self):
        super().__init__()
        self.w = wb.Variable(3.0)

    @wb.function(input_signature=[wb.TensorSpec([None], wb.float32)])
    def __call__(self, x):
        return x * self.w


def test_read_fingerprint_of_a_saved_model(tmp_path):
    pytest.importorskip("onnx")
    m = _Scale()
    wb.saved_model.save(m, tmp_path / "a")
    wb.saved_model.save(m, tmp_path / "b")
    m.w.assign(4.0)
    wb.saved_model.save(m, tmp_path / "c")
    read = wb.saved_model.experimental.read_fingerprint
    a, b, c = read(tmp_path / "a"), read(str(tmp_path / "b")), read(tmp_path / "c")
    assert isinstance(a, wb.saved_model.experimental.Fingerprint)
    assert a == b and a != c and a.version == 1
    fields = ("saved_model_checksum", "graph_def_program_hash", "signature_def_hash", "saved_object_graph_hash",
              "checkpoint_hash")
    assert all(isinstance(getattr(a, f), int) and 0 <= getattr(a, f) < 2 ** 64 for f in fields)
    # a new value for the variable: only the checkpoint's hash and the whole folder's checksum change
    changed = [f for f in fields if getattr(a, f) != getattr(c, f)]
    assert changed == ["saved_model_checksum", "checkpoint_hash"]
    assert a.singleprint() == (f"{a.graph_def_program_hash}/{a.signature_def_hash}/"
                               f"{a.saved_object_graph_hash}/{a.checkpoint_hash}")
    assert str(a).startswith("SavedModel Fingerprint\n  saved_model_checksum: ")
    # the loaded model still serves (read_fingerprint leaves the folder as it was)
    np.testing.assert_array_equal(wb.saved_model.load(tmp_path / "c")(wb.constant([1.0, 2.0])).numpy(), [4.0, 8.0])


def test_fingerprint_errors_as_tf(tmp_path):
    with pytest.raises(FileNotFoundError, match="SavedModel Fingerprint Error: Could not find fingerprint"):
        wb.saved_model.experimental.read_fingerprint(tmp_path)
    with pytest.raises(ValueError, match="must be ints"):
        wb.saved_model.experimental.Fingerprint().singleprint()
    with pytest.raises(TypeError, match="export_dir must be a path"):
        wb.saved_model.experimental.read_fingerprint(3)


def test_is_tensor_as_tf():
    # TF 2.21: tensors, variables and the tensor-like composites; not arrays, Python values or datasets
    import ragged
    yes = [wb.constant(1), wb.Variable(1.0), ragged.constant([[1], [2, 3]]), wb.sparse.from_dense([[1, 0]]),
           wb.IndexedSlices(wb.constant([1.0]), wb.constant([0]))]
    no = [np.ones(2), 3, [1], wb.TensorShape([1]), wb.data.Dataset.range(2),
          wb.experimental.StructuredTensor.from_pyval({"a": 1})]
    assert [wb.is_tensor(v) for v in yes] == [True] * len(yes)
    assert [wb.is_tensor(v) for v in no] == [False] * len(no)
