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
