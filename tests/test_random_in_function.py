"""Random ops without a Generator inside ``wb.function``: TF 2.21's graph-mode seed rules.

A function graph takes the global seed when its tracing begins; an op without an op seed
takes the graph's count of such ops (0, 1, ...) as its op seed; each op has a kernel of its
own, whose stream successive calls continue; ``set_seed`` restarts the kernels without a
retrace (the graph keeps its seed); a retrace makes new ops. The numbers below were printed
by TF 2.21 (CPU) running the same programs with ``tf.function`` and ``tf.random``.
"""

import numpy as np
import pytest

import workbench as wb
from workbench.compiler import UnreplayableWarning

R = wb.random

# uniform([2]) float32 under (global seed, op seed): successive draws of one kernel
TF = {
    "u_1_0": [[0.8126964569091797, 0.07857465744018555], [0.8489425182342529, 0.09832477569580078],
              [0.3780696392059326, 0.3421337604522705], [0.22804296016693115, 0.2925039529800415]],
    "u_1_1": [[0.055544137954711914, 0.018698453903198242], [0.5773283243179321, 0.2963677644729614]],
    "u_2_0": [[0.8290640115737915, 0.6074217557907104]],
    "u_default_5": [[0.3883112668991089, 0.6636828184127808], [0.42907261848449707, 0.9582782983779907]],
    "u_0_0": [[0.01975703239440918, 0.0070421695709228516]],
    "u_5_1": [[0.38751840591430664, 0.7485455274581909], [0.9646999835968018, 0.2685586214065552]],
    # eager uniform([2]) after set_seed(1): the op seeds of the eager sequence
    "eager_1": [[0.1651308536529541, 0.9014812707901001], [0.5101070404052734, 0.44353175163269043]],
}


def _is(t, want):
    np.testing.assert_array_equal(np.asarray(t.numpy()).ravel(), np.float32(want))


def test_an_op_without_a_seed_takes_the_graphs_op_seed_and_continues_its_stream():
    R.set_seed(1)
    f = wb.function(lambda: R.uniform([2]))
    for want in TF["u_1_0"][:3]:
        _is(f(), want)      # op seed 0 of the graph; one kernel, call after call
    assert f.experimental_get_tracing_count() == 1


def test_two_functions_with_the_same_ops_give_the_same_numbers():
    R.set_seed(1)
    f = wb.function(lambda: R.uniform([2]))
    g = wb.function(lambda: R.uniform([2]))
    _is(f(), TF["u_1_0"][0])
    _is(g(), TF["u_1_0"][0])
    _is(g(), TF["u_1_0"][1])
    _is(f(), TF["u_1_0"][1])


def test_ops_are_counted_per_graph_and_ops_with_one_seed_have_kernels_of_their_own():
    R.set_seed(1)

    @wb.function
    def f():
        return R.uniform([2]), R.uniform([2]), R.uniform([2], seed=7), R.uniform([2], seed=7)
    a, b, c, d = f()
    _is(a, TF["u_1_0"][0])
    _is(b, TF["u_1_1"][0])
    np.testing.assert_array_equal(c.numpy(), d.numpy())    # two ops, two kernels: the same numbers
    a, b, c2, d2 = f()
    _is(a, TF["u_1_0"][1])
    _is(b, TF["u_1_1"][1])
    np.testing.assert_array_equal(c2.numpy(), d2.numpy())
    assert not np.array_equal(c.numpy(), c2.numpy())
    R.set_seed(1)   # eager, the same op seed is one cached kernel: its stream goes on
    assert not np.array_equal(R.uniform([2], seed=7).numpy(), R.uniform([2], seed=7).numpy())


def test_set_seed_restarts_the_streams_without_a_retrace_and_the_graph_keeps_its_seed():
    R.set_seed(1)
    f = wb.function(lambda: R.uniform([2]))
    _is(f(), TF["u_1_0"][0])
    _is(f(), TF["u_1_0"][1])
    R.set_seed(1)
    _is(f(), TF["u_1_0"][0])
    R.set_seed(2)               # not traced again: still the seeds (1, 0), from the start
    _is(f(), TF["u_1_0"][0])
    _is(f(), TF["u_1_0"][1])
    R.set_seed(None)
    _is(f(), TF["u_1_0"][0])
    assert f.experimental_get_tracing_count() == 1


def test_tracing_and_calling_a_function_leave_the_eager_sequence_alone():
    R.set_seed(1)
    _is(R.uniform([2]), TF["eager_1"][0])
    f = wb.function(lambda: R.uniform([2]))
    _is(f(), TF["u_1_0"][0])
    _is(R.uniform([2]), TF["eager_1"][1])


def test_an_op_seed_without_a_global_seed_uses_tfs_default_global_seed():
    R.set_seed(None)
    f = wb.function(lambda: R.uniform([2], seed=5))
    _is(f(), TF["u_default_5"][0])
    _is(f(), TF["u_default_5"][1])
    _is(R.uniform([2], seed=5), TF["u_default_5"][0])   # the eager kernel is another one
    R.set_seed(1)        # restarts; the graph keeps the default seed it was traced with
    _is(f(), TF["u_default_5"][0])


def test_an_eager_op_and_a_function_op_with_the_same_seeds_have_separate_kernels():
    R.set_seed(1)
    _is(R.uniform([2], seed=0), TF["u_1_0"][0])
    f = wb.function(lambda: R.uniform([2]))
    _is(f(), TF["u_1_0"][0])
    _is(R.uniform([2], seed=0), TF["u_1_0"][1])
    _is(f(), TF["u_1_0"][1])


def test_global_seed_zero_gives_tfs_seed_pair():
    R.set_seed(0)
    _is(wb.function(lambda: R.uniform([2]))(), TF["u_0_0"][0])   # (0, 0) is (0, 2**31 - 1), as TF


def test_nested_functions_count_op_seeds_in_their_own_graph_with_kernels_per_call_site():
    R.set_seed(1)
    inner = wb.function(lambda: R.uniform([2]))

    @wb.function
    def outer():
        return R.uniform([2]), inner(), inner(), R.uniform([2])
    for i in range(2):
        a, b, c, d = outer()
        _is(a, TF["u_1_0"][i])
        _is(b, TF["u_1_0"][i])
        _is(c, TF["u_1_0"][i])
        _is(d, TF["u_1_1"][i])
    _is(inner(), TF["u_1_0"][0])   # called by itself: a function of its own, from the start


def test_a_retrace_makes_new_ops_and_takes_the_global_seed_of_its_time():
    R.set_seed(1)
    f = wb.function(lambda x: R.uniform([2]) + 0.0 * wb.reduce_sum(x))
    _is(f(wb.zeros([1])), TF["u_1_0"][0])
    _is(f(wb.zeros([1])), TF["u_1_0"][1])
    _is(f(wb.zeros([2])), TF["u_1_0"][0])   # a new concrete function: new kernels
    _is(f(wb.zeros([1])), TF["u_1_0"][2])
    _is(f(wb.zeros([2])), TF["u_1_0"][1])
    R.set_seed(2)
    _is(f(wb.zeros([5, 1])), TF["u_2_0"][0])
    assert f.experimental_get_tracing_count() == 3


def test_one_concrete_function_serves_many_shapes_with_one_stream():
    R.set_seed(1)
    f = wb.function(lambda x: R.uniform([2]) + 0.0 * wb.reduce_sum(x),
                    input_signature=[wb.TensorSpec([None])])
    for n, want in zip((1, 2, 3), TF["u_1_0"]):
        _is(f(wb.zeros([n])), want)


def test_a_first_call_that_creates_variables_starts_the_stream():
    R.set_seed(1)
    made = []

    @wb.function
    def f():
        if not made:
            made.append(wb.Variable(1.0))
        return R.uniform([2]) * made[0]
    for want in TF["u_1_0"][:3]:
        _is(f(), want)
    assert f.experimental_get_tracing_count() == 2   # as TF: traced again without creating


def test_get_concrete_function_draws_nothing():
    R.set_seed(1)
    f = wb.function(lambda: R.uniform([2]))
    cf = f.get_concrete_function()
    _is(f(), TF["u_1_0"][0])
    _is(cf(), TF["u_1_0"][1])
    _is(f(), TF["u_1_0"][2])


def test_seeded_ops_do_not_count_and_every_seedless_random_op_does():
    R.set_seed(1)

    @wb.function
    def f():
        return (R.normal([2], seed=3), R.shuffle(wb.range(6)), wb.nn.dropout(wb.ones([6]), 0.5),
                R.uniform([2]))
    a, b, c, d = f()
    _is(a, [-0.6708612442016602, 0.22357144951820374])     # (1, 3)
    assert b.numpy().tolist() == [4, 2, 1, 0, 5, 3]         # op seed 0
    _is(c, [0.0, 0.0, 0.0, 0.0, 2.0, 2.0])                  # op seed 1
    _is(d, [0.406396746635437, 0.8575996160507202])        # op seed 2


def test_set_seed_inside_a_function_sets_its_graphs_seed():
    R.set_seed(1)

    @wb.function
    def f():
        a = R.uniform([2])
        R.set_seed(5)
        return a, R.uniform([2])     # seeds (5, 1): the graph's count goes on
    for i in range(2):
        a, b = f()
        _is(a, TF["u_1_0"][i])
        _is(b, TF["u_5_1"][i])
    _is(R.uniform([2]), TF["eager_1"][0])   # the eager seed is still 1, its sequence untouched


def test_functions_run_eagerly_follow_the_eager_rule():
    R.set_seed(1)
    f = wb.function(lambda: R.uniform([2]))
    wb.config.run_functions_eagerly(True)
    try:
        R.set_seed(1)
        _is(f(), TF["eager_1"][0])
        _is(f(), TF["eager_1"][1])
    finally:
        wb.config.run_functions_eagerly(False)


def test_a_call_under_a_tape_continues_the_functions_streams():
    R.set_seed(1)
    f = wb.function(lambda x: x * R.uniform([2]))
    x = wb.Variable([1.0, 1.0])
    _is(f(x), TF["u_1_0"][0])
    with wb.GradientTape() as tape:
        y = f(x)
    _is(y, TF["u_1_0"][1])
    _is(tape.gradient(y, x), TF["u_1_0"][1])
    _is(f(x), TF["u_1_0"][2])


def test_a_function_that_runs_eagerly_keeps_the_graph_rule():
    R.set_seed(1)

    @wb.function(autograph=False)
    def f(x):
        u = R.uniform([2])
        return u if float(wb.reduce_sum(x)) > 0 else -u   # a Python read: runs eagerly
    with pytest.warns(UnreplayableWarning):
        _is(f(wb.ones([1])), TF["u_1_0"][0])
    for want in TF["u_1_0"][1:3]:
        _is(f(wb.ones([1])), want)


def test_without_any_seed_the_calls_give_new_numbers():
    R.set_seed(None)
    f = wb.function(lambda: R.uniform([4]))
    g = wb.function(lambda: R.uniform([4]))
    first, second, other = f().numpy(), f().numpy(), g().numpy()
    assert not np.array_equal(first, second)
    assert not np.array_equal(first, other)


def test_an_unseeded_probability_sample_follows_the_graph_rule():
    # TFP's sample(seed=None) draws its stateless seed with a seedless uniform op: TFP 0.25's
    # numbers in a tf.function
    from probability import distributions as tfd
    R.set_seed(1)
    f = wb.function(lambda: tfd.Normal(0.0, 1.0).sample(3))
    g = wb.function(lambda: tfd.Normal(0.0, 1.0).sample(3))
    want = [[0.30520468950271606, 0.5671377778053284, 0.4185227155685425],
            [0.07032887637615204, 0.4708646535873413, -0.36496710777282715]]
    np.testing.assert_allclose([f().numpy() for _ in range(2)], want, rtol=1e-6)
    np.testing.assert_allclose(g().numpy(), want[0], rtol=1e-6)


# TF traces each wb.cond branch and wb.while_loop body into a graph of its own (op seeds from 0
# under the caller's seed) and runs only the taken branch: these pin TF 2.21's numbers.


def test_cond_branches_count_op_seeds_in_graphs_of_their_own():
    R.set_seed(1)

    @wb.function
    def f(x):
        if x > 0:
            y = R.uniform([2])
        else:
            y = R.uniform([2]) + 10.0
        return y, R.uniform([2])
    u = np.float32(TF["u_1_0"])
    for x, branch, want in ((1.0, u[0], u[0]), (1.0, u[1], u[1]), (-1.0, u[0] + 10, u[2]), (1.0, u[2], u[3])):
        y, z = f(wb.constant(x))
        _is(y, branch)
        _is(z, want)


def test_a_loop_body_is_one_op_whose_stream_goes_on_across_iterations():
    R.set_seed(1)

    @wb.function
    def f(n):
        first = R.uniform([2])
        acc = wb.zeros([2])
        i = wb.constant(0)
        while i < n:
            acc = acc + R.uniform([2])   # op seed 0 of the body's graph: a kernel of its own
            i += 1
        return first, acc
    u = np.float32(TF["u_1_0"])
    first, acc = f(wb.constant(1))
    _is(first, u[0])
    _is(acc, u[0])
    first, acc = f(wb.constant(2))
    _is(first, u[1])
    _is(acc, u[1] + u[2])
