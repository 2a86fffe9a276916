"""``tfp.experimental.vi.util``: trainable ``LinearOperator`` builders (scales of surrogate
posteriors).

Each builder returns a LinearOperator whose parameters are ``wb.Variable``s read at every use
(so a bijector or distribution built once from it follows training); its ``trainable_variables``
lists them. Variables start from ``Normal(0, scale_initializer)`` draws; a diagonal (of a
``LinearOperatorDiag`` or of a lower-triangular factor) is ``|v| + eps``, TFP's default scale
diagonal, so it stays positive and the operator non-singular.

>>> op = build_trainable_linear_operator_block(
...     (wb.linalg.LinearOperatorDiag, wb.linalg.LinearOperatorLowerTriangular), block_dims=[3, 2])
>>> type(op).__name__, list(op.shape)
('LinearOperatorBlockDiag', [5, 5])
"""

from __future__ import annotations

import numpy as np

import workbench as wb

from ... import internal
from ...bijectors.bijector import Bijector
from ...bijectors.fill_scale_tril import FillScaleTriL
from ...util.deferred_tensor import DeferredTensor

__all__ = ["build_linear_operator_zeros", "build_trainable_linear_operator_block",
           "build_trainable_linear_operator_diag", "build_trainable_linear_operator_full_matrix",
           "build_trainable_linear_operator_tril"]


class _ScaleDiagonal(Bijector):
    """TFP's default scale diagonal: ``|x| + eps`` forward, ``|y| - eps`` inverse."""

    def __init__(self):
        super().__init__(forward_min_event_ndims=0, name="default_scale_diagonal")

    def _forward(self, x):
        return wb.abs(x) + np.finfo(x.dtype.as_numpy_dtype).eps

    def _inverse(self, y):
        return wb.abs(y) - np.finfo(y.dtype.as_numpy_dtype).eps

    def _inverse_log_det_jacobian(self, y):
        return wb.zeros([], dtype=y.dtype)


def _shape(shape, what, where):
    try:
        out = tuple(int(s) for s in (shape.numpy().tolist() if hasattr(shape, "numpy") else shape))
    except (TypeError, ValueError):
        raise TypeError(f"{where}: `{what}` must be a list of ints, got {shape!r}") from None
    if any(s < 0 for s in out):
        raise ValueError(f"{where}: `{what}` must hold non-negative sizes, got {list(out)}")
    return out


def _dtype(dtype):
    return np.dtype(np.float32 if dtype is None else wb.as_dtype(dtype).as_numpy_dtype)


def _normal(shape, scale_initializer, dtype, seed):
    return wb.random.stateless_normal(shape, seed=internal.sanitize_seed(seed), stddev=scale_initializer,
                                      dtype=dtype)


def _tracked(op, variables):
    op.trainable_variables = tuple(v for v in variables if v.trainable)
    op.variables = tuple(variables)
    return op


def _diag(shape, scale_initializer, diag_bijector, dtype, seed, name):
    bij = diag_bijector or _ScaleDiagonal()
    v = wb.Variable(_normal(shape, scale_initializer, dtype, seed), name=f"{name}/scale_diag")
    return _tracked(wb.linalg.LinearOperatorDiag(DeferredTensor(v, bij.forward), is_non_singular=True), [v])


def _tril(shape, scale_initializer, diag_bijector, dtype, seed, name):
    *batch, dim = shape
    bij = FillScaleTriL(diag_bijector=diag_bijector or _ScaleDiagonal(), diag_shift=np.zeros([], dtype))
    v = wb.Variable(_normal(tuple(batch) + (dim * (dim + 1) // 2,), scale_initializer, dtype, seed),
                    name=f"{name}/scale_tril")
    return _tracked(wb.linalg.LinearOperatorLowerTriangular(
        DeferredTensor(v, bij.forward, shape=tuple(batch) + (dim, dim)), is_non_singular=True),
                    [v])


def _full(shape, scale_initializer, dtype, seed, name):
    v = wb.Variable(_normal(shape, scale_initializer, dtype, seed), name=f"{name}/scale_matrix")
    return _tracked(wb.linalg.LinearOperatorFullMatrix(v), [v])


def _zeros(shape, dtype):
    *batch, rows, cols = shape
    square = rows == cols
    return _tracked(wb.linalg.LinearOperatorZeros(rows, cols, batch_shape=list(batch), is_square=square,
                                                  is_self_adjoint=square, dtype=dtype), [])


def build_trainable_linear_operator_diag(shape, scale_initializer=1e-2, diag_bijector=None, dtype=None, seed=None,
                                         name=None):
    """A trainable ``LinearOperatorDiag``; ``shape`` is ``batch + [d]``."""
    shape = _shape(shape, "shape", "build_trainable_linear_operator_diag")
    if not shape:
        raise ValueError("build_trainable_linear_operator_diag: `shape` must be batch + [d], got []")
    return _diag(shape, scale_initializer, diag_bijector, _dtype(dtype), seed,
                 name or "trainable_linear_operator_diag")


def build_trainable_linear_operator_tril(shape, scale_initializer=1e-2, diag_bijector=None, dtype=None, seed=None,
                                         name=None):
    """A trainable ``LinearOperatorLowerTriangular``; ``shape`` is ``batch + [d]``."""
    shape = _shape(shape, "shape", "build_trainable_linear_operator_tril")
    if not shape:
        raise ValueError("build_trainable_linear_operator_tril: `shape` must be batch + [d], got []")
    return _tril(shape, scale_initializer, diag_bijector, _dtype(dtype), seed,
                 name or "trainable_linear_operator_tril")


def build_trainable_linear_operator_full_matrix(shape, scale_initializer=1e-2, dtype=None, seed=None, name=None):
    """A trainable ``LinearOperatorFullMatrix``; ``shape`` is ``batch + [rows, cols]``."""
    shape = _shape(shape, "shape", "build_trainable_linear_operator_full_matrix")
    if len(shape) < 2:
        raise ValueError(f"build_trainable_linear_operator_full_matrix: `shape` must be batch + [rows, cols], "
                         f"got {list(shape)}")
    return _full(shape, scale_initializer, _dtype(dtype), seed, name or "trainable_linear_operator_full_matrix")


def build_linear_operator_zeros(shape, dtype=None, seed=None, name=None):
    """A ``LinearOperatorZeros`` of ``shape`` (``batch + [rows, cols]``): nothing to train."""
    shape = _shape(shape, "shape", "build_linear_operator_zeros")
    if len(shape) < 2:
        raise ValueError(f"build_linear_operator_zeros: `shape` must be batch + [rows, cols], got {list(shape)}")
    return _zeros(shape, _dtype(dtype))


def _block(op, shape, dtype, seed, name, where):
    la = wb.linalg
    if isinstance(op, la.LinearOperator):
        return op
    if op is None or op is la.LinearOperatorZeros:
        return _zeros(shape, dtype)
    if op is la.LinearOperatorDiag:
        return _diag(shape, 1e-2, None, dtype, seed, name)
    if op is la.LinearOperatorLowerTriangular:
        return _tril(shape, 1e-2, None, dtype, seed, name)
    if op is la.LinearOperatorFullMatrix:
        return _full(shape, 1e-2, dtype, seed, name)
    if callable(op) and not isinstance(op, type):
        init_fn, apply_fn = op(shape=shape, dtype=dtype)
        raw = wb.nest.map_structure(lambda t: wb.Variable(t, name=f"{name}/parameter"), init_fn(seed))
        return _tracked(apply_fn(raw), [v for v in wb.nest.flatten(raw)])
    raise TypeError(f"{where}: an entry of `operators` must be a LinearOperator instance, None, one of the classes "
                    f"LinearOperatorDiag, LinearOperatorLowerTriangular, LinearOperatorFullMatrix, "
                    f"LinearOperatorZeros, or a callable (shape, dtype) -> (init_fn, apply_fn); got {op!r}")


def _diagonal_shape(op, batch, size, i, where):
    """The parameter shape of diagonal block ``i`` (``batch + [size]``, as TFP passes it)."""
    if op is None or op is wb.linalg.LinearOperatorZeros or op is wb.linalg.LinearOperatorFullMatrix:
        name = "None" if op is None else op.__name__
        raise ValueError(f"{where}: diagonal block {i} cannot be {name} (TFP builds diagonal blocks from a "
                         f"[..., {size}] parameter: use LinearOperatorDiag, LinearOperatorLowerTriangular, an "
                         f"instance or a callable)")
    return batch + (size,)


def build_trainable_linear_operator_block(operators, block_dims=None, batch_shape=(), dtype=None, seed=None,
                                          name=None):
    """A trainable blockwise LinearOperator (TFP's builder of the same name).

    A flat ``operators`` gives a ``LinearOperatorBlockDiag``; rows (row ``i`` holding ``i + 1``
    entries) a ``LinearOperatorBlockLowerTriangular`` with ``operators[i][j]`` in block ``(i, j)``.
    An entry is a LinearOperator instance (kept), None or ``LinearOperatorZeros`` (a zero block),
    ``LinearOperatorDiag`` / ``LinearOperatorLowerTriangular`` (square blocks only, on the
    diagonal), ``LinearOperatorFullMatrix``, or a callable ``(shape, dtype) -> (init_fn, apply_fn)``
    (``apply_fn(variables made from init_fn(seed))`` is the block). ``block_dims``: the block
    sizes, needed unless every entry is an instance.
    """
    where = "build_trainable_linear_operator_block"
    if not isinstance(operators, (list, tuple)) or not operators:
        raise TypeError(f"{where}: `operators` must be a non-empty list or tuple, got {operators!r}")
    nested = [isinstance(op, (list, tuple)) for op in operators]
    if any(nested) and not all(nested):
        raise ValueError(f"{where}: `operators` must be a flat or singly-nested sequence (all rows lists), "
                         f"got {operators!r}")
    flat = [op for row in operators for op in row] if all(nested) else list(operators)
    instances = [op for op in flat if isinstance(op, wb.linalg.LinearOperator)]
    if all(nested):
        for i, row in enumerate(operators):
            if len(row) != i + 1:
                raise ValueError(f"{where}: row {i} of nested `operators` must hold {i + 1} entries (the blocks on "
                                 f"and left of the diagonal), got {len(row)}")
            if any(isinstance(op, (list, tuple)) for op in row):
                raise ValueError(f"{where}: `operators` must be a flat or singly-nested sequence, got {operators!r}")
    if block_dims is None:
        if len(instances) < len(flat):
            raise ValueError("Argument `block_dims` must be defined unless `operators` contains only "
                             "`tf.linalg.LinearOperator` instances.")
        diagonal = [row[i] for i, row in enumerate(operators)] if all(nested) else list(operators)
        block_dims = [op.domain_dimension for op in diagonal]
    dims = _shape(block_dims, "block_dims", where)
    if len(dims) != len(operators):
        raise ValueError(f"{where}: `block_dims` needs one size per block row ({len(operators)}), got {list(dims)}")
    batch = _shape(batch_shape, "batch_shape", where)
    if dtype is None:
        dtype = instances[0].dtype if instances else np.float32
    dtype = _dtype(dtype)
    label = name or "trainable_linear_operator_block"
    seeds = internal.split_seed(internal.sanitize_seed(seed), max(len(flat), 1), salt=where)
    if all(nested):
        rows, k = [], 0
        for i, row in enumerate(operators):
            blocks = []
            for j, op in enumerate(row):
                if i == j:
                    shape = _diagonal_shape(op, batch, dims[i], i, where)
                else:
                    if op is wb.linalg.LinearOperatorDiag or op is wb.linalg.LinearOperatorLowerTriangular:
                        raise ValueError(f"{where}: block ({i}, {j}) below the diagonal is {dims[i]} x {dims[j]}; "
                                         f"{op.__name__} makes square blocks only")
                    shape = batch + (dims[i], dims[j])
                blocks.append(_block(op, shape, dtype, seeds[k], f"{label}/{i}_{j}", where))
                k += 1
            rows.append(blocks)
        op = wb.linalg.LinearOperatorBlockLowerTriangular(rows, is_non_singular=True)
        blocks = [b for r in rows for b in r]
    else:
        blocks = []
        for i, op in enumerate(operators):
            shape = _diagonal_shape(op, batch, dims[i], i, where)
            blocks.append(_block(op, shape, dtype, seeds[i], f"{label}/{i}", where))
        op = wb.linalg.LinearOperatorBlockDiag(blocks, is_non_singular=True)
    variables = []
    for b in blocks:
        for v in getattr(b, "variables", ()):
            if all(v is not w for w in variables):
                variables.append(v)
    return _tracked(op, variables)
