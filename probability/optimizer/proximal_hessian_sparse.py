"""Hessian-informed proximal coordinate descent for L1/L2-regularized convex losses
(``tfp.optimizer.proximal_hessian_sparse_minimize`` and ``..._one_step``), as in GLMNET.

The problem is ``argmin_x Loss(x) + l1 ||x||_1 + l2 ||x||_2**2``. ``Loss`` is seen only through
its gradient and a factored Hessian ``outer^T diag(middle) outer`` at the current ``x``; each
outer step sweeps the coordinates of an update ``u``, moving one coordinate at a time by a
Newton step on the quadratic model followed by soft thresholding (which keeps ``x`` sparse).
"""

from __future__ import annotations

import numpy as np

import workbench as wb
from workbench.core import Tensor

from ..math.generic import soft_threshold

__all__ = ["minimize", "minimize_one_step"]


def _float(value, name, dtype):
    if value is None:
        return None
    if isinstance(value, Tensor):
        return value if value.dtype == dtype else wb.cast(value, dtype)
    try:
        return wb.constant(np.asarray(value, dtype=dtype))
    except (TypeError, ValueError):
        raise TypeError(f"proximal_hessian_sparse: `{name}` must be a number or a float tensor, got {value!r}") \
            from None


def minimize_one_step(gradient_unregularized_loss, hessian_unregularized_loss_outer,
                      hessian_unregularized_loss_middle, x_start, tolerance, l1_regularizer, l2_regularizer=None,
                      maximum_full_sweeps=1, learning_rate=None, name=None):
    """One outer step: returns ``(x_start + u, is_converged, num_sweeps)``.

    Shapes: ``x_start`` and the gradient ``[..., n]``, ``outer`` ``[..., N, n]`` (a dense matrix;
    a ``SparseTensor`` is densified), ``middle`` ``[..., N]``. Sweeps stop early once a whole
    sweep changes ``u`` by less than ``sqrt(tolerance) * (1 + ||x_start||_2)`` in every batch
    member; ``num_sweeps`` is the number of coordinate updates over ``n``.
    """
    x_start = wb.convert_to_tensor(x_start)
    if x_start.dtype.kind != "f" or x_start.ndim < 1:
        raise ValueError(f"proximal_hessian_sparse: `x_start` must be a float vector (or batch of vectors), "
                         f"got dtype {x_start.dtype} and shape {tuple(x_start.shape)}")
    dtype = x_start.dtype
    outer = hessian_unregularized_loss_outer
    if hasattr(wb, "sparse") and isinstance(outer, getattr(wb.sparse, "SparseTensor", ())):
        outer = wb.sparse.to_dense(outer)
    outer = _float(outer, "hessian_unregularized_loss_outer", dtype)
    middle = _float(hessian_unregularized_loss_middle, "hessian_unregularized_loss_middle", dtype)
    grad = _float(gradient_unregularized_loss, "gradient_unregularized_loss", dtype)
    l1 = _float(l1_regularizer, "l1_regularizer", dtype)
    l2 = _float(l2_regularizer, "l2_regularizer", dtype)
    lr = _float(learning_rate, "learning_rate", dtype)
    tol = _float(tolerance, "tolerance", dtype)
    n = int(x_start.shape[-1])
    if outer.shape[-1] != n:
        raise ValueError(f"proximal_hessian_sparse: `hessian_unregularized_loss_outer` has {outer.shape[-1]} "
                         f"columns, expected {n} (the size of `x_start`)")

    # The Hessian of the quadratic model, formed once: every coordinate update needs one column
    # and one diagonal entry of outer^T diag(middle) outer.
    hessian = wb.linalg.matmul(outer, middle[..., None] * outer, adjoint_a=True)
    grad_with_l2 = grad
    if l2 is not None:
        hessian = hessian + 2. * l2 * wb.eye(n, dtype=dtype)
        grad_with_l2 = grad + 2. * l2 * x_start
    threshold_sq = tol * (1. + wb.linalg.norm(x_start, axis=-1)) ** 2

    eye = np.eye(n, dtype=dtype)
    update = wb.zeros_like(x_start)
    hess_update = wb.zeros_like(x_start)      # hessian @ update
    iters, converged = 0, False
    for _ in range(int(maximum_full_sweeps)):
        diff_sq = wb.zeros(x_start.shape[:-1], dtype=dtype)
        for j in range(n):
            w_old = x_start[..., j] + update[..., j]
            second = hessian[..., j, j]
            step = -(grad_with_l2[..., j] + hess_update[..., j]) / second
            l1_step = l1 / second
            if lr is not None:
                step, l1_step = lr * step, lr * l1_step
            delta = soft_threshold(w_old + step, l1_step) - w_old
            iters += 1
            if not np.any(delta.numpy()):
                continue
            update = update + delta[..., None] * eye[j]
            hess_update = hess_update + delta[..., None] * hessian[..., :, j]
            diff_sq = diff_sq + delta ** 2
        converged = bool(np.all((diff_sq < threshold_sq).numpy()))
        if converged:
            break
    return x_start + update, wb.constant(converged), wb.constant(iters / n, dtype=np.float64)


def minimize(grad_and_hessian_loss_fn, x_start, tolerance, l1_regularizer, l2_regularizer=None,
             maximum_iterations=1, maximum_full_sweeps_per_iteration=1, learning_rate=None, name=None):
    """Minimize ``Loss(x) + l1 ||x||_1 + l2 ||x||_2**2`` from ``x_start``.

    ``grad_and_hessian_loss_fn(x)`` returns ``(gradient, hessian_outer, hessian_middle)`` of the
    unregularized loss at ``x``. Runs at most ``maximum_iterations`` outer steps, stopping when
    one converges. Returns ``(x, is_converged, num_iterations)``.

    >>> grad_hess = lambda x: (2. * (x - 3.), wb.eye(2), 2. * wb.ones([2]))   # Loss = ||x - 3||^2
    >>> x, converged, _ = minimize(grad_hess, wb.zeros([2]), 1e-8, l1_regularizer=2., maximum_iterations=5)
    >>> x.numpy()
    array([2., 2.], dtype=float32)
    """
    x = wb.convert_to_tensor(x_start)
    converged, it = wb.constant(False), 0
    while it < int(maximum_iterations) and not bool(converged.numpy()):
        g, h_outer, h_middle = grad_and_hessian_loss_fn(x)
        x, converged, _ = minimize_one_step(g, h_outer, h_middle, x, tolerance, l1_regularizer,
                                            l2_regularizer, maximum_full_sweeps_per_iteration, learning_rate)
        it += 1
    return x, converged, wb.constant(it, dtype=np.int32)
