"""TF's ``tf.test``: a ``TestCase`` with TF's array assertions, ``compute_gradient`` (autodiff
against central differences) and the build/device queries notebooks call
(``tf.test.gpu_device_name()``).

>>> theoretical, numerical = wb.test.compute_gradient(lambda x: x ** 2, [wb.constant([1., 2.])])
>>> theoretical[0]
array([[2., 0.],
       [0., 4.]], dtype=float32)
"""

from __future__ import annotations

import collections.abc
import contextlib
import os
import random
import re
import tempfile
import types
import unittest

import numpy as np

from gradients import GradientTape, UnconnectedGradients

from . import backend, config
from . import random as wb_random
from .core import Tensor, constant
from .eager import executing_eagerly
from .errors import InvalidArgumentError, OpError
from .ops.shape import reshape

__all__ = ["TestCase", "main", "compute_gradient", "gpu_device_name", "is_gpu_available", "is_built_with_cuda",
           "is_built_with_gpu_support", "is_built_with_rocm", "is_built_with_xla", "is_cpu_target_available",
           "experimental"]

DEFAULT_GRAPH_SEED = 87654321   # TF's TestCase seeds every test with this


# ---------------------------------------------------------------------------
# builds and devices


def gpu_device_name():
    """``'/device:GPU:0'`` when a GPU is present, else ``''`` (as TF)."""
    gpus = config.list_logical_devices("GPU")
    return gpus[0].name if gpus else ""


def is_gpu_available(cuda_only=False, min_cuda_compute_capability=None):
    """Whether a GPU is present (TF deprecates this for ``tf.config.list_physical_devices('GPU')``)."""
    return bool(config.list_physical_devices("GPU"))


def is_built_with_cuda():
    """True when CuPy (the workbench's CUDA backend) is installed."""
    try:
        backend.cupy_module()
    except RuntimeError:
        return False
    return True


def is_built_with_gpu_support():
    return is_built_with_cuda()


def is_built_with_rocm():
    return False


def is_built_with_xla():
    return False


def is_cpu_target_available(target):
    """TF asks LLVM about ``target`` (``'x86'``, ``'aarch64'``...); here: the machine we run on."""
    import platform  # only this query needs it
    machine = platform.machine().lower()
    aliases = {"x86": ("x86_64", "amd64", "i386", "i686"), "aarch64": ("aarch64", "arm64")}
    return machine in aliases.get(str(target).lower(), (str(target).lower(),))


def sync_devices():
    """Block until the work queued on every GPU has finished (TF's
    ``tf.test.experimental.sync_devices``; NumPy work is done when its call returns). Eager
    code only, as TF's."""
    if not executing_eagerly():
        raise RuntimeError("sync_devices() must only be called in Eager mode, outside tf.functions")
    cp = backend._cupy
    if cp is not None:
        for i in range(cp.cuda.runtime.getDeviceCount()):
            cp.cuda.Device(i).synchronize()


experimental = types.SimpleNamespace(sync_devices=sync_devices)   # tf.test.experimental


def main(argv=None):
    """Run the tests of ``__main__`` (``unittest.main``)."""
    return unittest.main(argv=argv)


# ---------------------------------------------------------------------------
# compute_gradient


def compute_gradient(f, x, delta=None):
    """TF 2's ``tf.test.compute_gradient``: the Jacobians of ``f(*x)`` with respect to each
    tensor in ``x``, by autodiff and by central differences of step ``delta`` (default 1/1024).

    Returns ``(theoretical, numerical)``: tuples with one ``[y.size, x_i.size]`` NumPy array per
    input, in the input's dtype.
    """
    if not isinstance(x, (list, tuple)):
        raise TypeError(f"compute_gradient: `x` must be a list or tuple of tensors, got {type(x).__name__}")
    delta = 1.0 / 1024 if delta is None else float(delta)
    xs = [v if isinstance(v, Tensor) else constant(v) for v in x]
    for i, v in enumerate(xs):
        if v.dtype.kind not in "fc":
            raise TypeError(f"compute_gradient: x[{i}] must be a floating tensor, got dtype {v.dtype}")

    def value(args):
        return np.asarray(_to_numpy(f(*args)))

    y0 = value(xs)
    theoretical, numerical = [], []
    for i, xi in enumerate(xs):
        base = np.array(xi.numpy())
        jac_t = np.zeros((y0.size, base.size), dtype=base.dtype)
        for k in range(y0.size):
            with GradientTape() as tape:
                for v in xs:
                    tape.watch(v)
                y = f(*xs)
                yk = y if not isinstance(y, Tensor) or y.ndim == 0 else _flat(y)[k]
            g = tape.gradient(yk, xs[i], unconnected_gradients=UnconnectedGradients.ZERO)
            jac_t[k] = np.reshape(_to_numpy(g), -1)
        jac_n = np.zeros_like(jac_t)
        flat = base.reshape(-1)
        for j in range(base.size):
            up, down = flat.copy(), flat.copy()
            up[j] += delta
            down[j] -= delta
            args_up = list(xs)
            args_up[i] = constant(up.reshape(base.shape), dtype=xi.dtype)
            args_down = list(xs)
            args_down[i] = constant(down.reshape(base.shape), dtype=xi.dtype)
            jac_n[:, j] = ((value(args_up) - value(args_down)) / (2 * delta)).reshape(-1)
        theoretical.append(jac_t)
        numerical.append(jac_n)
    return tuple(theoretical), tuple(numerical)


def _flat(t):
    return reshape(t, [-1])


def _to_numpy(value):
    """Tensors (and nests of them) as NumPy values, as ``TestCase.evaluate`` gives them."""
    if isinstance(value, Tensor) or hasattr(type(value), "__wb_tensor__"):
        return value.numpy()
    if hasattr(value, "to_list") and hasattr(value, "flat_values"):       # ragged: its nested list
        return value.to_list()
    if isinstance(value, dict):
        return type(value)((k, _to_numpy(v)) for k, v in value.items())
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return type(value)(*(_to_numpy(v) for v in value))
    if isinstance(value, (list, tuple)):
        return type(value)(_to_numpy(v) for v in value)
    return value


# ---------------------------------------------------------------------------
# TestCase


class TestCase(unittest.TestCase):
    """``unittest.TestCase`` with TF's assertions on tensors, arrays and nests of them.

    Each test starts from the same seeds (Python's, NumPy's and the workbench's global seed),
    as TF's ``TestCase`` does."""

    def setUp(self):
        super().setUp()
        random.seed(DEFAULT_GRAPH_SEED)
        np.random.seed(DEFAULT_GRAPH_SEED)
        wb_random.set_seed(DEFAULT_GRAPH_SEED)

    # -- running ---------------------------------------------------------------
    def evaluate(self, tensors):
        """The NumPy value of a tensor or of each tensor in a nest (a scalar is a NumPy scalar)."""
        return _to_numpy(tensors)

    @contextlib.contextmanager
    def session(self, graph=None, config=None, use_gpu=True, force_gpu=False):
        """TF 1's test session; eager here: yields an object whose ``run`` is ``evaluate``."""
        yield _EagerSession(self)

    cached_session = session

    def get_temp_dir(self):
        """A temporary folder for this test case, made once."""
        if not hasattr(self, "_tempdir"):
            self._tempdir = tempfile.mkdtemp(prefix=f"{type(self).__name__}_")
        return self._tempdir

    def create_tempfile(self, file_path=None, content=None, mode="w"):
        path = os.path.join(self.get_temp_dir(), file_path or next(tempfile._get_candidate_names()))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, mode) as f:
            if content is not None:
                f.write(content)
        return path

    # -- closeness -------------------------------------------------------------
    def assertAllClose(self, a, b, rtol=1e-6, atol=1e-6, msg=None):
        """``a`` and ``b`` (tensors, arrays, numbers or nests of them: dicts, lists, tuples,
        namedtuples) are elementwise within ``atol + rtol * |b|``."""
        self._assert_all_close_nested(a, b, rtol, atol, msg, path=[])

    def assertAllCloseAccordingToType(self, a, b, rtol=1e-6, atol=1e-6, float_rtol=1e-6, float_atol=1e-6,
                                      half_rtol=1e-3, half_atol=1e-3, bfloat16_rtol=1e-2, bfloat16_atol=1e-2,
                                      msg=None):
        """As ``assertAllClose``, loosened to the lowest precision among ``a`` and ``b``."""
        a, b = _to_numpy(a), _to_numpy(b)
        kinds = {np.asarray(a).dtype, np.asarray(b).dtype}
        if np.dtype(np.float32) in kinds or np.dtype(np.complex64) in kinds:
            rtol, atol = max(rtol, float_rtol), max(atol, float_atol)
        if np.dtype(np.float16) in kinds:
            rtol, atol = max(rtol, half_rtol), max(atol, half_atol)
        if any(getattr(k, "name", "") == "bfloat16" for k in kinds):
            rtol, atol = max(rtol, bfloat16_rtol), max(atol, bfloat16_atol)
        self.assertAllClose(a, b, rtol=rtol, atol=atol, msg=msg)

    def assertNotAllClose(self, a, b, rtol=1e-6, atol=1e-6, msg=None):
        try:
            self.assertAllClose(a, b, rtol=rtol, atol=atol)
        except AssertionError:
            return
        self.fail(msg or "The two values are close at all elements")

    def assertArrayNear(self, farray1, farray2, err, msg=None):
        """Two flat lists of numbers agree within ``err`` each."""
        self.assertEqual(len(farray1), len(farray2), msg=msg)
        for f1, f2 in zip(farray1, farray2):
            self.assertNear(float(f1), float(f2), err, msg=msg)

    def assertNear(self, f1, f2, err, msg=None):
        self.assertTrue(f1 == f2 or abs(f1 - f2) <= err,
                        f"{f1!r} != {f2!r} +/- {err!r}" + (f" ({msg})" if msg is not None else ""))

    def assertNDArrayNear(self, ndarray1, ndarray2, err, msg=None):
        self.assertTrue(np.allclose(_to_numpy(ndarray1), _to_numpy(ndarray2), rtol=0, atol=err), msg=msg)

    # -- equality and order ----------------------------------------------------
    def assertAllEqual(self, a, b, msg=None):
        """``a`` and ``b`` have the same shape and equal elements."""
        a, b = np.asarray(_to_numpy(a)), np.asarray(_to_numpy(b))
        prefix = f"{msg}\n" if msg else ""
        if a.shape != b.shape and a.size != 0 and b.size != 0:
            self.fail(f"{prefix}Shape mismatch: expected {a.shape}, got {b.shape} with contents {b}.")
        same = a == b
        if a.dtype.kind in "fc":
            same = same | (np.isnan(a) & np.isnan(b))
        if not np.all(same):
            a1, b1 = np.broadcast_arrays(np.atleast_1d(a), np.atleast_1d(b))
            where = np.where(~np.atleast_1d(np.asarray(same, bool)))
            np.testing.assert_array_equal(
                a, b, err_msg=f"{prefix}not equal where = {where}\nnot equal lhs = {a1[where]!r}\n"
                              f"not equal rhs = {b1[where]!r}")

    def assertNotAllEqual(self, a, b, msg=None):
        try:
            self.assertAllEqual(a, b)
        except AssertionError:
            return
        self.fail(msg or "Expected unequal inputs but got equal inputs")

    def _compare(self, a, comparison, other, word):
        a = np.asarray(_to_numpy(a))
        ok = comparison(a, other)
        if not np.all(ok):
            self.fail(f"{np.sum(~np.asarray(ok))} of the {a.size} element(s) are not {word} {other!r}: "
                      f"{a[~np.asarray(ok)]}")

    def assertAllGreater(self, a, comparison_target):
        self._compare(a, np.greater, comparison_target, "greater than")

    def assertAllGreaterEqual(self, a, comparison_target):
        self._compare(a, np.greater_equal, comparison_target, "greater than or equal to")

    def assertAllLess(self, a, comparison_target):
        self._compare(a, np.less, comparison_target, "less than")

    def assertAllLessEqual(self, a, comparison_target):
        self._compare(a, np.less_equal, comparison_target, "less than or equal to")

    def assertAllInRange(self, target, lower_bound, upper_bound, open_lower_bound=False, open_upper_bound=False):
        """Every element of ``target`` lies in the (closed by default) interval."""
        t = np.asarray(_to_numpy(target))
        if t.dtype.kind not in "iufb":
            self.fail(f"assertAllInRange: `target` must be numeric, got dtype {t.dtype}")
        low = t > lower_bound if open_lower_bound else t >= lower_bound
        high = t < upper_bound if open_upper_bound else t <= upper_bound
        bad = ~(low & high)
        if np.any(bad):
            left, right = "(" if open_lower_bound else "[", ")" if open_upper_bound else "]"
            subs = "\n".join(f"  {list(ix)} : {t[ix]}" for ix in zip(*np.nonzero(np.atleast_1d(bad))))
            self.fail(f"{int(np.sum(bad))} of the {t.size} element(s) are outside the range "
                      f"{left}{lower_bound}, {upper_bound}{right}. Subscript(s) and value(s) of the offending "
                      f"elements:\n{subs}")

    def assertAllInSet(self, target, expected_set):
        t = np.asarray(_to_numpy(target)).ravel()
        missing = sorted(set(t.tolist()) - set(np.asarray(list(expected_set)).ravel().tolist()))
        if missing:
            self.fail(f"{len(missing)} unique element(s) are not in the set {sorted(expected_set)}: {missing}")

    def assertShapeEqual(self, input_a, input_b, msg=None):
        """``input_a`` (an array) and ``input_b`` (a tensor) have the same shape."""
        if not isinstance(input_b, Tensor):
            raise TypeError(f"assertShapeEqual: `input_b` must be a tensor, got {type(input_b).__name__}")
        self.assertEqual(tuple(np.shape(_to_numpy(input_a))), tuple(input_b.shape), msg=msg)

    def assertDTypeEqual(self, target, expected_dtype):
        """``target`` (an array, tensor or nest of them) has dtype ``expected_dtype`` throughout."""
        want = np.dtype(expected_dtype)
        leaves = target if isinstance(target, (list, tuple)) else [target]
        for leaf in leaves:
            got = leaf.dtype if isinstance(leaf, Tensor) else np.asarray(leaf).dtype
            self.assertEqual(np.dtype(got), want)

    # -- errors ----------------------------------------------------------------
    def assertRaisesWithPredicateMatch(self, exception_type, expected_err_re_or_predicate):
        """A context in which an ``exception_type`` must be raised whose message matches the
        regex (or satisfies the predicate)."""
        if callable(expected_err_re_or_predicate):
            predicate = expected_err_re_or_predicate
        else:
            pattern = expected_err_re_or_predicate
            predicate = lambda e: re.search(pattern, str(e)) is not None  # noqa: E731
        return _RaisesContext(self, exception_type, predicate)

    def assertRaisesOpError(self, expected_err_re_or_predicate):
        return self.assertRaisesWithPredicateMatch(OpError, expected_err_re_or_predicate)

    def assertRaisesIncompatibleShapesError(self, exception_type=None):
        return self.assertRaisesWithPredicateMatch(
            (exception_type or InvalidArgumentError, ValueError),
            r"Incompatible shapes|Dimensions must be equal|not broadcast|broadcast-compatible")

    # -- helpers ---------------------------------------------------------------
    def _assert_all_close_nested(self, a, b, rtol, atol, msg, path):
        where = "".join(f"[{p!r}]" if not isinstance(p, int) else f"[{p}]" for p in path)
        if isinstance(a, collections.abc.Mapping) or isinstance(b, collections.abc.Mapping):
            if not (isinstance(a, collections.abc.Mapping) and isinstance(b, collections.abc.Mapping)):
                self.fail(f"a{where} and b{where} are not both mappings ({type(a).__name__}, {type(b).__name__})")
            if set(a) != set(b):
                self.fail(f"mismatched keys: a{where} has keys {sorted(map(str, a))}, b{where} has "
                          f"{sorted(map(str, b))}")
            for k in a:
                self._assert_all_close_nested(a[k], b[k], rtol, atol, msg, path + [k])
            return
        if _is_sequence(a) and _is_sequence(b) and (_is_nested(a) or _is_nested(b)):
            if len(a) != len(b):
                self.fail(f"mismatched length: a{where} has {len(a)} items, b{where} has {len(b)}")
            for i, (ai, bi) in enumerate(zip(a, b)):
                self._assert_all_close_nested(ai, bi, rtol, atol, msg, path + [i])
            return
        a, b = np.asarray(_to_numpy(a)), np.asarray(_to_numpy(b))
        if a.shape != b.shape:
            self.fail(f"Shape mismatch: expected {a.shape}, got {b.shape} with contents {b}."
                      + (f" ({msg})" if msg else ""))
        if a.dtype.kind not in "fciub" or b.dtype.kind not in "fciub":
            self.assertAllEqual(a, b, msg=msg)
            return
        close = np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=True)
        if not np.all(close):
            a1, b1 = np.atleast_1d(a), np.atleast_1d(b)
            bad = np.where(~np.atleast_1d(close))
            text = (f"Mismatched value: a{where} is different from b{where}. \n"
                    f"not close where = {bad}\nnot close lhs = {a1[bad]}\nnot close rhs = {b1[bad]}\n"
                    f"not close dif = {np.abs(a1 - b1)[bad]}\nnot close tol = {(atol + rtol * np.abs(b1))[bad]}\n"
                    f"dtype = {a.dtype}, shape = {a.shape}")
            if msg:
                text = f"{msg}\n{text}"
            np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, equal_nan=True, err_msg=text)


def _is_sequence(x):
    return isinstance(x, (list, tuple)) and not isinstance(x, str)


def _is_nested(x):
    """A list/tuple holding tensors, arrays, mappings or further sequences (not a plain list of numbers)."""
    return any(isinstance(v, (Tensor, np.ndarray, collections.abc.Mapping, list, tuple)) for v in x)


class _EagerSession:
    def __init__(self, case):
        self._case = case

    def run(self, fetches, feed_dict=None):
        if feed_dict:
            raise NotImplementedError("TestCase.session().run: feed_dict needs TF 1 graphs; call the function "
                                      "with the values instead")
        return self._case.evaluate(fetches)


class _RaisesContext:
    def __init__(self, case, exception_type, predicate):
        self._case, self._type, self._predicate = case, exception_type, predicate

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self._case.fail(f"{self._type} not raised")
        if not issubclass(exc_type, self._type):
            return False
        if not self._predicate(exc):
            self._case.fail(f"Exception of type {exc_type.__name__}: {exc} does not match the expected message")
        return True
