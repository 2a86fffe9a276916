"""Concrete functions of ragged arguments: ``get_concrete_function(wb.RaggedTensorSpec(...))``
(or of a ragged value) serves every ragged argument its spec allows, as TF's ragged guide
uses it; arguments that do not fit are refused."""

import numpy as np
import pytest

import ragged
import workbench as wb

pytestmark = pytest.mark.filterwarnings("error::workbench.compiler.UnreplayableWarning")


def _same(a, b):
    assert a.to_list() == b.to_list()
    assert a.dtype == b.dtype


class Grower(wb.Module):
    def __init__(self, value):
        super().__init__()
        self.v = wb.Variable(value)

    @wb.function
    def grow(self, x):
        return x * self.v


def test_concrete_function_of_a_ragged_spec_serves_ragged_calls():
    module = Grower(100.0)
    spec = wb.RaggedTensorSpec(shape=[None, None], dtype=wb.float32)
    concrete = module.grow.get_concrete_function(spec)
    assert concrete.structured_input_signature[0][-1] == spec
    for rows in ([[1.0, 4.0, 3.0], [2.0]], [[1.0], [], [5.0, 6.0]], [[7.0]]):
        x = ragged.constant(rows)
        _same(concrete(x), ragged.constant([[100.0 * v for v in row] for row in rows]))
        _same(module.grow(x), concrete(x))
    # new row structures are new programs of the one concrete function, not new traces
    assert module.grow.experimental_get_tracing_count() == 1
    module.v.assign(2.0)
    _same(concrete(ragged.constant([[1.0, 2.0]])), ragged.constant([[2.0, 4.0]]))


def test_arguments_that_do_not_fit_the_spec_are_refused():
    f = wb.function(lambda x: x + 1.0)
    concrete = f.get_concrete_function(wb.RaggedTensorSpec(shape=[2, None], dtype=wb.float32))
    _same(concrete(ragged.constant([[1.0], [2.0, 3.0]])), ragged.constant([[2.0], [3.0, 4.0]]))
    for bad in (ragged.constant([[1.0], [2.0], [3.0]]),       # 3 rows, the spec says 2
                ragged.constant([[1, 2], [3]]),               # int32 values
                ragged.constant([[[1.0]], [[2.0]]]),          # ragged rank 2
                wb.constant([[1.0], [2.0]])):                 # a dense tensor
        with pytest.raises(TypeError, match="do not fit"):
            concrete(bad)


def test_spec_with_uniform_inner_dimensions_and_two_ragged_dimensions():
    f = wb.function(lambda x: x * 2.0)
    inner = f.get_concrete_function(wb.RaggedTensorSpec(shape=[None, None, 3], dtype=wb.float32, ragged_rank=1))
    x = ragged.RaggedTensor.from_row_lengths(wb.constant(np.arange(9.0, dtype=np.float32).reshape(3, 3)), [1, 2])
    _same(inner(x), x * 2.0)
    g = wb.function(lambda x: x - 1.0)
    deep = g.get_concrete_function(wb.RaggedTensorSpec(shape=[None, None, None], dtype=wb.float32))
    y = ragged.constant([[[1.0, 2.0], []], [[3.0]]])
    _same(deep(y), y - 1.0)


def test_concrete_function_of_a_ragged_value_serves_other_rows():
    # the ragged guide's cell: get_concrete_function(rt), then cf(rt)
    increment = wb.function(lambda x: x + 1)
    rt = ragged.constant([[1, 2], [3], [4, 5, 6]])
    cf = increment.get_concrete_function(rt)
    _same(cf(rt), ragged.constant([[2, 3], [4], [5, 6, 7]]))
    _same(cf(ragged.constant([[1], [3, 4, 5], []])), ragged.constant([[2], [4, 5, 6], []]))
    with pytest.raises(TypeError, match="do not fit"):
        cf(ragged.constant([[1], [2]]))   # TF: 3 rows, as the value it was traced for
