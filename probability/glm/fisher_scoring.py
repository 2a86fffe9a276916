"""Fitting a GLM by Fisher scoring (iteratively reweighted least squares): ``tfp.glm.fit``,
``fit_one_step`` and their helpers.

Each step linearizes the family at the current linear response ``r``: with
``(mean, variance, grad_mean) = model(r)``, it solves the weighted least-squares problem
``min_w || sqrt(W) (X w - z) ||^2 + l2 ||w||^2`` with weights ``W = grad_mean**2 / variance`` and
working response ``z = r - offset + (y - mean) / grad_mean``. Rows where ``grad_mean`` or
``variance`` is zero or not finite get zero weight. Batches of problems (leading dimensions of
``model_matrix``) are solved together.
"""

from __future__ import annotations

import numpy as np

import workbench as wb
from workbench.core import Tensor

from .. import internal

__all__ = ["compute_predicted_linear_response", "convergence_criteria_small_relative_norm_weights_change", "fit",
           "fit_one_step", "prepare_args"]


def _tensor(value, name, dtype, owner):
    if isinstance(value, Tensor) or internal.is_tensor_like(value):
        value = wb.convert_to_tensor(value)
        if value.dtype != dtype:
            if value.dtype.kind in "iub":
                return wb.cast(value, dtype)
            raise TypeError(f"{owner}: `{name}` has dtype {value.dtype}, expected {np.dtype(dtype).name} "
                            "(the dtype of `model_matrix`)")
        return value
    try:
        return wb.constant(np.asarray(value, dtype=dtype))
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{owner}: cannot convert `{name}` to {np.dtype(dtype).name}: {exc}") from None


def prepare_args(model_matrix, response, model_coefficients, predicted_linear_response, offset, name=None,
                 owner="tfp.glm.fit"):
    """The arguments as tensors of ``model_matrix``'s dtype, with defaults filled in: zeros for
    the coefficients, ``X @ w + offset`` (or ``offset`` when no coefficients were given) for the
    linear response."""
    if model_matrix is None or response is None:
        raise ValueError(f"{owner}: `model_matrix` and `response` are required")
    dtype = internal.common_dtype([model_matrix])
    if isinstance(model_matrix, Tensor) and model_matrix.dtype.kind == "f":
        dtype = model_matrix.dtype
    x = _tensor(model_matrix, "model_matrix", dtype, owner)
    if x.ndim < 2:
        raise ValueError(f"{owner}: `model_matrix` must be a matrix (or batch of matrices), got shape "
                         f"{tuple(x.shape)}")
    y = _tensor(response, "response", dtype, owner)
    if tuple(y.shape[-1:]) != tuple(x.shape[-2:-1]):
        raise ValueError(f"{owner}: `response` has shape {tuple(y.shape)}, expected one response per row of "
                         f"`model_matrix` (shape {tuple(x.shape)})")
    off = None if offset is None else _tensor(offset, "offset", dtype, owner)
    if model_coefficients is None:
        w = wb.zeros(tuple(x.shape[:-2]) + (x.shape[-1],), dtype=dtype)
        if predicted_linear_response is None:
            r = wb.zeros_like(y) if off is None else off + wb.zeros_like(y)
        else:
            r = _tensor(predicted_linear_response, "predicted_linear_response", dtype, owner)
    else:
        w = _tensor(model_coefficients, "model_coefficients_start", dtype, owner)
        if w.shape[-1] != x.shape[-1]:
            raise ValueError(f"{owner}: `model_coefficients_start` has {w.shape[-1]} entries, expected "
                             f"{x.shape[-1]} (one per column of `model_matrix`)")
        if predicted_linear_response is None:
            r = compute_predicted_linear_response(x, w, off)
        else:
            r = _tensor(predicted_linear_response, "predicted_linear_response", dtype, owner)
    return x, y, w, r, off


def compute_predicted_linear_response(model_matrix, model_coefficients, offset=None, name=None):
    """``X @ w + offset``, batched over leading dimensions."""
    r = wb.linalg.matvec(model_matrix, model_coefficients)
    return r if offset is None else r + offset


def fit_one_step(model_matrix, response, model, model_coefficients_start=None, predicted_linear_response_start=None,
                 l2_regularizer=None, dispersion=None, offset=None, learning_rate=None, fast_unsafe_numerics=True,
                 l2_regularization_penalty_factor=None, name=None):
    """One Fisher scoring step. Returns ``(model_coefficients_next, predicted_linear_response_next)``.

    ``l2_regularizer`` adds ``l2 ||w * penalty_factor||^2`` to the weighted least-squares
    problem of the step, as TFP does, so the fixed point minimizes the negative log-likelihood
    plus ``(l2 / 2) ||w * penalty_factor||^2``;
    ``dispersion`` scales the variance; ``learning_rate`` (``None`` means 1) damps the step;
    ``fast_unsafe_numerics`` solves the normal equations by Cholesky, else by QR of the
    weighted model matrix.
    """
    x, y, w0, r0, off = prepare_args(model_matrix, response, model_coefficients_start,
                                     predicted_linear_response_start, offset, owner="tfp.glm.fit_one_step")
    dtype = x.dtype
    mean, variance, grad_mean = model(r0)
    is_valid = (wb.math.is_finite(grad_mean) & wb.math.not_equal(grad_mean, 0.)
                & wb.math.is_finite(variance) & (variance > 0.))
    z = (y - mean) / wb.where(is_valid, grad_mean, wb.ones_like(grad_mean))
    if learning_rate is not None:
        z = z * _tensor(learning_rate, "learning_rate", dtype, "tfp.glm.fit_one_step")[..., None]
    z = z + r0
    if off is not None:
        z = z - off
    if dispersion is not None:
        variance = variance * _tensor(dispersion, "dispersion", dtype, "tfp.glm.fit_one_step")
    sqrt_w = (wb.where(is_valid, grad_mean, wb.zeros_like(grad_mean))
              * wb.math.rsqrt(wb.where(is_valid, variance, wb.fill(variance.shape, np.array(np.inf, dtype)))))
    a = x * sqrt_w[..., None]
    b = z * sqrt_w
    n = int(x.shape[-1])
    l2 = None if l2_regularizer is None else _tensor(l2_regularizer, "l2_regularizer", dtype, "tfp.glm.fit_one_step")
    root = None      # the penalty l2 ||w * factor||^2 is || root @ w ||^2
    if l2 is not None and l2_regularization_penalty_factor is not None:
        factor = _tensor(l2_regularization_penalty_factor, "l2_regularization_penalty_factor", dtype,
                         "tfp.glm.fit_one_step")
        root = wb.linalg.diag(wb.math.sqrt(l2) * factor)
    elif l2 is not None:
        root = wb.math.sqrt(l2) * wb.eye(n, dtype=dtype)
    if fast_unsafe_numerics:
        # normal equations (A^T A + l2 P) w = A^T b, by Cholesky
        gram = wb.linalg.matmul(a, a, adjoint_a=True)
        if root is not None:
            gram = gram + wb.linalg.matmul(root, root, adjoint_a=True)
        rhs = wb.linalg.matvec(a, b, adjoint_a=True)
        chol = wb.linalg.cholesky(gram)
        w1 = wb.linalg.cholesky_solve(chol, rhs[..., None])[..., 0]
    else:
        if root is not None:
            # the penalty as extra rows: || [A; root] w - [b; 0] ||^2
            a = wb.concat([a, wb.broadcast_to(root, tuple(a.shape[:-2]) + (n, n))], axis=-2)
            b = wb.concat([b, wb.zeros(tuple(b.shape[:-1]) + (n,), dtype=dtype)], axis=-1)
        q, rmat = wb.linalg.qr(a)
        w1 = wb.linalg.triangular_solve(rmat, wb.linalg.matvec(q, b, adjoint_a=True)[..., None], lower=False)[..., 0]
    return w1, compute_predicted_linear_response(x, w1, off)


def convergence_criteria_small_relative_norm_weights_change(tolerance=1e-5, norm_order=2):
    """A convergence test for ``fit``: after the first step, every batch member has
    ``||w0 - w1|| / (1 + ||w0||) < tolerance`` (norm of order ``norm_order``)."""

    def convergence_criteria_fn(is_converged_previous, iter_, model_coefficients_previous,
                                predicted_linear_response_previous, model_coefficients_next,
                                predicted_linear_response_next, response, model, dispersion):
        rel = (wb.linalg.norm(model_coefficients_previous - model_coefficients_next, ord=norm_order, axis=-1)
               / (1. + wb.linalg.norm(model_coefficients_previous, ord=norm_order, axis=-1)))
        return wb.math.logical_and(wb.constant(int(iter_) > 0), wb.reduce_all(rel < tolerance))

    return convergence_criteria_fn


def fit(model_matrix, response, model, model_coefficients_start=None, predicted_linear_response_start=None,
        l2_regularizer=None, dispersion=None, offset=None, convergence_criteria_fn=None, learning_rate=None,
        fast_unsafe_numerics=True, maximum_iterations=None, l2_regularization_penalty_factor=None, name=None):
    """Fit a GLM by Fisher scoring until ``convergence_criteria_fn`` says so (default: relative
    change of the coefficients below 1e-5) or ``maximum_iterations`` steps.

    Returns ``(model_coefficients, predicted_linear_response, is_converged, num_iter)``.

    >>> x = wb.constant([[1., 0.], [1., 1.], [1., 2.], [1., 3.]])
    >>> w, r, converged, num_iter = fit(x, wb.constant([1., 2., 3., 4.]), Normal())
    >>> w.numpy().round(4), bool(converged)
    (array([1., 1.], dtype=float32), True)
    """
    x, y, w, r, off = prepare_args(model_matrix, response, model_coefficients_start,
                                   predicted_linear_response_start, offset)
    if convergence_criteria_fn is None:
        convergence_criteria_fn = convergence_criteria_small_relative_norm_weights_change()
    if maximum_iterations is not None and int(maximum_iterations) < 0:
        raise ValueError(f"tfp.glm.fit: `maximum_iterations` must be >= 0, got {maximum_iterations}")
    is_converged, it = wb.constant(False), 0
    while not bool(is_converged.numpy()) and (maximum_iterations is None or it < int(maximum_iterations)):
        w_next, r_next = fit_one_step(x, y, model, w, r, l2_regularizer=l2_regularizer, dispersion=dispersion,
                                      offset=off, learning_rate=learning_rate,
                                      fast_unsafe_numerics=fast_unsafe_numerics,
                                      l2_regularization_penalty_factor=l2_regularization_penalty_factor)
        is_converged = wb.convert_to_tensor(convergence_criteria_fn(
            is_converged_previous=is_converged, iter_=it, model_coefficients_previous=w,
            predicted_linear_response_previous=r, model_coefficients_next=w_next,
            predicted_linear_response_next=r_next, response=y, model=model, dispersion=dispersion))
        w, r, it = w_next, r_next, it + 1
    return w, r, is_converged, wb.constant(it, dtype=np.int32)
