"""The Dormand-Prince 5(4) explicit Runge-Kutta solver with adaptive steps and 4th-order dense
output (``tfp.math.ode.DormandPrince``)."""

from __future__ import annotations

import collections

import numpy as np

import workbench as wb

from .base import ChosenBySolver, Diagnostics, Results, Solver

__all__ = ["DormandPrince"]

# the Butcher tableau (Dormand and Prince 1980): nodes, stage weights, the 5th-order solution
_NODES = [1 / 5, 3 / 10, 4 / 5, 8 / 9, 1.0, 1.0]
_STAGES = [
    [1 / 5],
    [3 / 40, 9 / 40],
    [44 / 45, -56 / 15, 32 / 9],
    [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729],
    [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656],
    [35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84],
]
_SOLUTION = [35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84, 0.0]
# the error estimate against the embedded 4th-order solution (the variant TFP uses)
_ERROR = [1951 / 21600 - 35 / 384, 0.0, 22642 / 50085 - 500 / 1113, 451 / 720 - 125 / 192,
          -12231 / 42400 + 2187 / 6784, 649 / 6300 - 11 / 84, 1 / 60]
# the solution at the step's midpoint (Shampine 1986), for the 4th-order interpolant
_MIDPOINT = [6025192743 / 30085553152 / 2, 0.0, 51252292925 / 65400821598 / 2, -2691868925 / 45128329728 / 2,
             187940372067 / 1594534317056 / 2, -1776094331 / 19743644256 / 2, 11237099 / 235043384 / 2]
_ORDER = 5          # the step-size exponent is -1 / (order + 1), as TFP's
_EVALS_PER_STEP = 6

_DopriDiagnostics = collections.namedtuple(
    "_DopriDiagnostics", ["num_ode_fn_evaluations", "num_jacobian_evaluations", "num_matrix_factorizations",
                          "status"])
Diagnostics.register(_DopriDiagnostics)

_RungeKuttaSolverInternalState = collections.namedtuple(
    "_RungeKuttaSolverInternalState", ["current_state", "current_derivative", "last_step_start", "current_time",
                                       "step_size", "interpolating_coefficients"])


def _weighted(weights, parts):
    """``sum_i w_i * parts_i`` over structures (zero weights skipped)."""
    terms = [(w, p) for w, p in zip(weights, parts) if (not isinstance(w, float)) or w != 0.0]
    out = None
    for w, p in terms:
        term = wb.nest.map_structure(lambda t: w * t, p)
        out = term if out is None else wb.nest.map_structure(lambda a, b: a + b, out, term)
    return out


def _add(a, b):
    return wb.nest.map_structure(lambda x, y: x + y, a, b)


class DormandPrince(Solver):
    """Dormand-Prince 5(4) with adaptive steps: a step of size ``h`` is accepted when the RMS over
    the state of ``(err**2 / tol**2)`` is at most 1, ``tol = atol + rtol * max(|y0|, |y1|)``; the next
    ``h`` is ``h * clip(safety_factor * ratio**(-1/6), min_step_size_factor, max_step_size_factor)``.
    The first step is ``first_step_size``. Solutions at ``solution_times`` come from the 4th-order
    interpolant through the step's ends, slopes and midpoint. All of this follows TFP 0.25, so
    float32 solves take TFP's steps and give its values; for float64 states TFP 0.25 still applies
    the tableau rounded to float32 (an error of about 1e-11 a step), where this uses it exactly, so
    float64 answers differ from TFP's near the 8th digit and adaptive step sequences can part.

    Gradients flow through the steps taken (the step sizes are chosen on values and held fixed),
    not through an adjoint solve: ``make_adjoint_solver_fn`` is accepted and ignored.

    >>> r = DormandPrince().solve(lambda t, y: -y, 0., wb.constant([1., 2.]), solution_times=[0.5, 1.])
    >>> r.states.shape
    (2, 2)
    """

    def __init__(self, rtol=1e-3, atol=1e-6, first_step_size=1e-3, safety_factor=0.9, min_step_size_factor=0.1,
                 max_step_size_factor=10.0, max_num_steps=None, make_adjoint_solver_fn=None, validate_args=False,
                 name="dormand_prince"):
        for key, value in (("rtol", rtol), ("atol", atol), ("first_step_size", first_step_size),
                           ("safety_factor", safety_factor)):
            if not float(value) >= 0 or (key in ("first_step_size", "safety_factor") and not float(value) > 0):
                raise ValueError(f"DormandPrince: {key} must be positive, got {value!r}")
        self._rtol, self._atol = float(rtol), float(atol)
        self._first_step_size = float(first_step_size)
        self._safety_factor = float(safety_factor)
        self._min_factor, self._max_factor = float(min_step_size_factor), float(max_step_size_factor)
        self._max_num_steps = None if max_num_steps is None else int(max_num_steps)
        self._validate_args = validate_args
        self.name = name

    def solve(self, ode_fn, initial_time, initial_state, solution_times=None, jacobian_fn=None,
              jacobian_sparsity=None, batch_ndims=None, previous_solver_internal_state=None, constants=None):
        """Integrate ``dy/dt = ode_fn(t, y, **constants)`` from ``(initial_time, initial_state)``
        (a tensor or nested structure) to each of the increasing ``solution_times`` (or, for a
        ``ChosenBySolver(final_time)``, to every time the solver reaches, then ``final_time``).
        Returns ``Results``."""
        if solution_times is None:
            raise ValueError("DormandPrince.solve: solution_times is required (times or ChosenBySolver)")
        constants = {} if constants is None else dict(constants)
        y0 = wb.nest.map_structure(wb.convert_to_tensor, initial_state)
        leaves = wb.nest.flatten(y0)
        dtype = leaves[0].dtype
        if not dtype.is_floating and not dtype.is_complex:
            raise TypeError(f"DormandPrince.solve: initial_state has dtype {dtype}, expected a floating dtype")
        real = wb.float64 if dtype in (wb.float64, wb.complex128) else wb.float32
        t0 = float(np.asarray(wb.convert_to_tensor(initial_time).numpy()))
        def f(t, y):
            out = ode_fn(wb.constant(t, dtype=real), y, **constants)
            return wb.nest.map_structure(lambda d, s: wb.cast(wb.convert_to_tensor(d), s.dtype), out, y)

        if previous_solver_internal_state is not None:
            state = previous_solver_internal_state
            y, dy = state.current_state, state.current_derivative
            t, h = float(state.current_time), float(state.step_size)
            last_start, coeffs = float(state.last_step_start), state.interpolating_coefficients
        else:
            y, dy = y0, f(t0, y0)
            t, h, last_start = t0, self._first_step_size, t0
            coeffs = [wb.nest.map_structure(wb.zeros_like, y0)] * 4 + [y0]
        steps = [0]

        def step():
            nonlocal y, dy, t, h, last_start, coeffs
            if self._max_num_steps is not None and steps[0] >= self._max_num_steps:
                raise wb.errors.InvalidArgumentError(
                    None, None, f"DormandPrince.solve: max_num_steps exceeded ({self._max_num_steps} steps, "
                    f"reached t = {t} with step size {h})")
            steps[0] += 1
            k = [dy]
            for node, row in zip(_NODES, _STAGES):
                yi = _add(y, wb.nest.map_structure(lambda s: h * s, _weighted(row, k)))
                k.append(f(t + node * h, yi))
            y1 = _add(y, wb.nest.map_structure(lambda s: h * s, _weighted(_SOLUTION, k)))
            error = wb.nest.map_structure(lambda s: h * s, _weighted(_ERROR, k))
            count, total = 0, 0.0
            for e, a, b in zip(wb.nest.flatten(error), wb.nest.flatten(y), wb.nest.flatten(y1)):
                tol = self._atol + self._rtol * np.maximum(np.abs(a.numpy()), np.abs(b.numpy()))
                ratio = np.abs(e.numpy()) ** 2 / tol ** 2
                total += float(np.sum(ratio ** 2))
                count += ratio.size
            error_ratio = float(np.sqrt(total / max(count, 1)))
            accept = error_ratio <= 1.0
            start = t
            if accept:
                y_mid = _add(y, wb.nest.map_structure(lambda s: h * s, _weighted(_MIDPOINT, k)))
                coeffs = _fit(y, y1, y_mid, dy, k[-1], h)
                y, dy, t = y1, k[-1], t + h
            last_start = start
            with np.errstate(divide="ignore"):
                factor = error_ratio ** (-1.0 / (_ORDER + 1)) if error_ratio > 0 else np.inf
            h = h * float(np.clip(self._safety_factor * factor, self._min_factor, self._max_factor))

        def interpolate(target):
            x = (target - last_start) / (t - last_start) if t != last_start else 1.0
            a, b, c, d, e = coeffs
            return wb.nest.map_structure(lambda a_, b_, c_, d_, e_: (((a_ * x + b_) * x + c_) * x + d_) * x + e_,
                                         a, b, c, d, e)

        times, states = [], []
        if isinstance(solution_times, ChosenBySolver):
            final = float(np.asarray(wb.convert_to_tensor(solution_times.final_time).numpy()))
            while t <= final:
                times.append(t)
                states.append(y)
                step()
            y_final = interpolate(final)
            times.append(final)
            states.append(y_final)
            y, dy, t = y_final, f(final, y_final), final
        else:
            targets = np.asarray(wb.convert_to_tensor(solution_times).numpy(), np.float64).reshape(-1)
            if targets.size and (np.any(np.diff(targets) < 0) or targets[0] < t0):
                raise ValueError("DormandPrince.solve: solution_times must be non-decreasing and not before "
                                 f"initial_time {t0}, got {targets.tolist()}")
            for target in targets:
                while target >= t:
                    step()
                times.append(float(target))
                states.append(interpolate(float(target)))
        stacked = (wb.nest.map_structure(lambda *parts: wb.stack(parts, axis=0), *states) if states
                   else wb.nest.map_structure(lambda s: wb.zeros([0] + list(s.shape), dtype=s.dtype), y0))
        # TFP reports the steps' evaluations (6 a step), not the start's or the final slope's
        diagnostics = _DopriDiagnostics(num_ode_fn_evaluations=wb.constant(_EVALS_PER_STEP * steps[0],
                                                                           dtype=wb.int32),
                                        num_jacobian_evaluations=wb.constant(0, dtype=wb.int32),
                                        num_matrix_factorizations=wb.constant(0, dtype=wb.int32),
                                        status=wb.constant(0, dtype=wb.int32))
        internal = _RungeKuttaSolverInternalState(current_state=y, current_derivative=dy,
                                                  last_step_start=wb.constant(last_start, dtype=real),
                                                  current_time=wb.constant(t, dtype=real),
                                                  step_size=wb.constant(h, dtype=real),
                                                  interpolating_coefficients=coeffs)
        return Results(times=wb.constant(np.asarray(times), dtype=real), states=stacked, diagnostics=diagnostics,
                       solver_internal_state=internal)


def _fit(y0, y1, y_mid, f0, f1, dt):
    """Coefficients ``[a, b, c, d, e]`` of ``p(x) = a x^4 + b x^3 + c x^2 + d x + e`` on ``x`` in
    ``[0, 1]`` matching the ends, the midpoint and the slopes ``f0``, ``f1`` (times ``dt``)."""
    a = _weighted([-2 * dt, 2 * dt, -8.0, -8.0, 16.0], [f0, f1, y0, y1, y_mid])
    b = _weighted([5 * dt, -3 * dt, 18.0, 14.0, -32.0], [f0, f1, y0, y1, y_mid])
    c = _weighted([-4 * dt, dt, -11.0, -5.0, 16.0], [f0, f1, y0, y1, y_mid])
    d = _weighted([dt], [f0])
    return [a, b, c, d, y0]
