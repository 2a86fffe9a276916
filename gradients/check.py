"""Gradient checking against central finite differences.

``check_gradients(f, args)`` compares reverse mode (a vector-Jacobian product
and the full, vectorized jacobian) and forward mode (a Jacobian-vector
product) with central differences, and with ``order=2`` does the same for the
derivative functions themselves. The test suite runs it on every op.
"""

from __future__ import annotations

import numpy as np

from workbench import core, nest
from workbench.core import Tensor

from .forward import ForwardAccumulator
from .tape import GradientTape
from workbench.ops.shape import concat, reshape


def _flat_out(f, xs):
    out = f(*xs)
    flat = [o for o in nest.flatten(out) if o is not None]
    from workbench.ops.reduce import reduce_sum  # noqa: F401
    parts = [reshape(core.convert_to_tensor(o), (-1,)) for o in flat]
    return parts[0] if len(parts) == 1 else concat(parts, axis=0)


def numerical_jacobian(f, args, eps=1e-6):
    """Central-difference jacobian of the flattened output with respect to each argument."""
    base = [np.array(a.numpy(), dtype=np.float64) for a in args]
    dev = args[0].device

    def evaluate(vals):
        xs = [core.wrap(core.to_array(v, device=dev)) for v in vals]
        return _flat_out(f, xs).numpy().astype(np.float64)

    y0 = evaluate(base)
    jacs = []
    for k, b in enumerate(base):
        jac = np.zeros((y0.size, b.size))
        for j in range(b.size):
            plus = [v.copy() for v in base]
            minus = [v.copy() for v in base]
            plus[k].flat[j] += eps
            minus[k].flat[j] -= eps
            jac[:, j] = (evaluate(plus) - evaluate(minus)) / (2 * eps)
        jacs.append(jac)
    return y0, jacs


def _as_inputs(args):
    out = []
    for a in args:
        t = a if isinstance(a, Tensor) else core.convert_to_tensor(np.asarray(a, dtype=np.float64))
        if t.dtype != np.float64:
            raise TypeError(f"check_gradients: arguments must be float64 for finite differences, got {t.dtype}")
        out.append(t)
    return out


def check_gradients(f, args, order=2, modes=("rev", "fwd"), eps=1e-6, atol=1e-5, rtol=1e-4,
                    seed=0, jacobian=True):
    """Assert that the gradients of ``f`` at ``args`` match finite differences.

    ``f`` maps float64 tensors to a tensor (or a structure of tensors). Raises
    ``AssertionError`` naming the mode, the order and the largest error.
    """
    xs = _as_inputs(args)
    rng = np.random.default_rng(seed)
    y0, num = numerical_jacobian(f, xs, eps)
    dev = xs[0].device
    label = getattr(f, "__name__", "f")

    def compare(what, got, want):
        got = np.asarray(got, dtype=np.float64)
        if got.shape != want.shape:
            raise AssertionError(f"{label}: {what}: shape {got.shape}, expected {want.shape}")
        if not np.allclose(got, want, atol=atol, rtol=rtol, equal_nan=False):
            err = np.max(np.abs(got - want))
            raise AssertionError(f"{label}: {what} differs from finite differences by {err:.3g}\n"
                                 f"got:\n{got}\nexpected:\n{want}")

    u = rng.standard_normal(y0.size)
    if "rev" in modes:
        with GradientTape(persistent=True) as tape:
            tape.watch(xs)
            y = _flat_out(f, xs)
        grads = tape.gradient(y, xs, output_gradients=core.wrap(core.to_array(u, device=dev)),
                              unconnected_gradients="zero")
        for k, (g, jac) in enumerate(zip(grads, num)):
            compare(f"reverse mode, argument {k}", g.numpy().reshape(-1), u @ jac)
        if jacobian:
            jacs = tape.jacobian(y, xs, unconnected_gradients="zero")
            for k, (j, jac) in enumerate(zip(jacs, num)):
                compare(f"vectorized jacobian, argument {k}", j.numpy().reshape(jac.shape), jac)
    if "fwd" in modes:
        vs = [rng.standard_normal(x.shape) for x in xs]
        with ForwardAccumulator(xs, [core.wrap(core.to_array(v, device=dev)) for v in vs]) as acc:
            y = _flat_out(f, xs)
        t = acc.jvp(y, unconnected_gradients="zero")
        want = sum(jac @ v.reshape(-1) for jac, v in zip(num, vs))
        compare("forward mode", t.numpy().reshape(-1), want)
    if order > 1:
        ut = core.wrap(core.to_array(u, device=dev))
        if "rev" in modes:
            def vjp_fn(*zs):
                with GradientTape() as tape:
                    tape.watch(list(zs))
                    y = _flat_out(f, list(zs))
                gs = tape.gradient(y, list(zs), output_gradients=ut, unconnected_gradients="zero")
                return gs
            vjp_fn.__name__ = f"{label}'(reverse)"
            check_gradients(vjp_fn, xs, order - 1, modes, eps, atol, rtol, seed + 1, jacobian)
        if "fwd" in modes:
            vs = [core.wrap(core.to_array(rng.standard_normal(x.shape), device=dev)) for x in xs]

            def jvp_fn(*zs):
                with ForwardAccumulator(list(zs), vs) as acc:
                    y = _flat_out(f, list(zs))
                return acc.jvp(y, unconnected_gradients="zero")
            jvp_fn.__name__ = f"{label}'(forward)"
            check_gradients(jvp_fn, xs, order - 1, modes, eps, atol, rtol, seed + 2, jacobian)
    return True
