"""``diag_jacobian``: the diagonal of the Jacobian of ``ys`` in ``xs``, one gradient per element,
as ``tfp.math.diag_jacobian``."""

from __future__ import annotations

import numpy as np

import workbench as wb

__all__ = ["diag_jacobian"]


def diag_jacobian(xs, ys=None, sample_shape=None, fn=None, parallel_iterations=10, name=None):
    """``(ys, [d ys_i / d xs_i])`` for lists of tensors ``xs`` and ``ys`` of matching shapes.

    Without ``ys``, ``fn(*xs)`` is evaluated on a tape (``fn`` is then required). ``sample_shape``
    marks leading axes of ``xs`` as independent samples: the diagonal is taken per sample, over the
    remaining event axes (TFP's reading). Returns ``ys`` as a list when ``xs`` is a list."""
    is_list = isinstance(xs, (list, tuple))
    xs = [wb.convert_to_tensor(x) for x in (xs if is_list else [xs])]
    if ys is None:
        if fn is None:
            raise ValueError("diag_jacobian: give ys or fn, got neither")
        with wb.GradientTape(persistent=True) as tape:
            for x in xs:
                tape.watch(x)
            ys = fn(*xs)
    elif fn is not None:
        with wb.GradientTape(persistent=True) as tape:
            for x in xs:
                tape.watch(x)
            ys = fn(*xs)
    else:
        raise ValueError("diag_jacobian: ys given without fn; the tape that made ys is not reachable, "
                         "pass fn so the values can be recomputed under a tape")
    ys_list = list(ys) if isinstance(ys, (list, tuple)) else [ys]
    if len(ys_list) != len(xs):
        raise ValueError(f"diag_jacobian: {len(ys_list)} ys for {len(xs)} xs, expected as many")
    n_sample = 0 if sample_shape is None else len(np.atleast_1d(np.asarray(sample_shape)))
    jac = []
    for x, y in zip(xs, ys_list):
        y = wb.convert_to_tensor(y)
        if tuple(y.shape) != tuple(x.shape):
            raise ValueError(f"diag_jacobian: a y has shape {y.shape} but its x has shape {x.shape}, "
                             "expected equal shapes")
        event_shape = list(x.shape[n_sample:])
        sample = list(x.shape[:n_sample])
        event_size = int(np.prod(event_shape)) if event_shape else 1
        columns = []
        for j in range(event_size):
            pick = np.zeros(sample + [event_size], dtype=y.dtype.as_numpy_dtype)
            pick[..., j] = 1.0
            g = tape.gradient(y, x, output_gradients=wb.constant(pick.reshape(x.shape)))
            g = wb.zeros_like(x) if g is None else g
            columns.append(wb.reshape(g, sample + [event_size])[..., j])
        jac.append(wb.reshape(wb.stack(columns, axis=-1), list(x.shape)))
    del tape
    return (ys_list if is_list else ys_list[0]), (jac if is_list else jac[0])
