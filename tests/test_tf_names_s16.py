"""Top-level TF names a TF 2 program reaches for: tf.version, tf.approx_top_k, tf.as_string,
tf.initializers, tf.debugging's placement and traceback getters (TF 2.21's values pinned)."""

import numpy as np
import pytest

import workbench as wb


def test_version_names_the_workbench():
    assert wb.version.VERSION == wb.__version__ and wb.version.GIT_VERSION == "v" + wb.__version__
    assert wb.version.GRAPH_DEF_VERSION == 2474 and wb.version.GRAPH_DEF_VERSION_MIN_CONSUMER == 0
    assert isinstance(wb.version.COMPILER_VERSION, str)


def test_approx_top_k_as_tf_cpu():
    out = wb.approx_top_k(wb.constant([[1.0, 5, 3, 2], [4, 4, 0, 9]]), 2)
    np.testing.assert_array_equal(out.values.numpy(), [[5, 3], [9, 4]])
    np.testing.assert_array_equal(out.indices.numpy(), [[1, 2], [3, 0]])
    assert out.indices.dtype == wb.int32
    ints = wb.approx_top_k(wb.constant([1, 5, 3], wb.int32), 2)
    assert ints.values.dtype == wb.int32 and ints.values.numpy().tolist() == [5, 3]
    low = wb.approx_top_k(wb.constant([[1.0, 5, 3, 2]]), 2, is_max_k=False)
    assert low.indices.numpy().tolist() == [[0, 3]]
    with pytest.raises(TypeError, match="approx_top_k: operand must be a real number"):
        wb.approx_top_k(wb.constant(["a"]), 1)


def test_aliases():
    assert wb.as_string is wb.strings.as_string
    assert wb.initializers.GlorotUniform is wb.keras.initializers.GlorotUniform


def test_debugging_getters():
    assert wb.debugging.get_log_device_placement() is False
    wb.debugging.set_log_device_placement(True)
    try:
        assert wb.debugging.get_log_device_placement() is True
    finally:
        wb.debugging.set_log_device_placement(False)
    assert wb.debugging.disable_traceback_filtering() is None
    assert wb.debugging.is_traceback_filtering_enabled() is False


class _Meters:
    """A class written for TF: TF's tensor-conversion protocol."""

    def __init__(self, value):
        self.value = value

    def __tf_tensor__(self, dtype=None, name=None):
        return wb.convert_to_tensor(self.value, dtype=dtype)


def test_tf_tensor_protocol_converts():
    m = _Meters([1.0, 2.0])
    assert wb.convert_to_tensor(m).numpy().tolist() == [1.0, 2.0]
    assert wb.convert_to_tensor(m, dtype=wb.float64).dtype == wb.float64
    assert wb.add(m, 1.0).numpy().tolist() == [2.0, 3.0]
    assert (wb.constant(3.0) * m).numpy().tolist() == [3.0, 6.0]
    assert float(wb.reduce_sum(m)) == 3.0
    x = wb.Variable([1.0, 2.0])

    class Doubled:
        def __tf_tensor__(self, dtype=None, name=None):
            return x * 2.0

    with wb.GradientTape() as tape:
        y = wb.reduce_sum(wb.convert_to_tensor(Doubled()) * 3.0)
    assert tape.gradient(y, x).numpy().tolist() == [6.0, 6.0]

    class Bad:
        def __tf_tensor__(self, dtype=None, name=None):
            return [1.0]

    with pytest.raises(TypeError, match="Bad.__tf_tensor__ must return a tensor, got list"):
        wb.convert_to_tensor(Bad())


def test_linspace_of_integers_takes_tf_float_dtype():
    # TF 2.21: 32- and 64-bit integer bounds give float64, narrower ones float32, floats keep theirs
    assert wb.linspace(-2, 2, 5).dtype == wb.float64
    assert wb.linspace(wb.constant(1, wb.int64), 5, 3).numpy().tolist() == [1.0, 3.0, 5.0]
    assert wb.linspace(wb.constant(1, wb.int16), 3, 3).dtype == wb.float32
    assert wb.linspace(-2.0, 2.0, 5).dtype == wb.float32
    assert wb.linspace(wb.constant(1.0, wb.float16), 2.0, 3).dtype == wb.float16
