"""The reverse walk's inline path (records of one result with an array rule, run directly
by ``ArrayRules``) against its general path (the same interpreter's methods, one call per
record and per sum): the same gradients bit for bit; and what ``gradient`` hands back for
plain lists, tuples and single tensors."""

import warnings

import numpy as np
import pytest

import workbench as wb
from gradients import GradientTape
from gradients.walk import ArrayRules, reverse_walk
from workbench.errors import UnconnectedGradientWarning


class _GeneralPath(ArrayRules):
    """ArrayRules through its methods: the walk runs its rules inline only for ArrayRules
    itself."""


def _model(rng, dtype):
    W = wb.Variable(rng.standard_normal((6, 5)).astype(dtype), name="W")
    b = wb.Variable(rng.standard_normal(5).astype(dtype), name="b")
    E = wb.Variable(rng.standard_normal((7, 6)).astype(dtype), name="E")
    x = wb.constant(rng.standard_normal((4, 6)).astype(dtype))
    ids = wb.constant(np.array([1, 3, 1, 6]))
    labels = wb.constant(np.array([0, 4, 2, 4]))
    return [W, b, E], x, ids, labels


def _record(tape, variables, x, ids, labels):
    W, b, E = variables
    with tape:
        h = x + wb.gather(E, ids)                      # a row gather (sparse for E)
        z = wb.matmul(h, W) + b                        # a broadcast sum back to b's shape
        a = wb.nn.relu(z) * wb.nn.relu(z)              # one tensor read twice
        parts = wb.split(a, [2, 3], axis=1)            # a record of several results
        c = wb.concat([parts[1], parts[0], z[:, :0]], axis=1)   # three inputs, parameters
        xent = wb.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=c)
        loss = wb.reduce_mean(xent) + wb.reduce_sum(wb.square(W), axis=[0, 1]) * 0.5
    return loss


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("sparse", [False, True])
def test_inline_walk_equals_the_general_walk_bit_for_bit(dtype, sparse):
    variables, x, ids, labels = _model(np.random.default_rng(3), dtype)
    tape = GradientTape(persistent=True)
    loss = _record(tape, variables, x, ids, labels)
    seed = wb.ones_like(loss)
    want = {v._tid for v in variables} if sparse else ()
    results = []
    for rules in (ArrayRules(), _GeneralPath()):
        records = list(tape.records)
        got = reverse_walk(records, tape.watched_ids, [loss], [seed], variables, rules,
                           sparse=want)
        results.append([got[v._tid] for v in variables])
    for inline, general in zip(*results):
        assert type(inline) is type(general)
        if isinstance(inline, wb.IndexedSlices):
            pairs = [(inline.values, general.values), (inline.indices, general.indices)]
        else:
            pairs = [(inline, general)]
        for p, q in pairs:
            p, q = p.numpy(), q.numpy()
            assert p.dtype == q.dtype and p.shape == q.shape
            assert p.tobytes() == q.tobytes()
    assert isinstance(results[0][2], wb.IndexedSlices) == sparse


def test_inline_walk_sums_a_tensor_read_twice_in_place_without_touching_its_cotangent():
    x = wb.Variable(np.array([1.0, -2.0, 3.0]))
    with GradientTape() as tape:
        y = wb.identity(x)
        z = y * y + y
    gx, gy = tape.gradient(z, [x, y])
    np.testing.assert_array_equal(gx.numpy(), [3.0, -3.0, 7.0])
    np.testing.assert_array_equal(gy.numpy(), [3.0, -3.0, 7.0])


def test_plain_sources_keep_their_container():
    x = wb.Variable([1.0, 2.0])
    y = wb.Variable(3.0)
    for sources, kind in (([x, y], list), ((x, y), tuple)):
        with GradientTape() as tape:
            loss = wb.reduce_sum(x * y)
        got = tape.gradient(loss, sources)
        assert type(got) is kind and len(got) == 2
        np.testing.assert_array_equal(got[0].numpy(), [3.0, 3.0])
        assert got[1].numpy() == 3.0
    with GradientTape() as tape:
        loss = wb.reduce_sum(x * y)
    g = tape.gradient(loss, x)
    assert isinstance(g, wb.Tensor)
    np.testing.assert_array_equal(g.numpy(), [3.0, 3.0])
    with GradientTape() as tape:
        loss = wb.reduce_sum(x * y)
    nested = tape.gradient(loss, {"a": [x], "b": (y,)})
    assert set(nested) == {"a", "b"} and type(nested["a"]) is list and type(nested["b"]) is tuple


def test_unconnected_plain_source_warns_at_the_callers_line():
    x = wb.Variable([1.0, 2.0])
    unused = wb.Variable(1.0)
    with GradientTape() as tape:
        loss = wb.reduce_sum(x * x)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = tape.gradient(loss, [x, unused])
    assert got[1] is None
    mine = [w for w in caught if issubclass(w.category, UnconnectedGradientWarning)]
    assert len(mine) == 1 and mine[0].filename == __file__


def test_variable_target_and_source_gets_the_seed_in_a_plain_list():
    v = wb.Variable([2.0, 5.0])
    with GradientTape() as tape:
        pass
    got = tape.gradient(v, [v])
    np.testing.assert_array_equal(got[0].numpy(), [1.0, 1.0])
