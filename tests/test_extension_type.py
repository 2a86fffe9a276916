"""wb.experimental.ExtensionType and the dispatch decorators against TF 2.21: reprs, error
classes and texts, equality and dispatch behaviour that TF 2.21 gave for the same code (pinned
as literals; TF's ``tf.`` prefixes read ``wb.`` here, as the project's reprs do)."""

import typing

import numpy as np
import pytest

import workbench as wb

ExtensionType = wb.experimental.ExtensionType


class MaskedTensor(ExtensionType):
    values: wb.Tensor
    mask: wb.Tensor

    def __validate__(self):
        self.values.shape.assert_is_compatible_with(self.mask.shape)
        assert self.mask.dtype.is_bool, "mask.dtype must be bool"


class M(ExtensionType):
    v: wb.Tensor


class Fields(ExtensionType):
    t: typing.Optional[wb.Tensor] = None
    i: int = 0
    f: float = 0.
    b: bool = False
    tp: typing.Tuple[int, str] = (1, "a")
    m: typing.Mapping[str, int] = {}
    e: typing.Optional[M] = None
    r: typing.Optional[wb.RaggedTensor] = None
    s: typing.Optional[wb.SparseTensor] = None
    o: typing.Optional[int] = None


def _mt():
    return MaskedTensor([1., -2., 3.], [True, False, True])


# ---------------------------------------------------------------------------
# the type


def test_repr_and_spec_repr_as_tf():
    mt = MaskedTensor([1, 2, 3], [True, False, True])
    assert repr(mt) == ("MaskedTensor(values=<wb.Tensor: shape=(3,), dtype=int32, numpy=array([1, 2, 3], "
                        "dtype=int32)>, mask=<wb.Tensor: shape=(3,), dtype=bool, numpy=array([ True, False,  "
                        "True])>)")
    assert repr(mt._type_spec) == ("MaskedTensor.Spec(values=TensorSpec(shape=(3,), dtype=wb.int32, name=None), "
                                   "mask=TensorSpec(shape=(3,), dtype=wb.bool, name=None))")
    assert MaskedTensor.Spec.__qualname__ == "MaskedTensor.Spec"
    assert MaskedTensor.Spec.value_type is MaskedTensor
    assert isinstance(mt._type_spec, wb.experimental.ExtensionTypeSpec)
    assert wb.type_spec_from_value(mt) == mt._type_spec


def test_fields_of_every_kind_repr_as_tf():
    a = Fields(1)
    assert repr(a) == ("Fields(t=<wb.Tensor: shape=(), dtype=int32, numpy=1>, i=0, f=0.0, b=False, tp=(1, 'a'), "
                       "m=ImmutableDict({}), e=None, r=None, s=None, o=None)")
    a = Fields(t=1., e=M([2.]), r=wb.ragged.constant([[1], [2, 3]]), tp=[2, "b"], i=True)
    assert a.tp == (2, "b") and a.i is True and a.r.to_list() == [[1], [2, 3]]
    assert repr(a._type_spec) == (
        "Fields.Spec(t=TensorSpec(shape=(), dtype=wb.float32, name=None), i=True, f=0.0, b=False, tp=(2, 'b'), "
        "m={}, e=M.Spec(v=TensorSpec(shape=(1,), dtype=wb.float32, name=None)), "
        "r=RaggedTensorSpec(TensorShape([2, None]), wb.int32, 1, wb.int64), s=None, o=None)")
    assert isinstance(Fields(m={"a": 1}).m, typing.Mapping)


@pytest.mark.parametrize("kwargs, error, text", [
    (dict(t=object()), TypeError, "t: expected typing.Optional[workbench.core.Tensor], got 'object'"),
    (dict(f=1), TypeError, "f: expected 'float', got 'int'"),
    (dict(b=1), TypeError, "b: expected 'bool', got 'int'"),
    (dict(tp=(2,)), TypeError, "tp: expected tuple with length 2, got 'tuple')"),
    (dict(m=3), TypeError, "m: expected mapping, got 'int'"),
    (dict(m={1: 2}), TypeError, "m[<key>]: expected 'str', got 'int'"),
    (dict(e=3), TypeError, f"e: expected typing.Optional[{__name__}.M], got 'int'"),
    (dict(r=[[1], [2, 3]]), TypeError, "r: expected typing.Optional[ragged.ragged_tensor.RaggedTensor], got 'list'"),
    (dict(s=3), TypeError,
     "s: expected typing.Optional[workbench.sparse.sparse_tensor.SparseTensor], got 'int'"),
    (dict(o="x"), TypeError, "o: expected typing.Optional[int], got 'str'"),
])
def test_field_conversion_errors_as_tf(kwargs, error, text):
    with pytest.raises(error) as info:
        Fields(**kwargs)
    assert str(info.value) == text


@pytest.mark.parametrize("call, error, text", [
    (lambda: MaskedTensor([1, 2], [1, 2]), AssertionError, "mask.dtype must be bool"),
    (lambda: MaskedTensor([1, 2]), TypeError, "missing a required argument: 'mask'"),
    (lambda: MaskedTensor("a", [True]), ValueError, "Shapes () and (1,) are incompatible"),
    (lambda: MaskedTensor([1, 2], [True], x=1), TypeError, "got an unexpected keyword argument 'x'"),
    (lambda: Fields(*range(11)), TypeError, "too many positional arguments"),
    (lambda: hash(MaskedTensor([1], [True])), TypeError, "unhashable type: 'MaskedTensor'"),
    (lambda: M.Spec(v=3), TypeError, "v: expected a TensorSpec, got 'int'"),
    (lambda: M.Spec(v=wb.TensorSpec([2]), w=1), TypeError, "got an unexpected keyword argument 'w'"),
])
def test_constructor_errors_as_tf(call, error, text):
    with pytest.raises(error) as info:
        call()
    assert str(info.value).splitlines()[0] == text   # (pytest adds lines to an assert's message)


class ShapeAndType(ExtensionType):
    shape: wb.TensorShape
    dtype: wb.DType


class Tensors(ExtensionType):
    xs: typing.Tuple[wb.Tensor, ...]
    u: typing.Union[int, wb.Tensor] = 1


@pytest.mark.parametrize("call, text", [
    (lambda: M(object()), "v: expected a Tensor, got 'object'"),
    (lambda: M([[1], [2, 3]]), "v: expected a Tensor, got 'list'"),
    (lambda: ShapeAndType("x", wb.int32), "shape: expected 'wb.TensorShape', got 'str'"),
    (lambda: ShapeAndType([1, None], "foo"), "dtype: expected 'wb.DType', got 'str'"),
    (lambda: Tensors(3), "xs: expected tuple, got 'int'"),
])
def test_more_conversion_errors_as_tf(call, text):
    with pytest.raises(TypeError) as info:
        call()
    assert str(info.value) == text


def test_shapes_dtypes_tuples_and_unions_convert_as_tf():
    assert repr(ShapeAndType([1, None], "float32")) == "ShapeAndType(shape=TensorShape([1, None]), dtype=wb.float32)"
    assert repr(ShapeAndType(None, wb.int32)) == "ShapeAndType(shape=TensorShape(None), dtype=wb.int32)"
    t = Tensors([1, [2, 3]])
    assert repr(t) == ("Tensors(xs=(<wb.Tensor: shape=(), dtype=int32, numpy=1>, <wb.Tensor: shape=(2,), "
                       "dtype=int32, numpy=array([2, 3], dtype=int32)>), u=1)")
    assert repr(Tensors((1,), u=2.5).u) == "<wb.Tensor: shape=(), dtype=float32, numpy=2.5>"


def test_class_definition_errors_as_tf():
    with pytest.raises(TypeError, match="^In field 'x': Unsupported type annotation 'list'$"):
        type("Z", (ExtensionType,), {"__annotations__": {"x": list}})
    with pytest.raises(ValueError) as info:
        type("Z", (ExtensionType,), {"__annotations__": {"x": wb.Tensor}, "_private": 3})
    assert str(info.value) == "The field annotations for Z are invalid. Field _private is missing a type annotation."
    with pytest.raises(TypeError, match="^default value for e: expected 'M', got 'NoneType'$"):
        type("Z", (ExtensionType,), {"__annotations__": {"e": M}, "e": None})


def test_immutable_and_custom_constructor():
    class C(ExtensionType):
        x: wb.Tensor

        def __init__(self, x, scale=2):
            self.x = wb.convert_to_tensor(x) * scale

    c = C(3)
    assert repr(c) == "C(x=<wb.Tensor: shape=(), dtype=int32, numpy=6>)"
    for action in (lambda: setattr(c, "x", 1), lambda: delattr(c, "x")):
        with pytest.raises(AttributeError) as info:
            action()
        assert str(info.value) == "Cannot mutate attribute `x` outside the custom constructor of ExtensionType."
    with pytest.raises(AttributeError, match="Cannot mutate attribute `q`"):
        c.q = 1

    class D(ExtensionType):
        x: wb.Tensor

        def __init__(self, x):
            pass

    with pytest.raises(ValueError) as info:
        D(1)
    assert str(info.value) == "Missing required fields: {'x'}"


def test_equality_as_tf():
    mt = MaskedTensor([1, 2, 3], [True, False, True])
    eq = mt == mt
    assert isinstance(eq, wb.Tensor) and eq.dtype == wb.bool and bool(eq.numpy())
    assert not bool((mt == MaskedTensor([1, 2, 4], [True, False, True])).numpy())
    assert not bool((mt != mt).numpy())
    # another type, shape or dtype: Python False, as TF
    assert (mt == 3) is False
    assert (M([1.]) == M([1., 2.])) is False
    assert (M([1, 1]) == M([1., 1.])) is False


def test_spec_equality_and_compatibility():
    assert M([1.])._type_spec == M([2.])._type_spec
    assert M([1.])._type_spec != M([2., 3.])._type_spec
    assert hash(M([1.])._type_spec) == hash(M([2.])._type_spec)
    open_spec = M.Spec(v=wb.TensorSpec([None]))
    assert open_spec.is_compatible_with(M([1.]))
    assert open_spec.is_compatible_with(M.Spec(v=wb.TensorSpec([3])))
    assert not open_spec.is_compatible_with(3)
    assert not open_spec.is_compatible_with(M([[1.]]))


def test_nest_expands_extension_types():
    a = Fields(t=1., e=M([2.]), r=wb.ragged.constant([[1], [2, 3]]))
    flat = wb.nest.flatten(a, expand_composites=True)
    # TF 2.21: t, e.v, then the ragged field's flat values and row splits
    assert [x.numpy().tolist() for x in flat] == [1.0, [2.0], [1, 2, 3], [0, 1, 3]]
    assert wb.nest.flatten(a) == [a]
    doubled = wb.nest.map_structure(lambda x: x * 2 if x.dtype != wb.int64 else x, a, expand_composites=True)
    assert isinstance(doubled, Fields) and doubled.e.v.numpy().tolist() == [4.0]
    assert doubled.r.to_list() == [[2], [4, 6]]
    wb.nest.assert_same_structure(a, doubled, expand_composites=True)
    with pytest.raises(ValueError, match="^The two structures don't have the same nested structure"):
        wb.nest.assert_same_structure(a, M([1.]), expand_composites=True)   # as TF 2.21


def test_gradient_through_fields():
    x = wb.Variable([1., 2.])
    with wb.GradientTape() as tape:
        y = wb.reduce_sum(M(x * 3.).v ** 2)
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [18., 36.])   # TF 2.21's


def test_wb_function_traces_once_per_spec():
    traces = []

    @wb.function
    def f(m):
        traces.append(1)
        return wb.reduce_sum(m.v * 2.)

    assert f(M([1., 2.])).numpy() == 6.0
    assert f(M([3., 2.])).numpy() == 10.0
    assert len(traces) == 1
    x = wb.Variable([1., 2.])
    with wb.GradientTape() as tape:
        y = f(M(x * 3.))
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [6., 6.])


def test_wb_function_binds_each_tensor_field():
    traces = []

    @wb.function
    def masked_sum(m):
        traces.append(1)
        return wb.reduce_sum(wb.where(m.mask, m.values, 0.))

    @wb.function
    def doubled(m):
        return MaskedTensor(m.values * 2, m.mask)

    assert masked_sum(MaskedTensor([1., 2.], [True, False])).numpy() == 1.0
    assert masked_sum(MaskedTensor([3., 4.], [True, True])).numpy() == 7.0   # a replay, new values
    assert len(traces) == 1
    assert masked_sum(MaskedTensor([3., 4., 5.], [True, True, False])).numpy() == 7.0
    assert len(traces) == 2
    doubled(MaskedTensor([1., 2.], [True, False]))
    out = doubled(MaskedTensor([5., 7.], [False, True]))
    assert isinstance(out, MaskedTensor) and out.values.numpy().tolist() == [10., 14.]
    assert out.mask.numpy().tolist() == [False, True]

    class Scaled(ExtensionType):
        v: wb.Tensor
        k: int

    @wb.function
    def scaled(p):
        traces.append(1)
        return p.v * p.k
    assert [scaled(Scaled([1.], 2)).numpy()[0], scaled(Scaled([1.], 3)).numpy()[0],
            scaled(Scaled([2.], 3)).numpy()[0]] == [2., 3., 6.]
    assert len(traces) == 4   # a Python field is part of the trace's key, as in TF


def test_wb_function_binds_tensors_in_mapping_and_tuple_fields():
    class D(ExtensionType):
        m: typing.Mapping[str, wb.Tensor]
        t: typing.Tuple[int, wb.Tensor]

    @wb.function
    def f(d):
        return d.m["a"] * d.t[0] + d.t[1]

    @wb.function
    def same(d):
        return d
    assert f(D({"a": [1.]}, (2, [1.]))).numpy().tolist() == [3.]
    assert f(D({"a": [3.]}, (2, [1.]))).numpy().tolist() == [7.]
    assert f(D({"a": [3.]}, (5, [0.]))).numpy().tolist() == [15.]
    assert f.experimental_get_tracing_count() == 2   # the int in the tuple keys the trace
    same(D({"a": [1.]}, (2, [1.])))
    out = same(D({"a": [7.]}, (2, [1.])))
    assert repr(out.m).startswith("ImmutableDict(")
    assert out.m["a"].numpy().tolist() == [7.]


def test_spec_as_input_signature():
    spec = MaskedTensor.Spec(values=wb.TensorSpec([None], wb.int32), mask=wb.TensorSpec([None], wb.bool))

    @wb.function(input_signature=[spec])
    def f(x):
        return wb.reduce_sum(x.values)
    assert f(MaskedTensor([1, 2, 3], [True, False, True])).numpy() == 6   # TF 2.21's
    assert f(MaskedTensor([1, 2], [True, True])).numpy() == 3
    assert "x (POSITIONAL_OR_KEYWORD): MaskedTensor.Spec(values=TensorSpec(shape=(None,)" in str(
        f.get_concrete_function())
    with pytest.raises(TypeError, match="^Binding inputs to wb.function `f` failed"):
        f(MaskedTensor([1.], [True]))


def test_datasets_of_batchable_extension_types():
    class B(wb.experimental.BatchableExtensionType):
        v: wb.Tensor

    value = B(wb.constant([[1, 2], [3, 4]]))
    ds = wb.data.Dataset.from_tensors(value)
    assert repr(ds.element_spec) == "B.Spec(v=TensorSpec(shape=(2, 2), dtype=wb.int32, name=None))"
    assert [b.v.numpy().tolist() for b in ds] == [[[1, 2], [3, 4]]]
    ds = wb.data.Dataset.from_tensor_slices(value)
    assert repr(ds.element_spec) == "B.Spec(v=TensorSpec(shape=(2,), dtype=wb.int32, name=None))"
    assert [b.v.numpy().tolist() for b in ds] == [[1, 2], [3, 4]]
    batched = ds.batch(2)
    assert repr(batched.element_spec) == "B.Spec(v=TensorSpec(shape=(None, 2), dtype=wb.int32, name=None))"
    assert [b.v.numpy().tolist() for b in batched] == [[[1, 2], [3, 4]]]
    pairs = list(wb.data.Dataset.from_tensor_slices({"a": value, "b": [5, 6]}))
    assert [(e["a"].v.numpy().tolist(), int(e["b"])) for e in pairs] == [([1, 2], 5), ([3, 4], 6)]


def test_batchable_spec_batches_and_unbatches():
    class B(wb.experimental.BatchableExtensionType):
        v: wb.Tensor

    spec = B(wb.constant([[1, 2], [3, 4]]))._type_spec
    assert repr(spec._unbatch()) == "B.Spec(v=TensorSpec(shape=(2,), dtype=wb.int32, name=None))"
    assert repr(spec._batch(None)) == "B.Spec(v=TensorSpec(shape=(None, 2, 2), dtype=wb.int32, name=None))"


# ---------------------------------------------------------------------------
# dispatch


@pytest.fixture
def registered():
    targets = []
    yield targets
    for t in targets:
        wb.experimental.unregister_dispatch_for(t)


def _values(v):
    return v.values if isinstance(v, MaskedTensor) else v


def test_dispatch_for_api_with_union_signature(registered):
    both = typing.Union[MaskedTensor, wb.Tensor]

    @wb.experimental.dispatch_for_api(wb.math.add, {"x": both, "y": both})
    def masked_add(x, y, name=None):
        return MaskedTensor(_values(x) + _values(y), x.mask if isinstance(x, MaskedTensor) else y.mask)
    registered.append(masked_add)
    mt = _mt()
    assert wb.math.add(mt, mt).values.numpy().tolist() == [2., -4., 6.]
    assert wb.add(mt, wb.constant([1., 1., 1.])).values.numpy().tolist() == [2., -1., 4.]
    assert wb.math.add(wb.constant(1.), wb.constant(2.)).numpy() == 3.0
    # a Python list is not a Tensor: no target fits, and TF's conversion error follows
    with pytest.raises(ValueError) as info:
        wb.math.add(mt, [1., 1., 1.])
    assert str(info.value) == (f"Attempt to convert a value ({mt!r}) with an unsupported type "
                               f"({MaskedTensor}) to a Tensor.")


def test_dispatch_for_api_from_annotations_and_unregister(registered):
    @wb.experimental.dispatch_for_api(wb.math.multiply)
    def masked_mul(x: MaskedTensor, y: MaskedTensor, name=None):
        return MaskedTensor(x.values * y.values, x.mask & y.mask)
    mt = _mt()
    assert wb.math.multiply(mt, mt).values.numpy().tolist() == [1., 4., 9.]
    with pytest.raises(ValueError, match="^Attempt to convert a value"):
        wb.math.multiply(mt, wb.constant([1., 2., 3.]))
    assert wb.experimental.unregister_dispatch_for(masked_mul) is None
    with pytest.raises(ValueError, match="^Attempt to convert a value"):
        wb.math.multiply(mt, mt)
    with pytest.raises(ValueError) as info:
        wb.experimental.unregister_dispatch_for(masked_mul)
    assert str(info.value) == f"Function {masked_mul} was not registered using a `@dispatch_for_*` decorator."
    # the built-in (ragged) handler is back
    r = wb.ragged.constant([[1.], [2., 3.]])
    assert wb.math.multiply(r, r).to_list() == [[1.], [4., 9.]]


def test_dispatch_for_api_list_signature(registered):
    @wb.experimental.dispatch_for_api(wb.concat, {"values": typing.List[MaskedTensor]})
    def masked_concat(values, axis, name=None):
        return MaskedTensor(wb.concat([v.values for v in values], axis), wb.concat([v.mask for v in values], axis))
    registered.append(masked_concat)
    mt = _mt()
    assert wb.concat([mt, mt], 0).values.numpy().tolist() == [1., -2., 3., 1., -2., 3.]
    with pytest.raises(ValueError, match="^Attempt to convert a value"):
        wb.concat([mt, wb.constant([1.])], 0)


def test_dispatch_for_api_errors_as_tf():
    with pytest.raises(ValueError) as info:
        @wb.experimental.dispatch_for_api(wb.math.add, {"x": MaskedTensor})
        def bad(a, y, name=None):
            pass
    assert str(info.value) == ("Dispatch function's signature (a, y, name=None) does not match API's signature "
                               "(x, y, name=None).")
    with pytest.raises(ValueError) as info:
        @wb.experimental.dispatch_for_api(wb.math.add, {"q": MaskedTensor})
        def bad3(x, y, name=None):
            pass
    assert str(info.value) == "signature includes annotation for unknown parameter 'q'."

    def plain(x):
        return x
    with pytest.raises(ValueError) as info:
        wb.experimental.dispatch_for_api(plain, {"x": MaskedTensor})
    assert str(info.value) == f"{plain} does not support dispatch."


def test_two_fitting_targets_raise_as_tf(registered):
    @wb.experimental.dispatch_for_api(wb.math.subtract, {"x": MaskedTensor})
    def one(x, y, name=None):
        return 1

    @wb.experimental.dispatch_for_api(wb.math.subtract, {"y": MaskedTensor})
    def two(x, y, name=None):
        return 2
    registered.extend([one, two])
    mt = _mt()
    assert wb.math.subtract(mt, 1.) == 1 and wb.math.subtract(1., mt) == 2
    with pytest.raises(ValueError) as info:
        wb.math.subtract(mt, mt)
    assert str(info.value) == (f"Multiple dispatch targets that were registered with tf.dispatch_for ({one} and "
                               f"{two}) match the arguments to subtract")


def test_unary_elementwise_apis(registered):
    @wb.experimental.dispatch_for_unary_elementwise_apis(MaskedTensor)
    def masked_unary(api_func, x):
        return MaskedTensor(api_func(x.values), x.mask)
    registered.append(masked_unary)
    mt = _mt()
    # TF 2.21's values
    assert wb.abs(mt).values.numpy().tolist() == [1., 2., 3.]
    np.testing.assert_allclose(wb.math.exp(mt).values.numpy(), [2.7182817, 0.13533528, 20.085537], rtol=1e-6)
    assert wb.cast(mt, wb.int32).values.numpy().tolist() == [1, -2, 3]
    assert wb.zeros_like(mt).values.numpy().tolist() == [0., 0., 0.]
    assert wb.nn.relu(mt).values.numpy().tolist() == [1., 0., 3.]
    np.testing.assert_allclose(wb.nn.elu(mt).values.numpy(), [1., -0.86466473, 3.], rtol=1e-6)
    for api in (wb.math.square, wb.math.negative, wb.math.sigmoid, wb.math.sign, wb.math.floor, wb.math.tanh):
        out = api(mt)
        assert isinstance(out, MaskedTensor)
        np.testing.assert_allclose(out.values.numpy(), api(mt.values).numpy())


def test_ragged_elementwise_ops_work_again_after_unregistering():
    @wb.experimental.dispatch_for_unary_elementwise_apis(MaskedTensor)
    def masked_unary(api_func, x):
        return MaskedTensor(api_func(x.values), x.mask)
    r = wb.ragged.constant([[1., -1.], [2.]])
    assert wb.nn.relu(r).to_list() == [[1.0, 0.0], [2.0]]   # the ragged handler still serves ragged values
    wb.experimental.unregister_dispatch_for(masked_unary)
    assert wb.nn.relu(r).to_list() == [[1.0, 0.0], [2.0]] and wb.abs(r).to_list() == [[1.0, 1.0], [2.0]]
    with pytest.raises(ValueError, match="^Attempt to convert a value"):
        wb.nn.relu(_mt())


def test_binary_elementwise_and_assert_apis(registered):
    both = typing.Union[MaskedTensor, wb.Tensor]

    @wb.experimental.dispatch_for_binary_elementwise_apis(both, both)
    def masked_binary(api_func, x, y):
        return MaskedTensor(api_func(_values(x), _values(y)), x.mask if isinstance(x, MaskedTensor) else y.mask)
    registered.append(masked_binary)
    mt = _mt()
    assert wb.math.maximum(mt, wb.zeros(3)).values.numpy().tolist() == [1., 0., 3.]
    assert wb.math.subtract(mt, mt).values.numpy().tolist() == [0., 0., 0.]
    assert wb.math.less(mt, wb.zeros(3)).values.numpy().tolist() == [False, True, False]

    seen = []

    @wb.experimental.dispatch_for_binary_elementwise_assert_apis(MaskedTensor, MaskedTensor)
    def masked_assert(assert_func, x, y):
        seen.append(assert_func)
        return assert_func(x.values, y.values)
    registered.append(masked_assert)
    assert wb.debugging.assert_equal(mt, mt, message="hi") is None
    with pytest.raises(wb.errors.InvalidArgumentError):
        wb.debugging.assert_equal(mt, MaskedTensor([1., 2., 3.], [True, True, True]))
    assert len(seen) == 2


def test_elementwise_lists_follow_tf():
    d = wb.dispatch
    assert "math.abs" in d.UNARY_ELEMENTWISE_APIS and "math.add" in d.BINARY_ELEMENTWISE_APIS
    assert len(d.UNARY_ELEMENTWISE_APIS) == 98 and len(d.BINARY_ELEMENTWISE_APIS) == 38
    assert len(d.BINARY_ELEMENTWISE_ASSERT_APIS) == 7
