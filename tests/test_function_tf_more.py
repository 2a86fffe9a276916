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
