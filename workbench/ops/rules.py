"""One derivative rule per op, run three ways.

An op's reverse rule is written once, against an interpreter ``e`` of array expressions::

    rule(e, needs, g, ans, *inputs, **params) -> one cotangent (or None) per input

``g`` is the cotangent of the result (a tuple for several results), ``ans`` the result and
``inputs`` the op's inputs, all values of the interpreter; ``needs[k]`` says whether input
``k`` wants its cotangent (a rule may skip the work for one that does not). The rule
computes with ``e``'s functions, which carry TF's names and arguments (``e.multiply``,
``e.subtract(1, t)``, ``e.reshape(g, shape)``, ``e.matrix_transpose(b)``); values have
``shape``, ``ndim`` and ``dtype``. One function is the interpreters' own:
``e.mask(condition, dtype)``, a comparison's result as 0/1 factors of ``dtype`` (on arrays
the booleans themselves, which NumPy multiplies as 0 and 1). ``g`` may have leading dimensions that ``ans`` has not
(the rows of a jacobian): rules must carry them through.

Three interpreters evaluate rules:

- :data:`TENSORS` on Tensors, with the library's ops: differentiable, so a tape around the
  walk records the rule (higher-order gradients). ``op.vjp`` is the rule run by it.
- :data:`ARRAYS` on NumPy/CuPy arrays, for a first-order walk that nothing records: each
  function is the array module's own, large NumPy results go into the host cache's
  buffers, and a function it has no array form for runs the library's op on the arrays.
- the fusion interpreter of ``wb.function`` (``workbench.compiler.fusion``) records the
  elementwise functions as instructions of one kernel (a rule that needs more is not fused).

Since all three evaluate the same expressions in the same order, a traced, fused or
first-order gradient equals the eager one bit for bit.

>>> rule = lambda e, needs, g, ans, x: (e.multiply(g, e.subtract(1, e.multiply(ans, ans))),)
>>> rule(ARRAYS, (True,), np.ones(2), np.tanh(np.zeros(2)), np.zeros(2))[0]
array([1., 1.])
"""

from __future__ import annotations

import sys

import numpy as np

from .. import backend, core, hostcache

__all__ = ["ARRAYS", "TENSORS", "multiply_no_nan_arrays", "needs_of", "softmax_arrays", "tensor_vjp"]


def needs_of(inputs) -> tuple:
    """Which of an op's input tensors want a cotangent: those a tape has seen (``_tid``)."""
    return tuple([bool(x._tid) for x in inputs])


def tensor_vjp(rule):
    """``op.vjp``: ``rule`` run on Tensors (differentiable)."""
    def vjp(g, ans, *inputs, **params):
        return rule(TENSORS, needs_of(inputs), g, ans, *inputs, **params)
    vjp.rule = rule
    return vjp


# ---------------------------------------------------------------------------
# On Tensors: the library's ops


class _Tensors:
    """The interpreter whose functions are the library's differentiable ops."""

    def __getattr__(self, name):
        fn = _tensor_ops().get(name)
        if fn is None:
            raise AttributeError(f"rules: no op named {name!r}")
        setattr(self, name, fn)
        return fn

    @staticmethod
    def mask(condition, dtype):
        return _tensor_ops()["cast"](condition, dtype)


_TENSOR_OPS: dict = {}


def _tensor_ops() -> dict:
    """The op functions a rule may name (built once, when the first rule runs)."""
    if not _TENSOR_OPS:
        # the op modules import this one (their rules are written against it): look them up late
        from . import create, elementwise, indexing, linalg, nn, reduce, shape
        for module in (elementwise, reduce, shape, linalg, nn, indexing, create):
            for name, fn in vars(module).items():
                if not name.startswith("_") and callable(fn) and not isinstance(fn, type):
                    _TENSOR_OPS.setdefault(name, fn)
        # the ops themselves where the public function would check and convert its arguments again
        _TENSOR_OPS.update(matrix_transpose=linalg.matrix_transpose, matmul=linalg._matmul,
                           matvec=linalg._matvec)
    return _TENSOR_OPS


TENSORS = _Tensors()


# ---------------------------------------------------------------------------
# On arrays: the array module's functions, large NumPy results in the host cache


def _buffer(a, b):
    """A host-cache buffer for the elementwise result of ``a`` and ``b`` (either may be a
    Python number), or None."""
    if isinstance(a, (int, float)):
        return hostcache.like(b) if hasattr(b, "nbytes") else None
    if isinstance(b, (int, float)):
        return hostcache.like(a)
    return hostcache.like2(a, b)


_getrefcount = sys.getrefcount


def _refs_of_a_temporary():
    """The reference count an interpreter function sees for an intermediate of a rule (a cache
    array that only the cache and this call hold, as in ``e.subtract(1, e.multiply(a, a))``).
    Measured with the same call shape, not assumed, so it holds across interpreter versions."""
    pool = [np.empty(1)]

    def fn(x, y):
        return _getrefcount(x)
    return fn(pool[0], 1)


_TEMPORARY = _refs_of_a_temporary()


def _into(t, other):
    """Whether an elementwise result of ``t`` and ``other`` may overwrite ``t``: a large cache
    array nothing else holds (a rule's intermediate), of the result's shape and dtype."""
    return (_getrefcount(t) <= _TEMPORARY + 1 and getattr(other, "shape", ()) in ((), t.shape)
            and getattr(other, "dtype", t.dtype) == t.dtype and hostcache.pooled(t))


def _ufunc2(name):
    f = getattr(np, name)
    ndarray = np.ndarray

    def fn(x, y):
        # small arrays (most rules of small models) skip the cache's checks
        large_x = type(x) is ndarray and x.nbytes >= hostcache._active_min
        large_y = type(y) is ndarray and y.nbytes >= hostcache._active_min
        if large_x or large_y:
            # an intermediate of the rule takes the result in place (one buffer, not three)
            if large_x and _getrefcount(x) <= _TEMPORARY and _into(x, y):
                return f(x, y, out=x)
            if large_y and _getrefcount(y) <= _TEMPORARY and _into(y, x):
                return f(x, y, out=y)
            out = _buffer(x, y)
            if out is not None:
                return f(x, y, out=out)
        return f(x, y)
    fn.__name__ = name
    return fn


def _ufunc1(name):
    f = getattr(np, name)
    ndarray = np.ndarray

    def fn(x):
        if type(x) is ndarray and x.nbytes >= hostcache._active_min and x.dtype.kind == "f":
            if _getrefcount(x) <= _TEMPORARY and _into(x, None):
                return f(x, out=x)
            return f(x, out=hostcache.like(x))
        return f(x)
    fn.__name__ = name
    return fn


def _xp(a):
    return np if isinstance(a, (np.ndarray, np.generic)) else backend.xp_of(a)


def _greater(x, y):
    return x > y


def _greater_equal(x, y):
    return x >= y


def _less_equal(x, y):
    return x <= y


def _less(x, y):
    return x < y


def _not_equal(x, y):
    return x != y


def _logical_and(x, y):
    return _xp(x).logical_and(x, y)


def _where(condition, x, y):
    return _xp(condition).where(condition, x, y)


def _ones_like(x, dtype=None):
    return _xp(x).ones_like(x, dtype=dtype)


def _zeros_like(x, dtype=None):
    return _xp(x).zeros_like(x, dtype=dtype)


def multiply_no_nan_arrays(x, y):
    """``x * y``, but 0 where ``y`` is 0 (even where ``x`` is inf or nan): TF's
    ``multiply_no_nan``, on arrays. The op's forward and this interpreter's function both."""
    xp = _xp(x) if not isinstance(x, (int, float)) else _xp(y)
    with np.errstate(invalid="ignore"):
        prod = xp.multiply(x, y)
    return xp.where(xp.equal(y, 0), xp.zeros((), prod.dtype), prod)


def _mask(condition, dtype):
    return condition


def _cast(x, dtype):
    if x.dtype.kind == "c" and np.dtype(dtype).kind != "c":
        x = x.real   # a complex cotangent to a real input: its real part (TF's cast), no warning
    return x.astype(dtype)


def _reshape(x, shape):
    return x.reshape(shape)


def _transpose(x, perm):
    return x.transpose(perm)


def _broadcast_to(x, shape):
    return _xp(x).broadcast_to(x, shape)


def _expand_dims(x, axis):
    shape = x.shape
    at = axis if axis >= 0 else len(shape) + 1 + axis
    return x.reshape(shape[:at] + (1,) + shape[at:])


def softmax_arrays(x, axis=-1):
    """Softmax on arrays: the softmax op's forward, and ``softmax`` in first-order walks."""
    if type(x) is np.ndarray:   # the reductions np.max and np.sum call, without their wrappers
        # (-inf to start from: an empty x gives an empty softmax, as TF's)
        e = np.exp(x - np.maximum.reduce(x, axis=axis, keepdims=True, initial=-np.inf))
        return e / np.add.reduce(e, axis=axis, keepdims=True)
    xp = _xp(x)
    if not x.size:
        return x.copy()
    e = xp.exp(x - xp.max(x, axis=axis, keepdims=True))
    return e / xp.sum(e, axis=axis, keepdims=True)


def _one_hot(indices, depth, dtype):
    """TF's ``one_hot`` (on 1, off 0, last axis) on arrays: a row of zeros for an index
    outside ``[0, depth)``, as the op gives."""
    return (indices[..., None] == _xp(indices).arange(depth)).astype(dtype)


def _matrix_transpose(x):
    return x.swapaxes(-1, -2)


def _matmul(a, b):
    out = a @ b
    # ml_dtypes' bfloat16 product is float32; TF's is bfloat16
    return out if out.dtype is a.dtype else out.astype(a.dtype, copy=False)


def _matvec(a, b):
    """``a @ b`` for matrices ``a`` ``[..., m, n]`` and vectors ``b`` ``[..., n]`` (also the
    matvec op's forward): one matrix product for any batch of vectors of one matrix."""
    out = b @ a.swapaxes(-1, -2) if a.ndim == 2 else (a @ b[..., None])[..., 0]
    return out if out.dtype is a.dtype else out.astype(a.dtype, copy=False)


class _Arrays:
    """The interpreter whose functions work on NumPy/CuPy arrays (first-order walks)."""

    def __init__(self):
        # instance attributes: found at once (the class's __getattr__ serves the others)
        for name in ("add", "subtract", "multiply"):
            setattr(self, name, _ufunc2(name))
        self.divide = _ufunc2("true_divide")
        for name in ("negative", "reciprocal", "square", "sqrt", "exp", "log", "sin", "cos", "sign",
                     "sinh", "cosh"):
            setattr(self, name, _ufunc1(name))
        self.abs = _ufunc1("absolute")
        self.less, self.not_equal, self.logical_and, self.where = _less, _not_equal, _logical_and, _where
        self.ones_like, self.zeros_like = _ones_like, _zeros_like
        self.greater, self.greater_equal, self.less_equal = _greater, _greater_equal, _less_equal
        self.mask = _mask
        self.multiply_no_nan = multiply_no_nan_arrays
        self.cast, self.reshape, self.transpose, self.broadcast_to = _cast, _reshape, _transpose, _broadcast_to
        self.expand_dims, self.matrix_transpose, self.matmul, self.matvec = (
            _expand_dims, _matrix_transpose, _matmul, _matvec)
        self.softmax, self.one_hot = softmax_arrays, _one_hot

    def __getattr__(self, name):
        # no array form: the library's op on the arrays, as tensors
        op = getattr(TENSORS, name)
        wrap = core.wrap

        def fn(*args, **kwargs):
            out = op(*[wrap(a) if _is_array(a) else a for a in args], **kwargs)._data
            # an op may hand back its argument (a cast to its own dtype): a view, never the
            # buffer itself, which the walk would take for its own and sum into
            return out.view() if any(out is a for a in args) else out
        fn.__name__ = name
        setattr(self, name, fn)
        return fn


def _is_array(a):
    return isinstance(a, (np.ndarray, np.generic)) or backend.is_array(a)


ARRAYS = _Arrays()
