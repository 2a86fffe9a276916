"""What TF's guides tf_numpy, unicode, extension_type and the TF Core guides showed to differ
here, pinned against TF 2.21's values (from running the guides' cells there)."""

import numpy as np
import pytest

import workbench as wb
from workbench.experimental import numpy as tnp
from workbench.experimental.numpy import behavior


@pytest.fixture
def numpy_behavior():
    tnp.experimental_enable_numpy_behavior()
    yield
    behavior.disable_numpy_behavior()


def test_tnp_tuple_index_arrays(numpy_behavior):
    # tf_numpy guide, "Indexing": TF 2.21 prints these values
    x = tnp.arange(24).reshape(2, 3, 4)
    np.testing.assert_array_equal(x[:, (True, False, True)].numpy(),
                                  [[[0, 1, 2, 3], [8, 9, 10, 11]], [[12, 13, 14, 15], [20, 21, 22, 23]]])
    np.testing.assert_array_equal(x[1, (0, 0, 1), tnp.asarray([0, 1, 1])].numpy(), [12, 13, 17])
    assert x[((0, 1), (1, 2))].shape == (2, 4)
    assert x[((0, 1),)].shape == (2, 3, 4)


def test_vectorized_map_output_structure_differs_from_elems():
    # tf_numpy guide, per-example gradients: fn returns three tensors for two elems, no signature
    w = wb.constant([[1.0], [2.0]])

    def per_example(arg):
        inp, label = arg
        with wb.GradientTape() as tape:
            tape.watch(w)
            loss = wb.reduce_sum(wb.square(wb.matmul(inp[None], w) - label))
        return tape.gradient(loss, w), loss, wb.cast(loss > 10.0, wb.int32)

    inputs = wb.constant([[1.0, 1.0], [2.0, 0.0], [0.0, 3.0]])
    labels = wb.constant([[1.0], [0.0], [2.0]])
    grads, losses, big = wb.vectorized_map(per_example, (inputs, labels))
    # TF 2.21's tf.vectorized_map on the same inputs
    np.testing.assert_allclose(grads.numpy(), [[[4.0], [4.0]], [[8.0], [0.0]], [[0.0], [24.0]]])
    np.testing.assert_allclose(losses.numpy(), [4.0, 4.0, 16.0])
    assert big.dtype == wb.int32 and big.numpy().tolist() == [0, 0, 1]


def test_vectorized_map_calls_fn_once_per_element():
    calls = []

    def fn(x):
        calls.append(1)
        return {"double": x * 2, "sum": wb.reduce_sum(x)}

    out = wb.vectorized_map(fn, wb.constant([[1, 2], [3, 4]]))
    assert len(calls) == 2
    np.testing.assert_array_equal(out["double"].numpy(), [[2, 4], [6, 8]])
    np.testing.assert_array_equal(out["sum"].numpy(), [3, 7])
    # a result not depending on the element is tiled, as TF's pfor does
    np.testing.assert_array_equal(wb.vectorized_map(lambda x: 1.0, wb.constant([[1], [2]])).numpy(), [1.0, 1.0])


def test_dispatch_target_may_leave_out_name():
    # extension_type guide, "Dispatch for APIs": masked_stack(values, axis=0) for tf.stack
    # (values, axis=0, name='stack'); TF 2.21 takes it and gives these values and masks
    from typing import List

    class Masked(wb.experimental.ExtensionType):
        values: wb.Tensor
        mask: wb.Tensor

    @wb.experimental.dispatch_for_api(wb.stack)
    def masked_stack(values: List[Masked], axis=0):
        return Masked(wb.stack([v.values for v in values], axis), wb.stack([v.mask for v in values], axis))

    try:
        x = Masked([1, 2, 3], [True, True, False])
        y = Masked([4, 5, 6], [False, True, True])
        for out in (wb.stack([x, y]), wb.stack([x, y], axis=1, name="s")):
            assert isinstance(out, Masked)
        out = wb.stack([x, y])
        np.testing.assert_array_equal(out.values.numpy(), [[1, 2, 3], [4, 5, 6]])
        np.testing.assert_array_equal(out.mask.numpy(), [[True, True, False], [False, True, True]])
        assert wb.stack([x, y], axis=1, name="s").values.shape == (3, 2)
    finally:
        wb.experimental.unregister_dispatch_for(masked_stack)
    assert wb.stack([wb.constant(1), wb.constant(2)]).numpy().tolist() == [1, 2]
    # only a last ``name`` may be left out
    with pytest.raises(ValueError, match="does not match API's signature"):
        wb.experimental.dispatch_for_api(wb.math.add)(lambda x: x)


class _Network(wb.experimental.BatchableExtensionType):
    # extension_type guide, "Batchable ExtensionTypes": a batch shape kept in a TensorShape field
    shape: wb.TensorShape
    work: wb.Tensor
    bandwidth: wb.Tensor

    def __init__(self, work, bandwidth):
        self.work = wb.convert_to_tensor(work)
        self.bandwidth = wb.convert_to_tensor(bandwidth)
        self.shape = self.work.shape[:-1].merge_with(self.bandwidth.shape[:-2])


def _networks():
    return _Network(work=[[5.0, 3, 8], [3.0, 4, 2]],
                    bandwidth=[[[0.0, 2, 0], [2, 0, 3], [0, 3, 0]], [[0.0, 2, 2], [2, 0, 2], [2, 2, 0]]])


def test_batchable_extension_type_shape_field_unbatches_and_batches():
    # TF 2.21: elements of from_tensor_slices have shape [], map_fn's result and a
    # drop_remainder batch [2]; the Spec's _unbatch drops the dimension, _batch adds it
    batch = _networks()
    assert batch.shape == (2,)
    elements = list(wb.data.Dataset.from_tensor_slices(batch))
    assert [e.shape for e in elements] == [(), ()]
    np.testing.assert_array_equal(elements[1].work.numpy(), [3.0, 4.0, 2.0])
    assert [b.shape for b in wb.data.Dataset.from_tensor_slices(batch).batch(2, drop_remainder=True)] == [(2,)]
    out = wb.map_fn(lambda n: _Network(n.work * 2, n.bandwidth), batch)
    assert out.shape == (2,) and out.shape.as_list() == [2]
    np.testing.assert_array_equal(out.work.numpy(), [[10.0, 6, 16], [6, 8, 4]])
    assert wb.map_fn(lambda n: n, batch).shape == (2,)
    spec = batch._type_spec
    assert spec._unbatch().shape == () and spec._unbatch().work.shape == (3,)
    assert spec._unbatch()._batch(5).shape.as_list() == [5]
    assert spec._with_unknown_batch().shape.as_list() == [None]


def test_extension_type_spec_with_its_own_constructor():
    # extension_type guide, "Customizing the ExtensionType's TypeSpec": values TF 2.21 gives
    class MaskedTensor(wb.experimental.BatchableExtensionType):
        values: wb.Tensor
        mask: wb.Tensor

        class Spec:
            def __init__(self, shape, dtype=wb.float32):
                self.values = wb.TensorSpec(shape, dtype)
                self.mask = wb.TensorSpec(shape, wb.bool)

            shape = property(lambda self: self.values.shape)
            dtype = property(lambda self: self.values.dtype)

    spec = MaskedTensor.Spec(shape=[10], dtype=wb.int32)
    assert spec.values == wb.TensorSpec([10], wb.int32) and spec.mask == wb.TensorSpec([10], wb.bool)
    assert spec.shape == (10,) and spec.dtype == wb.int32
    value = MaskedTensor(wb.range(10), wb.ones([10], wb.bool))
    assert type(value._type_spec) is MaskedTensor.Spec and value._type_spec == spec
    with pytest.raises(AttributeError, match="Cannot mutate attribute `values` outside the custom constructor"):
        spec.values = wb.TensorSpec([3])
    assert spec._unbatch().shape == () and spec._batch(3).shape == (3, 10)
    batched = list(wb.data.Dataset.from_tensor_slices(MaskedTensor(wb.zeros([4, 2]), wb.ones([4, 2], wb.bool)))
                   .batch(2))
    assert [b.values.shape for b in batched] == [(2, 2), (2, 2)]

    class Bad(wb.experimental.ExtensionType):
        values: wb.Tensor

        class Spec:
            def __init__(self):
                pass
    with pytest.raises(ValueError, match="Missing required fields: {'values'}"):
        Bad.Spec()


def test_vectorized_map_takes_variables_and_arrays():
    # TF 2.21: a Variable and a NumPy array as elems, another output structure, gradient to the variable
    v = wb.Variable([1.0, 2.0, 3.0])
    with wb.GradientTape() as tape:
        prod, first = wb.vectorized_map(lambda p: (p[0] * p[1], p[0]), (v, np.array([2.0, 3.0, 4.0], np.float32)))
    np.testing.assert_array_equal(prod.numpy(), [2.0, 6.0, 12.0])
    np.testing.assert_array_equal(first.numpy(), [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(tape.gradient(prod, v).numpy(), [2.0, 3.0, 4.0])
    out = wb.vectorized_map(lambda x: x + 1, np.arange(3))
    assert out.dtype == wb.int64 and out.numpy().tolist() == [1, 2, 3]
