"""wb.TensorShape, wb.TensorSpec, wb.RaggedTensorSpec and wb.function's input_signature,
pinned against TF 2's documented behaviour."""

import pickle

import numpy as np
import pytest

import ragged
import workbench as wb
from workbench.tensor_shape import TensorShape


# -- TensorShape -------------------------------------------------------------------
def test_shape_of_tensors_variables_and_ragged_is_a_tensorshape():
    x = wb.ones([2, 3])
    assert isinstance(x.shape, wb.TensorShape)
    assert isinstance(wb.Variable(x).shape, wb.TensorShape)
    rt = ragged.constant([[1.0, 2.0], [3.0]])
    assert isinstance(rt.shape, wb.TensorShape)
    assert rt.shape.as_list() == [2, None]
    assert repr(rt.shape) == "TensorShape([2, None])"


def test_tensorshape_behaves_as_a_tuple():
    s = wb.ones([2, 3]).shape
    assert s == (2, 3) and s == [2, 3] and s != (3, 2) and (2, 3) == s
    assert np.zeros(s).shape == (2, 3)
    a, b = s
    assert (a, b) == (2, 3) and s[-1] == 3 and isinstance(s[0], int)
    assert {(2, 3): "x"}[s] == "x" and hash(s) == hash((2, 3))
    assert s + (4,) == (2, 3, 4) and isinstance(s + (4,), wb.TensorShape)
    assert (1,) + s == TensorShape([1, 2, 3])
    assert pickle.loads(pickle.dumps(s)) == s
    assert repr(s) == "TensorShape([2, 3])" and str(s) == "(2, 3)"
    assert str(TensorShape([5])) == "(5,)" and str(TensorShape([])) == "()"


def test_rank_dims_as_list_and_slicing():
    s = TensorShape([None, 3, 4])
    assert s.rank == s.ndims == 3 and len(s) == 3
    assert s.as_list() == [None, 3, 4] and [d.value for d in s.dims] == [None, 3, 4]   # dims: Dimension objects
    assert s[0] is None and s[1] == 3
    assert s[1:] == TensorShape([3, 4]) and isinstance(s[1:], wb.TensorShape)
    assert TensorShape(3) == TensorShape([3])  # a single int is one dimension, as in TF
    with pytest.raises(ValueError):
        TensorShape([-1])
    with pytest.raises(TypeError):
        TensorShape(["a"])


def test_unknown_rank():
    u = TensorShape(None)
    assert u.rank is None and u.ndims is None and u.dims is None
    assert repr(u) == "TensorShape(None)" and str(u) == "<unknown>"
    with pytest.raises(ValueError, match="as_list"):
        u.as_list()
    with pytest.raises(ValueError, match="unknown rank"):
        len(u)
    assert u == TensorShape(None) and u != TensorShape([])
    assert u[0] is None and u[1:] == TensorShape(None)
    assert not u.is_fully_defined() and u.num_elements() is None
    assert u.is_compatible_with([1, 2]) and TensorShape([1, 2]).is_compatible_with(u)
    assert u.merge_with([1, None]) == [1, None]
    assert u.with_rank(2) == TensorShape([None, None])
    assert pickle.loads(pickle.dumps(u)).rank is None
    assert not u and TensorShape([])


def test_compatibility_and_merging_as_tf_documents():
    # TF's docs: TensorShape([32, None]) is compatible with [32, 784] and [None, 784]...
    s = TensorShape([32, None])
    assert s.is_compatible_with([32, 784]) and s.is_compatible_with([None, 784])
    assert s.is_compatible_with(TensorShape(None))
    assert not s.is_compatible_with([32, 784, 1]) and not s.is_compatible_with([64, 784])
    assert TensorShape([None, 3]).merge_with([2, None]) == [2, 3]
    with pytest.raises(ValueError, match=r"Shapes \(2, 3\) and \(2, 4\) are not compatible"):
        TensorShape([2, 3]).merge_with([2, 4])
    with pytest.raises(ValueError, match="incompatible"):
        TensorShape([2, 3]).assert_is_compatible_with([3])
    assert TensorShape([1, 2]).concatenate([None]) == [1, 2, None]
    assert TensorShape([1, 2]).concatenate(TensorShape(None)).rank is None
    assert TensorShape([2, 3]).most_specific_compatible_shape([2, 4]) == [2, None]
    assert TensorShape([2, 3]).most_specific_compatible_shape([2]).rank is None


def test_fully_defined_num_elements_and_rank_checks():
    assert TensorShape([2, 3]).is_fully_defined() and TensorShape([2, 3]).num_elements() == 6
    assert TensorShape([]).num_elements() == 1
    assert not TensorShape([None, 3]).is_fully_defined()
    assert TensorShape([None, 3]).num_elements() is None
    assert TensorShape([2, 3]).with_rank(2) == (2, 3)
    with pytest.raises(ValueError, match="must have rank 3"):
        TensorShape([2, 3]).with_rank(3)
    assert bool(TensorShape([]))  # TF: a known rank is information, even for a scalar


# -- TensorSpec and RaggedTensorSpec ----------------------------------------------------
def test_tensorspec_compatibility_equality_and_repr():
    spec = wb.TensorSpec([None, 3], wb.float32, name="x")
    assert spec.shape == TensorShape([None, 3]) and spec.dtype == wb.float32 and spec.name == "x"
    assert spec.is_compatible_with(wb.ones([5, 3])) and spec.is_compatible_with(np.ones((1, 3), "float32"))
    assert not spec.is_compatible_with(wb.ones([5, 4]))
    assert not spec.is_compatible_with(wb.ones([5, 3], dtype=wb.int32))
    assert spec.is_compatible_with(wb.TensorSpec([2, 3]))
    assert wb.TensorSpec(None).is_compatible_with(wb.ones([2, 2, 2]))
    assert repr(spec) == "TensorSpec(shape=(None, 3), dtype=wb.float32, name='x')"
    assert repr(wb.TensorSpec([])) == "TensorSpec(shape=(), dtype=wb.float32, name=None)"
    assert spec == wb.TensorSpec((None, 3), "float32", "x") and spec != wb.TensorSpec([None, 3])
    assert len({spec, wb.TensorSpec((None, 3), "float32", "x")}) == 1
    assert wb.TensorSpec.from_tensor(wb.ones([2], dtype=wb.int64)) == wb.TensorSpec([2], wb.int64)
    assert pickle.loads(pickle.dumps(spec)) == spec
    assert wb.TensorSpec([2, 3]).most_specific_common_supertype([wb.TensorSpec([2, 4])]) == \
        wb.TensorSpec([2, None])
    assert wb.TensorSpec([2]).most_specific_common_supertype([wb.TensorSpec([2], wb.int32)]) is None
    assert wb.TensorSpec([2, 3]).is_subtype_of(wb.TensorSpec([None, 3]))
    assert not wb.TensorSpec([None, 3]).is_subtype_of(wb.TensorSpec([2, 3]))


def test_raggedtensorspec():
    rt = ragged.constant([[1.0, 2.0], [3.0]])
    spec = wb.RaggedTensorSpec([None, None], wb.float32, ragged_rank=1)
    assert spec.is_compatible_with(rt) and spec.ragged_rank == 1 and spec.row_splits_dtype == np.int64
    assert not spec.is_compatible_with(ragged.constant([[1, 2], [3]]))        # int32 values
    assert not spec.is_compatible_with(rt.with_row_splits_dtype(np.int32))
    assert not wb.TensorSpec([2, None]).is_compatible_with(rt)
    assert wb.RaggedTensorSpec.from_value(rt) == wb.RaggedTensorSpec([2, None], wb.float32, 1, np.int64)
    assert wb.RaggedTensorSpec([2, None, 3]).ragged_rank == 2   # default: rank - 1
    assert repr(spec) == "RaggedTensorSpec(TensorShape([None, None]), wb.float32, 1, wb.int64)"
    with pytest.raises(ValueError, match="ragged_rank"):
        wb.RaggedTensorSpec(None, wb.float32)


def test_ragged_tensor_is_exposed_at_the_top_level_as_tf_ragged_tensor():
    assert wb.RaggedTensor is ragged.RaggedTensor
    rt = wb.RaggedTensor.from_row_splits(wb.constant([1.0, 2.0, 3.0]), [0, 2, 3])
    assert isinstance(rt, wb.RaggedTensor) and rt.to_list() == [[1.0, 2.0], [3.0]]
    assert wb.RaggedTensorSpec.from_value(rt).is_compatible_with(rt)


# -- wb.function: input_signature, reduce_retracing, concrete functions ---------------
def _collatz():
    traces = []

    @wb.function(input_signature=(wb.TensorSpec(shape=[None], dtype=wb.int32),))
    def next_collatz(x):
        traces.append(x.shape)
        return wb.where(x % 2 == 0, x // 2, 3 * x + 1)
    return next_collatz, traces


def test_input_signature_one_concrete_function_serves_every_allowed_shape():
    f, _ = _collatz()
    np.testing.assert_array_equal(f(wb.constant([1, 2])).numpy(), [4, 1])
    np.testing.assert_array_equal(f(wb.constant([1, 2, 3, 4])).numpy(), [4, 1, 10, 2])
    np.testing.assert_array_equal(f(x=wb.constant([5])).numpy(), [16])
    np.testing.assert_array_equal(f([3, 6]).numpy(), [10, 3])    # converted to the spec's dtype
    assert f.experimental_get_tracing_count() == 1
    assert f.input_signature == (wb.TensorSpec([None], wb.int32),)


def test_input_signature_refuses_what_does_not_fit_as_tf():
    f, _ = _collatz()
    with pytest.raises(TypeError, match=r"Can not cast TensorSpec\(shape=\(2,\), dtype=wb.float32.*"
                                        r"to TensorSpec\(shape=\(None,\), dtype=wb.int32.*'x'"):
        f(wb.constant([1.0, 2.0]))
    with pytest.raises(TypeError, match=r"Can not cast TensorSpec\(shape=\(2, 2\)"):
        f(wb.constant([[1, 2], [3, 4]]))
    with pytest.raises(TypeError, match="too many positional arguments"):
        f(wb.constant([1]), wb.constant([2]))
    with pytest.raises(TypeError, match="missing required arguments"):
        f()
    with pytest.raises(TypeError, match="input_signature"):
        wb.function(lambda x: x, input_signature=[wb.ones([2])])


def test_traced_results_equal_eager_bitwise_under_a_signature():
    @wb.function(input_signature=[wb.TensorSpec([None, 3], wb.float32)])
    def f(x):
        return wb.reduce_sum(wb.tanh(x) * 3.0 + x ** 2, axis=1)
    rng = np.random.default_rng(0)
    for n in (2, 5, 2):
        x = wb.constant(rng.standard_normal((n, 3)).astype("float32"))
        np.testing.assert_array_equal(f(x).numpy(), f.python_function(x).numpy())
    assert f.experimental_get_tracing_count() == 1


def test_reduce_retracing_generalizes_the_dims_that_differ():
    @wb.function(reduce_retracing=True)
    def g(x):
        return x * 2.0
    for n in (1, 2, 3, 4):
        np.testing.assert_array_equal(g(wb.ones([n, 3])).numpy(), np.full((n, 3), 2.0, "float32"))
    assert g.experimental_get_tracing_count() == 2      # (1, 3), then (None, 3) for the rest
    shapes = [c.structured_input_signature[0][0].shape for c in g._concrete.values()]
    assert shapes == [TensorShape([1, 3]), TensorShape([None, 3])]
    g(wb.ones([2, 3, 1]))                               # another rank: a new trace
    assert g.experimental_get_tracing_count() == 3

    @wb.function
    def plain(x):
        return x * 2.0
    for n in (1, 2, 3):
        plain(wb.ones([n, 3]))
    assert plain.experimental_get_tracing_count() == 3


def test_get_concrete_function_from_specs_and_pretty_printed_signatures():
    @wb.function
    def h(a, b=2):
        return a * b
    cf = h.get_concrete_function(wb.TensorSpec([None, 2]))
    # TF 2.21 names the spec after its parameter and binds the default b=2
    assert cf.structured_input_signature == ((wb.TensorSpec([None, 2], name="a"), 2), {})
    np.testing.assert_array_equal(cf(wb.ones([3, 2])).numpy(), np.full((3, 2), 2.0))
    with pytest.raises(TypeError, match="do not fit"):
        cf(wb.ones([3]))
    assert h.experimental_get_tracing_count() == 1
    assert h.pretty_printed_concrete_signatures() == (
        "Input Parameters:\n"
        "  a (POSITIONAL_OR_KEYWORD): TensorSpec(shape=(None, 2), dtype=wb.float32, name=None)\n"
        "  b (POSITIONAL_OR_KEYWORD): Literal[2]\n"
        "Output Type:\n"
        "  TensorSpec(shape=(None, 2), dtype=wb.float32, name=None)\n"
        "Captures:\n"
        "  None")
    f, _ = _collatz()
    assert f.get_concrete_function().structured_input_signature[0] == (wb.TensorSpec([None], wb.int32, "x"),)


def test_a_tensor_leaked_out_of_a_function_raises_as_tf():
    leaked = []

    @wb.function
    def leaky(a):
        leaked.append(a + 1)
        return a + 2
    assert float(leaky(wb.constant(1.0))) == 3.0
    with pytest.raises(AttributeError, match="'SymbolicTensor' object has no attribute 'numpy'"):
        leaked[0].numpy()
    with pytest.raises(TypeError, match="out of scope"):
        wb.exp(leaked[0])


def test_a_variable_created_on_a_later_trace_raises():
    @wb.function
    def make(x):
        return wb.Variable(1.0) + x
    # nothing keeps the variable, so TF's second trace on the first call would create another:
    # the first call raises, as in TF 2.21 (a variable kept by a module is a lazy build, allowed)
    with pytest.raises(ValueError, match="only supports singleton tf.Variables created on the first call"):
        make(wb.constant(1.0))
    kept = []

    @wb.function
    def make_new(x):
        kept.append(wb.Variable(1.0))
        return kept[-1] + x
    make_new(wb.constant(1.0))      # the first call may create variables (a lazy build)
    with pytest.raises(ValueError, match="only supports singleton tf.Variables created on the first call"):
        make_new(wb.constant(1.0))


# -- Dataset.element_spec ------------------------------------------------------------
def test_dataset_element_spec():
    ds = wb.data.Dataset.from_tensor_slices((np.arange(6), np.ones((6, 3), "float32")))
    assert ds.element_spec == (wb.TensorSpec([], wb.int64), wb.TensorSpec([3], wb.float32))
    assert ds.batch(4).element_spec == (wb.TensorSpec([None], wb.int64),
                                        wb.TensorSpec([None, 3], wb.float32))
    assert ds.batch(3, drop_remainder=True).element_spec[1] == wb.TensorSpec([3, 3], wb.float32)
    assert wb.data.Dataset.range(3).element_spec == wb.TensorSpec([], wb.int64)
    d = wb.data.Dataset.from_tensor_slices({"a": np.zeros((2, 2), "float32")})
    assert d.element_spec == {"a": wb.TensorSpec([2], wb.float32)}
    # known without running anything: empty datasets have TF's spec too, ragged slices TF's rows
    assert wb.data.Dataset.range(0).element_spec == wb.TensorSpec([], wb.int64)
    assert wb.data.Dataset.from_tensor_slices(np.zeros((0, 3), "float32")).element_spec == \
        wb.TensorSpec([3], wb.float32)
    rows = wb.data.Dataset.from_tensor_slices(wb.ragged.constant([[1], [2, 3]]))
    assert rows.element_spec == wb.RaggedTensorSpec([None], wb.int32, 0)
    assert [r.numpy().tolist() for r in rows] == [[1], [2, 3]]
    nested = wb.data.Dataset.from_tensor_slices(wb.ragged.constant([[[1]], [[2, 3], [4]]]))
    assert nested.element_spec == wb.RaggedTensorSpec([None, None], wb.int32, 1)
    assert wb.data.Dataset.range(0).map(lambda x: wb.strings.as_string(x)).element_spec == \
        wb.TensorSpec([], wb.string)


def test_input_signature_on_a_method_describes_the_arguments_after_self():
    class Scale(wb.Module):
        def __init__(self):
            super().__init__()
            self.w = wb.Variable(2.0)

        @wb.function(input_signature=[wb.TensorSpec([None], wb.float32)])
        def __call__(self, x):
            return x * self.w
    m = Scale()
    np.testing.assert_array_equal(m(wb.ones([3])).numpy(), [2.0, 2.0, 2.0])
    np.testing.assert_array_equal(m(wb.ones([5])).numpy(), np.full(5, 2.0, "float32"))
    assert m.__call__.experimental_get_tracing_count() == 1   # the instance's function (TF: one per instance)
    with pytest.raises(TypeError, match="'x'"):
        m(wb.ones([2, 2]))
    cf = m.__call__.get_concrete_function()
    assert cf.structured_input_signature == ((wb.TensorSpec([None], wb.float32, "x"),), {})   # TF: named x
    assert "  x (POSITIONAL_OR_KEYWORD): TensorSpec(shape=(None,)" in cf.pretty_printed_signature()


def test_a_variable_keeps_the_shape_it_was_created_with():
    v = wb.Variable([1.0, 2.0], shape=wb.TensorShape(None))   # TF's variables guide
    assert v.shape.rank is None
    v.assign([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(v.numpy(), [1.0, 2.0, 3.0])
    w = wb.Variable([1.0, 2.0], shape=[None])
    assert w.shape == TensorShape([None])
    w.assign([4.0, 5.0, 6.0])
    with pytest.raises(ValueError, match="does not fit"):
        w.assign([[1.0]])
    with pytest.raises(ValueError, match="does not fit"):
        wb.Variable([1.0, 2.0], shape=[3])
    with pytest.raises(ValueError, match="shape"):
        wb.Variable([1.0, 2.0]).assign([1.0, 2.0, 3.0])
    assert wb.Variable([1.0, 2.0]).shape == (2,)


def test_get_shape_and_set_shape():
    x = wb.ones([2, 3])
    assert x.get_shape() == (2, 3) and ragged.constant([[1.0], []]).get_shape() == [2, None]
    x.set_shape([None, 3])
    with pytest.raises(ValueError, match=r"Tensor's shape \(2, 3\) is not compatible with supplied shape \(3,\)"):
        x.set_shape([3])


def test_ragged_input_signature():
    @wb.function(input_signature=[wb.RaggedTensorSpec([None, None], wb.float32, 1)])
    def row_sums(rt):
        return wb.reduce_sum(rt, axis=1)
    np.testing.assert_array_equal(row_sums(ragged.constant([[1.0, 2.0], [3.0]])).numpy(), [3.0, 3.0])
    np.testing.assert_array_equal(row_sums(ragged.constant([[1.0, 2.0, 4.0], [3.0], [5.0]])).numpy(),
                                  [7.0, 3.0, 5.0])
    assert row_sums.experimental_get_tracing_count() == 1
    with pytest.raises(TypeError, match="Can not cast RaggedTensorSpec"):
        row_sums(ragged.constant([[1, 2], [3]]))


def test_concrete_functions_as_tf_documents():
    # tf.types.experimental.GenericFunction.get_concrete_function's examples
    @wb.function(input_signature=[wb.TensorSpec(None, wb.float32)])
    def f(x):
        return x
    c = f.get_concrete_function()
    assert float(c(wb.constant(1.0))) == 1.0 and float(c(x=wb.constant(1.0))) == 1.0
    assert c(wb.ones([2, 2])).shape == (2, 2) and f.experimental_get_tracing_count() == 1
    assert repr(wb.TensorSpec(None)) == "TensorSpec(shape=<unknown>, dtype=wb.float32, name=None)"

    @wb.function
    def g(x):
        return x
    gc = g.get_concrete_function(x=wb.constant(1.0))
    assert float(gc(wb.constant(2.0))) == 2.0 and float(gc(x=wb.constant(3.0))) == 3.0
    g(x=wb.constant(1.0))
    g(wb.constant(1.0))
    assert g.experimental_get_tracing_count() == 1     # keyword and positional share a trace
    assert repr(gc).startswith("<ConcreteFunction (x: TensorSpec(shape=(), dtype=wb.float32, name=None)) -> "
                               "TensorSpec(shape=(), dtype=wb.float32, name=None) at 0x")  # as TF 2.21
    assert str(gc).startswith("ConcreteFunction Input Parameters:\n  x (POSITIONAL_OR_KEYWORD): "
                              "TensorSpec(shape=(), dtype=wb.float32, name=None)")


def test_tf_ragged_module_is_wb_ragged():
    import ragged
    assert wb.ragged is ragged
    assert wb.ragged.constant([[1, 2], [3]]).row_lengths().numpy().tolist() == [2, 1]


def test_tensor_shape_trace_type_methods():
    # TF 2.21's TraceType answers
    S = wb.TensorShape
    a, b = S([2, None, 3]), S([None, 4, 3])
    assert not a.is_subtype_of(b) and S([2, 4, 3]).is_subtype_of(b) and S([1]).is_subtype_of(S(None))
    assert not S(None).is_subtype_of(S([1])) and not S([1]).is_subtype_of([1])
    assert a.most_specific_common_supertype([b]) == S([None, None, 3])
    assert S([2, 3]).most_specific_common_supertype([S([2, 4])]) == S([2, None])
    assert S([1, 2]).most_specific_common_supertype([]) == S([1, 2])
    assert S([1, 2]).most_specific_common_supertype([S(None)]).rank is None
    assert S(None).most_specific_common_supertype([S([1])]).rank is None
    assert S([1]).most_specific_common_supertype([[1]]) is None


def test_type_spec_from_value():
    # TF 2.21: a TensorSpec for tensors and Python data, a RaggedTensorSpec for ragged values
    assert wb.type_spec_from_value(wb.constant([[1.0, 2.0]])) == wb.TensorSpec([1, 2], wb.float32)
    assert wb.type_spec_from_value(3) == wb.TensorSpec([], wb.int32)
    spec = wb.type_spec_from_value(ragged.constant([["a"], ["b", "c"]]))
    assert spec == wb.RaggedTensorSpec([2, None], wb.string, 1, wb.int64)
    assert repr(spec) == "RaggedTensorSpec(TensorShape([2, None]), wb.string, 1, wb.int64)"
    with pytest.raises(TypeError, match="could not build a TypeSpec"):
        wb.type_spec_from_value(wb.TensorSpec([1]))


def test_a_tensor_shape_converts_as_tfs():
    # TF 2.21: int32 sizes (int64 when a size needs it or when asked), even for the empty shape;
    # a partially known shape and a float dtype are refused with these words
    assert wb.convert_to_tensor(wb.TensorShape([])).dtype == wb.int32
    assert wb.convert_to_tensor(wb.TensorShape([])).shape == (0,)
    t = wb.convert_to_tensor(wb.TensorShape([2, 3]))
    assert t.dtype == wb.int32 and t.numpy().tolist() == [2, 3]
    assert wb.convert_to_tensor(wb.TensorShape([2 ** 40])).dtype == wb.int64
    assert wb.convert_to_tensor(wb.TensorShape([2, 3]), dtype=wb.int64).dtype == wb.int64
    assert wb.concat([[4], wb.TensorShape([2, 3])], 0).numpy().tolist() == [4, 2, 3]
    with pytest.raises(ValueError, match=r"^Cannot convert a partially known TensorShape \(None, 3\) to a Tensor\.$"):
        wb.convert_to_tensor(wb.TensorShape([None, 3]))
    with pytest.raises(TypeError) as e:
        wb.convert_to_tensor(wb.TensorShape([2, 3]), dtype=wb.float32)
    assert str(e.value) == ("Cannot convert TensorShape (2, 3) to dtype <dtype: 'float32'>. Allowed dtypes are "
                            "tf.int32 and tf.int64.")
