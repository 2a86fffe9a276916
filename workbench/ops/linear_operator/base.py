"""The abstract ``LinearOperator``: shapes, hints, argument checks, and the dense defaults that
the structured operators override."""

from __future__ import annotations

import numpy as np

from ...core import Tensor, convert_to_tensor
from ...errors import InvalidArgumentError
from ...tensor_shape import TensorShape
from .. import linalg as _la
from ..create import eye
from ..elementwise import exp, log
from ..reduce import reduce_max, reduce_min, reduce_sum
from ..shape import broadcast_to, expand_dims, squeeze

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
    checked for consistency with each other; ``assert_non_singular`` and the other
    ``assert_*`` methods check them against the entries.
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
        batch = tuple(self.batch_shape)
        try:
            np.broadcast_shapes(tuple(x.shape[:x.ndim - min_ndims]), batch)
        except ValueError:
            raise ValueError(f"{owner}.{method}: the batch dimensions of `{argname}` (shape {list(x.shape)}) do not "
                             f"broadcast against the operator's batch shape {list(batch)}") from None
        return x

    # -- block-wise arguments (block operators) ------------------------------
    def _block_dims(self, range_side):
        """The sizes of the blocks of the range (``range_side``) or the domain, for operators
        made of blocks (None for the others): a list of that many tensors is then taken as
        the argument split into those blocks, as in TF."""
        return None

    def _blockwise(self, x, method, argname, min_ndims, arg_dim, dims):
        """``x`` as a list of block Tensors if it is one (a list or tuple with one tensor per
        block, each with its block's size in dimension ``arg_dim``), else None."""
        if dims is None or not isinstance(x, (list, tuple)) or len(x) != len(dims):
            return None
        parts = []
        for i, b in enumerate(x):
            if isinstance(b, LinearOperator):
                return None
            if not isinstance(b, Tensor):
                try:
                    arr = np.asarray(b)
                except ValueError:
                    return None
                if arr.dtype == object:
                    return None
                b = convert_to_tensor(arr, dtype=self._dtype)
            if b.ndim < min_ndims or b.shape[arg_dim] != dims[i]:
                return None
            parts.append(b)
        return [self._arg(b, method, f"{argname}[{i}]", min_ndims) for i, b in enumerate(parts)]

    def _matmul_blocks(self, blocks, adjoint=False):
        raise NotImplementedError(f"{type(self).__name__} does not take block-wise arguments")

    def _solve_blocks(self, blocks, adjoint=False):
        raise NotImplementedError(f"{type(self).__name__} does not take block-wise arguments")

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
            from .combine import _matmul_operators  # circular import: combine's operators build on this class
            return _matmul_operators(left, right)
        blocks = self._blockwise(x, "matmul", "x", 2, -1 if adjoint_arg else -2,
                                 self._block_dims(range_side=bool(adjoint)))
        if blocks is not None:
            blocks = [_mt(b) for b in blocks] if adjoint_arg else blocks
            return self._matmul_blocks(blocks, adjoint=bool(adjoint))
        x = self._arg(x, "matmul", "x", 2)
        want = self.range_dimension if adjoint else self.domain_dimension
        self._check_dim(x.shape[-1] if adjoint_arg else x.shape[-2], want, "matmul", "x",
                        -1 if adjoint_arg else -2)
        return self._matmul(x, adjoint=bool(adjoint), adjoint_arg=bool(adjoint_arg))

    def __matmul__(self, other):
        return self.matmul(other)

    def matvec(self, x, adjoint=False, name=None):
        """``A @ x`` (``adjoint``: ``A^H @ x``) for vectors ``x`` ``[..., N]`` -> ``[..., M]``."""
        blocks = self._blockwise(x, "matvec", "x", 1, -1, self._block_dims(range_side=bool(adjoint)))
        if blocks is not None:
            out = self._matmul_blocks([expand_dims(b, -1) for b in blocks], adjoint=bool(adjoint))
            return [squeeze(o, axis=-1) for o in out]
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
            from .combine import _matmul_operators  # circular import: combine's operators build on this class
            return _matmul_operators(left.inverse(), right)
        blocks = self._blockwise(rhs, "solve", "rhs", 2, -1 if adjoint_arg else -2,
                                 self._block_dims(range_side=not adjoint))
        if blocks is not None:
            blocks = [_mt(b) for b in blocks] if adjoint_arg else blocks
            return self._solve_blocks(blocks, adjoint=bool(adjoint))
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
        blocks = self._blockwise(rhs, "solvevec", "rhs", 1, -1, self._block_dims(range_side=not adjoint))
        if blocks is not None:
            out = self._solve_blocks([expand_dims(b, -1) for b in blocks], adjoint=bool(adjoint))
            return [squeeze(o, axis=-1) for o in out]
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
        from .dense import LinearOperatorLowerTriangular  # circular import: dense's operators build on this class
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
        from .combine import LinearOperatorInversion  # circular import: combine's operators build on this class
        return LinearOperatorInversion(self)

    def adjoint(self, name=None):
        """``A^H`` as an operator (the operator itself where it is self-adjoint)."""
        if self.is_self_adjoint:
            return self
        return self._adjoint()

    def _adjoint(self):
        from .combine import LinearOperatorAdjoint  # circular import: combine's operators build on this class
        return LinearOperatorAdjoint(self)

    def cond(self, name=None):
        """The condition number ``[...]``: the largest singular value over the smallest."""
        return self._cond()

    def _cond(self):
        sv = _la.svd(self._to_dense(), compute_uv=False)
        return reduce_max(sv, axis=-1) / reduce_min(sv, axis=-1)

    # -- checks of the hints against the entries (eager: they raise or return None) -----
    def assert_non_singular(self, name=None):
        """Raise ``InvalidArgumentError`` if a batch member is singular to working precision."""
        self._assert_non_singular()

    def _assert_non_singular(self):
        sv = np.linalg.svd(np.asarray(self._to_dense().numpy(), dtype=np.float64), compute_uv=False)
        eps = np.finfo(self._dtype).eps * max(self._matrix_shape())
        if sv.size and np.any(sv[..., -1] <= eps * sv[..., 0]):
            raise InvalidArgumentError(f"{type(self).__name__}: the operator is singular to working precision "
                                       f"(smallest over largest singular value <= {eps:.3g})")

    def assert_positive_definite(self, name=None):
        """Raise ``InvalidArgumentError`` unless ``x^H A x > 0`` for every ``x != 0`` (every batch member)."""
        self._assert_positive_definite()

    def _assert_positive_definite(self):
        dense = np.asarray(self._to_dense().numpy(), dtype=np.float64)
        sym = 0.5 * (dense + np.swapaxes(dense, -1, -2))
        if sym.size and np.any(np.linalg.eigvalsh(sym)[..., 0] <= 0):
            raise InvalidArgumentError(f"{type(self).__name__}: the operator is not positive definite")

    def assert_self_adjoint(self, name=None):
        """Raise ``InvalidArgumentError`` unless every batch member equals its adjoint."""
        self._assert_self_adjoint()

    def _assert_self_adjoint(self):
        dense = self._to_dense().numpy()
        if not np.array_equal(dense, np.swapaxes(dense, -1, -2)):
            raise InvalidArgumentError(f"{type(self).__name__}: the operator is not self-adjoint")

    def eigvals(self, name=None):
        """The eigenvalues ``[..., N]`` of a self-adjoint operator (ascending, except where the
        structure gives them directly: a diagonal's are its entries, in their order)."""
        if not self.is_self_adjoint:
            raise NotImplementedError(f"{type(self).__name__}: eigvals is only implemented for operators "
                                      "declared self-adjoint")
        return self._eigvals()

    def _eigvals(self):
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
