"""Values from TFP 0.25's own docstring examples that differed here, pinned as TFP gives them."""

import numpy as np

import workbench as wb
import probability as tfp

tfd = tfp.distributions


def _as_lists(tensors):
    return [np.asarray(t).tolist() for t in tensors]


def test_joint_distribution_shape_tensors_per_part():
    # tfp.experimental.vi.build_affine_surrogate_posterior's docstring: model.event_shape_tensor()[:-1]
    jd = tfd.JointDistributionSequential([
        tfd.Normal(0.0, 1.0), lambda a: tfd.Normal(a * wb.ones(3), 1.0), lambda b: tfd.Normal(b, 1.0)])
    events, batches = jd.event_shape_tensor(), jd.batch_shape_tensor()
    assert isinstance(events, list) and all(t.dtype == wb.int32 for t in events)
    assert _as_lists(events) == [[], [], []]
    assert _as_lists(batches) == [[], [3], [3]]
    auto = tfd.JointDistributionSequentialAutoBatched([tfd.Normal(0.0, 1.0), lambda a: tfd.Normal(a * wb.ones(3), 1.0)])
    assert _as_lists(auto.event_shape_tensor()) == [[], [3]]
    assert np.asarray(auto.batch_shape_tensor()).tolist() == []        # one tensor: the shared batch shape
    named = tfd.JointDistributionNamed(dict(a=tfd.Normal(0.0, 1.0), b=lambda a: tfd.Normal(a, wb.ones([2]))))
    assert {k: np.asarray(v).tolist() for k, v in named.batch_shape_tensor().items()} == {"a": [], "b": [2]}


def test_pinned_joint_distribution_shapes_and_dtype_of_free_parts():
    # TFP 0.25: experimental_pin(...) keeps the model's structure over the free parts
    jd = tfd.JointDistributionSequential([
        tfd.Normal(0.0, 1.0), lambda a: tfd.Normal(a * wb.ones(3), 1.0), lambda b: tfd.Normal(b, 1.0)])
    pinned = jd.experimental_pin(x=wb.zeros(3))
    assert pinned.event_shape == [wb.TensorShape([]), wb.TensorShape([])]
    assert pinned.batch_shape == [wb.TensorShape([]), wb.TensorShape([3])]
    assert [np.dtype(d) for d in pinned.dtype] == [np.float32, np.float32]
    assert _as_lists(pinned.batch_shape_tensor()) == [[], [3]]
    named = tfd.JointDistributionNamed(dict(
        a=tfd.Normal(0.0, 1.0), b=lambda a: tfd.Normal(a * wb.ones(3), 1.0), c=lambda b: tfd.Normal(b, 1.0)))
    pinned = named.experimental_pin(c=wb.zeros(3))
    assert pinned.batch_shape == {"a": wb.TensorShape([]), "b": wb.TensorShape([3])}
    assert pinned.event_shape == {"a": wb.TensorShape([]), "b": wb.TensorShape([])}
    assert pinned.name == "PinnedJointDistributionNamed"
    auto = tfd.JointDistributionSequentialAutoBatched([tfd.Normal(0.0, 1.0), lambda a: tfd.Normal(a * wb.ones(3), 1.0)])
    pinned = auto.experimental_pin(x=wb.zeros(3))
    assert pinned.batch_shape == wb.TensorShape([])                     # the model's one batch shape
    assert pinned.event_shape == [wb.TensorShape([])]
    assert _as_lists(pinned.event_shape_tensor()) == [[]]


def test_pinned_coroutine_keeps_a_struct_tuple_of_the_free_parts():
    def model():
        loc = yield tfd.JointDistributionCoroutine.Root(tfd.Normal(0.0, 1.0, name="loc"))
        scale = yield tfd.JointDistributionCoroutine.Root(tfd.Gamma(1.0, 1.0, name="scale"))
        yield tfd.Normal(loc * wb.ones(4), scale, name="obs")
    pinned = tfd.JointDistributionCoroutine(model).experimental_pin(obs=wb.zeros(4))
    assert pinned.event_shape._fields == ("loc", "scale")
    assert tuple(pinned.batch_shape) == (wb.TensorShape([]), wb.TensorShape([]))
