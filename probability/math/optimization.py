"""``value_and_gradient``, ``minimize`` and ``minimize_stateless``: TFP's tape helpers (``tfp.math``)."""

from __future__ import annotations

import collections
import inspect

import workbench as wb

from .. import internal
from ..mcmc.internal import stack_structure

__all__ = ["value_and_gradient", "minimize", "minimize_stateless", "MinimizeTraceableQuantities"]

MinimizeTraceableQuantities = collections.namedtuple(
    "MinimizeTraceableQuantities", ["loss", "gradients", "parameters", "step", "has_converged",
                                    "convergence_criterion_state"])


def value_and_gradient(f, *args, output_gradients=None, use_gradient_tape=False, auto_unpack_single_arg=True,
                       has_aux=False, name=None, **kwargs):
    """``(f(*args), d f / d args)``; the gradients have the structure of ``args``.

    A single list or tuple argument is unpacked (``f(*args[0])``) when ``auto_unpack_single_arg``,
    and its gradients come back as a list. An ``f`` taking no arguments is called as ``f()`` (it
    reads the tensors of ``args`` itself, as in TFP's "argless ``f``"). With ``has_aux=True``,
    ``f`` returns ``(y, aux)`` and the result is ``((y, aux), grads)``. ``output_gradients`` weights ``y`` as in ``tape.gradient``.

    >>> y, g = value_and_gradient(lambda x: x * x, wb.constant(3.0))   # 9.0, 6.0
    """
    if not callable(f):
        raise TypeError(f"value_and_gradient: f must be callable, got {type(f).__name__}")
    one_sequence = len(args) == 1 and isinstance(args[0], (list, tuple))
    unpacked = auto_unpack_single_arg and one_sequence
    packed = one_sequence and not unpacked   # f gets the sequence (of tensors) as its one argument
    xs = list(args[0]) if one_sequence else list(args)
    xs = [x if isinstance(x, wb.Variable) else wb.convert_to_tensor(x) for x in xs]
    argless = _takes_no_arguments(f)
    with wb.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(xs)
        if argless:   # an argless f reads the given tensors itself
            out = f(**kwargs)
        elif packed:
            out = f(_pack(xs, type(args[0])), **kwargs)
        else:
            out = f(*xs, **kwargs)
        y, aux = out if has_aux else (out, None)
    grads = tape.gradient(y, xs, output_gradients=output_gradients)
    if one_sequence:   # the gradients have the structure of the sequence
        grads = type(args[0])(grads) if isinstance(args[0], tuple) else list(grads)
    elif len(args) == 1:
        grads = grads[0]
    else:
        grads = tuple(grads)
    return ((y, aux) if has_aux else y), grads


def _pack(xs, kind):
    """The one argument of ``f`` for a sequence argument that is not unpacked: TFP passes the
    sequence, whose ops pack it into one tensor. Tensors of one shape are stacked here (ops on a
    Python list of Tensors do not reach the tape), so the gradient reaches each entry."""
    if len({tuple(x.shape) for x in xs}) == 1 and len({x.dtype for x in xs}) == 1:
        return wb.stack(xs)
    return kind(xs)


def _takes_no_arguments(f):
    """Whether ``f`` takes no positional arguments (TFP's "argless ``f``" case)."""
    try:
        params = inspect.signature(f).parameters.values()
    except (TypeError, ValueError):   # a builtin without a signature: called with the arguments
        return False
    return not any(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL) for p in params)


def _trace_loss(traceable_quantities):
    return traceable_quantities.loss


def minimize(loss_fn, num_steps, optimizer, convergence_criterion=None, batch_convergence_reduce_fn=None,
             trainable_variables=None, trace_fn=_trace_loss, return_full_length_trace=True, jit_compile=False,
             seed=None, name="minimize"):
    """Run ``num_steps`` optimizer steps on ``loss_fn()`` and return the stacked ``trace_fn`` results.

    Each step takes the gradient of ``loss_fn()`` (given a ``seed``, called as ``loss_fn(seed=s)``
    with a fresh stateless seed ``s`` split from it at every step)
    with respect to ``trainable_variables`` (default: every trainable variable it reads) and calls
    ``optimizer.apply_gradients``. ``trace_fn`` receives ``MinimizeTraceableQuantities(loss,
    gradients, parameters, step, has_converged, convergence_criterion_state)``; its results are
    stacked along a new leading axis.

    A ``convergence_criterion`` (e.g. ``probability.optimizer.convergence_criteria.LossNotDecreasing``)
    is bootstrapped after the first step and consulted after each later one; the loop stops once
    ``batch_convergence_reduce_fn(has_converged)`` (default: all) holds. The trace then ends there,
    or, with ``return_full_length_trace``, repeats its final entry up to ``num_steps``.

    >>> x = wb.Variable(0.0)
    >>> losses = minimize(lambda: (x - 2.0) ** 2, num_steps=100, optimizer=wb.optimizers.Adam(0.1))
    """
    if not callable(loss_fn):
        raise TypeError(f"minimize: loss_fn must be callable, got {type(loss_fn).__name__}")
    num_steps = int(num_steps)
    if num_steps < 1:
        raise ValueError(f"minimize: num_steps must be at least 1, got {num_steps}")
    if not hasattr(optimizer, "apply_gradients"):
        raise TypeError("minimize: optimizer needs an apply_gradients(grads_and_vars) method, "
                        f"got {type(optimizer).__name__}")
    if convergence_criterion is not None and not hasattr(convergence_criterion, "one_step"):
        raise TypeError("minimize: convergence_criterion needs bootstrap and one_step methods, "
                        f"got {type(convergence_criterion).__name__}")
    reduce_fn = wb.reduce_all if batch_convergence_reduce_fn is None else batch_convergence_reduce_fn
    explicit = None if trainable_variables is None else list(trainable_variables)
    seeds = None if seed is None else internal.split_seed(internal.sanitize_seed(seed), num_steps, salt="minimize")
    traces = []
    state = None
    for step in range(num_steps):
        with wb.GradientTape(watch_accessed_variables=explicit is None) as tape:
            if explicit is not None:
                tape.watch(explicit)
            loss = loss_fn() if seeds is None else loss_fn(seed=seeds[step])
        variables = explicit if explicit is not None else list(tape.watched_variables())
        if not variables:
            raise ValueError("minimize: loss_fn reads no trainable variables; pass trainable_variables")
        grads = tape.gradient(loss, variables)
        optimizer.apply_gradients(zip(grads, variables))
        params = [wb.identity(v) for v in variables]
        has_converged = wb.constant(False)
        if convergence_criterion is not None:
            if step == 0:
                state = convergence_criterion.bootstrap(loss, grads, params)
            else:
                has_converged, state = convergence_criterion.one_step(wb.constant(step), loss, grads, params, state)
        traces.append(trace_fn(MinimizeTraceableQuantities(loss, grads, params, wb.constant(step + 1),
                                                           has_converged, state)))
        if convergence_criterion is not None and step > 0 and bool(reduce_fn(has_converged)):
            break
    if return_full_length_trace and len(traces) < num_steps:
        traces += [traces[-1]] * (num_steps - len(traces))
    return stack_structure(traces)


def minimize_stateless(loss_fn, init, num_steps, optimizer, convergence_criterion=None,
                       batch_convergence_reduce_fn=None, trace_fn=_trace_loss, return_full_length_trace=True,
                       jit_compile=False, seed=None, name="minimize_stateless"):
    """Minimize ``loss_fn(*init)`` with a pure functional ``optimizer`` (an object with
    ``state = optimizer.init(params)`` and ``updates, state = optimizer.update(grads, state, params)``,
    as optax's transformations): ``num_steps`` times, the updates are added to the parameters.

    ``init`` is a tuple of parameters (each a tensor or nested structure), or one tensor passed as
    the only argument. With a ``seed``, ``loss_fn`` gets ``seed=`` a fresh stateless seed each step.
    ``trace_fn`` sees ``MinimizeTraceableQuantities`` with the loss and gradients at the step's
    starting parameters, the updated parameters and the 0-based ``step``. A ``convergence_criterion``
    is bootstrapped after the first step and consulted after each later one, as in ``minimize``.
    Returns ``(final_parameters, trace)``.

    >>> class SGD:
    ...     def init(self, params): return ()
    ...     def update(self, grads, state, params=None): return [-0.1 * g for g in grads], state
    >>> (x,), losses = minimize_stateless(lambda x: (x - 2.) ** 2, (wb.constant(0.),), 100, SGD())
    """
    if not callable(loss_fn):
        raise TypeError(f"minimize_stateless: loss_fn must be callable, got {type(loss_fn).__name__}")
    if not (hasattr(optimizer, "init") and hasattr(optimizer, "update")):
        raise TypeError("minimize_stateless: optimizer needs init(params) and update(grads, state, params) "
                        f"methods (an optax-style transformation), got {type(optimizer).__name__}")
    num_steps = int(num_steps)
    if num_steps < 1:
        raise ValueError(f"minimize_stateless: num_steps must be at least 1, got {num_steps}")
    as_tuple = isinstance(init, (tuple, list))
    params = tuple(init) if as_tuple else (init,)
    params = wb.nest.map_structure(wb.convert_to_tensor, params)
    reduce_fn = wb.reduce_all if batch_convergence_reduce_fn is None else batch_convergence_reduce_fn
    seeds = None if seed is None else internal.split_seed(internal.sanitize_seed(seed), num_steps,
                                                         salt="minimize_stateless")
    opt_state = optimizer.init(params)
    traces, crit_state = [], None
    for step in range(num_steps):
        flat = wb.nest.flatten(params)
        with wb.GradientTape(watch_accessed_variables=False) as tape:
            tape.watch(flat)
            packed = wb.nest.pack_sequence_as(params, flat)
            loss = loss_fn(*packed) if seeds is None else loss_fn(*packed, seed=seeds[step])
        grads = wb.nest.pack_sequence_as(params, tape.gradient(loss, flat))
        updates, opt_state = optimizer.update(grads, opt_state, params)
        params = wb.nest.map_structure(lambda p, u: p + wb.convert_to_tensor(u, dtype=p.dtype), params,
                                       wb.nest.pack_sequence_as(params, wb.nest.flatten(updates)))
        has_converged = wb.constant(False)
        if convergence_criterion is not None:
            if step == 0:
                crit_state = convergence_criterion.bootstrap(loss, grads, params)
            else:
                has_converged, crit_state = convergence_criterion.one_step(wb.constant(step), loss, grads, params,
                                                                           crit_state)
        traces.append(trace_fn(MinimizeTraceableQuantities(loss, grads, params if as_tuple else params[0],
                                                           wb.constant(step), has_converged, crit_state)))
        if convergence_criterion is not None and step > 0 and bool(reduce_fn(has_converged)):
            break
    if return_full_length_trace and len(traces) < num_steps:
        traces += [traces[-1]] * (num_steps - len(traces))
    return (params if as_tuple else params[0]), stack_structure(traces)
