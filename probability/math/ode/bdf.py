"""The variable-order, variable-step BDF solver for stiff problems (``tfp.math.ode.BDF``), in the
numerical differentiation formula form of Shampine and Reichelt (1997)."""

from __future__ import annotations

import collections

import numpy as np
import scipy.linalg

import workbench as wb

from .base import ChosenBySolver, Diagnostics, Results, Solver

__all__ = ["BDF"]

_MAX_ORDER = 5

_BDFDiagnostics = collections.namedtuple(
    "_BDFDiagnostics", ["num_jacobian_evaluations", "num_matrix_factorizations", "num_ode_fn_evaluations", "status"])
Diagnostics.register(_BDFDiagnostics)

_BDFSolverInternalState = collections.namedtuple(
    "_BDFSolverInternalState", ["current_state", "current_time", "order", "step_size", "differences"])


def _change_matrix(order, factor):
    """The matrix that rescales the backward differences when the step changes by ``factor``."""
    i = np.arange(1, order + 1)[:, None]
    j = np.arange(1, order + 1)[None, :]
    m = np.zeros((order + 1, order + 1))
    m[1:, 1:] = (i - 1 - factor * j) / i
    m[0] = 1
    return np.cumprod(m, axis=0)


def _rescale(differences, order, factor):
    r = _change_matrix(order, factor)
    u = _change_matrix(order, 1.0)
    differences[:order + 1] = (r @ u).T @ differences[:order + 1]


class BDF(Solver):
    """Backward differentiation formulas of orders 1 to ``max_order`` (with the NDF corrections
    ``bdf_coefficients``, TFP's defaults), a modified Newton iteration on ``I - c J`` (``J`` the
    Jacobian, from ``jacobian_fn`` or by ``wb.GradientTape``), and step and order chosen from local
    error estimates; suited to stiff problems.

    The state is a tensor (nested structures are flattened into one vector and restored). The
    solution is computed on the host in float64 and returned in the state's dtype; it is not
    differentiable (the tape sees no path from the inputs). Values agree with TFP 0.25's to the
    tolerances asked, not digit for digit.

    >>> r = BDF().solve(lambda t, y: -1000. * (y - wb.cos(t)), 0., wb.constant([0.]), solution_times=[1.])
    """

    def __init__(self, rtol=1e-3, atol=1e-6, first_step_size=None, safety_factor=0.9, min_step_size_factor=0.1,
                 max_step_size_factor=10.0, max_num_steps=None, max_order=_MAX_ORDER, max_num_newton_iters=4,
                 newton_tol_factor=0.1, newton_step_size_factor=0.5,
                 bdf_coefficients=(-0.1850, -1 / 9, -0.0823, -0.0415, 0.0), evaluate_jacobian_lazily=False,
                 make_adjoint_solver_fn=None, validate_args=False, name="bdf"):
        if not 1 <= int(max_order) <= _MAX_ORDER:
            raise ValueError(f"BDF: max_order must be in [1, {_MAX_ORDER}], got {max_order}")
        if len(bdf_coefficients) != _MAX_ORDER:
            raise ValueError(f"BDF: bdf_coefficients must hold {_MAX_ORDER} numbers, got {len(bdf_coefficients)}")
        self._rtol, self._atol = float(rtol), float(atol)
        self._first_step_size = None if first_step_size is None else float(first_step_size)
        self._safety = float(safety_factor)
        self._min_factor, self._max_factor = float(min_step_size_factor), float(max_step_size_factor)
        self._max_num_steps = None if max_num_steps is None else int(max_num_steps)
        self._max_order = int(max_order)
        self._max_newton = int(max_num_newton_iters)
        self._newton_tol_factor = float(newton_tol_factor)
        self._newton_step_factor = float(newton_step_size_factor)
        self._kappa = np.concatenate([[0.0], np.asarray(bdf_coefficients, np.float64)])
        self._lazy = bool(evaluate_jacobian_lazily)
        self.name = name

    def solve(self, ode_fn, initial_time, initial_state, solution_times=None, jacobian_fn=None,
              jacobian_sparsity=None, batch_ndims=None, previous_solver_internal_state=None, constants=None):
        """Integrate ``dy/dt = ode_fn(t, y, **constants)`` to each of ``solution_times`` (or, for
        ``ChosenBySolver(final_time)``, to every step's end up to ``final_time``). Returns
        ``Results``."""
        if solution_times is None:
            raise ValueError("BDF.solve: solution_times is required (times or ChosenBySolver)")
        constants = {} if constants is None else dict(constants)
        y0 = wb.nest.map_structure(wb.convert_to_tensor, initial_state)
        leaves = wb.nest.flatten(y0)
        dtype = leaves[0].dtype
        if not dtype.is_floating:
            raise TypeError(f"BDF.solve: initial_state has dtype {dtype}, expected a floating dtype")
        shapes = [tuple(x.shape) for x in leaves]
        sizes = [int(np.prod(s)) for s in shapes]
        counts = {"f": 0, "jac": 0, "lu": 0}

        def unflatten(vec, dt=dtype):
            parts, offset = [], 0
            for shape, size in zip(shapes, sizes):
                parts.append(wb.constant(vec[offset:offset + size].reshape(shape), dtype=dt))
                offset += size
            return wb.nest.pack_sequence_as(y0, parts)

        def flatten(structure):
            return np.concatenate([np.asarray(wb.convert_to_tensor(x).numpy(), np.float64).reshape(-1)
                                   for x in wb.nest.flatten(structure)])

        def fun(t, y):
            counts["f"] += 1
            return flatten(ode_fn(wb.constant(t, dtype=dtype), unflatten(y), **constants))

        def jac(t, y):
            counts["jac"] += 1
            if jacobian_fn is not None:
                j = jacobian_fn(wb.constant(t, dtype=dtype), unflatten(y), **constants) if callable(jacobian_fn) \
                    else jacobian_fn
                return np.asarray(wb.convert_to_tensor(j).numpy(), np.float64).reshape(y.size, y.size)
            flat = wb.constant(y, dtype=dtype)
            with wb.GradientTape() as tape:
                tape.watch(flat)
                parts, offset = [], 0
                for shape, size in zip(shapes, sizes):
                    parts.append(wb.reshape(flat[offset:offset + size], list(shape)))
                    offset += size
                out = ode_fn(wb.constant(t, dtype=dtype), wb.nest.pack_sequence_as(y0, parts), **constants)
                out = wb.concat([wb.reshape(wb.cast(wb.convert_to_tensor(o), dtype), [-1])
                                 for o in wb.nest.flatten(out)], axis=0)
            j = tape.jacobian(out, flat)
            return np.zeros((y.size, y.size)) if j is None else np.asarray(j.numpy(), np.float64)

        t0 = float(np.asarray(wb.convert_to_tensor(initial_time).numpy()))
        if isinstance(solution_times, ChosenBySolver):
            final = float(np.asarray(wb.convert_to_tensor(solution_times.final_time).numpy()))
            targets = None
        else:
            targets = np.asarray(wb.convert_to_tensor(solution_times).numpy(), np.float64).reshape(-1)
            if targets.size and (np.any(np.diff(targets) < 0) or targets[0] < t0):
                raise ValueError("BDF.solve: solution_times must be non-decreasing and not before initial_time "
                                 f"{t0}, got {targets.tolist()}")
            final = float(targets[-1]) if targets.size else t0
        kappa = self._kappa
        gamma = np.concatenate([[0.0], np.cumsum(1.0 / np.arange(1, _MAX_ORDER + 1))])
        alpha = (1 - kappa) * gamma
        error_const = kappa * gamma + 1 / np.arange(1, _MAX_ORDER + 2)
        rtol, atol = self._rtol, self._atol
        newton_tol = max(10 * np.finfo(np.float64).eps / rtol, min(self._newton_tol_factor * 0.3, rtol ** 0.5))

        if previous_solver_internal_state is not None:
            state = previous_solver_internal_state
            t = float(state.current_time)
            y = flatten(state.current_state)
            order, h = int(state.order), float(state.step_size)
            differences = np.asarray(state.differences, np.float64).copy()
        else:
            t, y = t0, flatten(y0)
            f0 = fun(t, y)
            h = self._first_step_size if self._first_step_size is not None else _initial_step(
                fun, t, y, f0, final - t0, rtol, atol)
            order = 1
            differences = np.zeros((_MAX_ORDER + 3, y.size))
            differences[0] = y
            differences[1] = f0 * h
        n = y.size
        jacobian = jac(t, y)
        jacobian_current = True
        lu = None
        equal_steps = 0
        steps = 0
        times, states = [], []
        pending = list(targets) if targets is not None else None

        def interpolate(target, t_new, order_used, h_used, d):
            # the Newton interpolant through the last order + 1 points, evaluated at target
            x = (target - (t_new - h_used * np.arange(order_used))) / (h_used * np.arange(1, order_used + 1))
            p = np.cumprod(x)
            return d[0] + p @ d[1:order_used + 1]

        while True:
            if targets is not None and not pending:
                break
            if targets is None and t >= final:
                break
            if self._max_num_steps is not None and steps >= self._max_num_steps:
                raise wb.errors.InvalidArgumentError(
                    None, None, f"BDF.solve: max_num_steps exceeded ({self._max_num_steps} steps, reached t = {t})")
            steps += 1
            accepted = False
            while not accepted:
                if h < 10 * np.finfo(np.float64).eps * max(abs(t), 1.0):
                    raise wb.errors.InvalidArgumentError(None, None, f"BDF.solve: the step size underflowed at t = {t}")
                t_new = t + h
                y_predict = differences[:order + 1].sum(axis=0)
                scale = atol + rtol * np.abs(y_predict)
                psi = differences[1:order + 1].T @ gamma[1:order + 1] / alpha[order]
                c = h / alpha[order]
                if lu is None:
                    lu = scipy.linalg.lu_factor(np.eye(n) - c * jacobian)
                    counts["lu"] += 1
                converged, y_new, d, iterations = self._newton(fun, t_new, y_predict, c, psi, lu, scale, newton_tol)
                if not converged:
                    if jacobian_current:
                        factor = self._newton_step_factor
                        _rescale(differences, order, factor)
                        h *= factor
                        equal_steps = 0
                    else:
                        jacobian = jac(t_new, y_predict)
                        jacobian_current = True
                    lu = None
                    continue
                safety = self._safety * (2 * self._max_newton + 1) / (2 * self._max_newton + iterations)
                scale = atol + rtol * np.abs(y_new)
                error_norm = np.sqrt(np.mean((error_const[order] * d / scale) ** 2))
                if error_norm > 1:
                    factor = max(self._min_factor, safety * error_norm ** (-1 / (order + 1)))
                    _rescale(differences, order, factor)
                    h *= factor
                    equal_steps = 0
                    lu = None
                    continue
                accepted = True
            equal_steps += 1
            h_used, order_used = h, order
            differences[order + 2] = d - differences[order + 1]
            differences[order + 1] = d
            for i in reversed(range(order + 1)):
                differences[i] += differences[i + 1]
            t, y = t_new, y_new
            jacobian_current = False
            if not self._lazy:
                jacobian = jac(t, y)
                jacobian_current = True
                lu = None
            # record what lies in (t_prev, t]
            if targets is None:
                if t < final:
                    times.append(t)
                    states.append(y.copy())
                else:
                    times.append(final)
                    states.append(interpolate(final, t, order_used, h_used, differences))
            else:
                while pending and pending[0] <= t:
                    target = pending.pop(0)
                    value = y.copy() if target == t else interpolate(target, t, order_used, h_used, differences)
                    times.append(target)
                    states.append(value)
            if equal_steps < order + 1:
                continue
            error_m = (error_const[order - 1] * differences[order] / scale) if order > 1 else None
            error_p = (error_const[order + 1] * differences[order + 2] / scale) if order < self._max_order else None
            norms = [np.inf if error_m is None else np.sqrt(np.mean(error_m ** 2)), error_norm,
                     np.inf if error_p is None else np.sqrt(np.mean(error_p ** 2))]
            with np.errstate(divide="ignore"):
                factors = np.array(norms) ** (-1 / np.arange(order, order + 3))
            best = int(np.argmax(factors))
            order += best - 1
            factor = min(self._max_factor, safety * factors[best])
            _rescale(differences, order, factor)
            h *= factor
            equal_steps = 0
            lu = None
        stacked_rows = np.stack(states) if states else np.zeros((0, n))
        parts, offset = [], 0
        for shape, size in zip(shapes, sizes):
            parts.append(wb.constant(stacked_rows[:, offset:offset + size].reshape((len(states),) + shape),
                                     dtype=dtype))
            offset += size
        diagnostics = _BDFDiagnostics(num_jacobian_evaluations=wb.constant(counts["jac"], dtype=wb.int32),
                                      num_matrix_factorizations=wb.constant(counts["lu"], dtype=wb.int32),
                                      num_ode_fn_evaluations=wb.constant(counts["f"], dtype=wb.int32),
                                      status=wb.constant(0, dtype=wb.int32))
        internal = _BDFSolverInternalState(current_state=unflatten(y), current_time=wb.constant(t, dtype=dtype),
                                           order=order, step_size=h, differences=differences.copy())
        return Results(times=wb.constant(np.asarray(times), dtype=dtype),
                       states=wb.nest.pack_sequence_as(y0, parts), diagnostics=diagnostics,
                       solver_internal_state=internal)

    def _newton(self, fun, t_new, y_predict, c, psi, lu, scale, tol):
        """The modified Newton iteration of one step: ``(converged, y, d, iterations)``."""
        d = np.zeros_like(y_predict)
        y = y_predict.copy()
        dy_norm_old = None
        for k in range(self._max_newton):
            f = fun(t_new, y)
            if not np.all(np.isfinite(f)):
                return False, y, d, k + 1
            dy = scipy.linalg.lu_solve(lu, c * f - psi - d)
            dy_norm = np.sqrt(np.mean((dy / scale) ** 2))
            rate = None if dy_norm_old is None else dy_norm / dy_norm_old
            if rate is not None and (rate >= 1 or rate ** (self._max_newton - k) / (1 - rate) * dy_norm > tol):
                return False, y, d, k + 1
            y = y + dy
            d = d + dy
            if dy_norm == 0 or (rate is not None and rate / (1 - rate) * dy_norm < tol):
                return True, y, d, k + 1
            dy_norm_old = dy_norm
        return False, y, d, self._max_newton


def _initial_step(fun, t0, y0, f0, span, rtol, atol):
    """Hairer, Norsett and Wanner's starting step for a method of order 1."""
    if span <= 0:
        return 1e-6
    scale = atol + np.abs(y0) * rtol
    d0 = np.sqrt(np.mean((y0 / scale) ** 2))
    d1 = np.sqrt(np.mean((f0 / scale) ** 2))
    h0 = 1e-6 if d0 < 1e-5 or d1 < 1e-5 else 0.01 * d0 / d1
    h0 = min(h0, span)
    f1 = fun(t0 + h0, y0 + h0 * f0)
    d2 = np.sqrt(np.mean(((f1 - f0) / scale) ** 2)) / h0
    h1 = max(1e-6, h0 * 1e-3) if d1 <= 1e-15 and d2 <= 1e-15 else (0.01 / max(d1, d2)) ** 0.5
    return min(100 * h0, h1, span)
