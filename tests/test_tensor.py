"""Tensor, Variable and conversion semantics (TF 2's rules)."""

import warnings

import numpy as np
import pytest

import workbench as wb
from tests.conftest import ON_GPU
from workbench.errors import UnconnectedGradientWarning


class TestConversion:
    def test_python_floats_are_float32(self):
        assert wb.constant(1.5).dtype == wb.float32
        assert wb.constant([1.0, 2.0]).dtype == wb.float32

    def test_python_ints_are_int32_unless_too_large(self):
        assert wb.constant(3).dtype == wb.int32
        assert wb.constant([1, 2]).dtype == wb.int32
        assert wb.constant(2**40).dtype == wb.int64

    def test_numpy_input_keeps_its_dtype(self):
        assert wb.constant(np.array([1.0])).dtype == wb.float64
        assert wb.constant(np.arange(3)).dtype == np.arange(3).dtype

    def test_bool_and_complex(self):
        assert wb.constant(True).dtype == wb.bool
        assert wb.constant(1 + 2j).dtype == wb.complex128   # TF 2.21: a Python complex is complex128

    def test_explicit_dtype_and_shape_fill(self):
        t = wb.constant(0, dtype=wb.float64, shape=(2, 3))
        assert t.shape == (2, 3) and t.dtype == wb.float64
        assert wb.constant([1, 2, 3, 4], shape=(2, 2)).shape == (2, 2)
        with pytest.raises(ValueError, match="cannot fill shape"):
            wb.constant([1, 2, 3], shape=(2, 2))

    def test_empty_list_takes_the_requested_dtype(self):
        assert wb.constant([], dtype=wb.int32).dtype == wb.int32
        assert wb.constant([]).dtype == wb.float32

    def test_float_value_into_int_dtype_is_an_error(self):
        with pytest.raises(TypeError, match="non-integer"):
            wb.constant(1.5, dtype=wb.int32)

    def test_strings_become_string_tensors_and_mixtures_are_refused(self):
        assert wb.constant("abc").dtype == wb.string
        with pytest.raises(TypeError, match="str or bytes"):
            wb.constant(["abc", 1.0])
        with pytest.raises(TypeError, match="cannot convert"):
            wb.constant("abc", dtype=wb.float32)

    def test_convert_to_tensor_passes_tensors_through(self):
        t = wb.constant([1.0])
        assert wb.convert_to_tensor(t) is t
        with pytest.raises(TypeError, match="wb.cast"):
            wb.convert_to_tensor(t, dtype=wb.float64)

    def test_nested_list_of_tensors(self):
        t = wb.constant([wb.constant(1.0), wb.constant(2.0)])
        np.testing.assert_array_equal(t.numpy(), [1.0, 2.0])


class TestDtypeRules:
    def test_mixing_float32_and_float64_names_both(self):
        a = wb.constant(np.ones(2, np.float32))
        b = wb.constant(np.ones(2, np.float64))
        with pytest.raises(TypeError, match="float32.*float64"):
            a + b

    def test_python_number_takes_the_tensor_dtype(self):
        a = wb.constant(np.ones(2, np.float64))
        assert (a + 1).dtype == wb.float64
        assert (2.5 * a).dtype == wb.float64
        i = wb.constant([1, 2])
        assert (i + 1).dtype == wb.int32

    def test_python_float_with_int_tensor_is_an_error(self):
        with pytest.raises(TypeError, match="int32"):
            wb.constant([1, 2]) + 1.5

    def test_int_and_float_tensors_do_not_mix(self):
        with pytest.raises(TypeError):
            wb.constant([1, 2]) + wb.constant([1.0, 2.0])

    def test_numpy_operand_takes_the_tensors_dtype(self):
        # TF 2.21 (checked): a NumPy array or scalar is cast to the tensor's dtype, as astype
        # casts; a Python float into an int tensor and a string array are refused
        a = wb.constant([1.0, 2.0])
        assert (a + np.ones(2)).dtype == wb.float32
        assert (a * np.array([True, False])).numpy().tolist() == [1.0, 0.0]
        i = wb.ones(3, wb.int32)
        assert (i + np.array([1.5, 2.0, 3.0])).numpy().tolist() == [2, 3, 4]
        assert (i + np.float64(1.5)).numpy().tolist() == [2, 2, 2]
        assert (wb.ones(1, wb.uint8) + np.array([300])).numpy().tolist() == [45]
        with pytest.raises(TypeError, match="not an integer"):
            i + 1.5
        with pytest.raises(TypeError, match="array of <U1"):
            i + np.array(["a"])
        assert (a + np.ones(2, np.float32)).dtype == wb.float32
        # NumPy on the left defers to the tensor
        assert isinstance(np.ones(2, np.float32) + a, wb.Tensor)

    def test_float_op_on_int_tensor_is_an_error(self):
        with pytest.raises(TypeError, match="exp: x has dtype int32, expected a floating"):
            wb.exp(wb.constant([1, 2]))

    def test_integer_true_division_gives_floats(self):
        out = wb.constant([3, 4]) / wb.constant([2, 2])
        assert out.dtype == wb.float64
        np.testing.assert_allclose(out.numpy(), [1.5, 2.0])

    def test_cast(self):
        x = wb.constant([1.7, -1.7])
        np.testing.assert_array_equal(wb.cast(x, wb.int32).numpy(), [1, -1])  # truncates, as TF
        assert wb.cast(x, "float64").dtype == wb.float64

    def test_broadcast_error_names_shapes(self):
        # TF's kernel text; InvalidArgumentError is a ValueError too
        with pytest.raises(ValueError, match=r"Incompatible shapes: \[2,3\] vs. \[4\] \[Op:AddV2\]"):
            wb.ones((2, 3)) + wb.ones((4,))


class TestTensor:
    def test_metadata(self):
        t = wb.ones((2, 3))
        assert t.shape == (2, 3) and t.ndim == 2 and t.size == 6 and len(t) == 2
        assert wb.shape(t).numpy().tolist() == [2, 3]
        assert int(wb.size(t)) == 6 and int(wb.rank(t)) == 2

    def test_numpy_and_array_protocol(self):
        t = wb.constant([[1.0, 2.0]])
        assert isinstance(t.numpy(), np.ndarray)
        assert np.asarray(t).shape == (1, 2)
        assert np.exp(t).dtype == np.float32  # NumPy functions see an array

    def test_operators(self):
        a = wb.constant([1.0, 2.0, 3.0])
        np.testing.assert_allclose((a * a - a / 2 + 1).numpy(), [1.5, 4.0, 8.5])
        np.testing.assert_allclose((-a).numpy(), [-1, -2, -3])
        np.testing.assert_allclose((2 ** a).numpy(), [2, 4, 8])
        np.testing.assert_array_equal((a > 1.5).numpy(), [False, True, True])
        np.testing.assert_array_equal((a == 2.0).numpy(), [False, True, False])
        assert (a == None) is False  # noqa: E711 - TF 2 compares with None as False
        m = wb.constant([[1.0, 2.0], [3.0, 4.0]])
        np.testing.assert_allclose((m @ m).numpy(), np.array([[7, 10], [15, 22]]))

    def test_tensors_are_unhashable_but_have_refs(self):
        t = wb.constant(1.0)
        with pytest.raises(TypeError):
            hash(t)
        d = {t.ref(): 1}
        assert d[t.ref()] == 1 and t.ref().deref() is t

    def test_bool_of_scalar_and_ambiguity(self):
        assert bool(wb.constant(True))
        with pytest.raises(ValueError, match="ambiguous"):
            bool(wb.constant([True, False]))

    def test_iteration_unstacks(self):
        rows = list(wb.constant([[1, 2], [3, 4]]))
        assert [r.numpy().tolist() for r in rows] == [[1, 2], [3, 4]]

    def test_indexing_matches_numpy(self):
        a = np.arange(24.0).reshape(2, 3, 4)
        t = wb.constant(a)
        for key in [0, (1, 2), (slice(None), 1), (Ellipsis, 2), (None, 0), ([1, 0],), (0, [2, 0], 1),
                    ([0, 1], slice(None), [3, 2]), (a[..., 0] > 5,)]:
            np.testing.assert_array_equal(t[key].numpy(), a[key])
        np.testing.assert_array_equal(t[wb.constant([1, 1])].numpy(), a[[1, 1]])

    def test_index_error_is_tfs(self):
        with pytest.raises(wb.errors.InvalidArgumentError, match="slice index 5 of dimension 0 out of bounds"):
            wb.ones((2, 3))[5]

    def test_repr(self):
        r = repr(wb.constant([1.0, 2.0]))
        assert r.startswith("<wb.Tensor: shape=(2,), dtype=float32") and "numpy=" in r
        assert "shape=(2,)" in wb.constant([1.0, 2.0])._repr_html_()


class TestVariable:
    def test_assign_family_in_place(self):
        v = wb.Variable([1.0, 2.0], name="v")
        buf = v._data
        v.assign([3.0, 4.0])
        v.assign_add([1.0, 1.0])
        v.assign_sub(wb.constant([0.5, 0.5]))
        np.testing.assert_allclose(v.numpy(), [3.5, 4.5])
        assert v._data is buf and v.name == "v:0" and v.path == "v" and v.trainable

    def test_assign_checks_shape_and_dtype(self):
        v = wb.Variable([1.0, 2.0], name="w")
        with pytest.raises(ValueError, match="variable ' w:0': Shape mismatch"):
            v.assign([1.0, 2.0, 3.0])
        with pytest.raises(TypeError, match="float64"):
            v.assign(wb.constant(np.ones(2)))

    def test_initial_value_callable_and_copy(self):
        a = np.ones(3, np.float32)
        v = wb.Variable(lambda: a)
        a[0] = 5
        assert v.numpy()[0] == 1.0

    def test_numpy_is_a_copy(self):
        v = wb.Variable([1.0, 2.0])
        a = v.numpy()
        v.assign_add([1.0, 1.0])
        assert a.tolist() == [1.0, 2.0] and np.asarray(v).tolist() == [2.0, 3.0]

    def test_read_value_is_a_snapshot(self):
        v = wb.Variable(1.0)
        r = v.read_value()
        v.assign(2.0)
        assert float(r) == 1.0 and float(v) == 2.0

    def test_variables_in_ops_and_gradients(self):
        v = wb.Variable(3.0)
        with wb.GradientTape() as tape:
            y = v * v
        assert float(tape.gradient(y, v)) == 6.0

    def test_non_trainable_not_watched(self):
        v = wb.Variable(3.0, trainable=False)
        with wb.GradientTape() as tape:
            y = v * v
        with pytest.warns(UnconnectedGradientWarning, match="not watched"):
            assert tape.gradient(y, v) is None


class TestCreation:
    def test_zeros_ones_fill_eye_range_linspace(self):
        assert wb.zeros((2,)).dtype == wb.float32
        assert wb.ones([2, 2], dtype=wb.int64).dtype == wb.int64
        np.testing.assert_array_equal(wb.fill([2], 7).numpy(), [7, 7])
        np.testing.assert_array_equal(wb.eye(2, batch_shape=[3]).numpy(), np.broadcast_to(np.eye(2), (3, 2, 2)))
        np.testing.assert_array_equal(wb.range(5).numpy(), np.arange(5))
        assert wb.range(5).dtype == wb.int32 and wb.range(0.0, 1.0, 0.25).dtype == wb.float32
        np.testing.assert_allclose(wb.linspace(0.0, 1.0, 5).numpy(), np.linspace(0, 1, 5))

    def test_zeros_like_ones_like(self):
        x = wb.constant([[1, 2]])
        assert wb.zeros_like(x).dtype == wb.int32 and wb.ones_like(x, dtype=wb.float32).dtype == wb.float32


class TestDevices:
    def test_default_device_and_to(self):
        t = wb.constant([1.0])
        assert t.device == wb.default_device()
        c = t.to("cpu")
        assert c.device == "cpu" and isinstance(c.numpy(), np.ndarray)

    def test_device_parsing(self):
        assert wb.Device("/GPU:1") == wb.Device("gpu:1")
        assert str(wb.Device("cuda")) == "gpu:0"
        with pytest.raises(ValueError, match="unknown device"):
            wb.Device("tpu")

    @pytest.mark.skipif(ON_GPU, reason="checks the error where there is no GPU")
    def test_a_missing_gpu_places_softly_on_the_cpu_or_is_a_clear_error(self):
        assert wb.config.get_soft_device_placement() is True   # TF's default
        with wb.device("GPU:0"):
            assert wb.constant(1.0).device == "cpu"
        wb.config.set_soft_device_placement(False)
        try:
            with pytest.raises(RuntimeError, match="GPU"):
                with wb.device("gpu:0"):
                    wb.constant(1.0)
        finally:
            wb.config.set_soft_device_placement(True)
        with pytest.raises(TypeError, match="enabled must be a bool"):
            wb.config.set_soft_device_placement("yes")

    def test_cpu_scope(self):
        with wb.device("cpu"):
            assert wb.constant(1.0).device == "cpu"

    def test_dlpack_roundtrip_shares_memory(self):
        a = np.arange(4.0)
        with wb.device("cpu"):
            t = wb.from_dlpack(a)
        a[0] = 9.0
        assert t.numpy()[0] == 9.0
        back = np.from_dlpack(t)
        assert back[0] == 9.0

    @pytest.mark.gpu
    def test_gpu_tensors_and_gradients(self):
        with wb.device("gpu:0"):
            x = wb.constant([1.0, 2.0])
            with wb.GradientTape() as tape:
                tape.watch(x)
                y = wb.reduce_sum(wb.exp(x))
            g = tape.gradient(y, x)
        assert g.device.kind == "gpu"
        np.testing.assert_allclose(g.numpy(), np.exp([1.0, 2.0]), rtol=1e-6)
        assert x.to("cpu").device == "cpu"


def test_backend_repeat_matches_numpy():
    from workbench import backend
    a = np.arange(8).reshape(4, 2)
    counts = np.array([2, 0, 3, 1])
    np.testing.assert_array_equal(backend.repeat(a, counts, axis=0), np.repeat(a, counts, axis=0))


@pytest.mark.gpu
def test_backend_repeat_on_gpu():
    from workbench import backend
    cp = backend.cupy_module()
    a = cp.arange(8).reshape(4, 2)
    counts = cp.asarray([2, 0, 3, 1])
    np.testing.assert_array_equal(cp.asnumpy(backend.repeat(a, counts, axis=0)),
                                  np.repeat(np.arange(8).reshape(4, 2), [2, 0, 3, 1], axis=0))


def test_config_experimental_memory_growth_as_tf():
    cpu = wb.config.experimental.list_physical_devices("CPU")[0]
    assert wb.config.experimental.get_memory_growth(cpu) is False
    wb.config.experimental.set_memory_growth(cpu, True)
    try:
        assert wb.config.experimental.get_memory_growth(cpu) is True
    finally:
        wb.config.experimental.set_memory_growth(cpu, False)
    with pytest.raises(TypeError, match="PhysicalDevice"):
        wb.config.experimental.set_memory_growth("/physical_device:CPU:0", True)
    with pytest.raises(ValueError, match="not a device of this process"):
        wb.config.experimental.set_memory_growth(wb.config.PhysicalDevice("/physical_device:GPU:7", "GPU"), True)
    with pytest.raises(TypeError, match="enable must be a bool"):
        wb.config.experimental.set_memory_growth(cpu, "yes")
