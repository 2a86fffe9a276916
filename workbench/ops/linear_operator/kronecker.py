"""``LinearOperatorKronecker``: ``A_1 ⊗ A_2 ⊗ ...`` without forming the product."""

from __future__ import annotations

import math

from ..elementwise import exp, sign
from ..shape import expand_dims, reshape, transpose
from .base import LinearOperator, _mt
from .combine import _check_operators

__all__ = ["LinearOperatorKronecker"]


def _kron_dense(a, b):
    """The Kronecker product of dense ``[..., m1, n1]`` and ``[..., m2, n2]`` (batches broadcast)."""
    m1, n1 = a.shape[-2:]
    m2, n2 = b.shape[-2:]
    out = expand_dims(expand_dims(a, -2), -1) * expand_dims(expand_dims(b, -3), -2)   # [..., m1, m2, n1, n2]
    return reshape(out, tuple(out.shape[:-4]) + (m1 * m2, n1 * n2))


class LinearOperatorKronecker(LinearOperator):
    """``A = A_1 ⊗ A_2 ⊗ ... ⊗ A_J`` (row-major, as ``np.kron``) for ``operators`` ``[A_1, ...]``.

    A product reshapes its argument to one axis per factor and applies each factor on its
    axis; a solve does the same with the factors' solves. For square factors of sizes
    ``n_j`` (``N = prod n_j``), ``log|det A| = sum_j (N / n_j) log|det A_j|``, and the
    Cholesky factor, the inverse and the adjoint are Kronecker products of the factors'.
    Hints that hold for every factor (non-singular, self-adjoint, positive definite) hold for
    the product.

    >>> a = wb.linalg.LinearOperatorDiag([1.0, 2.0])
    >>> b = wb.linalg.LinearOperatorFullMatrix([[1.0, 1.0], [0.0, 1.0]])
    >>> wb.linalg.LinearOperatorKronecker([a, b]).to_dense().numpy()
    array([[1., 1., 0., 0.],
           [0., 1., 0., 0.],
           [0., 0., 2., 2.],
           [0., 0., 0., 2.]], dtype=float32)
    """

    _operator_params = ("operators",)

    def __init__(self, operators, is_non_singular=None, is_self_adjoint=None, is_positive_definite=None,
                 is_square=None, name=None):
        parameters = dict(locals())
        owner = "LinearOperatorKronecker"
        operators = _check_operators(operators, owner)
        self._operators = operators
        parameters["operators"] = operators
        hints = {"is_non_singular": is_non_singular, "is_self_adjoint": is_self_adjoint,
                 "is_positive_definite": is_positive_definite}
        for flag, value in list(hints.items()):
            if all(getattr(op, flag) for op in operators):
                if value is False:
                    raise ValueError(f"{owner}: every factor has {flag}=True, so their Kronecker product does too "
                                     f"({flag}=False was given)")
                hints[flag] = True
        name = name or "_x_".join(op.name for op in operators)
        super().__init__(operators[0].dtype, hints["is_non_singular"], hints["is_self_adjoint"],
                         hints["is_positive_definite"], is_square, name, parameters)

    @property
    def operators(self):
        return list(self._operators)

    def _matrix_shape(self):
        return (math.prod(op.range_dimension for op in self._operators),
                math.prod(op.domain_dimension for op in self._operators))

    def _factors_square(self):
        return all(op.is_square for op in self._operators)

    def _apply(self, x, step, in_dims):
        """``step(op, t)`` on the axis of each factor of ``x`` ``[..., prod(in_dims), R]``."""
        k = len(self._operators)
        r = x.shape[-1]
        y = reshape(x, tuple(x.shape[:-2]) + tuple(in_dims) + (r,))
        for i, op in enumerate(self._operators):
            first = y.ndim - 1 - k                     # the first factor axis
            axis = first + i
            perm = tuple(range(first)) + (axis,) + tuple(j for j in range(first, y.ndim) if j != axis)
            t = transpose(y, perm)                     # batch, n_i, the other factors, R
            rest = tuple(t.shape[first + 1:])
            t = step(op, reshape(t, tuple(t.shape[:first]) + (t.shape[first], math.prod(rest))))
            t = reshape(t, tuple(t.shape[:-1]) + rest)
            f = t.ndim - 1 - k
            back = (tuple(range(f)) + tuple(f + 1 + j for j in range(i)) + (f,)
                    + tuple(f + j for j in range(i + 1, k)) + (f + k,))
            y = transpose(t, back)
        return reshape(y, tuple(y.shape[:-1 - k]) + (math.prod(y.shape[-1 - k:-1]), r))

    def _matmul(self, x, adjoint=False, adjoint_arg=False):
        x = _mt(x) if adjoint_arg else x
        dims = [op.range_dimension if adjoint else op.domain_dimension for op in self._operators]
        return self._apply(x, lambda op, t: op.matmul(t, adjoint=adjoint), dims)

    def _solve(self, rhs, adjoint=False, adjoint_arg=False):
        if not self._factors_square():
            return super()._solve(rhs, adjoint, adjoint_arg)
        rhs = _mt(rhs) if adjoint_arg else rhs
        dims = [op.range_dimension for op in self._operators]
        return self._apply(rhs, lambda op, t: op.solve(t, adjoint=adjoint), dims)

    def _to_dense(self):
        out = self._operators[0].to_dense()
        for op in self._operators[1:]:
            out = _kron_dense(out, op.to_dense())
        return out

    def _diag_part(self):
        if not self._factors_square():
            return super()._diag_part()
        out = self._operators[0].diag_part()
        for op in self._operators[1:]:
            d = op.diag_part()
            out = expand_dims(out, -1) * expand_dims(d, -2)
            out = reshape(out, tuple(out.shape[:-2]) + (out.shape[-2] * out.shape[-1],))
        return out

    def _log_abs_determinant(self):
        if not self._factors_square():
            return super()._log_abs_determinant()
        n = self.domain_dimension
        total = None
        for op in self._operators:
            term = float(n // op.domain_dimension) * op.log_abs_determinant()
            total = term if total is None else total + term
        return total

    def _determinant(self):
        if not self._factors_square():
            return super()._determinant()
        n = self.domain_dimension
        sgn = None
        for op in self._operators:
            power = n // op.domain_dimension
            s = sign(op.determinant()) if power % 2 else None
            if s is not None:
                sgn = s if sgn is None else sgn * s
        magnitude = exp(self._log_abs_determinant())
        return magnitude if sgn is None else sgn * magnitude

    def _cholesky(self):
        return LinearOperatorKronecker([op.cholesky() for op in self._operators], is_non_singular=True,
                                       is_square=True)

    def _inverse(self):
        if not self._factors_square():
            return super()._inverse()
        return LinearOperatorKronecker([op.inverse() for op in self._operators])

    def _adjoint(self):
        return LinearOperatorKronecker([op.adjoint() for op in self._operators])

