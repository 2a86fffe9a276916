"""TF API breadth: functions of tf, tf.math, tf.math.special, tf.nest and tf.debugging that
TF's own docstring examples use, pinned to the values TF 2.21 gives for the same calls.
(Gradients of the special functions: tests/op_cases/tf_extra.py.)"""

import collections

import numpy as np
import pytest

import workbench as wb
from workbench.errors import InvalidArgumentError

X = np.array([0.3, 1.7, 4.2])

# TF 2.21, tf.math.special.<name>(X) in float64
SPECIAL = {
    "bessel_i0": [1.0226268793515971, 1.8639649620738397, 13.44245616329765],
    "bessel_i0e": [0.7575806251825479, 0.3405156879824709, 0.20157738405263387],
    "bessel_i1": [0.15169384000359282, 1.1963465656344818, 11.705620143051611],
    "bessel_i1e": [0.11237756063983881, 0.21855280659849335, 0.17553252608646164],
    "bessel_j0": [0.9776262465382962, 0.39798485944610945, -0.3765570543675676],
    "bessel_j1": [0.148318816273104, 0.5777652315290233, -0.1386469421260462],
    "bessel_y0": [-0.8072735778045196, 0.45202700018163466, -0.09375120131443421],
    "bessel_y1": [-2.2931051383885293, -0.2847262450640684, 0.3680128078541756],
    "bessel_k0": [1.3724600605442978, 0.16549631805699652, 0.00892745154154237],
    "bessel_k0e": [1.8526273007720149, 0.9059181385685512, 0.595338988851112],
    "bessel_k1": [3.055992033457325, 0.2093624882040826, 0.009938204735917083],
    "bessel_k1e": [4.12515776224447, 1.1460392462302547, 0.6627424109718568],
    "dawsn": [0.28263166502131193, 0.37255934897407883, 0.12276081600652292],
    "expint": [-0.30266853926582604, 3.9209632013549047, 22.57740064778209],
    "fresnel_cos": [0.2994009760520472, 0.32382687600390025, 0.5417192031634154],
    "fresnel_sin": [0.014116998006576587, 0.5491959403215687, 0.5631988883966113],
    "spence": [0.8893776242860388, -0.6051584023377057, -2.030415099021474],
}


@pytest.mark.parametrize("name", sorted(SPECIAL))
def test_special_functions_match_tf(name):
    out = getattr(wb.math.special, name)(wb.constant(X, wb.float64))
    assert out.dtype == wb.float64
    np.testing.assert_allclose(out.numpy(), SPECIAL[name], rtol=1e-12)
    f32 = getattr(wb.math.special, name)(X.astype(np.float32))
    assert f32.dtype == wb.float32
    np.testing.assert_allclose(f32.numpy(), SPECIAL[name], rtol=2e-6)


def test_special_gradient_matches_tf():
    x = wb.constant([1.5, -0.5, 2.0])
    with wb.GradientTape() as tape:
        tape.watch(x)
        y = wb.reduce_sum(wb.math.special.bessel_i1e(x) + wb.math.special.spence(wb.abs(x))
                          + wb.math.special.bessel_k1e(wb.abs(x)))
    np.testing.assert_allclose(tape.gradient(y, x).numpy(),
                               [-1.3523838520050049, 5.81718635559082, -1.0323728322982788], rtol=1e-5)


def test_bessel_i_at_math_level_and_erfcinv():
    assert wb.math.bessel_i0 is wb.math.special.bessel_i0
    np.testing.assert_allclose(wb.math.erfcinv(wb.constant([0.2, 1.0, 1.5], wb.float64)).numpy(),
                               [0.9061938024368232, -0.0, -0.4769362762044699], rtol=1e-12)
    out = wb.math.erfcinv([0.0, 2.0]).numpy()
    assert out[0] == np.inf and out[1] == -np.inf
    with pytest.raises(TypeError, match="dtype"):
        wb.math.special.bessel_j0(wb.constant([1, 2]))


def test_conj():
    out = wb.math.conj(wb.constant(np.array([-2.25 + 4.75j, 3.25 + 5.75j])))
    assert out.dtype == wb.complex128
    np.testing.assert_array_equal(out.numpy(), [-2.25 - 4.75j, 3.25 - 5.75j])
    real = wb.constant([-2.25, 3.25])
    assert wb.math.conj(real) is real
    with pytest.raises(TypeError, match="conj"):
        wb.math.conj(wb.constant(["a"]))


def test_bincount_matches_tf():
    v = wb.constant([1, 1, 2, 3, 2, 4, 4, 5])
    out = wb.math.bincount(v)
    assert out.dtype == wb.int32 and out.numpy().tolist() == [0, 2, 2, 1, 2, 1]
    w = wb.constant([1, 5, 0, 1, 0, 5, 4, 5])
    assert wb.math.bincount(v, weights=w).numpy().tolist() == [0, 6, 0, 1, 9, 5]
    rows = np.array([[1, 2, 3, 0], [0, 0, 1, 2]], np.int32)
    assert wb.math.bincount(rows, axis=-1, minlength=5).numpy().tolist() == [[1, 1, 1, 1, 0], [2, 1, 1, 0, 0]]
    assert wb.math.bincount(rows, axis=-1, binary_output=True).numpy().tolist() == [[1, 1, 1, 1], [1, 1, 1, 0]]
    fw = wb.math.bincount([1, 1, 4], weights=[0.5, 1.5, 2.0], minlength=2)
    assert fw.dtype == wb.float32 and fw.numpy().tolist() == [0.0, 2.0, 0.0, 0.0, 2.0]
    assert wb.math.bincount([1, 1, 4, 7], maxlength=3).numpy().tolist() == [0, 2, 0]
    with pytest.raises(InvalidArgumentError, match="negative"):
        wb.math.bincount([1, -1])
    with pytest.raises(TypeError, match="integer"):
        wb.math.bincount([1.0])


def test_polyval_in_top_k_and_monotonic_match_tf():
    np.testing.assert_allclose(wb.math.polyval([1.0, 2.5, -4.2], wb.constant([5.0, -1.0])).numpy(),
                               [33.29999923706055, -5.699999809265137])
    out = wb.math.polyval([wb.Variable(2), wb.Variable(1), wb.Variable(0)], wb.constant(3))
    assert out.dtype == wb.int32 and int(out) == 21
    x = wb.constant(2.0)
    with wb.GradientTape() as tape:
        tape.watch(x)
        y = wb.math.polyval([3.0, 0.0, 1.0], x)
    assert float(tape.gradient(y, x)) == 12.0
    with pytest.raises(ValueError, match="coeffs"):
        wb.math.polyval(wb.constant([1.0]), 2.0)
    pred = [[0.1, 0.5, 0.5, 0.2], [1.0, 2.0, 3.0, 0.0], [np.nan, 1.0, 2.0, 3.0]]
    assert wb.math.in_top_k([2, 0, 1], pred, 2).numpy().tolist() == [True, False, False]
    assert bool(wb.math.is_non_decreasing([[1, 2], [2, 3]]))
    assert not bool(wb.math.is_strictly_increasing([[1, 2], [2, 3]]))
    assert bool(wb.math.is_strictly_increasing([]))


def test_scalar_mul_and_accumulate_n():
    np.testing.assert_array_equal(wb.math.accumulate_n([wb.constant([1.0, 2.0]), wb.constant([3.0, 4.0])]).numpy(),
                                  [4.0, 6.0])
    with pytest.raises(ValueError, match="shape"):
        wb.math.accumulate_n([wb.constant([1.0]), wb.constant([1.0, 2.0])])
    np.testing.assert_array_equal(wb.scalar_mul(2.0, wb.constant([1.0, 3.0])).numpy(), [2.0, 6.0])
    sl = wb.IndexedSlices(wb.constant([[1.0, 2.0]]), wb.constant([1]), wb.constant([3, 2]))
    out = wb.math.scalar_mul(10.0, sl)
    assert isinstance(out, wb.IndexedSlices)
    np.testing.assert_array_equal(out.values.numpy(), [[10.0, 20.0]])
    with pytest.raises(ValueError, match="scalar"):
        wb.math.scalar_mul([1.0, 2.0], wb.constant([1.0, 2.0]))


def test_histogram_fixed_width_matches_tf():
    vals = [0.1, 0.9, 1.0, 2.5, -3, 99]
    h = wb.histogram_fixed_width(vals, [0.0, 3.0], nbins=3)
    assert h.dtype == wb.int32 and h.numpy().tolist() == [3, 1, 2]
    assert wb.histogram_fixed_width_bins(vals, [0.0, 3.0], nbins=3).numpy().tolist() == [0, 0, 1, 2, 0, 2]
    assert wb.histogram_fixed_width([-1.0, 0.0, 1.5, 2.0, 5.0, 15], [0.0, 5.0], nbins=5).numpy().tolist() == \
        [2, 1, 1, 0, 2]
    with pytest.raises(InvalidArgumentError, match="value_range"):
        wb.histogram_fixed_width(vals, [3.0, 0.0])


def test_bitcast_matches_tf():
    assert wb.bitcast(wb.constant([1.0, -2.0]), wb.int32).numpy().tolist() == [1065353216, -1073741824]
    assert wb.bitcast(wb.constant([[0, 0, 128, 63]], wb.uint8), wb.float32).numpy().tolist() == [1.0]
    assert wb.bitcast(wb.constant([1, 2], wb.int64), wb.int16).numpy().tolist() == [[1, 0, 0, 0], [2, 0, 0, 0]]
    out = wb.bitcast(wb.constant(0xffffffff, dtype=wb.uint32), wb.uint8)
    assert out.shape == (4,) and out.numpy().tolist() == [255] * 4
    with pytest.raises(InvalidArgumentError, match="Cannot bitcast from 1 to 18"):
        wb.bitcast([1.0, 2.0, 3.0], wb.complex128)
    with pytest.raises(TypeError, match="bitcast"):
        wb.bitcast(wb.constant([True]), wb.uint8)


def test_edit_distance_matches_tf():
    h = wb.SparseTensor([[0, 0, 0], [0, 0, 1], [1, 0, 0]], ["a", "b", "c"], (2, 2, 2))
    t = wb.SparseTensor([[0, 0, 0], [1, 0, 0], [1, 0, 1], [1, 1, 0]], ["a", "c", "d", "x"], (2, 2, 2))
    assert wb.edit_distance(h, t).numpy().tolist() == [[1.0, 0.0], [0.5, 1.0]]
    assert wb.edit_distance(h, t, normalize=False).numpy().tolist() == [[1.0, 0.0], [1.0, 1.0]]
    h2 = wb.SparseTensor([[0, 0, 0], [1, 0, 0]], ["a", "b"], (2, 1, 1))
    t2 = wb.SparseTensor([[0, 1, 0], [1, 0, 0], [1, 0, 1], [1, 1, 0]], ["a", "b", "c", "a"], (2, 2, 2))
    out = wb.edit_distance(h2, t2)
    assert out.dtype == wb.float32 and out.numpy().tolist() == [[np.inf, 1.0], [0.5, 1.0]]
    with pytest.raises(TypeError, match="hypothesis must be a SparseTensor"):
        wb.edit_distance(wb.constant([1]), t)


def test_broadcast_shapes_match_tf():
    out = wb.broadcast_dynamic_shape(wb.constant([4, 1], wb.int64), [3, 1, 5])
    assert out.dtype == wb.int64 and out.numpy().tolist() == [3, 4, 5]
    assert wb.broadcast_dynamic_shape((1, 2, 3), (5, 1, 3)).numpy().tolist() == [5, 2, 3]
    assert wb.broadcast_static_shape(wb.TensorShape([None, 1, 3]), wb.TensorShape([4, 3])).as_list() == [None, 4, 3]
    with pytest.raises(ValueError, match=r"Received: \(2,\) and \(3,\)"):
        wb.broadcast_static_shape(wb.TensorShape([2]), wb.TensorShape([3]))
    with pytest.raises(InvalidArgumentError, match=r"Incompatible shapes: \[2\] vs. \[3\]"):
        wb.broadcast_dynamic_shape([2], [3])


def test_ensure_shape_eager_and_in_function():
    x = wb.constant([[1, 2, 3], [4, 5, 6]])
    assert wb.ensure_shape(x, [None, 3]).shape == (2, 3)
    with pytest.raises(InvalidArgumentError, match=r"Shape of tensor input \[3\] is not compatible with "
                                                   r"expected shape \[5\]"):
        wb.ensure_shape(wb.zeros([3]), [5])

    @wb.function
    def f(t):
        return wb.ensure_shape(t, [None, 3]) * 2

    cf = f.get_concrete_function(wb.TensorSpec([None, None]))
    assert cf(wb.zeros([3, 3])).shape == (3, 3)
    with pytest.raises(InvalidArgumentError, match=r"\[2,4\]"):
        cf(wb.ones([2, 4]))
    assert f(wb.ones([2, 3])).shape == (2, 3)
    for _ in range(2):   # the trace and the replay both check
        with pytest.raises(InvalidArgumentError):
            f(wb.ones([2, 4]))


def test_get_static_value():
    assert wb.get_static_value(wb.constant(10)) == 10
    assert wb.get_static_value(wb.add(wb.constant(10), wb.constant(20))) == 30
    assert wb.get_static_value(wb.Variable(30)) is None
    with pytest.raises(TypeError, match="get_static_value"):
        wb.get_static_value(object())


def test_initializers_match_tf():
    v = wb.constant_initializer([1, 2, 3, 4])(shape=[2, 2], dtype=wb.int64)
    assert v.dtype == wb.int64 and v.numpy().tolist() == [[1, 2], [3, 4]]
    assert wb.constant_initializer(3)(shape=[2]).dtype == wb.int32
    assert wb.constant_initializer(2.0)(shape=[2], dtype=wb.float32).numpy().tolist() == [2.0, 2.0]
    with pytest.raises(TypeError, match=r"value has 8 elements, shape is \(3, 4\) with 12 elements"):
        wb.constant_initializer(list(range(8)))(shape=[3, 4], dtype=wb.float32)
    assert wb.ones_initializer()([2], wb.int32).numpy().tolist() == [1, 1]
    assert wb.zeros_initializer()([2]).dtype == wb.float32
    u = wb.random_uniform_initializer(-1.0, 1.0, seed=3)
    a, b = u([1000]), u([1000])
    assert a.dtype == wb.float32 and -1 <= a.numpy().min() and a.numpy().max() < 1
    assert abs(float(wb.reduce_mean(a))) < 0.1 and np.array_equal(a.numpy(), b.numpy())   # TF's
    assert np.array_equal(wb.random_uniform_initializer(-1.0, 1.0, seed=3)([1000]).numpy(), a.numpy())
    n = wb.random_normal_initializer(1.0, 2.0, seed=1)([4000], wb.float64)
    assert n.dtype == wb.float64 and abs(n.numpy().mean() - 1.0) < 0.15 and abs(n.numpy().std() - 2.0) < 0.15
    with pytest.raises(ValueError, match="floating"):
        wb.random_normal_initializer()([2], wb.int32)


def test_enums():
    assert wb.AggregationMethod.DEFAULT == wb.AggregationMethod.ADD_N
    assert wb.VariableSynchronization.ON_READ.value == 3
    assert wb.VariableAggregation.MEAN.value == 2


# -- tf.nest ------------------------------------------------------------------------------------

def test_nest_assert_same_structure_as_tf():
    s1 = (((1, 2), 3), 4, (5, 6))
    wb.nest.assert_same_structure(s1, ((("a", "b"), "c"), "d", ("e", "f")))
    s3 = [(("a", "b"), "c"), "d", ["e", "f"]]
    wb.nest.assert_same_structure(s1, s3, check_types=False)
    with pytest.raises(TypeError, match="same sequence type"):
        wb.nest.assert_same_structure(s1, s3)
    bar, foo = collections.namedtuple("bar", "a b"), collections.namedtuple("foo", "a b")
    wb.nest.assert_same_structure(bar(1, 2), foo(2, 3), check_types=False)
    wb.nest.assert_same_structure(bar(1, 2), {"a": 1, "b": 2}, check_types=False)
    with pytest.raises(TypeError):
        wb.nest.assert_same_structure(bar(1, 2), foo(2, 3))
    wb.nest.assert_same_structure({"a": 1, "b": 2, "c": 3}, {"c": 6, "b": 5, "a": 4})
    with pytest.raises(ValueError, match="same set of keys"):
        wb.nest.assert_same_structure({"a": 1}, {"b": 1})
    with pytest.raises(ValueError, match="same nested structure"):
        wb.nest.assert_same_structure([0, 1], np.array([0, 1]))
    with pytest.raises(ValueError, match="number of elements"):
        wb.nest.assert_same_structure([0, 1], [0])
    wb.nest.assert_same_structure("abc", np.array([1, 2]))
    r1 = wb.RaggedTensor.from_row_splits(values=[3, 1, 4, 1, 5, 9, 2, 6], row_splits=[0, 4, 4, 7, 8, 8])
    r2 = wb.RaggedTensor.from_row_splits(values=[3, 1, 4], row_splits=[0, 3])
    wb.nest.assert_same_structure(r1, r2, expand_composites=True)


def test_nest_map_structure_and_composites_as_tf():
    s1, s1_list = (((1, 2), 3), 4, (5, 6)), [[[1, 2], 3], 4, [5, 6]]
    with pytest.raises(TypeError):
        wb.nest.map_structure(lambda x, y: None, s1, s1_list)
    assert wb.nest.map_structure(lambda x, y: None, s1, s1_list, check_types=False) == \
        (((None, None), None), None, (None, None))
    assert wb.nest.map_structure(lambda p: p * 2, [24, 76, "ab"]) == [48, 152, "abab"]
    assert wb.nest.map_structure(lambda x, y: x + y, 3, 4) == 7
    r = wb.ragged.constant([[1.0, 2.0], [3.0]])
    structure = {"foo": r, "bar": wb.constant([[5.0]])}
    flat = wb.nest.flatten(structure, expand_composites=True)
    assert [t.numpy().tolist() for t in flat] == [[[5.0]], [1.0, 2.0, 3.0], [0, 2, 3]]
    assert wb.nest.flatten(structure) == [structure["bar"], r]
    back = wb.nest.pack_sequence_as(structure, flat, expand_composites=True)
    assert back["foo"].to_list() == [[1.0, 2.0], [3.0]]
    sp = wb.SparseTensor([[0, 1]], [7], [2, 2])
    parts = wb.nest.flatten(sp, expand_composites=True)
    assert len(parts) == 3
    assert wb.sparse.to_dense(wb.nest.pack_sequence_as(sp, parts, expand_composites=True)).numpy().tolist() == \
        [[0, 7], [0, 0]]
    with pytest.raises(ValueError, match="Structure had 2 atoms"):
        wb.nest.pack_sequence_as([1, 2], [1])
    with pytest.raises(ValueError, match="Structure had 2 atoms"):
        wb.nest.pack_sequence_as([1, 2], [1, 2, 3])


# -- tf.debugging -------------------------------------------------------------------------------

def test_ordering_assertions():
    assert wb.debugging.assert_greater(wb.constant([3, 4]), 2) is None
    assert wb.assert_less_equal(wb.constant([1, 2]), [1, 2]) is None
    assert wb.debugging.assert_none_equal(wb.constant([1, 2]), [2, 1]) is None
    with pytest.raises(InvalidArgumentError, match="Bad tensor size"):
        wb.debugging.assert_greater(wb.size(wb.ones([2, 3])), 9, message="Bad tensor size")
    with pytest.raises(InvalidArgumentError, match=r"x < y fails at 1 position\(s\), first at index \(1,\)"):
        wb.assert_less(wb.constant([1, 5]), 3)
    with pytest.raises(InvalidArgumentError):
        wb.debugging.assert_greater_equal(wb.constant([1.0]), 2.0)


def test_assert_type_and_shapes():
    wb.debugging.assert_type(wb.Variable(1.0), tf_type=wb.float32)
    wb.debugging.assert_type(wb.SparseTensor(indices=[[0, 0], [1, 2]], values=[1, 2], dense_shape=[3, 4]), wb.int32)
    with pytest.raises(TypeError, match="tensor must be of type tf.bool; got tf.int32"):
        wb.debugging.assert_type(wb.constant(21), wb.bool)
    x, y = wb.zeros([10, 3]), wb.ones([10, 7])
    wb.debugging.assert_shapes([(x, ("N", "Q")), (y, ("N", "D")), (wb.Variable([1.0, 2.0, 3.0]), ("Q",)),
                                (1.0, ())])
    wb.debugging.assert_shapes([(x, ("*", 3)), (y, (10, None))])
    with pytest.raises(ValueError, match="'D' is 3"):
        wb.debugging.assert_shapes([(x, ("N", "D")), (y, ("N", "D"))])
    with pytest.raises(ValueError, match="rank"):
        wb.debugging.assert_shapes([(x, ("N",))])
    with pytest.raises(ValueError, match="expected 4"):
        wb.debugging.assert_shapes([(x, ("N", 4))])


def test_log_device_placement(capsys):
    wb.debugging.set_log_device_placement(True)
    try:
        wb.constant([1.0]) + 1.0
    finally:
        wb.debugging.set_log_device_placement(False)
    assert "Executing op add in device" in capsys.readouterr().err
    wb.constant([1.0]) + 1.0
    assert capsys.readouterr().err == ""


# -- TensorArray --------------------------------------------------------------------------------

@pytest.mark.parametrize("compiled", [False, True])
def test_tensor_array_write_of_a_variable_keeps_its_value_then(compiled):
    # TF's tf.TensorArray docstring: [1, 2, 4, 7, 11], then [11, 12, 14, 17, 21] on a second call
    v = wb.Variable(1)

    def f(x):
        ta = wb.TensorArray(wb.int32, size=0, dynamic_size=True)
        for i in wb.range(x):
            v.assign_add(i)
            ta = ta.write(i, v)
        return ta.stack()

    g = wb.function(f) if compiled else f
    assert g(5).numpy().tolist() == [1, 2, 4, 7, 11]
    assert g(5).numpy().tolist() == [11, 12, 14, 17, 21]


# -- tf.image colour adjustments: TF's kernels' arithmetic, to the last bit ---------------------

_PIX = [[[0.2, 0.7, 0.4], [0.9, 0.1, 0.5]]]
_GRID = [[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], [[7.0, 8.0, 9.0], [10.0, 11.0, 12.0]]]


def test_adjust_hue_matches_tf_exactly():
    assert wb.image.adjust_hue(_GRID, 0.2).numpy().tolist() == \
        [[[2.3999996185302734, 1.0, 3.0], [5.3999996185302734, 4.0, 6.0]], [[8.399999618530273, 7.0, 9.0],
                                                                          [11.399999618530273, 10.0, 12.0]]]
    assert wb.image.adjust_hue(_PIX, 0.37).numpy().tolist() == \
        [[[0.5099999308586121, 0.20000000298023224, 0.699999988079071],
          [0.3239997625350952, 0.8999999761581421, 0.10000000149011612]]]
    assert wb.image.adjust_hue(_PIX, -0.8).numpy().tolist() == \
        [[[0.20000000298023224, 0.40000003576278687, 0.699999988079071],
          [0.8999999761581421, 0.6599998474121094, 0.10000000149011612]]]
    ints = wb.constant([[[1, 2, 3], [4, 5, 6]], [[7, 8, 9], [10, 11, 12]]])
    assert wb.image.adjust_hue(ints, 0.2).numpy().tolist() == [[[2, 1, 3], [5, 4, 6]], [[8, 7, 9], [11, 10, 12]]]
    u8 = wb.constant([[[10, 200, 40], [90, 10, 50]]], wb.uint8)
    assert wb.image.adjust_hue(u8, 0.3).numpy().tolist() == [[[10, 18, 200], [66, 90, 10]]]
    grey = wb.image.adjust_hue(wb.constant([[[0.5, 0.5, 0.5]]], wb.float64), 0.4)
    assert grey.dtype == wb.float64 and grey.numpy().tolist() == [[[0.5, 0.5, 0.5]]]


def test_adjust_saturation_matches_tf_exactly():
    assert wb.image.adjust_saturation(_GRID, 0.5).numpy().tolist() == \
        [[[2.0, 2.5, 3.0], [5.0, 5.5, 6.0]], [[8.0, 8.5, 9.0], [11.0, 11.5, 12.0]]]
    assert wb.image.adjust_saturation(_PIX, 1.7).numpy().tolist() == \
        [[[0.0, 0.699999988079071, 0.28000006079673767], [0.8999999761581421, 0.0, 0.44999998807907104]]]
    assert wb.image.adjust_saturation(_PIX, 0.3).numpy().tolist() == \
        [[[0.5499999523162842, 0.6999999284744263, 0.60999995470047],
          [0.8999999761581421, 0.6599999666213989, 0.7799999713897705]]]


# -- tf.linalg ----------------------------------------------------------------------------------

_BANDS = np.array([[[2., 3., 4., 5.], [0.5, -1., 2., 1.5], [9., 9., 0.25, 0.75]],
                   [[1., 2., 3., 4.], [1., 1., 1., 1.], [2., 2., 2., 2.]]])
_RHS = np.array([[1., 2.], [3., 4.], [5., 6.], [7., 8.]])


def test_banded_triangular_solve_matches_tf():
    out = wb.linalg.banded_triangular_solve(wb.constant(_BANDS), wb.constant(_RHS))
    np.testing.assert_allclose(out.numpy(), [
        [[0.5, 1.0], [1.1666666666666667, 1.6666666666666667], [0.6354166666666666, 0.6041666666666666],
         [1.034375, 1.16875]],
        [[1.0, 2.0], [1.0, 1.0], [0.6666666666666666, 0.3333333333333333], [1.0833333333333335, 1.4166666666666665]]],
        rtol=1e-12)
    up = wb.linalg.banded_triangular_solve(wb.constant(_BANDS), wb.constant(_RHS), lower=False, adjoint=True)
    np.testing.assert_allclose(up.numpy(), [
        [[0.1111111111111111, 0.2222222222222222], [0.3271604938271605, 0.43209876543209874],
         [20.419753086419753, 23.950617283950617], [-46.42798353909465, -54.93004115226338]],
        [[0.5, 1.0], [1.25, 1.5], [1.625, 1.75], [1.4375, 1.625]]], rtol=1e-12)
    # TF's docstring: entries outside the matrix are ignored; the dense solve gives the same bits
    x, x2 = [[2., 3., 4.], [1., 2., 3.]], [[2., 3., 4.], [10000., 2., 3.]]
    soln = wb.linalg.banded_triangular_solve(x, wb.ones([3, 1]))
    assert soln.numpy().ravel().tolist() == [0.5, 0.0, 0.25]
    assert soln.numpy().tolist() == wb.linalg.banded_triangular_solve(x2, wb.ones([3, 1])).numpy().tolist()
    z = wb.constant([[2., 0., 0.], [2., 3., 0.], [0., 3., 4.]])
    assert soln.numpy().tolist() == wb.linalg.triangular_solve(z, wb.ones([3, 1])).numpy().tolist()
    with pytest.raises(ValueError, match="rhs must have shape"):
        wb.linalg.banded_triangular_solve(x, wb.ones([4, 1]))


def test_banded_triangular_solve_gradients():
    from gradients import check_gradients
    bands = wb.constant(_BANDS[0], wb.float64)
    check_gradients(lambda b, r: wb.linalg.banded_triangular_solve(b, r), [bands, wb.constant(_RHS)], order=1)
    check_gradients(lambda b, r: wb.linalg.banded_triangular_solve(b, r, lower=False), [bands, wb.constant(_RHS)],
                    order=1)


def test_tensor_diag_part_matches_tf():
    assert wb.linalg.tensor_diag_part(wb.reshape(wb.range(16), [2, 2, 2, 2])).numpy().tolist() == [[0, 5], [10, 15]]
    with pytest.raises(ValueError, match="D1, ..., Dk"):
        wb.linalg.tensor_diag_part(wb.zeros([2, 3]))


def test_module_with_name_scope():
    seen = []

    class MyModule(wb.Module):
        @wb.Module.with_name_scope
        def __call__(self, x):
            seen.append(self.scoped_name("w"))
            if not hasattr(self, "w"):
                self.w = wb.Variable(wb.random.normal([x.shape[1], 3]))
            return wb.matmul(x, self.w)

    mod = MyModule()
    assert mod(wb.ones([1, 2])).shape == (1, 3)
    assert seen == ["my_module/w"] and wb.Module.scoped_name("w") == "w"
    assert MyModule.__call__.__name__ == "__call__"
    with pytest.raises(TypeError, match="expected a method"):
        wb.Module.with_name_scope(3)


# -- tf.random, tf.strings, tf.io, top-level helpers ---------------------------------------------

def test_create_rng_state_matches_tf():
    assert wb.random.create_rng_state(1234, "philox").numpy().tolist() == [1234, 0, 0]
    assert wb.random.create_rng_state([12, 34], "threefry").numpy().tolist() == [12, 34]
    assert wb.random.create_rng_state(-1, "philox").numpy().tolist() == [-1, -1, -1]
    assert wb.random.create_rng_state([1, 2, 3, 4], "philox").numpy().tolist() == [1, 2, 3]
    assert wb.random.create_rng_state([5], "auto_select").numpy().tolist() == [0, 0, 5]
    assert wb.random.create_rng_state(2 ** 64 + 7, "philox").numpy().tolist() == [7, 1, 0]
    assert wb.random.create_rng_state(3, wb.random.Algorithm.PHILOX).dtype == wb.int64
    with pytest.raises(ValueError, match="alg"):
        wb.random.create_rng_state(1, "mt19937")


def test_unsorted_segment_join_matches_tf():
    out = wb.strings.unsorted_segment_join(["this", "a", "test", "is"], [0, 1, 1, 0], 2, " ")
    assert out.numpy().tolist() == [b"this is", b"a test"]
    rows = [["Y", "q", "c"], ["Y", "6", "6"], ["p", "G", "a"]]
    assert wb.strings.unsorted_segment_join(rows, [1, 0, 1], 2, separator=":").numpy().tolist() == \
        [[b"Y", b"6", b"6"], [b"Y:p", b"q:G", b"c:a"]]
    assert wb.strings.unsorted_segment_join(["a", "b", "c", "d"], [2, 1, 0, 2], 4, separator="-").numpy().tolist() == \
        [b"c", b"b", b"a-d", b""]
    assert wb.strings.unsorted_segment_join([["Y", "q"], ["Y", "6"], ["p", "G"]], [[1, 0], [0, 0], [1, 1]], 2) \
        .numpy().tolist() == [b"qY6", b"YpG"]
    with pytest.raises(InvalidArgumentError, match="not allowed to exceed num_segments"):
        wb.strings.unsorted_segment_join(["a"], [5], 2)
    with pytest.raises(InvalidArgumentError):
        wb.strings.unsorted_segment_join(["a"], [-1], 2)


# the bytes TF 2.21's tf.io.serialize_tensor gives
_SERIALIZED = [
    (lambda: wb.constant(1), b'\x08\x03\x12\x00"\x04\x01\x00\x00\x00'),
    (lambda: wb.constant([[1, 2], [7, 8]]),
     b'\x08\x03\x12\x08\x12\x02\x08\x02\x12\x02\x08\x02"\x10\x01\x00\x00\x00\x02\x00\x00\x00\x07\x00\x00\x00'
     b'\x08\x00\x00\x00'),
    (lambda: wb.constant([b"ab", b"c"]), b"\x08\x07\x12\x04\x12\x02\x08\x02B\x02abB\x01c"),
    (lambda: wb.constant([1.5], wb.float64), b'\x08\x02\x12\x04\x12\x02\x08\x01"\x08\x00\x00\x00\x00\x00\x00\xf8?'),
    (lambda: wb.constant(True), b'\x08\n\x12\x00"\x01\x01'),
    (lambda: wb.zeros([0, 2]), b"\x08\x01\x12\x06\x12\x00\x12\x02\x08\x02"),
]


@pytest.mark.parametrize("k", range(len(_SERIALIZED)))
def test_serialize_tensor_bytes_match_tf_and_parse_back(k):
    make, want = _SERIALIZED[k]
    t = make()
    s = wb.io.serialize_tensor(t)
    assert s.dtype == wb.string and s.shape == () and s.numpy() == want
    back = wb.io.parse_tensor(s, t.dtype)
    assert back.dtype == t.dtype and back.shape == t.shape
    assert back.numpy().tolist() == t.numpy().tolist()


def test_parse_tensor_reads_typed_value_fields_as_tf():
    # TensorProtos from tf.make_tensor_proto (typed fields, a short list repeating its last value)
    cases = [(b"\x08\x03\x12\x00:\x01\x05", wb.int32, 5),
             (b"\x08\x01\x12\x04\x12\x02\x08\x03*\x04\x00\x00 @", wb.float32, [2.5, 2.5, 2.5]),
             (b"\x08\t\x12\x00R\n\xf9\xff\xff\xff\xff\xff\xff\xff\xff\x01", wb.int64, -7),
             (b"\x08\x08\x12\x00J\x08\x00\x00\x80?\x00\x00\x00@", wb.complex64, 1 + 2j),
             (b"\x08\n\x12\x00Z\x01\x01", wb.bool, True),
             (b"\x08\x06\x12\x04\x12\x02\x08\x02:\n\xfd\xff\xff\xff\xff\xff\xff\xff\xff\x01", wb.int8, [-3, -3]),
             (b"\x08\x13\x12\x00j\x02\x80|", wb.float16, 1.5)]
    for data, dtype, want in cases:
        out = wb.io.parse_tensor(data, dtype)
        assert out.dtype == dtype and out.numpy().tolist() == want
    with pytest.raises(InvalidArgumentError, match=r"Type mismatch between parsed tensor \(int32\) and dtype "
                                                   r"\(float\)"):
        wb.io.parse_tensor(wb.io.serialize_tensor(wb.constant(1)), wb.float32)
    with pytest.raises(InvalidArgumentError, match="truncated"):
        wb.io.parse_tensor(b"\x08", wb.int32)


def test_reverse_sequence_matches_tf():
    seq_lengths = [7, 2, 3, 5]
    x = [[1, 2, 3, 4, 5, 0, 0, 0], [1, 2, 0, 0, 0, 0, 0, 0], [1, 2, 3, 4, 0, 0, 0, 0], [1, 2, 3, 4, 5, 6, 7, 8]]
    assert wb.reverse_sequence(x, seq_lengths, seq_axis=1, batch_axis=0).numpy().tolist() == \
        [[0, 0, 5, 4, 3, 2, 1, 0], [2, 1, 0, 0, 0, 0, 0, 0], [3, 2, 1, 4, 0, 0, 0, 0], [5, 4, 3, 2, 1, 6, 7, 8]]
    cube = np.arange(24).reshape(2, 3, 4)
    assert wb.reverse_sequence(cube, [1, 2, 2, 0], seq_axis=0, batch_axis=2).numpy().tolist() == \
        [[[0, 13, 14, 3], [4, 17, 18, 7], [8, 21, 22, 11]], [[12, 1, 2, 15], [16, 5, 6, 19], [20, 9, 10, 23]]]
    with pytest.raises(InvalidArgumentError, match=r"seq_lens\(1\) > input.dims\(0\) \(3 vs. 2\)"):
        wb.reverse_sequence(cube, [1, 3, 2, 0], seq_axis=0, batch_axis=2)
    from gradients import check_gradients
    check_gradients(lambda t: wb.reverse_sequence(t, [2, 3], seq_axis=1) * t,
                    [wb.constant(np.arange(6.0).reshape(2, 3) + 0.5)], order=1)


def test_shape_n_inside_function_and_logger():
    shapes = wb.shape_n([wb.ones([1, 2]), wb.ones([2, 3])])
    assert [s.numpy().tolist() for s in shapes] == [[1, 2], [2, 3]] and shapes[0].dtype == wb.int32
    assert wb.shape_n([wb.ones([1])], out_type=wb.int64)[0].dtype == wb.int64
    assert wb.inside_function() is False
    seen = []

    @wb.function
    def f():
        seen.append(wb.inside_function())
        return wb.constant(1)

    f()
    assert seen == [True]
    assert wb.get_logger().name == "workbench"


def test_random_split_and_fold_in_match_tf():
    seeds = wb.random.split([1, 2], num=3)
    assert seeds.dtype == wb.int32 and seeds.numpy().tolist() == \
        [[1105988140, 1738052849], [-335576002, 370444179], [10670227, -246211131]]
    np.testing.assert_allclose(wb.random.stateless_normal(shape=[3], seed=seeds[0, :]).numpy(),
                               [-0.59835213, -0.9578608, 0.9002807], rtol=1e-6)
    folded = wb.random.experimental.stateless_fold_in([1, 2], 3)
    assert folded.numpy().tolist() == [1105988140, 3] and wb.random.fold_in([1, 2], 5).numpy().tolist() == \
        [1105988140, 5]
    np.testing.assert_allclose(wb.random.stateless_normal(shape=[3], seed=folded).numpy(),
                               [0.03197195, 0.8979765, 0.13253039], rtol=1e-6)
    assert wb.random.experimental.stateless_split is wb.random.split
    with pytest.raises(ValueError, match="seed must be 2 integers"):
        wb.random.split([1.0, 2.0])


def test_draw_bounding_boxes_matches_tf():
    boxes = np.array([[[0.1, 0.2, 0.8, 0.9], [0.5, -0.3, 1.4, 0.5], [0.9, 0.1, 0.2, 0.6]]], np.float32)
    out = wb.image.draw_bounding_boxes(wb.zeros([1, 5, 6, 3]), boxes,
                                       np.array([[1.0, 0.5, 0.25, 1.0], [0.0, 0.0, 1.0, 1.0]]))
    assert out.numpy()[0, :, :, 0].tolist() == [[0, 1, 1, 1, 1, 0], [0, 1, 0, 0, 1, 0], [0, 0, 0, 0, 1, 0],
                                                [0, 1, 0, 1, 1, 0], [0, 0, 0, 0, 0, 0]]
    assert out.numpy()[0, :, :, 2].tolist() == [[0, 0.25, 0.25, 0.25, 0.25, 0], [0, 0.25, 0, 0, 0.25, 0],
                                                [1, 1, 1, 0, 0.25, 0], [0, 0.25, 1, 0.25, 0.25, 0],
                                                [0, 0, 1, 0, 0, 0]]
    grey = wb.image.draw_bounding_boxes(wb.zeros([1, 4, 4, 1]), boxes, None)
    assert grey.numpy()[0, :, :, 0].tolist() == [[1, 1, 1, 0], [1, 1, 1, 0], [1, 1, 1, 0], [1, 1, 0, 0]]
    rgb = wb.image.draw_bounding_boxes(wb.zeros([1, 4, 5, 3]), boxes, None)
    y, b_, k = [1, 1, 0], [0, 0, 1], [0, 0, 0]
    assert rgb.numpy()[0].tolist() == [[y, y, y, y, k], [b_, b_, b_, y, k], [y, y, b_, y, k], [k, k, b_, k, k]]
    with pytest.raises(ValueError, match="colors must have shape"):
        wb.image.draw_bounding_boxes(wb.zeros([1, 3, 3, 3]), boxes, [[1.0, 0.0]])


_TRI = np.array([[[0.5, -1.0, 2.0, 9.0], [3.0, 2.5, -4.0, 1.5], [7.0, 1.0, 0.5, -2.0]]])
_TRI_RHS = np.array([[[1.0, 2.0], [0.0, -1.0], [3.0, 0.5], [1.0, 1.0]]])


def test_linear_operator_tridiag_matches_tf():
    op = wb.linalg.LinearOperatorTridiag([[3.0, 4.0, 5.0], [1.0, -1.0, 2.0], [6.0, 7.0, 8.0]],
                                         diagonals_format="sequence")
    assert op.to_dense().numpy().tolist() == [[1, 3, 0], [7, -1, 4], [0, 8, 2]]
    np.testing.assert_allclose(float(op.log_abs_determinant()), 4.3307333, rtol=1e-6)
    op = wb.linalg.LinearOperatorTridiag(wb.constant(_TRI), diagonals_format="compact")
    np.testing.assert_allclose(op.solve(wb.constant(_TRI_RHS)).numpy(), [[
        [0.46808510638297873, 0.7553191489361701], [-0.8085106382978723, -0.5319148936170212],
        [-1.5531914893617023, 0.42553191489361714], [-1.4042553191489364, 1.2340425531914896]]], rtol=1e-12)
    np.testing.assert_allclose(op.matmul(wb.constant(_TRI_RHS), adjoint=True).numpy(),
                               [[[3.0, 5.0], [2.0, -1.25], [-14.0, -3.0], [7.5, 2.5]]], rtol=1e-12)
    np.testing.assert_allclose(op.log_abs_determinant().numpy(), [2.4638532405901676], rtol=1e-12)
    assert op.diag_part().numpy().tolist() == [[3.0, 2.5, -4.0, 1.5]]
    matrix = wb.linalg.LinearOperatorTridiag(wb.ones([3, 3]), diagonals_format="matrix")
    assert matrix.to_dense().numpy().tolist() == [[1, 1, 0], [1, 1, 1], [0, 1, 1]]
    batched = wb.linalg.LinearOperatorTridiag(wb.random.normal([2, 3, 3, 4]))
    assert batched.solve(wb.random.normal([2, 1, 4, 2])).shape == (2, 3, 4, 2) and batched[1].shape == (3, 4, 4)
    with pytest.raises(ValueError, match="diagonals_format"):
        wb.linalg.LinearOperatorTridiag(_TRI, diagonals_format="banded")
    with pytest.raises(ValueError, match=r"\[\.\.\., 3, N\]"):
        wb.linalg.LinearOperatorTridiag(wb.ones([2, 4]))


def test_linear_operator_tridiag_gradients():
    from gradients import check_gradients
    check_gradients(lambda d, r: wb.linalg.LinearOperatorTridiag(d).solve(r),
                    [wb.constant(_TRI[0]), wb.constant(_TRI_RHS[0])], order=1)
    check_gradients(lambda d: wb.linalg.LinearOperatorTridiag(d).log_abs_determinant(), [wb.constant(_TRI[0])],
                    order=1)


def test_sparse_sampled_addmm_matches_tf():
    idx, vals, shape = wb.sparse.sampled_addmm(
        wb.constant([[0, 0], [1, 1]]), wb.constant([0.5, 0.3]), wb.constant([2, 2]),
        wb.constant([1, 2, 3, 4, 5, 6], shape=[2, 3], dtype=wb.float32),
        wb.constant([7, 8, 9, 10, 11, 12], shape=[3, 2], dtype=wb.float32), alpha=0.75, beta=0.25)
    assert idx.numpy().tolist() == [[0, 0], [1, 1]] and shape.numpy().tolist() == [2, 2]
    np.testing.assert_allclose(vals.numpy(), [43.625, 115.575], rtol=1e-6)
    _, batched, _ = wb.sparse.sampled_addmm(
        wb.constant([0, 1, 1, 0, 0, 0, 1, 0], shape=[2, 2, 2]), wb.constant([3, 5, 2, 7], shape=[2, 2], dtype=wb.float32),
        wb.constant([2, 2]), wb.constant(np.arange(1, 13), shape=[2, 2, 3], dtype=wb.float32),
        wb.constant(np.arange(13, 25), shape=[2, 3, 2], dtype=wb.float32), alpha=0.75, beta=0.25)
    assert batched.numpy().tolist() == [[75.75, 173.0], [381.5, 524.5]]
    from gradients import check_gradients
    check_gradients(lambda v, a, b: wb.sparse.sampled_addmm([[0, 1], [1, 0]], v, [2, 2], a, b, alpha=0.5)[1],
                    [wb.constant([1.0, 2.0], wb.float64), wb.constant(np.arange(6.0).reshape(2, 3)),
                     wb.constant(np.arange(6.0).reshape(3, 2) - 2.0)], order=1)
    with pytest.raises(ValueError, match="dense_shape"):
        wb.sparse.sampled_addmm([[0, 0]], [1.0], [3, 3], wb.ones([2, 3]), wb.ones([3, 2]))


def test_stateless_parameterized_truncated_normal():
    from scipy import stats
    stddevs = wb.math.exp(wb.random.uniform(shape=[2, 3]))
    y = wb.random.stateless_parameterized_truncated_normal(
        shape=[10, 2, 3], seed=[7, 17], means=0.0, stddevs=stddevs, minvals=[-1.0, -2.0, -1000.0],
        maxvals=[[10000.0], [1.0]])
    assert y.shape == (10, 2, 3) and y.dtype == wb.float32
    lo = np.broadcast_to([-1.0, -2.0, -1000.0], (10, 2, 3))
    hi = np.broadcast_to([[10000.0], [1.0]], (10, 2, 3))
    assert np.all((y.numpy() >= lo) & (y.numpy() <= hi))
    draw = wb.random.stateless_parameterized_truncated_normal([4000], seed=[1, 2], means=1.0, stddevs=2.0,
                                                             minvals=0.5, maxvals=6.0)
    assert np.array_equal(draw.numpy(), wb.random.stateless_parameterized_truncated_normal(
        [4000], seed=[1, 2], means=1.0, stddevs=2.0, minvals=0.5, maxvals=6.0).numpy())
    dist = stats.truncnorm((0.5 - 1.0) / 2.0, (6.0 - 1.0) / 2.0, loc=1.0, scale=2.0)
    assert stats.kstest(draw.numpy().astype(np.float64), dist.cdf).pvalue > 1e-3
    tail = wb.random.stateless_parameterized_truncated_normal([1000], seed=[3, 4], minvals=8.0, maxvals=9.0)
    assert np.all((tail.numpy() >= 8.0) & (tail.numpy() <= 9.0))
    with pytest.raises(InvalidArgumentError, match="minvals"):
        wb.random.stateless_parameterized_truncated_normal([2], seed=[1, 2], minvals=1.0, maxvals=0.0)


@pytest.mark.parametrize("centered, normalized, offset, want", [
    # TF 2.21, a 5x5 ramp, size (2, 3), noise='zero'
    (False, False, [1, 1], [[6, 7, 8], [11, 12, 13]]),
    (True, False, [0, 0], [[12, 13, 14], [17, 18, 19]]),
    (True, False, [1, -1], [[16, 17, 18], [21, 22, 23]]),
    (True, True, [0, 0], [[6, 7, 8], [11, 12, 13]]),
    (True, True, [0.5, -0.5], [[10, 11, 12], [15, 16, 17]]),
    (False, True, [0.5, 0.5], [[12, 13, 14], [17, 18, 19]]),
    (False, False, [1.5, 2.5], [[7, 8, 9], [12, 13, 14]]),
    (False, False, [-1, 4], [[0, 0, 0], [4, 0, 0]]),
])
def test_extract_glimpse_matches_tf(centered, normalized, offset, want):
    x = np.arange(25, dtype=np.float32).reshape(1, 5, 5, 1)
    out = wb.image.extract_glimpse(x, size=(2, 3), offsets=[offset], centered=centered, normalized=normalized,
                                   noise="zero")
    assert out.shape == (1, 2, 3, 1) and out.numpy()[0, :, :, 0].tolist() == want


def test_extract_glimpse_noise_outside_the_image():
    x = np.arange(25, dtype=np.float32).reshape(1, 5, 5, 1)
    out = wb.image.extract_glimpse(x, size=(2, 3), offsets=[[-1, 4]], centered=False, normalized=False).numpy()
    assert out[0, 1, 0, 0] == 4.0
    outside = np.delete(out[0, :, :, 0].ravel(), 3)
    assert np.all((outside >= 0) & (outside <= 24))
    with pytest.raises(ValueError, match="noise"):
        wb.image.extract_glimpse(x, size=(2, 2), offsets=[[0, 0]], noise="salt")


def test_to_hash_bucket_matches_tf():
    words = ["Hello", "TensorFlow", "2.x", "", "abcdefghijklmnopq"]
    out = wb.strings.to_hash_bucket(words, 3)
    assert out.dtype == wb.int64 and out.numpy().tolist() == [2, 0, 1, 1, 2]
    assert wb.strings.to_hash_bucket(words, 2 ** 62).numpy().tolist() == [
        1802903312739808229, 4519201464338240520, 106544778936929492, 105434511174508091, 3675176827060214941]
    assert wb.strings.to_hash_bucket(["héllo wörld ∑", b"\xff\x80\x01"], 1000003).numpy().tolist() == [702146, 551135]
    with pytest.raises(ValueError, match="num_buckets"):
        wb.strings.to_hash_bucket(["a"], 0)


def test_tensor_array_clear_after_read_is_eager_only_as_tf():
    ta = wb.TensorArray(wb.float32, size=2).write(0, 1.0)
    ta.read(0)
    with pytest.raises(InvalidArgumentError, match="already read"):
        ta.read(0)

    @wb.function
    def fibonacci(n):
        ta = wb.TensorArray(wb.float32, size=0, dynamic_size=True)
        ta = ta.unstack([0.0, 1.0])
        for i in range(2, n):
            ta = ta.write(i, ta.read(i - 1) + ta.read(i - 2))
        return ta.stack()

    assert fibonacci(7).numpy().tolist() == [0, 1, 1, 2, 3, 5, 8]


def test_resize_bilinear_float32_rounds_as_tf():
    image = wb.constant(np.eye(5, dtype=np.int32))[wb.newaxis, ..., wb.newaxis]
    assert wb.image.resize(image, [3, 5])[0, ..., 0].numpy().tolist() == [
        [0.6666666865348816, 0.3333333134651184, 0.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0, 0.0],
        [0.0, 0.0, 0.0, 0.33333349227905273, 0.6666665077209473]]
