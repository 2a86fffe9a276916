"""What the bijector tests share: float64 tensors, a copy that misses the bijector's cache, the
Jacobians (central differences and the tape's) that a forward log-det is checked against, and the
round-trip, forward/inverse log-det and event_ndims checks every bijector case runs."""

import numpy as np
import pytest

import workbench as wb


def f64(a):
    return wb.constant(np.asarray(a, dtype=np.float64))


def fresh(t):
    """The same values in a new tensor object (bypasses the bijector's cache)."""
    return wb.constant(t.numpy())


def numerical_jacobian(b, x, x_coords=None, x_put=None, y_coords=None, eps=1e-6):
    """Central differences of ``b.forward`` per batch member: (batch, out_size, in_size).

    ``x_coords`` reads the free coordinates of x (default: all entries), ``x_put(x, v)`` writes
    coordinates ``v`` back into x, ``y_coords`` reads the coordinates of the output."""
    batch = x.shape[0]
    flat = x.reshape(batch, -1) if x_coords is None else x_coords(x)
    rebuild = (lambda v: v.reshape(x.shape)) if x_put is None else (lambda v: x_put(x, v))
    read = (lambda a: a.reshape(batch, -1)) if y_coords is None else y_coords
    cols = []
    for j in range(flat.shape[1]):
        e = np.zeros_like(flat)
        e[:, j] = eps
        up = read(b.forward(f64(rebuild(flat + e))).numpy())
        down = read(b.forward(f64(rebuild(flat - e))).numpy())
        cols.append((up - down) / (2 * eps))
    return np.stack(cols, axis=-1)


def autodiff_jacobian(b, x):
    """The tape's Jacobian of ``b.forward`` per batch member of the float64 tensor x:
    (batch, out_size, in_size)."""
    batch = x.shape[0]
    with wb.GradientTape() as tape:
        tape.watch(x)
        y = wb.reshape(b.forward(x), (batch, -1))
    return tape.batch_jacobian(y, x).numpy().reshape(batch, y.shape[1], -1)


def log_volume(jac):
    """log sqrt(det(J^T J)) per batch member: log|det J| for square maps, the volume factor for maps
    onto a surface (embeddings)."""
    _, logdet = np.linalg.slogdet(np.einsum("bki,bkj->bij", jac, jac))
    return 0.5 * logdet


def assert_fldj_matches(b, x, event_ndims, jac, rtol, atol):
    """``b.forward_log_det_jacobian(x)`` equals the log volume of ``jac`` for every batch member."""
    x = f64(x) if isinstance(x, np.ndarray) else x
    got = b.forward_log_det_jacobian(x, event_ndims=event_ndims).numpy()
    np.testing.assert_allclose(np.broadcast_to(got, (jac.shape[0],)), log_volume(jac), rtol=rtol, atol=atol)


def assert_round_trip(b, x):
    """``inverse(forward(x))`` gives x back from a copy of y (no cache), with matching event shapes."""
    y = b.forward(x)
    assert y.shape[:1] == x.shape[:1]
    assert tuple(y.shape[1:]) == b.forward_event_shape(x.shape[1:])
    assert b.inverse_event_shape(y.shape[1:]) == tuple(x.shape[1:])
    np.testing.assert_allclose(b.inverse(fresh(y)).numpy(), x.numpy(), rtol=1e-9, atol=1e-9)
    return y


def assert_fldj_is_minus_ildj(b, x, event_ndims):
    """``forward_log_det_jacobian(x) == -inverse_log_det_jacobian(y)``, y's values in a new tensor."""
    fldj = b.forward_log_det_jacobian(x, event_ndims=event_ndims)
    y = b.forward(x)
    ey = b.forward_event_ndims(event_ndims)
    np.testing.assert_allclose(-b.inverse_log_det_jacobian(fresh(y), event_ndims=ey).numpy(),
                               np.broadcast_to(fldj.numpy(), (x.shape[0],)), rtol=1e-8, atol=1e-9)
    return fldj, y, ey


def assert_event_ndims_reduction(b, x2, event_ndims, rtol=1e-10, atol=1e-12):
    """For x2 of shape (batch, 2, event...), the log-det over ``event_ndims + 1`` dims is the sum of the
    two over ``event_ndims``, and fewer than ``forward_min_event_ndims`` is refused."""
    inner = b.forward_log_det_jacobian(x2, event_ndims=event_ndims).numpy()
    outer = b.forward_log_det_jacobian(x2, event_ndims=event_ndims + 1).numpy()
    np.testing.assert_allclose(outer, np.broadcast_to(inner, (x2.shape[0], 2)).sum(-1), rtol=rtol, atol=atol)
    with pytest.raises(ValueError, match="event_ndims"):
        b.forward_log_det_jacobian(x2, event_ndims=b.forward_min_event_ndims - 1)
