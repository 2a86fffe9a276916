"""``LinearOperatorLowRankUpdate``: ``L + U D V^H``, solved by Woodbury's identity."""

from __future__ import annotations

from .. import linalg as _la
from ..elementwise import exp, log
from ..reduce import reduce_sum
from ..shape import broadcast_to, expand_dims
from .base import LinearOperator, _broadcast_shapes, _flag, _t, _tensor_param
from .diag import LinearOperatorDiag, LinearOperatorIdentity


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
