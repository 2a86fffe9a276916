"""``wb.linalg.LinearOperator`` and its structured family: TF's ``tf.linalg.LinearOperator*``.

A linear operator is a batch of ``[M, N]`` matrices known by its structure (a diagonal, a
triangle, a low-rank update of another operator, ...) instead of its entries. Products,
solves, determinants and Cholesky factors use that structure: a diagonal solve is a division,
a triangular one a substitution, a low-rank update is solved by Woodbury's identity and its
determinant comes from the matrix determinant lemma. Dense matrices appear only where asked
(``to_dense``) or where no structure is known (``LinearOperatorFullMatrix``).

Everything is computed with the library's ops, so tapes differentiate it like any other
expression. Batch dimensions (all but the last two) broadcast between an operator's
parameters and the arguments of its methods, as in TF. Real dtypes only (float32, float64).

>>> op = wb.linalg.LinearOperatorDiag([1.0, 2.0, 4.0])
>>> op.solvevec([1.0, 1.0, 1.0]).numpy()
array([1.  , 0.5 , 0.25], dtype=float32)
>>> round(float(op.log_abs_determinant()), 6)     # log 8
2.079442
"""

from __future__ import annotations

import numpy as np

from ..core import Tensor, convert_to_tensor
from ..tensor_shape import TensorShape
from . import linalg as _la
from .create import eye, ones, zeros
from .elementwise import abs as _abs, exp, log, reciprocal, sqrt
from .reduce import reduce_prod, reduce_sum
from .shape import broadcast_to, concat, expand_dims, split, squeeze

__all__ = [
    "LinearOperator",
    "LinearOperatorAdjoint",
    "LinearOperatorBlockDiag",
    "LinearOperatorComposition",
    "LinearOperatorDiag",
    "LinearOperatorFullMatrix",
    "LinearOperatorIdentity",
    "LinearOperatorInversion",
    "LinearOperatorLowRankUpdate",
    "LinearOperatorLowerTriangular",
    "LinearOperatorScaledIdentity",
]

_FLOATS = (np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64))


# ---------------------------------------------------------------------------
# helpers


def _tensor_param(value, argname, owner, min_ndims, dtype=None):
    """A parameter as a Tensor (Variables and tensor-likes kept as they are, converted at each
    use), of a floating dtype and at least ``min_ndims`` dimensions."""
    if not isinstance(value, Tensor) and not hasattr(type(value), "__wb_tensor__"):
        value = convert_to_tensor(value, dtype=dtype)
    dt = np.dtype(value.dtype)
    if dt not in _FLOATS:
        raise TypeError(f"{owner}: argument `{argname}` must have a floating dtype (float16, float32 or "
                        f"float64), got {dt}")
    if dtype is not None and dt != np.dtype(dtype):
        raise TypeError(f"{owner}: argument `{argname}` has dtype {dt}, expected {np.dtype(dtype)} "
                        "(the dtype of the other arguments)")
    if len(value.shape) < min_ndims:
        raise ValueError(f"{owner}: argument `{argname}` must have at least {min_ndims} dimension"
                         f"{'s' if min_ndims > 1 else ''}, got shape {list(value.shape)}")
    return value


def _t(value):
    """A parameter's current value as a Tensor (tensor-likes are converted at each use)."""
    return value if isinstance(value, Tensor) else convert_to_tensor(value)


def _broadcast_shapes(*shapes, what="operators"):
    try:
        return tuple(np.broadcast_shapes(*[tuple(s) for s in shapes]))
    except ValueError:
        raise ValueError(f"batch shapes of the {what} do not broadcast: "
                         f"{', '.join(str(list(s)) for s in shapes)}") from None


def _batch_key(slices, batch_ndims, event_ndims):
    """Index only the batch dimensions: an Ellipsis expands to the batch rank, event dims stay whole."""
    if any(s is Ellipsis for s in slices):
        i = next(i for i, s in enumerate(slices) if s is Ellipsis)
        used = sum(1 for s in slices if s is not Ellipsis and s is not None)
        slices = slices[:i] + (slice(None),) * (batch_ndims - used) + slices[i + 1:]
    used = sum(1 for s in slices if s is not None)
    if used > batch_ndims:
        raise IndexError(f"too many indices for a LinearOperator with batch rank {batch_ndims}")
    return tuple(slices) + (slice(None),) * (batch_ndims - used + event_ndims)


def _mt(x):
    return _la.matrix_transpose(x)


def _flag(value, argname, owner):
    if value is None or isinstance(value, (bool, np.bool_)):
        return None if value is None else bool(value)
    raise TypeError(f"{owner}: `{argname}` must be True, False or None, got {value!r}")


# ---------------------------------------------------------------------------
# the abstract operator


class LinearOperator:
    """Base class of the operators: a batch of ``[M, N]`` matrices, ``shape = batch_shape + [M, N]``.

    Subclasses give ``_matrix_shape()`` (``(M, N)``) and ``_matmul(x, adjoint, adjoint_arg)``,
    and override whichever of ``_solve``, ``_to_dense``, ``_diag_part``, ``_log_abs_determinant``,
    ``_determinant``, ``_cholesky``, ``_inverse``, ``_adjoint`` their structure makes cheaper;
    the defaults work on the dense matrix. Tensor parameters are declared in ``_param_ndims``
    (name -> how many trailing dimensions are not batch), operator parameters in
    ``_operator_params``, so that batch shapes and batch slicing (``op[1:]``) are generic.

    The hints ``is_non_singular``, ``is_self_adjoint``, ``is_positive_definite`` and
    ``is_square`` are promises about the matrix (None: unknown), as in TF; they select
    algorithms (a Cholesky solve for self-adjoint positive definite matrices) and are
    checked for consistency, not against the entries.
    """

    _param_ndims: dict = {}
    _operator_params: tuple = ()

    def __init__(self, dtype, is_non_singular=None, is_self_adjoint=None, is_positive_definite=None,
                 is_square=None, name=None, parameters=None):
        owner = type(self).__name__
        is_non_singular = _flag(is_non_singular, "is_non_singular", owner)
        is_self_adjoint = _flag(is_self_adjoint, "is_self_adjoint", owner)
        is_positive_definite = _flag(is_positive_definite, "is_positive_definite", owner)
        is_square = _flag(is_square, "is_square", owner)
        if is_positive_definite:
            if is_non_singular is False:
                raise ValueError(f"{owner}: a positive definite matrix is always non-singular "
                                 "(is_non_singular=False contradicts is_positive_definite=True)")
            is_non_singular = True
        if is_non_singular:
            if is_square is False:
                raise ValueError(f"{owner}: a non-singular matrix is always square "
                                 "(is_square=False contradicts is_non_singular=True)")
            is_square = True
        if is_self_adjoint:
            if is_square is False:
                raise ValueError(f"{owner}: a self-adjoint matrix is always square "
                                 "(is_square=False contradicts is_self_adjoint=True)")
            is_square = True
        self._dtype = np.dtype(dtype)
        self._is_non_singular = is_non_singular
        self._is_self_adjoint = is_self_adjoint
        self._is_positive_definite = is_positive_definite
        self._is_square_hint = is_square
        self._name = name or owner
        params = dict(parameters or {})
        params.pop("self", None)
        params.pop("__class__", None)
        self._parameters = params
        if is_square is False and self._matrix_shape()[0] == self._matrix_shape()[1]:
            raise ValueError(f"{owner}: is_square=False was given, but the operator is square "
                             f"(shape {list(self.shape)})")
        if is_square and self._matrix_shape()[0] != self._matrix_shape()[1]:
            raise ValueError(f"{owner}: is_square=True was given (or implied by another hint), but the "
                             f"operator has shape {list(self.shape)}")

    # -- properties -----------------------------------------------------------
    @property
    def dtype(self):
        return self._dtype

    @property
    def name(self):
        return self._name

    @property
    def parameters(self) -> dict:
        """The arguments the operator was built with (a copy)."""
        return dict(self._parameters)

    @property
    def is_non_singular(self):
        return self._is_non_singular

    @property
    def is_self_adjoint(self):
        return self._is_self_adjoint

    @property
    def is_positive_definite(self):
        return self._is_positive_definite

    @property
    def is_square(self):
        """The ``is_square`` hint, else whether ``range_dimension == domain_dimension``."""
        if self._is_square_hint is not None:
            return self._is_square_hint
        m, n = self._matrix_shape()
        return m == n

    @property
    def shape(self) -> TensorShape:
        """``batch_shape + [range_dimension, domain_dimension]``."""
        return TensorShape(tuple(self._batch_shape()) + tuple(self._matrix_shape()))

    @property
    def batch_shape(self) -> TensorShape:
        return TensorShape(tuple(self._batch_shape()))

    @property
    def range_dimension(self) -> int:
        """``M``: the size of the vectors the operator returns."""
        return int(self._matrix_shape()[0])

    @property
    def domain_dimension(self) -> int:
        """``N``: the size of the vectors the operator takes."""
        return int(self._matrix_shape()[1])

    @property
    def tensor_rank(self) -> int:
        return len(self.shape)

    def shape_tensor(self, name=None):
        return convert_to_tensor(np.asarray(self.shape, dtype=np.int32))

    def batch_shape_tensor(self, name=None):
        return convert_to_tensor(np.asarray(self.batch_shape, dtype=np.int32))

    def range_dimension_tensor(self, name=None):
        return convert_to_tensor(np.int32(self.range_dimension))

    def domain_dimension_tensor(self, name=None):
        return convert_to_tensor(np.int32(self.domain_dimension))

    def tensor_rank_tensor(self, name=None):
        return convert_to_tensor(np.int32(self.tensor_rank))

    @property
    def H(self):
        """The adjoint, ``adjoint()``."""
        return self.adjoint()

    # -- what subclasses give -----------------------------------------------
    def _matrix_shape(self):
        raise NotImplementedError(f"{type(self).__name__} does not define its matrix shape")

    def _batch_shape(self):
        shapes = []
        for k, nd in self._param_ndims.items():
            v = self._parameters.get(k)
            if v is not None:
                shapes.append(tuple(v.shape)[:len(v.shape) - nd])
        for k in self._operator_params:
            v = self._parameters.get(k)
            for op in (v if isinstance(v, (list, tuple)) else [v] if v is not None else []):
                shapes.append(tuple(op.batch_shape))
        return _broadcast_shapes(*shapes, what=f"parameters of {type(self).__name__}") if shapes else ()

    def _matmul(self, x, adjoint=False, adjoint_arg=False):
        raise NotImplementedError(f"{type(self).__name__} does not implement matmul")

    # -- argument checks --------------------------------------------------------
    def _arg(self, x, method, argname, min_ndims):
        owner = type(self).__name__
        if not isinstance(x, Tensor):
            if hasattr(type(x), "__wb_tensor__"):
                x = convert_to_tensor(x)
            else:
                x = convert_to_tensor(np.asarray(x) if isinstance(x, (list, tuple)) else x, dtype=self._dtype)
        if np.dtype(x.dtype) != self._dtype:
            raise TypeError(f"{owner}.{method}: `{argname}` has dtype {x.dtype}, expected {self._dtype} "
                            "(the operator's dtype)")
        if x.ndim < min_ndims:
            what = "a matrix [..., N, R]" if min_ndims == 2 else "a vector [..., N]"
            raise ValueError(f"{owner}.{method}: `{argname}` must be {what}, got shape {list(x.shape)}")
        return x

    def _check_dim(self, got, want, method, argname, axis):
        if got != want:
            raise ValueError(f"{type(self).__name__}.{method}: `{argname}` has {got} entries in "
                             f"dimension {axis}, but the operator (shape {list(self.shape)}) needs {want}")

    def _check_square(self, what):
        if self.is_square is False:
            raise NotImplementedError(f"{type(self).__name__}: {what} is not defined for an operator that "
                                      f"is not square (shape {list(self.shape)})")

    def _check_solvable(self):
        if self.is_non_singular is False:
            raise NotImplementedError(f"{type(self).__name__}: exact solve is not implemented for an "
                                      "operator that is expected to be singular (is_non_singular=False)")
        self._check_square("solve")

    # -- products -----------------------------------------------------------
    def matmul(self, x, adjoint=False, adjoint_arg=False, name=None):
        """``A @ x`` (``adjoint``: ``A^H @ x``; ``adjoint_arg``: with ``x^H``) for ``x`` ``[..., N, R]``.

        ``x`` may be another LinearOperator: the product is then an operator (structured
        where a rule is known, e.g. diagonal times diagonal, else a composition).
        """
        if isinstance(x, LinearOperator):
            left = self.adjoint() if adjoint else self
            right = x.adjoint() if adjoint_arg else x
            if right.range_dimension != left.domain_dimension:
                raise ValueError(f"{type(self).__name__}.matmul: operators are incompatible: `x` has range "
                                 f"dimension {right.range_dimension}, expected {left.domain_dimension}")
            return _matmul_operators(left, right)
        x = self._arg(x, "matmul", "x", 2)
        want = self.range_dimension if adjoint else self.domain_dimension
        self._check_dim(x.shape[-1] if adjoint_arg else x.shape[-2], want, "matmul", "x",
                        -1 if adjoint_arg else -2)
        return self._matmul(x, adjoint=bool(adjoint), adjoint_arg=bool(adjoint_arg))

    def __matmul__(self, other):
        return self.matmul(other)

    def matvec(self, x, adjoint=False, name=None):
        """``A @ x`` (``adjoint``: ``A^H @ x``) for vectors ``x`` ``[..., N]`` -> ``[..., M]``."""
        x = self._arg(x, "matvec", "x", 1)
        self._check_dim(x.shape[-1], self.range_dimension if adjoint else self.domain_dimension,
                        "matvec", "x", -1)
        return self._matvec(x, adjoint=bool(adjoint))

    def _matvec(self, x, adjoint=False):
        return squeeze(self._matmul(expand_dims(x, -1), adjoint=adjoint), axis=-1)

    def to_dense(self, name=None):
        """The dense ``[..., M, N]`` matrix."""
        return self._to_dense()

    def _to_dense(self):
        n = self.domain_dimension
        return self._matmul(eye(n, batch_shape=tuple(self.batch_shape) or None, dtype=self._dtype))

    def diag_part(self, name=None):
        """The main diagonal ``[..., min(M, N)]``."""
        return self._diag_part()

    def _diag_part(self):
        return _la.diag_part(self._to_dense())

    def trace(self, name=None):
        """The sum of the main diagonal, ``[...]``."""
        return reduce_sum(self.diag_part(), axis=-1)

    def add_to_tensor(self, x, name=None):
        """``A + x`` for a dense ``x`` ``[..., M, N]``."""
        x = self._arg(x, "add_to_tensor", "x", 2)
        self._check_dim(tuple(x.shape[-2:]), tuple(self._matrix_shape()), "add_to_tensor", "x", "(-2, -1)")
        return self._add_to_tensor(x)

    def _add_to_tensor(self, x):
        return self._to_dense() + x

    # -- solves -----------------------------------------------------------------
    def solve(self, rhs, adjoint=False, adjoint_arg=False, name=None):
        """``x`` with ``A @ x = rhs`` (``adjoint``: ``A^H @ x = rhs``; ``adjoint_arg``: ``rhs^H``).

        ``rhs``: ``[..., M, R]`` (or a LinearOperator: the result is then the operator
        ``A^{-1} rhs``). Needs a square operator that is not declared singular.
        """
        self._check_solvable()
        if isinstance(rhs, LinearOperator):
            left = self.adjoint() if adjoint else self
            right = rhs.adjoint() if adjoint_arg else rhs
            if right.range_dimension != left.range_dimension:
                raise ValueError(f"{type(self).__name__}.solve: operators are incompatible: `rhs` has range "
                                 f"dimension {right.range_dimension}, expected {left.range_dimension}")
            return _matmul_operators(left.inverse(), right)
        rhs = self._arg(rhs, "solve", "rhs", 2)
        want = self.domain_dimension if adjoint else self.range_dimension
        self._check_dim(rhs.shape[-1] if adjoint_arg else rhs.shape[-2], want, "solve", "rhs",
                        -1 if adjoint_arg else -2)
        return self._solve(rhs, adjoint=bool(adjoint), adjoint_arg=bool(adjoint_arg))

    def _solve(self, rhs, adjoint=False, adjoint_arg=False):
        rhs = _mt(rhs) if adjoint_arg else rhs
        if self._can_use_cholesky():
            return _la.cholesky_solve(_la.cholesky(self._to_dense()), rhs)
        return _la.solve(self._to_dense(), rhs, adjoint=adjoint)

    def solvevec(self, rhs, adjoint=False, name=None):
        """``x`` with ``A @ x = rhs`` for vectors ``rhs`` ``[..., M]``."""
        self._check_solvable()
        rhs = self._arg(rhs, "solvevec", "rhs", 1)
        self._check_dim(rhs.shape[-1], self.domain_dimension if adjoint else self.range_dimension,
                        "solvevec", "rhs", -1)
        return self._solvevec(rhs, adjoint=bool(adjoint))

    def _solvevec(self, rhs, adjoint=False):
        return squeeze(self._solve(expand_dims(rhs, -1), adjoint=adjoint), axis=-1)

    # -- determinants and factorizations --------------------------------------
    def _can_use_cholesky(self):
        return bool(self.is_self_adjoint and self.is_positive_definite)

    def determinant(self, name=None):
        """``det(A)`` ``[...]`` (square operators)."""
        self._check_square("the determinant")
        return self._determinant()

    def _determinant(self):
        if self._can_use_cholesky():
            return exp(self._log_abs_determinant())
        return _la.det(self._to_dense())

    def log_abs_determinant(self, name=None):
        """``log|det(A)|`` ``[...]`` (square operators)."""
        self._check_square("the log-determinant")
        return self._log_abs_determinant()

    def _log_abs_determinant(self):
        if self._can_use_cholesky():
            return 2.0 * reduce_sum(log(_la.diag_part(_la.cholesky(self._to_dense()))), axis=-1)
        return _la.slogdet(self._to_dense())[1]

    def cholesky(self, name=None):
        """The lower-triangular ``L`` with ``L L^H = A``, as an operator (self-adjoint positive
        definite operators: both hints must be True)."""
        if not self._can_use_cholesky():
            raise ValueError(f"{type(self).__name__}: cannot take the Cholesky decomposition: the operator is "
                             "not declared self-adjoint and positive definite (is_self_adjoint="
                             f"{self.is_self_adjoint}, is_positive_definite={self.is_positive_definite})")
        return self._cholesky()

    def _cholesky(self):
        return LinearOperatorLowerTriangular(_la.cholesky(self._to_dense()), is_non_singular=True,
                                             is_self_adjoint=False, is_square=True)

    def inverse(self, name=None):
        """``A^{-1}`` as an operator (square, not declared singular)."""
        if self.is_square is False:
            raise ValueError(f"{type(self).__name__}: cannot take the inverse of an operator that is not "
                             f"square (shape {list(self.shape)})")
        if self.is_non_singular is False:
            raise ValueError(f"{type(self).__name__}: cannot take the inverse of an operator declared "
                             "singular (is_non_singular=False)")
        return self._inverse()

    def _inverse(self):
        return LinearOperatorInversion(self)

    def adjoint(self, name=None):
        """``A^H`` as an operator (the operator itself where it is self-adjoint)."""
        if self.is_self_adjoint:
            return self
        return self._adjoint()

    def _adjoint(self):
        return LinearOperatorAdjoint(self)

    def eigvals(self, name=None):
        """The eigenvalues ``[..., N]`` of a self-adjoint operator, ascending."""
        if not self.is_self_adjoint:
            raise NotImplementedError(f"{type(self).__name__}: eigvals is only implemented for operators "
                                      "declared self-adjoint")
        return _la.eigvalsh(self._to_dense())

    # -- structure --------------------------------------------------------------
    def _rebuild(self, tensor_fn, operator_fn, **override):
        """The same kind of operator with each tensor parameter mapped by ``tensor_fn(t, ndims)``
        and each operator parameter by ``operator_fn(op)``."""
        params = dict(self._parameters)
        for k, nd in self._param_ndims.items():
            if params.get(k) is not None:
                params[k] = tensor_fn(_t(params[k]), nd)
        for k in self._operator_params:
            v = params.get(k)
            if isinstance(v, (list, tuple)):
                params[k] = [operator_fn(op) for op in v]
            elif v is not None:
                params[k] = operator_fn(v)
        params.update(override)
        return type(self)(**params)

    def _broadcast_batch_shape(self, batch):
        """This operator with its parameters broadcast to the batch shape ``batch``."""
        batch = tuple(batch)
        if tuple(self.batch_shape) == batch:
            return self
        return self._rebuild(
            lambda t, nd: broadcast_to(t, batch + tuple(t.shape[len(t.shape) - nd:] if nd else ())),
            lambda op: op._broadcast_batch_shape(batch))

    def __getitem__(self, slices):
        """Slice the batch dimensions: ``op[1:]``, ``op[..., 0]`` (the matrices stay whole)."""
        if not isinstance(slices, tuple):
            slices = (slices,)
        batch = tuple(self.batch_shape)

        def cut(t, nd):
            event = tuple(t.shape[len(t.shape) - nd:] if nd else ())
            full = t if tuple(t.shape) == batch + event else broadcast_to(t, batch + event)
            return full[_batch_key(slices, len(batch), nd)]
        return self._rebuild(cut, lambda op: op._broadcast_batch_shape(batch)[slices])

    def __repr__(self):
        return (f"<wb.linalg.{type(self).__name__} '{self._name}' shape={list(self.shape)} "
                f"dtype={self._dtype}>")


def _matmul_operators(left, right):
    """``left @ right`` for two operators, structured where a rule is known."""
    if isinstance(left, LinearOperatorIdentity) and not left._batch_shape_arg:
        return right
    if isinstance(right, LinearOperatorIdentity) and not right._batch_shape_arg:
        return left
    diagonal = (LinearOperatorDiag, LinearOperatorScaledIdentity)
    if isinstance(left, diagonal) and isinstance(right, diagonal):
        both = lambda flag: True if (getattr(left, flag) and getattr(right, flag)) else None
        if isinstance(left, LinearOperatorScaledIdentity) and isinstance(right, LinearOperatorScaledIdentity):
            return LinearOperatorScaledIdentity(left.range_dimension, _t(left.multiplier) * _t(right.multiplier),
                                                is_non_singular=both("is_non_singular"))
        return LinearOperatorDiag(left.diag_part() * right.diag_part(),
                                  is_non_singular=both("is_non_singular"))
    return LinearOperatorComposition([left, right])


# ---------------------------------------------------------------------------
# diagonal, identity, scaled identity


class LinearOperatorDiag(LinearOperator):
    """``A = diag(diag)``: ``diag`` ``[..., N]`` gives a batch of ``[N, N]`` diagonal matrices.

    Products and solves are elementwise, ``log|det| = sum(log|diag|)``; the inverse, the
    Cholesky factor and products with other diagonal operators are diagonal operators again.
    A real diagonal operator is always self-adjoint.

    >>> op = wb.linalg.LinearOperatorDiag([[1.0, -1.0], [2.0, 3.0]])
    >>> op.shape, op.to_dense().shape
    (TensorShape([2, 2, 2]), TensorShape([2, 2, 2]))
    """

    _param_ndims = {"diag": 1}

    def __init__(self, diag, is_non_singular=None, is_self_adjoint=None, is_positive_definite=None,
                 is_square=True, name="LinearOperatorDiag"):
        parameters = dict(locals())
        self._diag = _tensor_param(diag, "diag", "LinearOperatorDiag", 1)
        parameters["diag"] = self._diag
        if is_square is False:
            raise ValueError("LinearOperatorDiag: only square diagonal operators are supported (is_square=False)")
        if is_self_adjoint is False:
            raise ValueError("LinearOperatorDiag: a real diagonal operator is always self-adjoint "
                             "(is_self_adjoint=False)")
        super().__init__(self._diag.dtype, is_non_singular, True, is_positive_definite, True,
                         name, parameters)

    @property
    def diag(self):
        return self._diag

    def _matrix_shape(self):
        n = self._diag.shape[-1]
        return (n, n)

    def _matmul(self, x, adjoint=False, adjoint_arg=False):
        x = _mt(x) if adjoint_arg else x
        return expand_dims(_t(self._diag), -1) * x

    def _matvec(self, x, adjoint=False):
        return _t(self._diag) * x

    def _solve(self, rhs, adjoint=False, adjoint_arg=False):
        rhs = _mt(rhs) if adjoint_arg else rhs
        return rhs / expand_dims(_t(self._diag), -1)

    def _solvevec(self, rhs, adjoint=False):
        return rhs / _t(self._diag)

    def _to_dense(self):
        return _la.diag(_t(self._diag))

    def _diag_part(self):
        return _t(self._diag)

    def _add_to_tensor(self, x):
        return _la.set_diag(x, _la.diag_part(x) + _t(self._diag))

    def _determinant(self):
        return reduce_prod(_t(self._diag), axis=-1)

    def _log_abs_determinant(self):
        return reduce_sum(log(_abs(_t(self._diag))), axis=-1)

    def _cholesky(self):
        return LinearOperatorDiag(sqrt(_t(self._diag)), is_non_singular=True, is_self_adjoint=True,
                                  is_positive_definite=True, is_square=True)

    def _inverse(self):
        return LinearOperatorDiag(reciprocal(_t(self._diag)), is_non_singular=self.is_non_singular,
                                  is_positive_definite=self.is_positive_definite)

    def eigvals(self, name=None):
        return _t(self._diag)


def _num_rows(num_rows, owner):
    value = num_rows.numpy() if isinstance(num_rows, Tensor) else num_rows
    arr = np.asarray(value)
    if arr.ndim != 0 or arr.dtype.kind not in "iu":
        raise TypeError(f"{owner}: argument `num_rows` must be a scalar integer, got {num_rows!r}")
    if int(arr) < 0:
        raise ValueError(f"{owner}: argument `num_rows` must be non-negative, got {int(arr)}")
    return int(arr)


class LinearOperatorIdentity(LinearOperator):
    """``A = I``: ``num_rows x num_rows`` identity matrices, optionally a batch of them.

    ``batch_shape`` (a list of ints) gives the batch; ``matmul`` and ``solve`` return their
    argument (broadcast against that batch). No parameters, so nothing to differentiate.

    >>> op = wb.linalg.LinearOperatorIdentity(3, batch_shape=[2], dtype=wb.float64)
    >>> op.shape, float(op.log_abs_determinant()[0])
    (TensorShape([2, 3, 3]), 0.0)
    """

    def __init__(self, num_rows, batch_shape=None, dtype=None, is_non_singular=True, is_self_adjoint=True,
                 is_positive_definite=True, is_square=True, assert_proper_shapes=False,
                 name="LinearOperatorIdentity"):
        parameters = dict(locals())
        owner = "LinearOperatorIdentity"
        self._num_rows = _num_rows(num_rows, owner)
        if batch_shape is not None:
            value = batch_shape.numpy() if isinstance(batch_shape, Tensor) else batch_shape
            arr = np.asarray(value)
            if arr.ndim != 1 or (arr.size and arr.dtype.kind not in "iu") or np.any(arr < 0):
                raise ValueError(f"{owner}: argument `batch_shape` must be a list of non-negative ints, "
                                 f"got {batch_shape!r}")
            batch_shape = tuple(int(b) for b in arr)
        self._batch_shape_arg = batch_shape
        parameters["batch_shape"] = batch_shape
        dtype = np.dtype(np.float32 if dtype is None else dtype)
        if dtype not in _FLOATS:
            raise TypeError(f"{owner}: argument `dtype` must be a floating dtype, got {dtype}")
        for flag, value in (("non-singular", is_non_singular), ("self-adjoint", is_self_adjoint),
                            ("positive definite", is_positive_definite), ("square", is_square)):
            if not value:
                raise ValueError(f"{owner}: an identity operator is always {flag} (its hint was {value})")
        super().__init__(dtype, True, True, True, True, name, parameters)

    def _matrix_shape(self):
        return (self._num_rows, self._num_rows)

    def _batch_shape(self):
        return self._batch_shape_arg or ()

    def _with_batch(self, x):
        if not self._batch_shape_arg:
            return x
        batch = _broadcast_shapes(tuple(x.shape[:-2]), self._batch_shape_arg, what="operator and argument")
        return x if tuple(x.shape[:-2]) == batch else broadcast_to(x, batch + tuple(x.shape[-2:]))

    def _matmul(self, x, adjoint=False, adjoint_arg=False):
        return self._with_batch(_mt(x) if adjoint_arg else x)

    def _matvec(self, x, adjoint=False):
        return squeeze(self._with_batch(expand_dims(x, -1)), axis=-1)

    _solve = _matmul
    _solvevec = _matvec

    def _to_dense(self):
        return eye(self._num_rows, batch_shape=self._batch_shape_arg or None, dtype=self._dtype)

    def _diag_part(self):
        return ones(tuple(self.batch_shape) + (self._num_rows,), dtype=self._dtype)

    def _add_to_tensor(self, x):
        return self._with_batch(_la.set_diag(x, _la.diag_part(x) + 1.0))

    def _determinant(self):
        return ones(tuple(self.batch_shape), dtype=self._dtype)

    def _log_abs_determinant(self):
        return zeros(tuple(self.batch_shape), dtype=self._dtype)

    def _cholesky(self):
        return self

    def _inverse(self):
        return self

    def _broadcast_batch_shape(self, batch):
        if tuple(self.batch_shape) == tuple(batch):
            return self
        return LinearOperatorIdentity(self._num_rows, batch_shape=list(batch), dtype=self._dtype, name=self._name)

    def __getitem__(self, slices):
        if not isinstance(slices, tuple):
            slices = (slices,)
        batch = tuple(self.batch_shape)
        new = np.empty(batch, dtype=bool)[_batch_key(slices, len(batch), 0)].shape
        return LinearOperatorIdentity(self._num_rows, batch_shape=list(new), dtype=self._dtype, name=self._name)


class LinearOperatorScaledIdentity(LinearOperator):
    """``A = multiplier * I``: ``multiplier`` ``[...]`` scales ``num_rows x num_rows`` identities.

    ``log|det| = num_rows * log|multiplier|``; the inverse and the Cholesky factor are scaled
    identities again.

    >>> op = wb.linalg.LinearOperatorScaledIdentity(3, [2.0, 0.5])
    >>> op.shape, op.determinant().numpy()
    (TensorShape([2, 3, 3]), array([8.   , 0.125], dtype=float32))
    """

    _param_ndims = {"multiplier": 0}

    def __init__(self, num_rows, multiplier, is_non_singular=None, is_self_adjoint=None,
                 is_positive_definite=None, is_square=True, assert_proper_shapes=False,
                 name="LinearOperatorScaledIdentity"):
        parameters = dict(locals())
        owner = "LinearOperatorScaledIdentity"
        self._num_rows = _num_rows(num_rows, owner)
        self._multiplier = _tensor_param(multiplier, "multiplier", owner, 0)
        parameters["multiplier"] = self._multiplier
        if is_square is False:
            raise ValueError(f"{owner}: a scaled identity operator is always square (is_square=False)")
        if is_self_adjoint is False:
            raise ValueError(f"{owner}: a real scaled identity operator is always self-adjoint "
                             "(is_self_adjoint=False)")
        super().__init__(self._multiplier.dtype, is_non_singular, True, is_positive_definite, True,
                         name, parameters)

    @property
    def multiplier(self):
        return self._multiplier

    def _matrix_shape(self):
        return (self._num_rows, self._num_rows)

    def _m(self, extra):
        m = _t(self._multiplier)
        for _ in range(extra):
            m = expand_dims(m, -1)
        return m

    def _matmul(self, x, adjoint=False, adjoint_arg=False):
        return (_mt(x) if adjoint_arg else x) * self._m(2)

    def _matvec(self, x, adjoint=False):
        return x * self._m(1)

    def _solve(self, rhs, adjoint=False, adjoint_arg=False):
        return (_mt(rhs) if adjoint_arg else rhs) / self._m(2)

    def _solvevec(self, rhs, adjoint=False):
        return rhs / self._m(1)

    def _to_dense(self):
        return eye(self._num_rows, dtype=self._dtype) * self._m(2)

    def _diag_part(self):
        return ones((self._num_rows,), dtype=self._dtype) * self._m(1)

    def _add_to_tensor(self, x):
        return x + self._to_dense()

    def _determinant(self):
        return _t(self._multiplier) ** float(self._num_rows)

    def _log_abs_determinant(self):
        return float(self._num_rows) * log(_abs(_t(self._multiplier)))

    def _cholesky(self):
        return LinearOperatorScaledIdentity(self._num_rows, sqrt(_t(self._multiplier)), is_non_singular=True,
                                            is_self_adjoint=True, is_positive_definite=True)

    def _inverse(self):
        return LinearOperatorScaledIdentity(self._num_rows, reciprocal(_t(self._multiplier)),
                                            is_non_singular=self.is_non_singular,
                                            is_positive_definite=self.is_positive_definite)


# ---------------------------------------------------------------------------
# triangular and full matrices


class LinearOperatorLowerTriangular(LinearOperator):
    """``A = tril``: square lower-triangular matrices ``[..., N, N]``; only the lower triangle
    of ``tril`` is read (the rest is ignored, as in TF).

    Solves are triangular substitutions and ``log|det| = sum(log|diag(tril)|)``.

    >>> op = wb.linalg.LinearOperatorLowerTriangular([[2.0, 9.0], [1.0, 1.0]])
    >>> op.to_dense().numpy()
    array([[2., 0.],
           [1., 1.]], dtype=float32)
    """

    _param_ndims = {"tril": 2}

    def __init__(self, tril, is_non_singular=None, is_self_adjoint=None, is_positive_definite=None,
                 is_square=None, name="LinearOperatorLowerTriangular"):
        parameters = dict(locals())
        owner = "LinearOperatorLowerTriangular"
        self._tril = _tensor_param(tril, "tril", owner, 2)
        parameters["tril"] = self._tril
        if self._tril.shape[-1] != self._tril.shape[-2]:
            raise ValueError(f"{owner}: argument `tril` must be square in its last two dimensions "
                             f"([..., N, N]), got shape {list(self._tril.shape)}")
        if is_square is False:
            raise ValueError(f"{owner}: only square lower-triangular operators are supported (is_square=False)")
        super().__init__(self._tril.dtype, is_non_singular, is_self_adjoint, is_positive_definite, True,
                         name, parameters)

    @property
    def tril(self):
        return self._tril

    def _matrix_shape(self):
        return tuple(self._tril.shape[-2:])

    def _get_tril(self):
        return _la.band_part(_t(self._tril), -1, 0)

    def _matmul(self, x, adjoint=False, adjoint_arg=False):
        return _la.matmul(self._get_tril(), x, adjoint_a=adjoint, adjoint_b=adjoint_arg)

    def _solve(self, rhs, adjoint=False, adjoint_arg=False):
        rhs = _mt(rhs) if adjoint_arg else rhs
        tril = self._get_tril()
        batch = _broadcast_shapes(tuple(tril.shape[:-2]), tuple(rhs.shape[:-2]), what="operator and rhs")
        if tuple(rhs.shape[:-2]) != batch:
            rhs = broadcast_to(rhs, batch + tuple(rhs.shape[-2:]))
        return _la.triangular_solve(tril, rhs, lower=True, adjoint=adjoint)

    def _to_dense(self):
        return self._get_tril()

    def _diag_part(self):
        return _la.diag_part(_t(self._tril))

    def _determinant(self):
        return reduce_prod(self._diag_part(), axis=-1)

    def _log_abs_determinant(self):
        return reduce_sum(log(_abs(self._diag_part())), axis=-1)

    def eigvals(self, name=None):
        return self._diag_part()


class LinearOperatorFullMatrix(LinearOperator):
    """``A = matrix``: a dense ``[..., M, N]`` matrix with no known structure.

    Solves are LU solves, or Cholesky solves when the operator is declared self-adjoint and
    positive definite (which also gives its log-determinant from the Cholesky factor).

    >>> op = wb.linalg.LinearOperatorFullMatrix([[4.0, 1.0], [1.0, 3.0]], is_self_adjoint=True,
    ...                                         is_positive_definite=True)
    >>> op.cholesky().to_dense().shape
    TensorShape([2, 2])
    """

    _param_ndims = {"matrix": 2}

    def __init__(self, matrix, is_non_singular=None, is_self_adjoint=None, is_positive_definite=None,
                 is_square=None, name="LinearOperatorFullMatrix"):
        parameters = dict(locals())
        self._matrix = _tensor_param(matrix, "matrix", "LinearOperatorFullMatrix", 2)
        parameters["matrix"] = self._matrix
        super().__init__(self._matrix.dtype, is_non_singular, is_self_adjoint, is_positive_definite,
                         is_square, name, parameters)

    @property
    def matrix(self):
        return self._matrix

    def _matrix_shape(self):
        return tuple(self._matrix.shape[-2:])

    def _matmul(self, x, adjoint=False, adjoint_arg=False):
        return _la.matmul(_t(self._matrix), x, adjoint_a=adjoint, adjoint_b=adjoint_arg)

    def _matvec(self, x, adjoint=False):
        return _la.matvec(_t(self._matrix), x, adjoint_a=adjoint)

    def _to_dense(self):
        return _t(self._matrix)


# ---------------------------------------------------------------------------
# operators built from operators


class LinearOperatorLowRankUpdate(LinearOperator):
    """``A = L + U D V^H``: ``base_operator`` ``L`` ``[..., M, N]``, ``u`` ``[..., M, K]``,
    ``diag_update`` ``D`` ``[..., K]`` (the identity when None), ``v`` ``[..., N, K]`` (``u``
    when None).

    With ``K`` much smaller than ``N`` the solve costs ``K`` solves with ``L`` plus a ``K x K``
    solve (Woodbury's identity, ``A^{-1} = L^{-1} - L^{-1} U C^{-1} V^H L^{-1}`` with the
    capacitance ``C = D^{-1} + V^H L^{-1} U``), and ``log|det A| = log|det C| + log|det D| +
    log|det L|`` (the matrix determinant lemma). When ``L`` is self-adjoint positive definite,
    ``v`` is None and ``is_diag_update_positive`` is True (the default for ``D = I``), the
    operator is self-adjoint positive definite and ``C`` is factored by Cholesky.

    >>> base = wb.linalg.LinearOperatorDiag([1.0, 2.0, 3.0], is_positive_definite=True)
    >>> op = wb.linalg.LinearOperatorLowRankUpdate(base, u=[[1.0], [0.0], [1.0]])
    >>> op.is_positive_definite, op.to_dense().numpy()[0]
    (True, array([2., 0., 1.], dtype=float32))
    """

    _param_ndims = {"u": 2, "diag_update": 1, "v": 2}
    _operator_params = ("base_operator",)

    def __init__(self, base_operator, u, diag_update=None, v=None, is_diag_update_positive=None,
                 is_non_singular=None, is_self_adjoint=None, is_positive_definite=None, is_square=None,
                 name="LinearOperatorLowRankUpdate"):
        parameters = dict(locals())
        owner = "LinearOperatorLowRankUpdate"
        if not isinstance(base_operator, LinearOperator):
            raise TypeError(f"{owner}: argument `base_operator` must be a LinearOperator, got "
                            f"{type(base_operator).__name__}")
        dtype = base_operator.dtype
        self._base_operator = base_operator
        self._u = _tensor_param(u, "u", owner, 2, dtype)
        self._v = None if v is None else _tensor_param(v, "v", owner, 2, dtype)
        self._diag_update = None if diag_update is None else _tensor_param(diag_update, "diag_update", owner, 1, dtype)
        parameters.update(u=self._u, v=self._v, diag_update=self._diag_update)
        m, n = base_operator.range_dimension, base_operator.domain_dimension
        k = self._u.shape[-1]
        if self._u.shape[-2] != m:
            raise ValueError(f"{owner}: argument `u` must be [..., M, K] with M = {m} (the base operator's "
                             f"range dimension), got shape {list(self._u.shape)}")
        if self._v is not None and (self._v.shape[-2] != n or self._v.shape[-1] != k):
            raise ValueError(f"{owner}: argument `v` must be [..., N, K] with N = {n} (the base operator's "
                             f"domain dimension) and K = {k} (u's columns), got shape {list(self._v.shape)}")
        if self._diag_update is not None and self._diag_update.shape[-1] != k:
            raise ValueError(f"{owner}: argument `diag_update` must be [..., K] with K = {k} (u's columns), "
                             f"got shape {list(self._diag_update.shape)}")
        is_diag_update_positive = _flag(is_diag_update_positive, "is_diag_update_positive", owner)
        if diag_update is None:
            if is_diag_update_positive is False:
                raise ValueError(f"{owner}: the default diag_update is the identity, which is positive, but "
                                 "is_diag_update_positive=False was given")
            is_diag_update_positive = True
        self._is_diag_update_positive = is_diag_update_positive
        self._use_cholesky = bool(base_operator.is_positive_definite and base_operator.is_self_adjoint
                                  and is_diag_update_positive and v is None)
        if base_operator.is_self_adjoint and v is None:
            if is_self_adjoint is False:
                raise ValueError(f"{owner}: L + U D U^H with a self-adjoint L is self-adjoint "
                                 "(is_self_adjoint=False contradicts the arguments)")
            is_self_adjoint = True
        if self._use_cholesky:
            if is_positive_definite is False or is_self_adjoint is False or is_non_singular is False:
                raise ValueError(f"{owner}: the arguments make this a self-adjoint positive definite "
                                 "operator, which contradicts the hints given")
            is_positive_definite = True
            is_self_adjoint = True
        super().__init__(dtype, is_non_singular, is_self_adjoint, is_positive_definite, is_square,
                         name, parameters)

    @property
    def base_operator(self):
        return self._base_operator

    @property
    def u(self):
        return self._u

    @property
    def v(self):
        """``v`` as given, or ``u`` where it was left out."""
        return self._u if self._v is None else self._v

    @property
    def diag_update(self):
        return self._diag_update

    @property
    def is_diag_update_positive(self):
        return self._is_diag_update_positive

    @property
    def diag_operator(self):
        """``D`` as an operator: a LinearOperatorDiag, or the identity when ``diag_update`` is None."""
        if self._diag_update is None:
            return LinearOperatorIdentity(self._u.shape[-1], dtype=self._dtype)
        return LinearOperatorDiag(self._diag_update, is_non_singular=True, is_self_adjoint=True,
                                  is_positive_definite=self._is_diag_update_positive)

    def _matrix_shape(self):
        return (self._base_operator.range_dimension, self._base_operator.domain_dimension)

    def _matmul(self, x, adjoint=False, adjoint_arg=False):
        u, v, d = _t(self._u), _t(self.v), self.diag_operator
        lead = self._base_operator.matmul(x, adjoint=adjoint, adjoint_arg=adjoint_arg)
        if adjoint:   # L^H x + V D U^H x
            u, v = v, u
        vh_x = _la.matmul(v, x, adjoint_a=True, adjoint_b=adjoint_arg)
        return lead + _la.matmul(u, d.matmul(vh_x))

    def _to_dense(self):
        d = self.diag_operator
        return self._base_operator.add_to_tensor(_la.matmul(_t(self._u), d.matmul(_t(self.v), adjoint_arg=True)))

    def _diag_part(self):
        if not self.is_square:
            return super()._diag_part()
        uv = _t(self._u) * _t(self.v)
        if self._diag_update is not None:
            uv = uv * expand_dims(_t(self._diag_update), -2)
        return self._base_operator.diag_part() + reduce_sum(uv, axis=-1)

    def _capacitance(self):
        """``C = D^{-1} + V^H L^{-1} U`` ``[..., K, K]``."""
        linv_u = self._base_operator.solve(_t(self._u))
        return self.diag_operator.inverse().add_to_tensor(_la.matmul(_t(self.v), linv_u, adjoint_a=True))

    def _log_abs_determinant(self):
        self._check_square("the log-determinant")
        c = self._capacitance()
        if self._use_cholesky:
            log_det_c = 2.0 * reduce_sum(log(_la.diag_part(_la.cholesky(c))), axis=-1)
        else:
            log_det_c = _la.slogdet(c)[1]
        return (log_det_c + self.diag_operator.log_abs_determinant()
                + self._base_operator.log_abs_determinant())

    def _determinant(self):
        if self._use_cholesky:
            return exp(self._log_abs_determinant())
        return (_la.det(self._capacitance()) * self.diag_operator.determinant()
                * self._base_operator.determinant())

    def _solve(self, rhs, adjoint=False, adjoint_arg=False):
        if self._base_operator.is_non_singular is False:
            raise ValueError("LinearOperatorLowRankUpdate: solve needs a base operator that is not singular "
                             "(its is_non_singular is False)")
        base = self._base_operator
        u, v = (_t(self.v), _t(self._u)) if adjoint else (_t(self._u), _t(self.v))
        linv_rhs = base.solve(rhs, adjoint=adjoint, adjoint_arg=adjoint_arg)
        vh_linv_rhs = _la.matmul(v, linv_rhs, adjoint_a=True)
        c = self._capacitance()
        if self._use_cholesky:
            cinv = _la.cholesky_solve(_la.cholesky(c), _broadcast_rhs(c, vh_linv_rhs))
        else:
            cinv = _la.solve(c, _broadcast_rhs(c, vh_linv_rhs), adjoint=adjoint)
        return linv_rhs - base.solve(_la.matmul(u, cinv), adjoint=adjoint)


def _broadcast_rhs(matrix, rhs):
    """``rhs`` broadcast to ``matrix``'s batch where it has fewer batch dimensions (the
    Cholesky solve reads the batch from its right-hand side)."""
    batch = _broadcast_shapes(tuple(matrix.shape[:-2]), tuple(rhs.shape[:-2]), what="operator and rhs")
    return rhs if tuple(rhs.shape[:-2]) == batch else broadcast_to(rhs, batch + tuple(rhs.shape[-2:]))


def _check_operators(operators, owner):
    if isinstance(operators, LinearOperator) or not isinstance(operators, (list, tuple)):
        raise TypeError(f"{owner}: argument `operators` must be a list of LinearOperators, got "
                        f"{type(operators).__name__}")
    operators = list(operators)
    if not operators:
        raise ValueError(f"{owner}: argument `operators` must be a non-empty list of LinearOperators")
    for i, op in enumerate(operators):
        if not isinstance(op, LinearOperator):
            raise TypeError(f"{owner}: `operators[{i}]` must be a LinearOperator, got {type(op).__name__}")
    dtypes = {op.dtype for op in operators}
    if len(dtypes) > 1:
        raise TypeError(f"{owner}: all operators must have the same dtype, got "
                        f"{[str(op.dtype) for op in operators]}")
    return operators


class LinearOperatorComposition(LinearOperator):
    """``A = A_1 A_2 ... A_J``: the product of ``operators`` (``operators[j]`` has domain
    dimension equal to ``operators[j + 1]``'s range dimension).

    Products apply the factors right to left; solves apply their solves left to right;
    ``log|det A|`` sums the factors' (square factors).

    >>> a = wb.linalg.LinearOperatorDiag([2.0, 4.0])
    >>> b = wb.linalg.LinearOperatorLowerTriangular([[1.0, 0.0], [1.0, 1.0]])
    >>> wb.linalg.LinearOperatorComposition([a, b]).to_dense().numpy()
    array([[2., 0.],
           [4., 4.]], dtype=float32)
    """

    _operator_params = ("operators",)

    def __init__(self, operators, is_non_singular=None, is_self_adjoint=None, is_positive_definite=None,
                 is_square=None, name=None):
        parameters = dict(locals())
        owner = "LinearOperatorComposition"
        operators = _check_operators(operators, owner)
        for i in range(len(operators) - 1):
            if operators[i].domain_dimension != operators[i + 1].range_dimension:
                raise ValueError(f"{owner}: operators[{i}] has domain dimension {operators[i].domain_dimension} "
                                 f"but operators[{i + 1}] has range dimension {operators[i + 1].range_dimension}")
        self._operators = operators
        parameters["operators"] = operators
        if all(op.is_non_singular for op in operators):
            if is_non_singular is False:
                raise ValueError(f"{owner}: the composition of non-singular operators is always non-singular "
                                 "(is_non_singular=False was given)")
            is_non_singular = True
        name = name or "_o_".join(op.name for op in operators)
        super().__init__(operators[0].dtype, is_non_singular, is_self_adjoint, is_positive_definite,
                         is_square, name, parameters)

    @property
    def operators(self):
        return list(self._operators)

    def _matrix_shape(self):
        return (self._operators[0].range_dimension, self._operators[-1].domain_dimension)

    def _matmul(self, x, adjoint=False, adjoint_arg=False):
        order = self._operators if adjoint else self._operators[::-1]
        result = order[0].matmul(x, adjoint=adjoint, adjoint_arg=adjoint_arg)
        for op in order[1:]:
            result = op.matmul(result, adjoint=adjoint)
        return result

    def _matvec(self, x, adjoint=False):
        order = self._operators if adjoint else self._operators[::-1]
        for op in order:
            x = op.matvec(x, adjoint=adjoint)
        return x

    def _to_dense(self):
        result = self._operators[-1].to_dense()
        for op in self._operators[-2::-1]:
            result = op.matmul(result)
        return result

    def _all_square(self):
        return all(op.is_square for op in self._operators)

    def _log_abs_determinant(self):
        if not self._all_square():
            return super()._log_abs_determinant()
        total = self._operators[0].log_abs_determinant()
        for op in self._operators[1:]:
            total = total + op.log_abs_determinant()
        return total

    def _determinant(self):
        if not self._all_square():
            return super()._determinant()
        total = self._operators[0].determinant()
        for op in self._operators[1:]:
            total = total * op.determinant()
        return total

    def _solve(self, rhs, adjoint=False, adjoint_arg=False):
        if not self._all_square():
            return super()._solve(rhs, adjoint, adjoint_arg)
        order = self._operators[::-1] if adjoint else self._operators
        result = order[0].solve(rhs, adjoint=adjoint, adjoint_arg=adjoint_arg)
        for op in order[1:]:
            result = op.solve(result, adjoint=adjoint)
        return result

    def _solvevec(self, rhs, adjoint=False):
        if not self._all_square():
            return super()._solvevec(rhs, adjoint)
        for op in (self._operators[::-1] if adjoint else self._operators):
            rhs = op.solvevec(rhs, adjoint=adjoint)
        return rhs


def _concat_batched(parts, axis):
    """``concat`` after broadcasting the parts' batch dimensions (all but the last two) together."""
    batch = _broadcast_shapes(*[tuple(p.shape[:-2]) for p in parts], what="blocks")
    parts = [p if tuple(p.shape[:-2]) == batch else broadcast_to(p, batch + tuple(p.shape[-2:])) for p in parts]
    return concat(parts, axis=axis)


class LinearOperatorBlockDiag(LinearOperator):
    """``A = [[A_1, 0, ...], [0, A_2, ...], ...]``: ``operators`` on the diagonal of a block matrix.

    Products and solves split their argument into the blocks' rows and work block by block;
    ``log|det A|`` sums the blocks' (square blocks). Hints that hold for every block
    (non-singular, self-adjoint, positive definite) hold for the whole.

    >>> a = wb.linalg.LinearOperatorDiag([2.0])
    >>> b = wb.linalg.LinearOperatorFullMatrix([[1.0, 2.0], [3.0, 4.0]])
    >>> wb.linalg.LinearOperatorBlockDiag([a, b]).to_dense().numpy()
    array([[2., 0., 0.],
           [0., 1., 2.],
           [0., 3., 4.]], dtype=float32)
    """

    _operator_params = ("operators",)

    def __init__(self, operators, is_non_singular=None, is_self_adjoint=None, is_positive_definite=None,
                 is_square=True, name=None):
        parameters = dict(locals())
        owner = "LinearOperatorBlockDiag"
        operators = _check_operators(operators, owner)
        self._operators = operators
        parameters["operators"] = operators
        for flag, value in (("is_non_singular", is_non_singular), ("is_self_adjoint", is_self_adjoint),
                            ("is_positive_definite", is_positive_definite)):
            if all(getattr(op, flag) for op in operators):
                if value is False:
                    raise ValueError(f"{owner}: every block has {flag}=True, so the block-diagonal operator "
                                     f"does too ({flag}=False was given)")
        is_non_singular = True if all(op.is_non_singular for op in operators) else is_non_singular
        is_self_adjoint = True if all(op.is_self_adjoint for op in operators) else is_self_adjoint
        is_positive_definite = True if all(op.is_positive_definite for op in operators) else is_positive_definite
        if is_square and not all(op.is_square for op in operators):
            is_square = None   # TF's default (True) assumes square blocks; rectangular ones are allowed
        name = name or "_ds_".join(op.name for op in operators)
        super().__init__(operators[0].dtype, is_non_singular, is_self_adjoint, is_positive_definite,
                         is_square, name, parameters)

    @property
    def operators(self):
        return list(self._operators)

    def _matrix_shape(self):
        return (sum(op.range_dimension for op in self._operators),
                sum(op.domain_dimension for op in self._operators))

    def _blocks_square(self):
        return all(op.is_square for op in self._operators)

    def _matmul(self, x, adjoint=False, adjoint_arg=False):
        x = _mt(x) if adjoint_arg else x
        sizes = [op.range_dimension if adjoint else op.domain_dimension for op in self._operators]
        parts = split(x, sizes, axis=-2) if len(sizes) > 1 else [x]
        return _concat_batched([op.matmul(p, adjoint=adjoint) for op, p in zip(self._operators, parts)], -2)

    def _to_dense(self):
        rows = []
        total = self.domain_dimension
        before = 0
        for op in self._operators:
            block = op.to_dense()
            n = op.domain_dimension
            pieces = []
            if before:
                pieces.append(zeros(tuple(block.shape[:-1]) + (before,), dtype=self._dtype))
            pieces.append(block)
            if total - before - n:
                pieces.append(zeros(tuple(block.shape[:-1]) + (total - before - n,), dtype=self._dtype))
            rows.append(concat(pieces, axis=-1) if len(pieces) > 1 else block)
            before += n
        return _concat_batched(rows, -2) if len(rows) > 1 else rows[0]

    def _diag_part(self):
        if not self._blocks_square():
            return super()._diag_part()
        parts = [expand_dims(op.diag_part(), -2) for op in self._operators]
        return squeeze(_concat_batched(parts, -1), axis=-2)

    def _log_abs_determinant(self):
        if not self._blocks_square():
            return super()._log_abs_determinant()
        total = self._operators[0].log_abs_determinant()
        for op in self._operators[1:]:
            total = total + op.log_abs_determinant()
        return total

    def _determinant(self):
        if not self._blocks_square():
            return super()._determinant()
        total = self._operators[0].determinant()
        for op in self._operators[1:]:
            total = total * op.determinant()
        return total

    def _solve(self, rhs, adjoint=False, adjoint_arg=False):
        if not self._blocks_square():
            return super()._solve(rhs, adjoint, adjoint_arg)
        rhs = _mt(rhs) if adjoint_arg else rhs
        sizes = [op.range_dimension for op in self._operators]
        parts = split(rhs, sizes, axis=-2) if len(sizes) > 1 else [rhs]
        return _concat_batched([op.solve(p, adjoint=adjoint) for op, p in zip(self._operators, parts)], -2)

    def _cholesky(self):
        return LinearOperatorBlockDiag([op.cholesky() for op in self._operators], is_non_singular=True)

    def _inverse(self):
        if not self._blocks_square():
            return super()._inverse()
        return LinearOperatorBlockDiag([op.inverse() for op in self._operators])

    def _adjoint(self):
        return LinearOperatorBlockDiag([op.adjoint() for op in self._operators],
                                       is_square=True if self._blocks_square() else None)


# ---------------------------------------------------------------------------
# adjoint and inverse of another operator


class LinearOperatorAdjoint(LinearOperator):
    """``A = B^H`` for an operator ``B`` (what ``B.adjoint()`` returns when ``B`` has no
    cheaper form): products and solves call ``B``'s with ``adjoint`` flipped."""

    _operator_params = ("operator",)

    def __init__(self, operator, is_non_singular=None, is_self_adjoint=None, is_positive_definite=None,
                 is_square=None, name=None):
        parameters = dict(locals())
        if not isinstance(operator, LinearOperator):
            raise TypeError(f"LinearOperatorAdjoint: argument `operator` must be a LinearOperator, got "
                            f"{type(operator).__name__}")
        self._operator = operator
        pick = lambda given, inherited: inherited if given is None else given
        super().__init__(operator.dtype, pick(is_non_singular, operator.is_non_singular),
                         pick(is_self_adjoint, operator.is_self_adjoint),
                         pick(is_positive_definite, operator.is_positive_definite),
                         pick(is_square, operator._is_square_hint), name or operator.name + "_adjoint",
                         parameters)

    @property
    def operator(self):
        return self._operator

    def _matrix_shape(self):
        return (self._operator.domain_dimension, self._operator.range_dimension)

    def _matmul(self, x, adjoint=False, adjoint_arg=False):
        return self._operator.matmul(x, adjoint=not adjoint, adjoint_arg=adjoint_arg)

    def _matvec(self, x, adjoint=False):
        return self._operator.matvec(x, adjoint=not adjoint)

    def _solve(self, rhs, adjoint=False, adjoint_arg=False):
        return self._operator.solve(rhs, adjoint=not adjoint, adjoint_arg=adjoint_arg)

    def _solvevec(self, rhs, adjoint=False):
        return self._operator.solvevec(rhs, adjoint=not adjoint)

    def _to_dense(self):
        return _mt(self._operator.to_dense())

    def _diag_part(self):
        return self._operator.diag_part()

    def _determinant(self):
        return self._operator.determinant()

    def _log_abs_determinant(self):
        return self._operator.log_abs_determinant()

    def _adjoint(self):
        return self._operator


class LinearOperatorInversion(LinearOperator):
    """``A = B^{-1}`` for a square, non-singular operator ``B`` (what ``B.inverse()`` returns when
    ``B`` has no cheaper form): products are ``B``'s solves and solves are ``B``'s products."""

    _operator_params = ("operator",)

    def __init__(self, operator, is_non_singular=None, is_self_adjoint=None, is_positive_definite=None,
                 is_square=None, name=None):
        parameters = dict(locals())
        owner = "LinearOperatorInversion"
        if not isinstance(operator, LinearOperator):
            raise TypeError(f"{owner}: argument `operator` must be a LinearOperator, got {type(operator).__name__}")
        if operator.is_square is False or operator.is_non_singular is False:
            raise ValueError(f"{owner}: only a square, non-singular operator has an inverse (shape "
                             f"{list(operator.shape)}, is_non_singular={operator.is_non_singular})")
        self._operator = operator
        pick = lambda given, inherited: inherited if given is None else given
        super().__init__(operator.dtype, pick(is_non_singular, operator.is_non_singular),
                         pick(is_self_adjoint, operator.is_self_adjoint),
                         pick(is_positive_definite, operator.is_positive_definite),
                         pick(is_square, True), name or operator.name + "_inv", parameters)

    @property
    def operator(self):
        return self._operator

    def _matrix_shape(self):
        return (self._operator.domain_dimension, self._operator.range_dimension)

    def _matmul(self, x, adjoint=False, adjoint_arg=False):
        return self._operator.solve(x, adjoint=adjoint, adjoint_arg=adjoint_arg)

    def _matvec(self, x, adjoint=False):
        return self._operator.solvevec(x, adjoint=adjoint)

    def _solve(self, rhs, adjoint=False, adjoint_arg=False):
        return self._operator.matmul(rhs, adjoint=adjoint, adjoint_arg=adjoint_arg)

    def _solvevec(self, rhs, adjoint=False):
        return self._operator.matvec(rhs, adjoint=adjoint)

    def _determinant(self):
        return reciprocal(self._operator.determinant())

    def _log_abs_determinant(self):
        return -self._operator.log_abs_determinant()

    def _inverse(self):
        return self._operator
