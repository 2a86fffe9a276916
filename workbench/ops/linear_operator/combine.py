"""Operators built from operators: ``LinearOperatorComposition``, ``LinearOperatorBlockDiag``,
``LinearOperatorAdjoint``, ``LinearOperatorInversion``; and the product of two operators."""

from __future__ import annotations

from ..create import zeros
from ..elementwise import reciprocal
from ..shape import broadcast_to, concat, expand_dims, split, squeeze
from .base import LinearOperator, _broadcast_shapes, _mt, _t
from .dense import LinearOperatorLowerTriangular
from .diag import LinearOperatorDiag, LinearOperatorIdentity, LinearOperatorScaledIdentity


def _matmul_operators(left, right):
    """``left @ right`` for two operators, structured where a rule is known."""
    if isinstance(left, LinearOperatorIdentity) and not left._batch_shape_arg:
        return right
    if isinstance(right, LinearOperatorIdentity) and not right._batch_shape_arg:
        return left
    diagonal = (LinearOperatorDiag, LinearOperatorScaledIdentity)
    both = lambda flag: True if (getattr(left, flag) and getattr(right, flag)) else None
    if isinstance(left, diagonal) and isinstance(right, LinearOperatorLowerTriangular):
        # scaling the rows of a triangle keeps it triangular
        return LinearOperatorLowerTriangular(expand_dims(left.diag_part(), -1) * right.to_dense(),
                                             is_non_singular=both("is_non_singular"))
    if isinstance(left, LinearOperatorLowerTriangular) and isinstance(right, diagonal):
        return LinearOperatorLowerTriangular(left.to_dense() * expand_dims(right.diag_part(), -2),
                                             is_non_singular=both("is_non_singular"))
    if isinstance(left, diagonal) and isinstance(right, diagonal):
        if isinstance(left, LinearOperatorScaledIdentity) and isinstance(right, LinearOperatorScaledIdentity):
            return LinearOperatorScaledIdentity(left.range_dimension, _t(left.multiplier) * _t(right.multiplier),
                                                is_non_singular=both("is_non_singular"))
        return LinearOperatorDiag(left.diag_part() * right.diag_part(),
                                  is_non_singular=both("is_non_singular"))
    return LinearOperatorComposition([left, right])


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

    def _block_dims(self, range_side):
        return [op.range_dimension if range_side else op.domain_dimension for op in self._operators]

    def _matmul(self, x, adjoint=False, adjoint_arg=False):
        x = _mt(x) if adjoint_arg else x
        sizes = [op.range_dimension if adjoint else op.domain_dimension for op in self._operators]
        parts = split(x, sizes, axis=-2) if len(sizes) > 1 else [x]
        return _concat_batched(self._matmul_blocks(parts, adjoint), -2)

    def _matmul_blocks(self, parts, adjoint=False):
        return [op.matmul(p, adjoint=adjoint) for op, p in zip(self._operators, parts)]

    def _solve_blocks(self, parts, adjoint=False):
        if not self._blocks_square():
            raise NotImplementedError("LinearOperatorBlockDiag: a block-wise solve needs square blocks")
        return [op.solve(p, adjoint=adjoint) for op, p in zip(self._operators, parts)]

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
