"""wb.function features a TF 2.21 user meets, as TF 2.21 has them: concrete functions of an
ExtensionType's Spec, the specs a concrete function shows, and tracing rules. The expected
values were read from TF 2.21."""

import numpy as np
import pytest

import workbench as wb


class Masked(wb.experimental.ExtensionType):
    values: wb.Tensor
    mask: wb.Tensor


def _masked_sum():
    @wb.function
    def f(mt):
        return wb.reduce_sum(wb.where(mt.mask, mt.values, 0.0))
    return f


# -- ExtensionType specs -----------------------------------------------------------------
def test_concrete_function_of_an_extension_type_spec_takes_values_of_that_spec():
    f = _masked_sum()
    spec = Masked.Spec(values=wb.TensorSpec([None], wb.float32), mask=wb.TensorSpec([None], wb.bool))
    cf = f.get_concrete_function(spec)
    assert cf.structured_input_signature == ((spec,), {})
    # TF: 4.0, 3.0 (keyword too), and the call of f reuses that trace
    assert float(cf(Masked(wb.constant([1., 2., 3.]), wb.constant([True, False, True])))) == 4.0
    assert float(cf(mt=Masked(wb.constant([1., 2.]), wb.constant([True, True])))) == 3.0
    assert float(f(Masked(wb.constant([1., 2.]), wb.constant([True, True])))) == 3.0
    assert f.experimental_get_tracing_count() == 1
    with pytest.raises(TypeError):   # TF: "Binding inputs to tf.function failed ... Can not cast"
        cf(Masked(wb.constant([[1.]]), wb.constant([[True]])))


def test_extension_type_argument_shows_as_its_spec():
    f = _masked_sum()
    f(Masked(wb.constant([1., 2.]), wb.constant([True, True])))
    assert f.pretty_printed_concrete_signatures() == (
        "Input Parameters:\n"
        "  mt (POSITIONAL_OR_KEYWORD): Masked.Spec(values=TensorSpec(shape=(2,), dtype=wb.float32, name=None), "
        "mask=TensorSpec(shape=(2,), dtype=wb.bool, name=None))\n"
        "Output Type:\n  TensorSpec(shape=(), dtype=wb.float32, name=None)\nCaptures:\n  None")


# -- what a concrete function shows ------------------------------------------------------
def test_structured_input_signature_names_specs_after_their_parameters():
    @wb.function
    def f(x, pair, n=2, *, k=None):
        return x * n + pair[0] + pair[1]
    cf = f.get_concrete_function(wb.constant([1.0]), (wb.TensorSpec([None]), wb.TensorSpec([1])))
    # TF 2.21: name='x', 'pair_0', 'pair_1'; the defaults n=2 and k=None are bound
    assert cf.structured_input_signature == (
        (wb.TensorSpec([1], wb.float32, "x"),
         (wb.TensorSpec([None], wb.float32, "pair_0"), wb.TensorSpec([1], wb.float32, "pair_1")), 2),
        {"k": None})
    assert [s.name for s in cf.structured_input_signature[0][1]] == ["pair_0", "pair_1"]
    assert f.pretty_printed_concrete_signatures() == (
        "Input Parameters:\n"
        "  x (POSITIONAL_OR_KEYWORD): TensorSpec(shape=(1,), dtype=wb.float32, name=None)\n"
        "  pair (POSITIONAL_OR_KEYWORD): Tuple[TensorSpec(shape=(None,), dtype=wb.float32, name=None), "
        "TensorSpec(shape=(1,), dtype=wb.float32, name=None)]\n"
        "  n (POSITIONAL_OR_KEYWORD): Literal[2]\n"
        "  k (KEYWORD_ONLY): Literal[None]\n"
        "Output Type:\n  TensorSpec(shape=(None,), dtype=wb.float32, name=None)\nCaptures:\n  None")

    @wb.function
    def g(d):
        return d["a"] + d["b"]
    pos, _ = g.get_concrete_function({"b": wb.TensorSpec([None]), "a": wb.TensorSpec([2])}).structured_input_signature
    assert pos[0]["a"].name == "d_a" and pos[0]["b"].name == "d_b"


def test_output_shapes_and_dtypes():
    @wb.function(input_signature=[wb.TensorSpec([None, None], wb.float32), wb.TensorSpec(None, wb.int32)])
    def f(x, y):
        return {"a": x * 2.0, "b": wb.reduce_sum(x, axis=1)}, y
    cf = f.get_concrete_function()
    # TF 2.21: ({'a': TensorShape([None, None]), 'b': TensorShape([None])}, TensorShape(None))
    shapes = cf.output_shapes
    assert shapes[0]["a"].as_list() == [None, None] and shapes[0]["b"].as_list() == [None]
    assert shapes[1].rank is None
    assert cf.output_dtypes == ({"a": wb.float32, "b": wb.float32}, wb.int32)
    assert cf.structured_input_signature[0][0].name == "x"

    @wb.function
    def g(x):
        return wb.reduce_sum(x), wb.reduce_mean(x, axis=-1), wb.reduce_max(x, keepdims=True)
    # TF 2.21: (TensorShape([]), TensorShape([None]), TensorShape([1, 1]))
    assert [s.as_list() for s in g.get_concrete_function(wb.TensorSpec([None, 3])).output_shapes] == [
        [], [None], [1, 1]]


def test_get_concrete_function_of_narrower_specs_returns_the_traced_one():
    @wb.function
    def f(x):
        return wb.reshape(x, [-1])
    wide = f.get_concrete_function(wb.TensorSpec([None, None]))
    narrow = f.get_concrete_function(wb.TensorSpec([None, 4]))
    # TF 2.21: one trace; the second concrete function is the first, specs (None, None)
    assert narrow is wide and f.experimental_get_tracing_count() == 1
    assert narrow.structured_input_signature[0][0].shape.as_list() == [None, None]
    f.get_concrete_function(wb.TensorSpec([2]))
    assert f.experimental_get_tracing_count() == 2


# -- tracing rules -----------------------------------------------------------------------
def test_defaults_are_bound_so_calls_with_and_without_them_share_a_trace():
    @wb.function
    def f(x, n=2, *, k=None):
        return x * n
    x = wb.constant(1.0)
    counts = []
    for call in (lambda: f(x), lambda: f(x, 2), lambda: f(x, n=2), lambda: f(x, k=None), lambda: f(x, 3)):
        call()
        counts.append(f.experimental_get_tracing_count())
    assert counts == [1, 1, 1, 1, 2]   # TF 2.21

    @wb.function
    def h(x, *rest, scale=1.0):
        return x * scale
    h(x)
    h(x, scale=1.0)
    assert h.experimental_get_tracing_count() == 1
    assert "scale (KEYWORD_ONLY): Literal[1.0]" in h.pretty_printed_concrete_signatures()


# -- writes a trace TF would not run -----------------------------------------------------
def test_table_writes_in_traces_tf_does_not_run_are_not_made():
    t = wb.lookup.experimental.MutableHashTable(key_dtype=wb.string, value_dtype=wb.int64, default_value=-1)

    @wb.function
    def insert(k, v):
        t.insert(k, v)
        return t.size()
    insert.get_concrete_function(wb.TensorSpec([None], wb.string), wb.TensorSpec([None], wb.int64))
    assert int(t.size()) == 0   # TF 2.21: 0 (the stand-in keys were not inserted)
    assert int(insert(wb.constant(["x"]), wb.constant([5], wb.int64))) == 1

    @wb.function
    def branch(flag):
        if flag:
            t.insert(wb.constant(["a"]), wb.constant([1], wb.int64))
        else:
            t.remove(wb.constant(["x"]))
        return t.size()
    # TF 2.21: 2 [1 5], then 1 [1 -1]: the branch not taken neither removes nor inserts
    assert int(branch(wb.constant(True))) == 2
    np.testing.assert_array_equal(t.lookup(wb.constant(["a", "x"])).numpy(), [1, 5])
    assert int(branch(wb.constant(False))) == 1
    np.testing.assert_array_equal(t.lookup(wb.constant(["a", "x"])).numpy(), [1, -1])

    d = wb.lookup.experimental.DenseHashTable(key_dtype=wb.int64, value_dtype=wb.int64, default_value=-1,
                                              empty_key=0, deleted_key=-1)

    @wb.function
    def dense_insert(k):
        d.insert(k, k * 10)
        return d.size()
    # the stand-in keys (zeros) are the empty key: inserting them would raise; TF does not run them
    dense_insert.get_concrete_function(wb.TensorSpec([None], wb.int64))
    assert int(d.size()) == 0
    assert int(dense_insert(wb.constant([3, 4], wb.int64))) == 2


def _summary_tags(folder):
    from tensorboard.compat.proto import event_pb2
    from tensorboard.compat.tensorflow_stub import errors, pywrap_tensorflow
    tags = []
    for path in folder.iterdir():
        reader = pywrap_tensorflow.PyRecordReader_New(str(path))
        while True:
            try:
                reader.GetNext()
            except errors.OutOfRangeError:
                break
            tags += [(v.tag, e.step) for e in [event_pb2.Event.FromString(reader.record())] for v in e.summary.value]
    return sorted(tags)


def test_summary_writes_in_traces_tf_does_not_run_are_not_made(tmp_path):
    pytest.importorskip("tensorboard")
    writer = wb.summary.create_file_writer(str(tmp_path))

    @wb.function
    def write(x, flag):
        if flag:
            wb.summary.scalar("a", x, step=1)
        else:
            wb.summary.scalar("b", x, step=2)
        return x
    with writer.as_default():
        write.get_concrete_function(wb.TensorSpec([]), wb.TensorSpec([], wb.bool))
        write(wb.constant(1.0), wb.constant(True))
        write(wb.constant(1.0), wb.constant(True))
    writer.flush()
    assert _summary_tags(tmp_path) == [("a", 1), ("a", 1)]   # TF 2.21 (with tf.summary.write)


def test_summary_writes_replay_with_the_writer_of_their_trace(tmp_path):
    pytest.importorskip("tensorboard")
    writer = wb.summary.create_file_writer(str(tmp_path))

    @wb.function
    def my_func(step, flag):   # TF's summary guide: the writer is made the default inside
        with writer.as_default():
            if flag:
                wb.summary.scalar("a", 0.5, step=step)
            else:
                wb.summary.scalar("b", 0.5, step=step)
    for step in range(4):
        my_func(wb.constant(step, wb.int64), wb.constant(step % 2 == 0))
    writer.flush()
    # TF 2.21 (with tf.summary.write): every call writes, each with its step
    assert _summary_tags(tmp_path) == [("a", 0), ("a", 2), ("b", 1), ("b", 3)]
    assert my_func.experimental_get_tracing_count() == 1


def test_python_numbers_are_keyed_by_value_as_tf_literals():
    seen = []

    @wb.function
    def f(x):
        seen.append(repr(x))
        return x
    counts = []
    for v in [1, 1, 2, 1.0, True, wb.constant(1), wb.constant(2), 2.0, False, 0]:
        f(v)
        counts.append(f.experimental_get_tracing_count())
    # TF 2.21: 1 == 1.0 == True share a trace, as do 2 and 2.0, False and 0
    assert counts == [1, 1, 2, 2, 2, 3, 3, 3, 4, 4]
    assert seen[:2] + seen[3:] == ["1", "2", "False"]


def test_a_first_call_that_builds_variables_counts_two_traces():
    class M(wb.Module):
        def __init__(self):
            super().__init__()
            self.v = None

        @wb.function
        def __call__(self, x):
            if self.v is None:
                self.v = wb.Variable(2.0)
            return x * self.v
    m1, m2 = M(), M()
    assert [float(m1(wb.constant(1.0))), float(m2(wb.constant(3.0))), float(m1(wb.constant(2.0)))] == [2.0, 6.0, 4.0]
    # TF 2.21: each instance its own function, its first call traced twice (2, 2); a new shape: 3
    assert (m1.__call__.experimental_get_tracing_count(), m2.__call__.experimental_get_tracing_count()) == (2, 2)
    m1(wb.constant([1.0]))
    assert m1.__call__.experimental_get_tracing_count() == 3
    m3 = M()   # get_concrete_function builds the variables: TF 2.21 counts 2, then calls of that spec add none
    m3.__call__.get_concrete_function(wb.TensorSpec([]))
    assert m3.__call__.experimental_get_tracing_count() == 2 and float(m3.v) == 2.0
    assert float(m3(wb.constant(3.0))) == 6.0 and m3.__call__.experimental_get_tracing_count() == 2


def test_reduce_retracing_widens_to_an_unknown_rank_when_the_rank_changes():
    g = wb.function(lambda x: x + 1, reduce_retracing=True)
    counts = []
    for shape in ([2], [3], [4], [2, 2], [3, 3]):
        g(wb.ones(shape))
        counts.append(g.experimental_get_tracing_count())
    assert counts == [1, 2, 2, 3, 3]   # TF 2.21
    shown = [c.structured_input_signature[0][0].shape for c in g._concrete.values()]
    assert [None if s.rank is None else s.as_list() for s in shown] == [[2], [None], None]
    relaxed = wb.function(lambda x: x + 1, experimental_relax_shapes=True)   # TF's older name
    for shape in ([2], [3], [4]):
        relaxed(wb.ones(shape))
    assert relaxed.experimental_get_tracing_count() == 2


# -- function_spec -----------------------------------------------------------------------
def test_function_spec_as_tf():
    @wb.function(input_signature=[wb.TensorSpec([None])])
    def f(a, b=1, *args, c=2, **kw):
        return a

    @wb.function(jit_compile=True)
    def h(a, b=1, *args, c=2, **kw):
        return a

    class M(wb.Module):
        @wb.function
        def g(self, x, y=3):
            return x
    # TF 2.21's values
    fs = f.function_spec
    assert str(fs.fullargspec) == ("FullArgSpec(args=['a', 'b'], varargs=None, varkw=None, defaults=(1,), "
                                   "kwonlyargs=['c'], kwonlydefaults={'c': 2}, annotations={})")
    assert fs.arg_names == ["a", "b"] and fs.default_values == {"b": 1, "c": 2}
    assert fs.input_signature == (wb.TensorSpec([None]),) and fs.jit_compile is None and fs.is_pure is False
    assert fs.signature_summary(True) == (
        "Input Parameters:\n"
        "  a (POSITIONAL_ONLY): TensorSpec(shape=(None,), dtype=wb.float32, name=None)\n"
        "  b (POSITIONAL_ONLY): Literal[1]\n"
        "  c (KEYWORD_ONLY): Literal[2]\n"
        "Output Type:\n  None\nCaptures:\n  None\nDefaults:\n  b: 1\n  c: 2")
    hs = h.function_spec
    assert str(hs.fullargspec) == ("FullArgSpec(args=['a', 'b'], varargs='args', varkw='kw', defaults=(1,), "
                                   "kwonlyargs=['c'], kwonlydefaults={'c': 2}, annotations={})")
    assert hs.jit_compile is True and hs.flat_input_signature == (None,)
    assert "  args (VAR_POSITIONAL): None\n" in hs.signature_summary()
    assert M().g.function_spec.arg_names == ["x", "y"] and M.g.function_spec.arg_names == ["self", "x", "y"]


def test_a_sparse_argument_shows_as_its_spec():
    @wb.function
    def f(sp):
        return wb.sparse.reduce_sum(sp, axis=1)
    sp = wb.sparse.SparseTensor([[0, 1], [1, 2]], [1.0, 2.0], [2, 3])
    np.testing.assert_array_equal(f(sp).numpy(), [1.0, 2.0])
    assert ("  sp (POSITIONAL_OR_KEYWORD): SparseTensorSpec(TensorShape([2, 3]), wb.float32)\n"
            in f.pretty_printed_concrete_signatures())   # TF 2.21


# -- autograph ---------------------------------------------------------------------------
def test_break_and_continue_in_loops_over_tensors():
    @wb.function
    def both(x):
        s = wb.constant(0)
        for i in wb.range(x):
            if i == 3:
                continue
            if i > 6:
                break
            s += i
        return s

    @wb.function
    def rows(x):
        s = wb.constant(0.0)
        for row in x:
            if wb.reduce_sum(row) < 0:
                continue
            s += wb.reduce_sum(row)
        return s

    @wb.function
    def counting(n):
        i = wb.constant(0)
        while i < n:
            i += 1
            if i % 2 == 0:
                continue
            if i > 7:
                break
        return i
    # TF 2.21: 18, 6.0, 9
    assert int(both(wb.constant(10))) == 18
    assert float(rows(wb.constant([[1.0, 2.0], [-5.0, 1.0], [3.0, 0.0]]))) == 6.0
    assert int(counting(wb.constant(20))) == 9


def test_a_return_inside_a_loop_over_tensors_is_tf_error():
    @wb.function
    def in_for(x):
        for i in wb.range(x):
            if i * i > 10:
                return i
        return -1

    @wb.function
    def in_while(x):
        while x > 0:
            x -= 1
            if x == 5:
                return x * 10
        return x

    @wb.function
    def in_python_loop(x, n):
        for i in range(n):   # a Python loop may return
            if i == 2:
                return x * i
        return x
    for f in (in_for, in_while):
        with pytest.raises(NotImplementedError, match="a return statement cannot be placed inside this "
                                                      "TensorFlow loop"):   # TF 2.21's error
            f(wb.constant(9))
    assert float(in_python_loop(wb.constant(3.0), 5)) == 6.0


def test_get_concrete_function_of_a_body_that_indexes_past_size_one():
    @wb.function
    def f(x):
        return wb.gather(x, [0, 0, 1], axis=1)
    cf = f.get_concrete_function(wb.TensorSpec([None, None, 4]))
    assert cf.output_shapes.as_list() == [None, 3, 4]   # TF 2.21 (TF's trace runs nothing)
    np.testing.assert_array_equal(cf(wb.reshape(wb.range(8.0), [1, 2, 4])).numpy()[0, 2], [4.0, 5.0, 6.0, 7.0])

    @wb.function
    def g(x):
        return wb.squeeze(x, axis=2)
    with pytest.raises(ValueError, match="squeeze"):   # TF 2.21: a ValueError too (its error, at size 1)
        g.get_concrete_function(wb.TensorSpec([None, None, 4]))


# -- saved functions with defaults -------------------------------------------------------
def test_a_saved_method_with_defaults_keeps_its_traces(tmp_path):
    pytest.importorskip("onnx")

    class M(wb.Module):
        def __init__(self):
            super().__init__()
            self.w = wb.Variable(2.0)

        @wb.function
        def __call__(self, x, training=False, *, scale=1.0):
            return x * self.w * scale
    m = M()
    m(wb.constant([1.0, 2.0]))   # the trace binds training=False and scale=1.0, as TF's
    cf = m.__call__.get_concrete_function(wb.TensorSpec([None], wb.float32))
    wb.saved_model.save(m, str(tmp_path), signatures=cf)
    loaded = wb.saved_model.load(str(tmp_path))
    np.testing.assert_array_equal(loaded(wb.constant([1.0, 2.0])).numpy(), [2.0, 4.0])
    np.testing.assert_array_equal(loaded.signatures["serving_default"](x=wb.constant([1.0, 2.0, 3.0]))["output_0"]
                                  .numpy(), [2.0, 4.0, 6.0])


def test_input_signature_with_a_sparse_spec():
    @wb.function(input_signature=[wb.SparseTensorSpec([None, 3], wb.float32)])
    def f(sp):
        return wb.sparse.reduce_sum(sp, axis=1)
    sp = wb.sparse.SparseTensor([[0, 1], [1, 2]], [1.0, 2.0], [2, 3])
    sp3 = wb.sparse.SparseTensor([[0, 1], [2, 2], [1, 0]], [1.0, 2.0, 4.0], [3, 3])
    # TF 2.21: [1 2], [1 4 2], one trace; the concrete function takes sparse values of the spec
    np.testing.assert_array_equal(f(sp).numpy(), [1.0, 2.0])
    np.testing.assert_array_equal(f(sp3).numpy(), [1.0, 4.0, 2.0])
    assert f.experimental_get_tracing_count() == 1
    cf = f.get_concrete_function()
    assert cf.structured_input_signature == ((wb.SparseTensorSpec([None, 3], wb.float32),), {})
    np.testing.assert_array_equal(cf(sp3).numpy(), [1.0, 4.0, 2.0])
    assert "  sp (POSITIONAL_OR_KEYWORD): SparseTensorSpec(TensorShape([None, 3]), wb.float32)\n" in (
        f.pretty_printed_concrete_signatures())
    with pytest.raises(TypeError):   # TF 2.21: TypeError (binding a dense tensor)
        f(wb.constant([[1.0, 2.0, 3.0]]))


def test_nested_dict_input_signature():
    @wb.function(input_signature=[{"a": wb.TensorSpec([None], wb.float32), "b": {"c": wb.TensorSpec([2], wb.int32)}}])
    def f(d):
        return d["a"] * 2.0, d["b"]["c"] + 1
    a, c = f({"a": wb.constant([1.0, 2.0]), "b": {"c": wb.constant([1, 2])}})
    assert a.numpy().tolist() == [2.0, 4.0] and c.numpy().tolist() == [2, 3]   # TF 2.21
    (d,), _ = f.get_concrete_function().structured_input_signature
    assert d["a"].name == "d_a" and d["b"]["c"].name == "d_b_c"   # TF 2.21's names


def test_saving_a_function_with_two_open_dimensions_keeps_both_open(tmp_path):
    pytest.importorskip("onnx")

    class M(wb.Module):
        @wb.function(input_signature=[wb.TensorSpec([None, None])])
        def f(self, x):
            return x * 2.0
    # TF 2.21 saves it with every None dimension kept; so does the ONNX graph
    wb.saved_model.save(M(), str(tmp_path))
    loaded = wb.saved_model.load(str(tmp_path))
    assert loaded.f(wb.ones([2, 3])).shape == (2, 3) and loaded.f(wb.ones([4, 5])).numpy().max() == 2.0


def test_get_concrete_function_keeps_the_names_given_to_specs():
    @wb.function
    def f(x, pair):
        return x + pair[0] + pair[1]
    cf = f.get_concrete_function(wb.constant([1.0]), (wb.TensorSpec([None]), wb.TensorSpec([1], name="given")))
    # TF 2.21: the given name stays, in the signature and in the printed one
    assert [s.name for s in cf.structured_input_signature[0][1]] == ["pair_0", "given"]
    assert "TensorSpec(shape=(1,), dtype=wb.float32, name='given')]" in f.pretty_printed_concrete_signatures()


def test_concrete_function_outputs_and_captured_variables():
    w, b = wb.Variable(2.0, name="w"), wb.Variable(1.0, trainable=False, name="b")

    @wb.function
    def f(x, v):
        return {"y": x * w + b, "z": v * 2.0}
    cf = f.get_concrete_function(wb.TensorSpec([None]), wb.Variable(3.0))
    # TF 2.21: outputs in the flat order of the result; the captured variables, not the argument
    assert [(o.shape.as_list(), o.dtype) for o in cf.outputs] == [([None], wb.float32), ([], wb.float32)]
    assert sorted(v.name for v in cf.variables) == ["b:0", "w:0"]
    assert [v.name for v in cf.trainable_variables] == ["w:0"]
