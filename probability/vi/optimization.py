"""fit_surrogate_posterior: fit a variational surrogate by stochastic optimization on the tape."""

from __future__ import annotations

import collections
import functools

import workbench as wb

from .. import internal
from ..mcmc.internal import stack_structure
from .losses import kl_reverse, monte_carlo_variational_loss

__all__ = ["fit_surrogate_posterior", "TraceableQuantities"]

TraceableQuantities = collections.namedtuple(
    "TraceableQuantities", ["loss", "gradients", "parameters", "step", "has_converged",
                            "convergence_criterion_state"])


def _trace_loss(traceable_quantities):
    return traceable_quantities.loss


def fit_surrogate_posterior(target_log_prob_fn, surrogate_posterior, optimizer, num_steps, convergence_criterion=None,
                            trace_fn=_trace_loss, variational_loss_fn=None, discrepancy_fn=kl_reverse,
                            sample_size=1, importance_sample_size=1, trainable_variables=None, jit_compile=None,
                            seed=None, name="fit_surrogate_posterior"):
    """Minimize a variational loss (default: the negative ELBO) over the surrogate's variables.

    Each of the ``num_steps`` steps computes the loss under a ``wb.GradientTape``
    and calls ``optimizer.apply_gradients(zip(grads, variables))`` (any optimizer
    with that method, e.g. ``wb.optimizers.Adam``). The variables are
    ``trainable_variables`` if given, else every trainable variable read while
    computing the loss (the surrogate's, and the model's if ``target_log_prob_fn``
    reads some), as in TFP.

    ``surrogate_posterior`` is a distribution whose parameters are
    ``wb.Variable``s, or a zero-argument callable returning one (built anew at
    every step inside the tape: the way to constrain a parameter, e.g.
    ``lambda: tfd.Normal(loc, wb.softplus(raw_scale))``; it plays the role of
    TFP's ``TransformedVariable``).

    ``trace_fn(traceable_quantities)`` receives ``TraceableQuantities(loss,
    gradients, parameters, step, has_converged, convergence_criterion_state)``
    (``parameters``: snapshots of the variables) and its results are stacked over
    steps; the default traces the loss. ``variational_loss_fn(target_log_prob_fn,
    surrogate_posterior, sample_size=..., seed=...)`` replaces the default
    ``monte_carlo_variational_loss`` (with ``discrepancy_fn``).
    ``convergence_criterion`` is not supported (every step runs); pass None.

    >>> loc, raw_scale = wb.Variable(0.0), wb.Variable(0.0)
    >>> losses = fit_surrogate_posterior(lambda x: -0.5 * (x - 3.0) ** 2,
    ...     lambda: tfd.Normal(loc, wb.softplus(raw_scale)), wb.optimizers.Adam(0.1), num_steps=200, seed=1)
    """
    if convergence_criterion is not None:
        raise ValueError("fit_surrogate_posterior: convergence_criterion is not supported; run a fixed "
                         "num_steps and inspect the loss trace")
    num_steps = int(num_steps)
    if num_steps < 1:
        raise ValueError(f"fit_surrogate_posterior: num_steps must be at least 1, got {num_steps}")
    if not hasattr(optimizer, "apply_gradients"):
        raise TypeError("fit_surrogate_posterior: optimizer needs an apply_gradients(grads_and_vars) method, "
                        f"got {type(optimizer).__name__}")
    if variational_loss_fn is None:
        variational_loss_fn = functools.partial(monte_carlo_variational_loss, discrepancy_fn=discrepancy_fn,
                                                importance_sample_size=importance_sample_size)
    explicit = None if trainable_variables is None else list(trainable_variables)
    seeds = internal.split_seed(internal.sanitize_seed(seed), num_steps, salt="vi")
    traces = []
    for step in range(num_steps):
        with wb.GradientTape(watch_accessed_variables=explicit is None) as tape:
            if explicit is not None:
                tape.watch(explicit)
            loss = variational_loss_fn(target_log_prob_fn, surrogate_posterior, sample_size=sample_size,
                                       seed=seeds[step])
        variables = explicit if explicit is not None else list(tape.watched_variables())
        if not variables:
            raise ValueError("fit_surrogate_posterior: the loss reads no trainable variables; give the "
                             "surrogate wb.Variable parameters or pass trainable_variables")
        grads = tape.gradient(loss, variables)
        pairs = [(g, v) for g, v in zip(grads, variables) if g is not None]
        if not pairs:
            raise ValueError("fit_surrogate_posterior: no variable received a gradient from the loss")
        optimizer.apply_gradients(pairs)
        traces.append(trace_fn(TraceableQuantities(
            loss=loss, gradients=grads, parameters=[wb.identity(v) for v in variables],
            step=step, has_converged=None, convergence_criterion_state=None)))
    return stack_structure(traces)
