"""``LinearOperatorBlockLowerTriangular``: a square block matrix with operators on and below its
block diagonal (TF's ``tf.linalg.LinearOperatorBlockLowerTriangular``)."""

from __future__ import annotations

from ..create import zeros
from ..shape import expand_dims, split, squeeze
from .base import LinearOperator, _broadcast_shapes, _mt
from .combine import _concat_batched


class LinearOperatorBlockLowerTriangular(LinearOperator):
    """``A = [[A_11, 0, ...], [A_21, A_22, 0, ...], ...]`` from ``operators``, a list of rows:
    row ``i`` holds ``i + 1`` operators, ``operators[i][j]`` the block in block row ``i`` and
    block column ``j``. The diagonal blocks are square; ``operators[i][j]`` is
    ``[n_i, n_j]`` for the diagonal blocks' sizes ``n_i``.

    Products sum each block row's products. Solves substitute block by block: forward
    (``x_i = A_ii^{-1} (b_i - sum_{j<i} A_ij x_j)``) and, for the adjoint, backward; only the
    diagonal blocks are solved. ``log|det A|`` is the sum of the diagonal blocks'. As in TF,
    ``matmul``/``matvec``/``solve``/``solvevec`` also take their argument as a list of blocks
    (one tensor per block, batch shapes broadcasting) and then return a list of blocks.

    >>> a = wb.linalg.LinearOperatorDiag([2.0, 3.0])
    >>> b = wb.linalg.LinearOperatorFullMatrix([[1.0, 1.0]])
    >>> c = wb.linalg.LinearOperatorDiag([4.0])
    >>> wb.linalg.LinearOperatorBlockLowerTriangular([[a], [b, c]]).to_dense().numpy()
    array([[2., 0., 0.],
           [0., 3., 0.],
           [1., 1., 4.]], dtype=float32)
    """

    _operator_params = ("operators",)

    def __init__(self, operators, is_non_singular=None, is_self_adjoint=None, is_positive_definite=None,
                 is_square=None, name="LinearOperatorBlockLowerTriangular"):
        parameters = dict(locals())
        owner = "LinearOperatorBlockLowerTriangular"
        if isinstance(operators, LinearOperator) or not isinstance(operators, (list, tuple)) or not operators:
            raise TypeError(f"{owner}: argument `operators` must be a non-empty list of rows (lists of "
                            f"LinearOperators), got {type(operators).__name__}")
        rows = []
        for i, row in enumerate(operators):
            if isinstance(row, LinearOperator) or not isinstance(row, (list, tuple)):
                raise TypeError(f"{owner}: `operators[{i}]` must be a list of {i + 1} LinearOperators (block row "
                                f"{i}), got {type(row).__name__}")
            if len(row) != i + 1:
                raise ValueError(f"{owner}: `operators[{i}]` must hold {i + 1} operators (the blocks on and left of "
                                 f"the diagonal in block row {i}), got {len(row)}")
            for j, op in enumerate(row):
                if not isinstance(op, LinearOperator):
                    raise TypeError(f"{owner}: `operators[{i}][{j}]` must be a LinearOperator, got "
                                    f"{type(op).__name__}")
            rows.append(list(row))
        dtypes = {op.dtype for row in rows for op in row}
        if len(dtypes) > 1:
            raise TypeError(f"{owner}: all operators must have the same dtype, got {sorted(str(d) for d in dtypes)}")
        sizes = []
        for i, row in enumerate(rows):
            d = row[i]
            if d.range_dimension != d.domain_dimension or d.is_square is False:
                raise ValueError(f"{owner}: the diagonal block `operators[{i}][{i}]` must be square, got shape "
                                 f"{list(d.shape)}")
            sizes.append(d.domain_dimension)
        for i, row in enumerate(rows):
            for j, op in enumerate(row[:-1]):
                if (op.range_dimension, op.domain_dimension) != (sizes[i], sizes[j]):
                    raise ValueError(f"{owner}: `operators[{i}][{j}]` must be [{sizes[i]}, {sizes[j]}] (the sizes of "
                                     f"diagonal blocks {i} and {j}), got shape {list(op.shape)}")
        if is_square is False:
            raise ValueError(f"{owner}: a block lower-triangular operator is always square (is_square=False was "
                             "given)")
        diagonal = [row[i] for i, row in enumerate(rows)]
        if all(op.is_non_singular for op in diagonal):
            if is_non_singular is False:
                raise ValueError(f"{owner}: every diagonal block is non-singular, so the operator is too "
                                 "(is_non_singular=False was given)")
            is_non_singular = True
        self._operators = rows
        self._sizes = sizes
        parameters["operators"] = rows
        super().__init__(rows[0][0].dtype, is_non_singular, is_self_adjoint, is_positive_definite, True, name,
                         parameters)

    @property
    def operators(self):
        return [list(row) for row in self._operators]

    def _diagonal(self):
        return [row[i] for i, row in enumerate(self._operators)]

    def _matrix_shape(self):
        n = sum(self._sizes)
        return (n, n)

    def _batch_shape(self):
        return _broadcast_shapes(*[tuple(op.batch_shape) for row in self._operators for op in row],
                                 what="operators of LinearOperatorBlockLowerTriangular")

    def _rebuild(self, tensor_fn, operator_fn, **override):
        params = dict(self._parameters)
        params["operators"] = [[operator_fn(op) for op in row] for row in self._operators]
        params.update(override)
        return type(self)(**params)

    def _split(self, x):
        return split(x, self._sizes, axis=-2) if len(self._sizes) > 1 else [x]

    def _block_dims(self, range_side):
        return list(self._sizes)

    def _matmul(self, x, adjoint=False, adjoint_arg=False):
        x = _mt(x) if adjoint_arg else x
        out = self._matmul_blocks(self._split(x), adjoint)
        return _concat_batched(out, -2) if len(out) > 1 else out[0]

    def _matmul_blocks(self, parts, adjoint=False):
        k = len(self._operators)
        out = []
        if not adjoint:
            for i, row in enumerate(self._operators):
                total = row[0].matmul(parts[0])
                for j in range(1, i + 1):
                    total = total + row[j].matmul(parts[j])
                out.append(total)
        else:   # block column j of A, transposed: the blocks A_ij for i >= j
            for j in range(k):
                total = self._operators[j][j].matmul(parts[j], adjoint=True)
                for i in range(j + 1, k):
                    total = total + self._operators[i][j].matmul(parts[i], adjoint=True)
                out.append(total)
        return out

    def _solve(self, rhs, adjoint=False, adjoint_arg=False):
        rhs = _mt(rhs) if adjoint_arg else rhs
        xs = self._solve_blocks(self._split(rhs), adjoint)
        return _concat_batched(xs, -2) if len(xs) > 1 else xs[0]

    def _solve_blocks(self, parts, adjoint=False):
        k = len(self._operators)
        xs = [None] * k
        order = range(k - 1, -1, -1) if adjoint else range(k)
        for i in order:
            b = parts[i]
            if adjoint:      # A^H is block upper triangular: substitute backward
                for m in range(i + 1, k):
                    b = b - self._operators[m][i].matmul(xs[m], adjoint=True)
            else:
                for j in range(i):
                    b = b - self._operators[i][j].matmul(xs[j])
            xs[i] = self._operators[i][i].solve(b, adjoint=adjoint)
        return xs

    def _to_dense(self):
        n = sum(self._sizes)
        rows = []
        for i, row in enumerate(self._operators):
            pieces = [op.to_dense() for op in row]
            after = n - sum(self._sizes[:i + 1])
            if after:
                pieces.append(zeros(tuple(pieces[-1].shape[:-1]) + (after,), dtype=self._dtype))
            rows.append(_concat_batched(pieces, -1) if len(pieces) > 1 else pieces[0])
        return _concat_batched(rows, -2) if len(rows) > 1 else rows[0]

    def _diag_part(self):
        parts = [expand_dims(op.diag_part(), -2) for op in self._diagonal()]
        return squeeze(_concat_batched(parts, -1), axis=-2) if len(parts) > 1 else parts[0][..., 0, :]

    def _log_abs_determinant(self):
        diagonal = self._diagonal()
        total = diagonal[0].log_abs_determinant()
        for op in diagonal[1:]:
            total = total + op.log_abs_determinant()
        return total

    def _determinant(self):
        diagonal = self._diagonal()
        total = diagonal[0].determinant()
        for op in diagonal[1:]:
            total = total * op.determinant()
        return total
