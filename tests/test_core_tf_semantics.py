"""TF 2.21's core semantics that the workbench follows: variables' synchronization and
aggregation modes, the static shapes a ``wb.function`` trace sees under an input signature,
and the examples of TF's docstrings for the top-level names (Tensor shapes, specs, ragged
tensors, control flow). The expected values were read from TF 2.21."""

import numpy as np
import pytest

import workbench as wb


# -- Variable(synchronization=, aggregation=) --------------------------------------------
def test_variable_modes_default_as_tf():
    v = wb.Variable(1.0)
    assert v.synchronization is wb.VariableSynchronization.AUTO
    # TF reports TF 1's enum for the default, equal to TF 2's member
    assert v.aggregation == wb.VariableAggregation.NONE
    assert repr(v.aggregation) == "<VariableAggregation.NONE: 0>"
    assert v.trainable is True


def test_variable_on_read_is_not_trainable_unless_asked():
    S, A = wb.VariableSynchronization, wb.VariableAggregation
    v = wb.Variable(1.0, synchronization=S.ON_READ, aggregation=A.MEAN)
    assert (v.synchronization, v.aggregation, v.trainable) == (S.ON_READ, A.MEAN, False)
    v = wb.Variable(1.0, synchronization=S.ON_READ, trainable=True)   # TF keeps the explicit choice
    assert v.trainable is True
    # the enums' values are accepted too (TF converts them)
    v = wb.Variable([1.0], synchronization=3, aggregation=1)
    assert v.synchronization is S.ON_READ and v.aggregation is A.SUM and v.trainable is False
    # the result of an assignment is the same variable, modes included
    u = v.assign([2.0])
    assert u.synchronization is S.ON_READ and u.aggregation is A.SUM


def test_variable_aggregation_enums_as_tf():
    A = wb.VariableAggregation
    assert [repr(a) for a in A] == ["<VariableAggregationV2.NONE: 0>", "<VariableAggregationV2.SUM: 1>",
                                    "<VariableAggregationV2.MEAN: 2>",
                                    "<VariableAggregationV2.ONLY_FIRST_REPLICA: 3>"]
    assert [s.name for s in wb.VariableSynchronization] == ["AUTO", "NONE", "ON_WRITE", "ON_READ"]
    from workbench.core import VariableAggregation as V1
    assert V1.ONLY_FIRST_TOWER is V1.ONLY_FIRST_REPLICA
    assert V1.MEAN == A.MEAN and A.MEAN == V1.MEAN and hash(A.MEAN) == hash(V1.MEAN) == 2
    assert A.MEAN != A.SUM and A.MEAN != 2      # not an IntEnum, as TF's
    # the old import path names the same enums
    from workbench.ops import tf_extra
    assert tf_extra.VariableAggregation is A and tf_extra.VariableSynchronization is wb.VariableSynchronization


@pytest.mark.parametrize("kw, msg", [
    (dict(synchronization="x"), "Invalid variable synchronization mode: x for variable: None"),
    (dict(synchronization=7), "Invalid variable synchronization mode: 7 for variable: None"),
    (dict(aggregation="sum"), "Invalid variable aggregation mode: sum for variable: None"),
])
def test_variable_bad_modes_raise_tf_errors(kw, msg):
    with pytest.raises(ValueError) as e:
        wb.Variable(1.0, **kw)
    assert str(e.value) == msg


def test_variable_sync_none_refused_under_a_strategy():
    with wb.distribute.MirroredStrategy().scope():
        with pytest.raises(ValueError, match="`NONE` variable synchronization mode is not supported with "
                                             "tf.distribute strategy"):
            wb.Variable(1.0, synchronization=wb.VariableSynchronization.NONE, name="v")
        v = wb.Variable(1.0, synchronization=wb.VariableSynchronization.ON_READ)
        assert v.trainable is False
