"""RaggedTensor: construction, accessors, conversion, indexing and elementwise ops,
pinned to the examples in TF 2's tf.RaggedTensor documentation."""

import numpy as np
import pytest

import ragged
import workbench as wb
from ragged import RaggedTensor
from gradients import check_gradients

VALUES = [3, 1, 4, 1, 5, 9, 2, 6]
EXPECTED = [[3, 1, 4, 1], [], [5, 9, 2], [6], []]


class TestConstructors:
    def test_from_row_splits(self):
        assert RaggedTensor.from_row_splits(VALUES, [0, 4, 4, 7, 8, 8]).to_list() == EXPECTED

    def test_from_row_lengths(self):
        assert RaggedTensor.from_row_lengths(VALUES, [4, 0, 3, 1, 0]).to_list() == EXPECTED

    def test_from_value_rowids(self):
        rt = RaggedTensor.from_value_rowids(VALUES, [0, 0, 0, 0, 2, 2, 2, 3], nrows=5)
        assert rt.to_list() == EXPECTED
        # without nrows, trailing empty rows are not known
        assert RaggedTensor.from_value_rowids(VALUES, [0, 0, 0, 0, 2, 2, 2, 3]).nrows_int() == 4

    def test_from_row_starts_and_limits(self):
        assert RaggedTensor.from_row_starts(VALUES, [0, 4, 4, 7, 8]).to_list() == EXPECTED
        assert RaggedTensor.from_row_limits(VALUES, [4, 4, 7, 8, 8]).to_list() == EXPECTED

    def test_from_uniform_row_length(self):
        rt = RaggedTensor.from_uniform_row_length([1, 2, 3, 4, 5, 6], 2)
        assert rt.to_list() == [[1, 2], [3, 4], [5, 6]] and rt.shape == (3, 2)

    def test_from_nested_row_splits_and_lengths(self):
        rt = RaggedTensor.from_nested_row_splits(VALUES, ([0, 3, 3, 5], [0, 4, 4, 7, 8, 8]))
        assert rt.to_list() == [[[3, 1, 4, 1], [], [5, 9, 2]], [], [[6], []]]
        assert rt.ragged_rank == 2 and rt.shape == (3, None, None)
        rt2 = RaggedTensor.from_nested_row_lengths(VALUES, ([3, 0, 2], [4, 0, 3, 1, 0]))
        assert rt2.to_list() == rt.to_list()

    def test_from_tensor(self):
        dt = wb.constant([[5, 7, 0], [0, 3, 0], [6, 0, 0]])
        assert RaggedTensor.from_tensor(dt).to_list() == [[5, 7, 0], [0, 3, 0], [6, 0, 0]]
        assert RaggedTensor.from_tensor(dt, lengths=[1, 0, 3]).to_list() == [[5], [], [6, 0, 0]]
        assert RaggedTensor.from_tensor(dt, padding=0).to_list() == [[5, 7], [0, 3], [6]]

    def test_from_tensor_padding_over_inner_dims(self):
        dt = wb.constant([[[1, 1], [0, 0]], [[0, 0], [0, 0]]])
        assert RaggedTensor.from_tensor(dt, padding=[0, 0]).to_list() == [[[1, 1]], []]
        with pytest.raises(ValueError, match=r"padding must have shape \(2,\)"):   # TF 2.21: a ValueError
            RaggedTensor.from_tensor(dt, padding=0)

    def test_constant(self):
        rt = ragged.constant([[1, 2], [3]])
        assert rt.dtype == wb.int32 and rt.shape == (2, None)
        assert ragged.constant([[1.0], []]).dtype == wb.float32
        assert ragged.constant([[], []]).dtype == wb.float32
        rt3 = ragged.constant([[[1, 2]], [[3, 4], [5, 6]]], inner_shape=(2,))
        assert rt3.shape == (2, None, 2) and rt3.ragged_rank == 1
        assert ragged.constant([[[1, 2], [3]], [[4]]]).ragged_rank == 2
        assert ragged.constant([[1, 2]], dtype=wb.float64).dtype == wb.float64

    def test_constant_nesting_as_tf(self):
        # TF 2.21's results: empty lists count towards the depth, no ragged dimension gives a
        # dense tensor, NumPy integers convert by value as in a Python list
        deep = ragged.constant([[[]], []])
        assert deep.ragged_rank == 2 and deep.shape == (2, None, None) and deep.dtype == np.float32
        assert ragged.constant([[[]]]).shape == (1, None, None)
        assert ragged.constant([[[], []], [[]]]).shape == (2, None, None)
        empty = ragged.constant([])
        assert not isinstance(empty, ragged.RaggedTensor) and empty.shape == (0,) and empty.dtype == np.float32
        scalar = ragged.constant(5)
        assert not isinstance(scalar, ragged.RaggedTensor) and scalar.shape == () and int(scalar) == 5
        # no ragged dimension: TF 2.21 builds tf.constant(pylist, shape=inner_shape), so the sizes must agree
        assert ragged.constant([[1, 2], [3, 4]], inner_shape=(2, 2)).shape == (2, 2)
        assert ragged.constant([[1, 2], [3, 4]], inner_shape=(4,)).shape == (4,)
        with pytest.raises(TypeError):   # TF 2.21: "... has 4 elements, but got `shape` (2,) with 2 elements"
            ragged.constant([[1, 2], [3, 4]], inner_shape=(2,))
        assert ragged.constant([np.array([1, 2]), np.array([3])]).dtype == np.int32
        assert ragged.constant([[np.int64(1)], []]).dtype == np.int32
        assert ragged.constant([[np.int64(2 ** 40)], []]).dtype == np.int64
        assert ragged.constant([[np.float64(1.0)], []]).dtype == np.float64
        assert ragged.constant([[], []], ragged_rank=1, inner_shape=(3,)).shape == (2, None, 3)
        with pytest.raises(ValueError, match="empty lists are nested deeper"):
            ragged.constant([[1], [[]]])
        with pytest.raises(ValueError, match="need values nested 3 deep, got 2"):
            ragged.constant([[1, 2], [3]], ragged_rank=1, inner_shape=(2,))
        with pytest.raises(ValueError, match="must be non-negative"):
            ragged.constant([[1]], ragged_rank=-1)

    def test_constant_errors(self):
        # TF's exact texts (its ragged guide prints them); NumPy would make strings of mixed types
        with pytest.raises(ValueError) as info:
            ragged.constant([["one", "two"], [3, 4]])
        assert str(info.value) == "Can't convert Python sequence with mixed types to Tensor."
        with pytest.raises(ValueError) as info:
            ragged.constant(["A", ["B", "C"]])
        assert str(info.value) == "all scalar values must have the same nesting depth"
        with pytest.raises(ValueError, match="same nesting depth"):
            ragged.constant([[1, [2]]])
        with pytest.raises(ValueError, match=r"Attempt to convert a value \(None\)"):
            ragged.constant([[None, 1]])
        with pytest.raises(ValueError, match="uniform"):
            ragged.constant([[[1, 2], [3]]], ragged_rank=1)

    def test_range(self):
        assert ragged.range([3, 5, 2], [5, 8, 2]).to_list() == [[3, 4], [5, 6, 7], []]
        assert ragged.range([0, 5], [10, 9], [3, 2]).to_list() == [[0, 3, 6, 9], [5, 7]]
        assert ragged.range(3).to_list() == [[0, 1, 2]]


class TestValidation:
    def test_splits_must_start_at_zero(self):
        with pytest.raises(ValueError, match="start with 0"):
            RaggedTensor.from_row_splits(VALUES, [1, 4, 8])

    def test_splits_must_not_decrease(self):
        with pytest.raises(ValueError, match="non-decreasing.*row_splits\\[2\\]"):
            RaggedTensor.from_row_splits(VALUES, [0, 4, 3, 8])

    def test_last_split_must_equal_nvals(self):
        with pytest.raises(ValueError, match="last row split \\(7\\).*number of values \\(8\\)"):
            RaggedTensor.from_row_splits(VALUES, [0, 4, 7])

    def test_row_lengths(self):
        with pytest.raises(ValueError, match="non-negative"):
            RaggedTensor.from_row_lengths(VALUES, [9, -1])
        with pytest.raises(ValueError, match="add up to 7"):
            RaggedTensor.from_row_lengths(VALUES, [4, 3])

    def test_value_rowids(self):
        with pytest.raises(ValueError, match="sorted"):
            RaggedTensor.from_value_rowids(VALUES, [0, 1, 0, 0, 2, 2, 2, 3])
        with pytest.raises(ValueError, match="nrows is 2"):
            RaggedTensor.from_value_rowids(VALUES, [0, 0, 0, 0, 2, 2, 2, 3], nrows=2)

    def test_float_splits(self):
        with pytest.raises(ValueError, match="integers"):   # TF 2.21: "row_splits must have dtype int32 or int64"
            RaggedTensor.from_row_splits(VALUES, np.array([0.0, 8.0]))


class TestAccessors:
    rt = RaggedTensor.from_row_splits(VALUES, [0, 4, 4, 7, 8, 8])

    def test_encodings(self):
        rt = self.rt
        assert rt.row_lengths().numpy().tolist() == [4, 0, 3, 1, 0]
        assert rt.value_rowids().numpy().tolist() == [0, 0, 0, 0, 2, 2, 2, 3]
        assert int(rt.nrows()) == 5
        assert rt.row_starts().numpy().tolist() == [0, 4, 4, 7, 8]
        assert rt.row_limits().numpy().tolist() == [4, 4, 7, 8, 8]
        assert rt.row_splits.dtype == wb.int64
        assert rt.values.numpy().tolist() == VALUES and rt.flat_values.numpy().tolist() == VALUES

    def test_nested(self):
        rt = RaggedTensor.from_nested_row_splits(VALUES, ([0, 3, 3, 5], [0, 4, 4, 7, 8, 8]))
        assert [s.numpy().tolist() for s in rt.nested_row_splits] == [[0, 3, 3, 5], [0, 4, 4, 7, 8, 8]]
        assert [s.numpy().tolist() for s in rt.nested_row_lengths()] == [[3, 0, 2], [4, 0, 3, 1, 0]]
        assert rt.row_lengths(axis=2).to_list() == [[4, 0, 3], [], [1, 0]]
        assert rt.bounding_shape().numpy().tolist() == [3, 3, 4]

    def test_bounding_shape(self):
        rt = ragged.constant([[1, 2, 3, 4], [5]])
        assert rt.bounding_shape().numpy().tolist() == [2, 4]
        assert int(rt.bounding_shape(axis=1)) == 4

    def test_with_values(self):
        rt = ragged.constant([[1, 2], [3]])
        assert rt.with_values(wb.constant([4, 5, 6])).to_list() == [[4, 5], [6]]
        with pytest.raises(ValueError, match="expected 3"):
            rt.with_values(wb.constant([1, 2]))

    def test_numpy_and_repr(self):
        rows = ragged.constant([[1, 2], [3]]).numpy()
        assert rows.dtype == object and rows[0].tolist() == [1, 2]
        assert ragged.constant([[1, 2], [3, 4]]).numpy().tolist() == [[1, 2], [3, 4]]   # equal rows stack, as TF
        assert ragged.constant([[1, 2], [3, 4]]).numpy().dtype == np.int32
        assert ragged.constant([[1, 2]])[:0].numpy().shape == (0, 0)
        # TF 2.21's text, with our module prefix (as str(wb.constant(1)) is "wb.Tensor(...)")
        assert repr(ragged.constant([[1.0, 2.0], []])) == "<wb.RaggedTensor [[1.0, 2.0], []]>"
        assert str(ragged.constant([[1, 2], [3, 4]])) == "<wb.RaggedTensor [[1, 2],\n [3, 4]]>"
        assert f"{ragged.constant([['a'], []])}" == "<wb.RaggedTensor [[b'a'], []]>"
        assert str(ragged.constant([[[1, 2], [3, 4], [5, 6]], [[7, 8]]], ragged_rank=1)) == (
            "<wb.RaggedTensor [[[1, 2],\n  [3, 4],\n  [5, 6]], [[7, 8]]]>")
        long = str(ragged.constant([list(range(i)) for i in range(23)]))
        assert long.endswith("20],\n [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20,\n"
                             "  21]" + " " * 70 + "]>")   # NumPy's wrapping, as TF prints it
        html = ragged.constant([[1.0, 2.0], []])._repr_html_()
        assert "<table>" in html and "length" in html


class TestToTensor:
    rt = ragged.constant([[9, 8, 7], [], [6, 5], [4]])

    def test_strings_pad_with_empty_strings(self):
        # TF 2.21: b'' pads a string tensor; default_value and shape as for numbers
        words = ragged.constant([["Hi"], ["Welcome", "to", "the", "fair"], ["Have", "fun"]])
        assert words.to_tensor().numpy().tolist() == [[b"Hi", b"", b"", b""], [b"Welcome", b"to", b"the", b"fair"],
                                                      [b"Have", b"fun", b"", b""]]
        assert words.to_tensor(default_value="", shape=[None, 10]).shape == (3, 10)
        assert words.to_tensor(default_value="?", shape=[2, 2]).numpy().tolist() == [[b"Hi", b"?"],
                                                                                     [b"Welcome", b"to"]]
        deep = ragged.constant([[["a", "b"], []], [["c"]]])
        assert deep.to_tensor("?").numpy().tolist() == [[[b"a", b"b"], [b"?", b"?"]], [[b"c", b"?"], [b"?", b"?"]]]
        assert ragged.constant([[True], []]).to_tensor().numpy().tolist() == [[True], [False]]
        with pytest.raises(TypeError, match="Cannot convert 0"):   # TF 2.21's class
            words.to_tensor(default_value=0)

    def test_padding_and_shape(self):
        assert self.rt.to_tensor().numpy().tolist() == [[9, 8, 7], [0, 0, 0], [6, 5, 0], [4, 0, 0]]
        assert self.rt.to_tensor(default_value=-1).numpy().tolist() == [[9, 8, 7], [-1, -1, -1], [6, 5, -1], [4, -1, -1]]
        assert self.rt.to_tensor(shape=[None, 2]).numpy().tolist() == [[9, 8], [0, 0], [6, 5], [4, 0]]
        assert self.rt.to_tensor(shape=[2, 4]).numpy().tolist() == [[9, 8, 7, 0], [0, 0, 0, 0]]

    def test_nested_to_tensor(self):
        rt = ragged.constant([[[1, 2], [3]], [], [[4, 5, 6]]])
        assert rt.to_tensor().numpy().tolist() == [
            [[1, 2, 0], [3, 0, 0]], [[0, 0, 0], [0, 0, 0]], [[4, 5, 6], [0, 0, 0]]]

    def test_roundtrip_with_inner_dims(self):
        rt = ragged.constant([[[1.0, 2.0]], [], [[3.0, 4.0], [5.0, 6.0]]], inner_shape=(2,))
        dense = rt.to_tensor()
        assert dense.shape == (3, 2, 2)
        back = RaggedTensor.from_tensor(dense, lengths=rt.row_lengths())
        assert back.to_list() == rt.to_list()

    def test_gradients_through_dense_conversions(self):
        lengths = [2, 0, 3]

        def f(values, dense):
            rt = RaggedTensor.from_row_lengths(values, lengths)
            back = RaggedTensor.from_tensor(dense, lengths=lengths)
            return rt.to_tensor(default_value=0.5) * dense + back.to_tensor() * 2.0
        check_gradients(f, [np.arange(1.0, 6.0), np.linspace(0.1, 0.9, 9).reshape(3, 3)])


class TestIndexing:
    rt = ragged.constant([[1, 2, 3], [4], [5, 6]])

    def test_rows(self):
        assert self.rt[1].numpy().tolist() == [4]
        assert self.rt[-1].numpy().tolist() == [5, 6]
        assert self.rt[1:].to_list() == [[4], [5, 6]]
        assert self.rt[::2].to_list() == [[1, 2, 3], [5, 6]]

    def test_ragged_dimension(self):
        assert self.rt[:, :2].to_list() == [[1, 2], [4], [5, 6]]
        assert self.rt[:, -1:].to_list() == [[3], [4], [6]]
        assert self.rt[0, 2].numpy() == 3
        for key in [(slice(None), 0), (slice(None), -1), (slice(0, 1), 0), (Ellipsis, 0)]:
            with pytest.raises(ValueError, match="^Cannot index into an inner ragged dimension.$"):   # TF 2.21
                self.rt[key]
        uniform = RaggedTensor.from_tensor(wb.constant([[1, 2, 3], [4, 5, 6]]))
        assert uniform[:, -1].numpy().tolist() == [3, 6]   # TF 2.21: a uniform dimension takes an index
        assert uniform[:, 1:].shape == (2, 2) and uniform[::-1, ::2].shape == (2, 2)

    def test_out_of_bounds(self):
        with pytest.raises(wb.errors.InvalidArgumentError, match="Index out of bounds"):   # TF 2.21's class
            RaggedTensor.from_tensor(wb.constant([[1, 2], [3, 4]]))[:, 5]
        with pytest.raises(IndexError, match="^Row key 3 out of bounds$"):   # TF's class and text
            self.rt[3]
        with pytest.raises(IndexError, match="^Row key 3 out of bounds$"):
            self.rt[wb.constant(3), 0]
        with pytest.raises(wb.errors.InvalidArgumentError) as info:   # TF: its StridedSlice kernel's error
            self.rt[-5]
        assert str(info.value) == ("{{function_node __wrapped__StridedSlice_device_/job:localhost/replica:0/task:0/"
                                   "device:CPU:0}} slice index -2 of dimension 0 out of bounds. [Op:StridedSlice] "
                                   "name: strided_slice/")
        with pytest.raises(wb.errors.InvalidArgumentError, match=r"slice index 5 of dimension 0 out of bounds\."):
            self.rt[0, 5]   # inside a row: the row's own StridedSlice, as TF

    def test_inner_uniform_dims_and_ellipsis(self):
        rt = ragged.constant([[[1, 2], [3, 4]], [[5, 6]]], inner_shape=(2,))
        assert rt[:, :, 1].to_list() == [[2, 4], [6]]
        assert rt[..., 0].to_list() == [[1, 3], [5]]

    def test_nested(self):
        rt = ragged.constant([[[1, 2], [3]], [], [[4, 5, 6]]])
        assert rt[0].to_list() == [[1, 2], [3]]
        with pytest.raises(ValueError, match="inner ragged dimension"):
            rt[:, :, 0]
        assert rt[2, 0, 1].numpy() == 5

    def test_gradient_through_indexing(self):
        def f(v):
            rt = RaggedTensor.from_row_lengths(v, [3, 1, 2])
            return rt[:, :2].flat_values * rt[0, -1] + rt[1:][0]
        check_gradients(f, [np.linspace(0.5, 1.5, 6)])


class TestElementwise:
    rt = ragged.constant([[1.0, 2.0], [], [3.0]])

    def test_unary_and_scalars(self):
        assert (self.rt * 2).to_list() == [[2.0, 4.0], [], [6.0]]
        assert (1.0 - self.rt).to_list() == [[0.0, -1.0], [], [-2.0]]
        np.testing.assert_allclose(wb.exp(self.rt).flat_values.numpy(), np.exp([1.0, 2.0, 3.0]), rtol=1e-6)
        assert wb.cast(self.rt, wb.int32).to_list() == [[1, 2], [], [3]]
        assert (self.rt > 1.5).to_list() == [[False, True], [], [True]]

    def test_same_partition(self):
        assert (self.rt + self.rt).to_list() == [[2.0, 4.0], [], [6.0]]
        # a uniform dimension of size 1 broadcasts (TF's ragged broadcasting); ragged row
        # lengths must match, even rows of one value (TF 2.21 raises there too)
        ones = RaggedTensor.from_uniform_row_length(wb.constant([1.0, 2.0, 3.0]), 1)
        assert (self.rt + ones).to_list() == [[2.0, 3.0], [], [6.0]]
        with pytest.raises(wb.errors.InvalidArgumentError, match="Condition x == y did not hold"):
            self.rt + ragged.constant([[1.0], [2.0], [3.0]])
        other = ragged.constant([[1.0, 2.0, 3.0], [], [3.0]])
        with pytest.raises(ValueError, match="Condition x == y did not hold"):
            self.rt + other

    def test_dense_broadcasting(self):
        col = wb.constant([[10.0], [20.0], [30.0]])
        assert (self.rt + col).to_list() == [[11.0, 12.0], [], [33.0]]
        assert (self.rt * wb.constant(2.0)).to_list() == [[2.0, 4.0], [], [6.0]]
        with pytest.raises(ValueError, match="Condition x == y did not hold"):
            self.rt + wb.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])

    def test_inner_dims_broadcast(self):
        rt = ragged.constant([[[1.0, 2.0]], [[3.0, 4.0], [5.0, 6.0]]], inner_shape=(2,))
        assert (rt * wb.constant([1.0, 10.0])).to_list() == [[[1.0, 20.0]], [[3.0, 40.0], [5.0, 60.0]]]

    def test_map_flat_values(self):
        out = ragged.map_flat_values(wb.square, self.rt)
        assert out.to_list() == [[1.0, 4.0], [], [9.0]]
        with pytest.raises(ValueError, match="number of flat values"):
            ragged.map_flat_values(wb.reduce_sum, self.rt)

    def test_gradient_is_ragged(self):
        with wb.GradientTape() as tape:
            tape.watch(self.rt)
            y = wb.square(self.rt) * 3.0
        g = tape.gradient(y, self.rt)
        assert isinstance(g, RaggedTensor) and g.to_list() == [[6.0, 12.0], [], [18.0]]

    def test_elementwise_gradients(self):
        def f(v, d):
            rt = RaggedTensor.from_row_lengths(v, [2, 0, 1])
            return (wb.tanh(rt) * rt + d).flat_values
        check_gradients(f, [np.array([0.3, -0.4, 0.9]), np.array([[0.5], [1.0], [2.0]])])


class TestLargeConstruction:
    def test_vectorized_from_row_lengths(self):
        rng = np.random.default_rng(0)
        lengths = rng.integers(0, 100, size=100_000)
        values = np.ones(int(lengths.sum()), np.float32)
        rt = RaggedTensor.from_row_lengths(values, lengths)
        assert rt.nrows_int() == 100_000
        np.testing.assert_array_equal(rt.row_lengths().numpy(), lengths)
        assert rt.value_rowids().numpy()[-1] == np.flatnonzero(lengths)[-1]
