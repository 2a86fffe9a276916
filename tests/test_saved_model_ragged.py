"""wb.saved_model of functions with ragged arguments and results: the components as graph inputs
and outputs, rebuilt by the loader; save -> load -> call against the eager result."""

import json

import numpy as np
import pytest

import ragged
import workbench as wb

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")


def _same(got, want):
    assert isinstance(got, ragged.RaggedTensor), type(got)
    assert got.ragged_rank == want.ragged_rank and got.dtype == want.dtype
    assert got.row_splits_dtype == want.row_splits_dtype
    assert got.to_list() == want.to_list()
    for a, b in zip(got.nested_row_splits, want.nested_row_splits):
        assert a.dtype == b.dtype and a.numpy().tolist() == b.numpy().tolist()


class Grow(wb.Module):
    def __init__(self, value):
        super().__init__()
        self.v = wb.Variable(value)

    @wb.function
    def grow(self, x):
        return x * self.v


def test_tf_guide_ragged_argument_saves_loads_and_reads_the_loaded_variable(tmp_path):
    module = Grow(100.0)
    module.grow.get_concrete_function(ragged.RaggedTensorSpec(shape=[None, None], dtype=wb.float32))
    wb.saved_model.save(module, str(tmp_path))
    manifest = json.loads((tmp_path / "saved_model.json").read_text())
    assert manifest["version"] == 2
    (entry,) = manifest["functions"]["grow"]
    assert entry["inputs"] == [{"name": "x", "shape": [None, None], "dtype": "float32", "ragged_rank": 1,
                                "row_splits_dtype": "int64", "components": ["x", "x_1"]}]
    loaded = wb.saved_model.load(str(tmp_path))
    x = ragged.constant([[1.0, 4.0, 3.0], [2.0]])
    got = loaded.grow(x)
    _same(got, module.grow(x))
    assert repr(got) == "<wb.RaggedTensor [[100.0, 400.0, 300.0], [200.0]]>"   # TF's printed values
    for rows in ([[1.0]], [[], [2.0, 3.0], [], [4.0, 5.0, 6.0, 7.0]], []):   # other sizes, empty rows
        x = ragged.constant(rows, dtype=wb.float32, ragged_rank=1)
        _same(loaded.grow(x), module.grow(x))
    loaded.v.assign(2.0)   # the graph reads the loaded variable
    assert loaded.grow(ragged.constant([[1.0, 4.0], [2.0]])).to_list() == [[2.0, 8.0], [4.0]]


def test_int32_row_splits_and_other_specs_do_not_fit(tmp_path):
    module = Grow(3.0)
    module.grow.get_concrete_function(ragged.RaggedTensorSpec([None, None], wb.float32, row_splits_dtype=wb.int32))
    wb.saved_model.save(module, str(tmp_path))
    loaded = wb.saved_model.load(str(tmp_path))
    x = ragged.constant([[1.0, 4.0, 3.0], [2.0]], row_splits_dtype=wb.int32)
    got = loaded.grow(x)
    _same(got, module.grow(x))
    assert got.row_splits_dtype == wb.int32
    with pytest.raises(ValueError, match="no saved concrete function takes"):   # TF: no matching function
        loaded.grow(ragged.constant([[1.0, 4.0, 3.0], [2.0]]))                 # int64 row splits
    with pytest.raises(ValueError, match="ragged_rank=1 row_splits int32"):
        loaded.grow(ragged.constant([[[1.0]], [[2.0], [3.0]]], row_splits_dtype=wb.int32))   # ragged rank 2
    with pytest.raises(ValueError, match="no saved concrete function takes"):
        loaded.grow(wb.constant([[1.0, 2.0]]))


def test_ragged_rank_two_with_an_inner_uniform_dimension(tmp_path):
    class Affine(wb.Module):
        def __init__(self):
            super().__init__()
            self.w = wb.Variable(np.array([2.0, -1.0], np.float32))

        @wb.function
        def __call__(self, x):
            return x * self.w + 1.0

    module = Affine()
    module.__call__.get_concrete_function(ragged.RaggedTensorSpec([None, None, None, 2], wb.float32, ragged_rank=2))
    wb.saved_model.save(module, str(tmp_path))
    loaded = wb.saved_model.load(str(tmp_path))
    x = ragged.constant([[[[1.0, 2.0]], [[3.0, 4.0], [5.0, 6.0]]], [], [[]]], ragged_rank=2)
    assert x.ragged_rank == 2 and x.flat_values.shape == (3, 2)
    _same(loaded(x), module(x))


def test_ragged_and_dense_arguments_nested_results_and_a_shared_partition(tmp_path):
    class Mixed(wb.Module):
        def __init__(self):
            super().__init__()
            self.b = wb.Variable(0.5)

        @wb.function
        def both(self, x, y, s):
            return {"sum": x + y * s[0], "pair": (wb.reduce_sum(s) + self.b, y - self.b)}

    module = Mixed()
    spec = ragged.RaggedTensorSpec([None, None], wb.float32)
    module.both.get_concrete_function(spec, spec, wb.TensorSpec([3], wb.float32))
    wb.saved_model.save(module, str(tmp_path))
    loaded = wb.saved_model.load(str(tmp_path))
    x = ragged.constant([[1.0, 2.0], [], [3.0]])
    y = ragged.constant([[4.0, 5.0], [], [6.0]])
    s = wb.constant([2.0, 1.0, 1.0])
    got, want = loaded.both(x, y, s), module.both(x, y, s)
    assert sorted(got) == ["pair", "sum"] and isinstance(got["pair"], tuple)
    _same(got["sum"], want["sum"])
    np.testing.assert_allclose(got["pair"][0].numpy(), want["pair"][0].numpy())
    _same(got["pair"][1], want["pair"][1])
    entry = json.loads((tmp_path / "saved_model.json").read_text())["functions"]["both"][0]
    assert entry["same_row_splits"] == [[0, 1]]   # x + y: the two must share their partition
    with pytest.raises(wb.errors.InvalidArgumentError, match="'x' and 'y' must have identical ragged splits"):
        loaded.both(x, ragged.constant([[4.0], [5.0], [6.0]]), s)


def test_ragged_arguments_kept_apart_take_any_partitions(tmp_path):
    class Apart(wb.Module):
        @wb.function
        def each(self, x, y):
            return x * 2.0, y - 1.0

    module = Apart()
    spec = ragged.RaggedTensorSpec([None, None], wb.float32)
    module.each.get_concrete_function(spec, spec)
    wb.saved_model.save(module, str(tmp_path))
    assert "same_row_splits" not in json.loads((tmp_path / "saved_model.json").read_text())["functions"]["each"][0]
    loaded = wb.saved_model.load(str(tmp_path))
    x, y = ragged.constant([[1.0, 2.0], [], [3.0]]), ragged.constant([[4.0], [5.0, 6.0, 7.0]])
    for got, want in zip(loaded.each(x, y), module.each(x, y)):
        _same(got, want)


def test_a_traced_ragged_value_and_inner_rows_of_a_result(tmp_path):
    class Inner(wb.Module):
        @wb.function
        def rows(self, x):
            return x.values * 2, x.flat_values + 1

    module = Inner()
    x = ragged.constant([[[1, 2], [3]], [[4, 5, 6]]])   # int32 values, ragged rank 2
    module.rows(x)   # traced from a value, as TF's get_concrete_function(rt)
    wb.saved_model.save(module, str(tmp_path))
    loaded = wb.saved_model.load(str(tmp_path))
    z = ragged.constant([[[7], [8, 9], []], [[10]]])   # the traced spec keeps its 2 rows, as TF's
    (got_rows, got_flat), (want_rows, want_flat) = loaded.rows(z), module.rows(z)
    _same(got_rows, want_rows)
    assert got_flat.numpy().tolist() == want_flat.numpy().tolist()


def test_a_fixed_number_of_rows_is_kept(tmp_path):
    module = Grow(3.0)
    module.grow.get_concrete_function(ragged.RaggedTensorSpec([2, None], wb.float32))
    wb.saved_model.save(module, str(tmp_path))
    loaded = wb.saved_model.load(str(tmp_path))
    x = ragged.constant([[1.0], [2.0, 3.0]])
    _same(loaded.grow(x), module.grow(x))
    with pytest.raises(ValueError, match=r"x: \[2, None\] float32"):
        loaded.grow(ragged.constant([[1.0], [2.0], [3.0]]))


def test_a_result_with_a_new_row_partition_is_refused_clearly(tmp_path):
    class Drop(wb.Module):
        @wb.function
        def tail(self, x):
            return x[1:]

    module = Drop()
    module.tail.get_concrete_function(ragged.RaggedTensorSpec([None, None], wb.float32))
    with pytest.raises(ValueError, match="row partition is none of its ragged arguments' partitions"):
        wb.saved_model.save(module, str(tmp_path))


def test_ragged_signatures_are_refused_and_dense_saves_stay_version_1(tmp_path):
    module = Grow(3.0)
    concrete = module.grow.get_concrete_function(ragged.RaggedTensorSpec([None, None], wb.float32))
    with pytest.raises(ValueError, match="signature 'serving_default' takes a RaggedTensor"):
        wb.saved_model.save(module, str(tmp_path / "a"), signatures=concrete)
    class Keyed(wb.Module):
        def __init__(self):
            super().__init__()
            self.v = wb.Variable(3.0)

        @wb.function
        def grow(self, x):
            return {"ragged": x * self.v}   # a key named so is no ragged result

    dense = Keyed()
    dense.grow.get_concrete_function(wb.TensorSpec([None], wb.float32))
    wb.saved_model.save(dense, str(tmp_path / "b"))
    path = tmp_path / "b" / "saved_model.json"
    manifest = json.loads(path.read_text())
    assert manifest["version"] == 1   # no ragged entries: what a version-1 reader reads
    got = wb.saved_model.load(str(tmp_path / "b")).grow(wb.constant([1.0, 2.0]))
    assert got["ragged"].numpy().tolist() == [3.0, 6.0]
    manifest["version"] = 3
    path.write_text(json.dumps(manifest))
    with pytest.raises(ValueError, match="has version 3; this workbench reads versions 1, 2"):
        wb.saved_model.load(str(tmp_path / "b"))
