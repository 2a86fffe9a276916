"""RaggedFeature partitions, parse_example of one serialized Example and the order of the
results, against TF 2.21's outputs (computed with TF on the same Examples)."""

import numpy as np
import pytest

import workbench as wb

R = wb.io.RaggedFeature


def example(**features):
    feats = {}
    for key, values in features.items():
        if isinstance(values[0], float):
            feats[key] = wb.train.Feature(float_list=wb.train.FloatList(value=values))
        else:
            feats[key] = wb.train.Feature(int64_list=wb.train.Int64List(value=values))
    return wb.train.Example(features=wb.train.Features(feature=feats)).SerializeToString()


EX = [example(v=[3, 1, 4, 1, 5, 9], f=[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], len=[2, 0, 4], starts=[0, 1, 1, 5],
              limits=[1, 1, 5, 6], ids=[0, 0, 2, 2, 2, 4], s1=[0, 2, 3, 3, 6], s2=[0, 2, 3, 4]),
      example(v=[2, 7], f=[7.0, 8.0], len=[1, 1], starts=[0, 2], limits=[2], ids=[1, 1], s1=[0, 1, 2],
              s2=[0, 1, 1, 2])]

# (spec, TF's parse_single_example of each Example, TF's parse_example of both)
CASES = {
    "lengths": (R(wb.int64, "v", [R.RowLengths("len")]),
                [[[3, 1], [], [4, 1, 5, 9]], [[2], [7]]]),
    "starts": (R(wb.int64, "v", [R.RowStarts("starts")]),
               [[[3], [], [1, 4, 1, 5], [9]], [[2, 7], []]]),
    "limits": (R(wb.float32, "f", [R.RowLimits("limits")]),
               [[[1.0], [], [2.0, 3.0, 4.0, 5.0], [6.0]], [[7.0, 8.0]]]),
    "ids": (R(wb.int64, "v", [R.ValueRowIds("ids")]),
            [[[3, 1], [], [4, 1, 5], [], [9]], [[], [2, 7]]]),
    "two_levels": (R(wb.int64, "v", [R.RowSplits("s2"), R.RowSplits("s1")]),
                   [[[[3, 1], [4]], [[]], [[1, 5, 9]]], [[[2]], [], [[7]]]]),
    "uniform_over_lengths": (R(wb.int64, "v", [R.UniformRowLength(1), R.RowLengths("len")]),
                             [[[[3, 1]], [[]], [[4, 1, 5, 9]]], [[[2]], [[7]]]]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_partitions_match_tf(name):
    spec, rows = CASES[name]
    for serialized, want in zip(EX, rows):
        got = wb.io.parse_single_example(serialized, {name: spec})[name]
        assert isinstance(got, wb.RaggedTensor) and got.to_list() == want
        assert got.row_splits.dtype == wb.int32       # TF's default row_splits_dtype
    batch = wb.io.parse_example(EX, {name: spec})[name]
    assert batch.to_list() == rows and batch.ragged_rank == len(spec.partitions) + 1


def test_uniform_partitions_match_tf_shapes():
    # innermost: a dense dimension (one Example: a Tensor (3, 2); a batch: (2, None, 2))
    spec = {"u": R(wb.int64, "v", [R.UniformRowLength(2)])}
    one = wb.io.parse_single_example(EX[0], spec)["u"]
    assert isinstance(one, wb.Tensor) and one.numpy().tolist() == [[3, 1], [4, 1], [5, 9]]
    batch = wb.io.parse_example(EX, spec)["u"]
    assert batch.shape.as_list() == [2, None, 2] and batch.to_list() == [[[3, 1], [4, 1], [5, 9]], [[2, 7]]]
    # above a ragged partition: a uniform ragged dimension, TF's (3, 1, None)
    spec = {"u": R(wb.int64, "v", [R.UniformRowLength(1), R.RowLengths("len")])}
    assert wb.io.parse_single_example(EX[0], spec)["u"].shape.as_list() == [3, 1, None]
    assert wb.io.parse_example(EX, spec)["u"].shape.as_list() == [2, None, 1, None]


def test_row_splits_dtype_and_missing_values():
    got = wb.io.parse_single_example(EX[0], {"x": R(wb.int64, "v", [R.RowLengths("len")],
                                                    row_splits_dtype=wb.int64)})["x"]
    assert got.row_splits.dtype == wb.int64
    missing = wb.io.parse_single_example(EX[0], {"x": R(wb.int64, "nope")})["x"]
    assert missing.shape == (0,) and missing.dtype == wb.int64
    assert wb.io.parse_example(EX, {"x": R(wb.int64, "nope")})["x"].to_list() == [[], []]


def test_tf_docstring_example():
    # TF 2.21's tf.io.RaggedFeature docstring
    features = {"f1": R(value_key="v", dtype=wb.int64),
                "f2": R(value_key="v", dtype=wb.int64, partitions=[R.RowSplits("s1")]),
                "f3": R(value_key="v", dtype=wb.int64, partitions=[R.RowSplits("s2"), R.RowSplits("s1")])}
    one = wb.io.parse_single_example(EX[0], features)
    assert one["f1"].numpy().tolist() == [3, 1, 4, 1, 5, 9]
    assert one["f2"].to_list() == [[3, 1], [4], [], [1, 5, 9]]
    assert one["f3"].to_list() == [[[3, 1], [4]], [[]], [[1, 5, 9]]]


def test_bad_partitions_raise():
    with pytest.raises(TypeError, match=r"features\['x'\]: a RaggedFeature partition must be a RaggedFeature.RowSplits"):
        wb.io.parse_single_example(EX[0], {"x": R(wb.int64, "v", ["s1"])})
    with pytest.raises(ValueError, match="UniformRowLength's length must be a positive int, got 0"):
        wb.io.parse_single_example(EX[0], {"x": R(wb.int64, "v", [R.UniformRowLength(0)])})
    with pytest.raises(wb.errors.InvalidArgumentError, match=r"UniformRowLength\(4\) does not divide the 6 rows"):
        wb.io.parse_single_example(EX[0], {"x": R(wb.int64, "v", [R.UniformRowLength(4)])})
    with pytest.raises(wb.errors.InvalidArgumentError,
                       match=r"the RowLengths partition 's2' gives row splits \[0, 0, 2, 5, 9\], which must rise "
                             r"from 0 to the 6 rows below it"):
        wb.io.parse_single_example(EX[0], {"x": R(wb.int64, "v", [R.RowLengths("s2")])})


def test_parse_example_of_one_serialized_example_is_parse_single_example():
    # TF 2.21's tf.train.Feature docstring: a scalar serialized gives unbatched tensors
    ex = wb.train.Example(features=wb.train.Features(feature={
        "my_ints": wb.train.Feature(int64_list=wb.train.Int64List(value=[1, 2, 3, 4])),
        "my_floats": wb.train.Feature(float_list=wb.train.FloatList(value=[1.0, 2.0, 3.0, 4.0])),
        "my_bytes": wb.train.Feature(bytes_list=wb.train.BytesList(value=[b"abc", b"1234"]))}))
    got = wb.io.parse_example(ex.SerializeToString(), {"my_ints": R(dtype=wb.int64),
                                                       "my_floats": R(dtype=wb.float32),
                                                       "my_bytes": R(dtype=wb.string)})
    assert list(got) == ["my_bytes", "my_floats", "my_ints"]   # TF's order
    assert got["my_ints"].shape == (4,) and got["my_ints"].dtype == wb.int64
    assert got["my_floats"].numpy().tolist() == [1.0, 2.0, 3.0, 4.0]
    assert got["my_bytes"].numpy().tolist() == [b"abc", b"1234"]
    with pytest.raises(ValueError, match=r"serialized must be a string scalar or vector, got shape \(1, 1\)"):
        wb.io.parse_example([[ex.SerializeToString()]], {"my_ints": R(dtype=wb.int64)})


def test_results_come_in_tf_order():
    # TF 2.21: the sparse features, then the dense, then the ragged, each by sorted key
    ex = example(a=[1], b=[1], c=[1])
    features = {"c": R(wb.int64), "a": wb.io.FixedLenFeature([], wb.int64), "b": wb.io.VarLenFeature(wb.int64)}
    assert list(wb.io.parse_example(ex, features)) == ["b", "a", "c"]
    assert list(wb.io.parse_single_example(ex, features)) == ["b", "a", "c"]
    assert list(wb.io.parse_example([ex], features)) == ["b", "a", "c"]
    dense = {k: wb.io.FixedLenFeature([], wb.int64) for k in "cab"}
    assert list(wb.io.parse_example([ex], dense)) == ["a", "b", "c"]


def test_ragged_results_whatever_was_imported_first():
    # wb.image imports wb.io as a submodule: the ragged constructor must be registered all the same
    import subprocess
    import sys
    code = ("import workbench as wb; wb.image; R = wb.io.RaggedFeature\n"
            "ex = wb.train.Example(features=wb.train.Features(feature={'v': wb.train.Feature("
            "int64_list=wb.train.Int64List(value=[1, 2]))})).SerializeToString()\n"
            "print(wb.io.parse_example([ex], {'v': R(wb.int64)})['v'].to_list())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[[1, 2]]"
