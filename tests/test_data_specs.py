"""DatasetSpec, IteratorSpec and OptionalSpec: reprs, from_value and compatibility as TF 2.21's
(outputs computed with TF on the same values)."""

import pytest

import workbench as wb

Dataset = wb.data.Dataset


def test_dataset_spec_matches_tf():
    spec = wb.data.DatasetSpec.from_value(Dataset.range(3))
    # TF prints tf.int64 where this prints wb.int64
    assert repr(spec) == "DatasetSpec(TensorSpec(shape=(), dtype=wb.int64, name=None), TensorShape([]))"
    assert spec == wb.data.DatasetSpec(wb.TensorSpec([], wb.int64))
    assert hash(spec) == hash(wb.data.DatasetSpec(wb.TensorSpec([], wb.int64)))
    assert spec.element_spec == wb.TensorSpec([], wb.int64) and spec.value_type is Dataset
    assert spec.is_compatible_with(Dataset.range(5))
    assert not spec.is_compatible_with(Dataset.range(5).batch(2))   # shape (None,)
    assert not spec.is_compatible_with(3)
    assert repr(wb.data.DatasetSpec({"a": wb.TensorSpec([2], wb.float32)}, [5])) == \
        "DatasetSpec({'a': TensorSpec(shape=(2,), dtype=wb.float32, name=None)}, TensorShape([5]))"
    assert repr(wb.data.DatasetSpec.from_value(Dataset.range(4).batch(2))) == \
        "DatasetSpec(TensorSpec(shape=(None,), dtype=wb.int64, name=None), TensorShape([]))"


def test_iterator_and_optional_specs_match_tf():
    spec = wb.data.IteratorSpec.from_value(iter(Dataset.range(3)))
    assert repr(spec) == "IteratorSpec(TensorSpec(shape=(), dtype=wb.int64, name=None),)"
    assert wb.data.IteratorSpec(wb.TensorSpec([], wb.int32)).is_compatible_with(iter(Dataset.from_tensors(5)))
    assert not spec.is_compatible_with(iter(Dataset.from_tensors(5)))
    opt = wb.experimental.Optional.from_value((1, 2.0))
    assert repr(wb.OptionalSpec.from_value(opt)) == (
        "OptionalSpec((TensorSpec(shape=(), dtype=wb.int32, name=None), "
        "TensorSpec(shape=(), dtype=wb.float32, name=None)),)")
    assert repr(wb.OptionalSpec(wb.TensorSpec(shape=(), dtype=wb.int32))) == \
        "OptionalSpec(TensorSpec(shape=(), dtype=wb.int32, name=None),)"
    assert wb.OptionalSpec(wb.TensorSpec([], wb.int32)).is_compatible_with(wb.experimental.Optional.from_value(5))
    assert wb.OptionalSpec(wb.TensorSpec([], wb.int32)) != wb.data.IteratorSpec(wb.TensorSpec([], wb.int32))


def test_bad_values_raise():
    with pytest.raises(TypeError, match="DatasetSpec.from_value: value must be a wb.data.Dataset, got int"):
        wb.data.DatasetSpec.from_value(3)
    with pytest.raises(TypeError, match=r"DatasetSpec: element_spec must be a structure of specs \(wb.TensorSpec, "
                                        r"...\), got 3"):
        wb.data.DatasetSpec(3)
    with pytest.raises(TypeError, match="IteratorSpec.from_value: value must be a wb.data.Iterator, got Range"):
        wb.data.IteratorSpec.from_value(Dataset.range(3))
    with pytest.raises(TypeError, match="OptionalSpec.from_value: value must be a wb.experimental.Optional"):
        wb.OptionalSpec.from_value(5)
