"""What the bijector tests share: float64 tensors, a copy that misses the bijector's cache, and the
Jacobians (central differences and the tape's) that a forward log-det is checked against."""

import numpy as np

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
