"""Monte Carlo variational losses: discrepancy functions and their expectation under a surrogate."""

from __future__ import annotations

import math

import workbench as wb
from workbench.core import Tensor

from .. import internal
from ..distributions.distribution import FULLY_REPARAMETERIZED, Distribution
from .csiszar import kl_forward, kl_reverse  # noqa: F401

# kl_reverse and kl_forward live with the other Csiszar functions; imported here, where they were first
__all__ = ["monte_carlo_variational_loss"]


def resolve_surrogate(surrogate_posterior):
    """The surrogate distribution: the object itself, or the result of calling a zero-argument
    builder (so parameters derived from variables, like ``wb.softplus(raw_scale)``, are
    recomputed under the caller's tape)."""
    if isinstance(surrogate_posterior, Distribution):
        return surrogate_posterior
    if callable(surrogate_posterior):
        q = surrogate_posterior()
        if not hasattr(q, "sample") or not hasattr(q, "log_prob"):
            raise TypeError("surrogate_posterior: a callable surrogate must return a distribution, "
                            f"got {type(q).__name__}")
        return q
    if hasattr(surrogate_posterior, "sample") and hasattr(surrogate_posterior, "log_prob"):
        return surrogate_posterior
    raise TypeError("surrogate_posterior must be a distribution or a callable returning one, "
                    f"got {type(surrogate_posterior).__name__}")


def _call_target(target_log_prob_fn, samples):
    if isinstance(samples, dict):
        return target_log_prob_fn(**samples)
    if isinstance(samples, (list, tuple)):
        return target_log_prob_fn(*samples)
    return target_log_prob_fn(samples)


def monte_carlo_variational_loss(target_log_prob_fn, surrogate_posterior, sample_size=1, importance_sample_size=1,
                                 discrepancy_fn=kl_reverse, use_reparameterization=None, seed=None, name=None):
    """``E_q[f(p(x) / q(x))]`` estimated with ``sample_size`` draws from the surrogate ``q``.

    With the default ``discrepancy_fn=kl_reverse`` this is ``E_q[log q(x) - log p(x)]``,
    the negative evidence lower bound (ELBO) when ``target_log_prob_fn`` is an
    unnormalized log joint. ``target_log_prob_fn`` receives the draws (shape
    ``[sample_size] + batch_shape + event_shape``; a list or dict of draws is
    passed as positional or keyword arguments) and returns their log-densities.

    Gradients: with a reparameterized surrogate (``use_reparameterization=None``
    picks it from ``q.reparameterization_type``) the draws carry gradients to the
    surrogate's variables; otherwise the score-function estimator is used, whose
    value equals the loss and whose gradient is
    ``E[grad f + f * grad log q]``. ``importance_sample_size = K > 1`` averages
    the density ratio over ``K`` draws inside ``f`` (the importance-weighted
    bound; needs reparameterization).

    The loss is averaged over the draws; a batch of surrogates gives a batch of losses.

    >>> q = tfd.Normal(loc=wb.Variable(0.0), scale=1.0)
    >>> loss = monte_carlo_variational_loss(lambda x: -0.5 * x * x, q, sample_size=10, seed=1)
    """
    q = resolve_surrogate(surrogate_posterior)
    if use_reparameterization is None:
        # a joint distribution reports one type per part: reparameterized only if every part is
        rtype = q.reparameterization_type
        rtypes = wb.nest.flatten(rtype) if isinstance(rtype, (list, tuple, dict)) else [rtype]
        use_reparameterization = all(r is FULLY_REPARAMETERIZED for r in rtypes)
    sample_size = int(sample_size)
    k = int(importance_sample_size)
    if sample_size < 1 or k < 1:
        raise ValueError("monte_carlo_variational_loss: sample_size and importance_sample_size must be >= 1")
    seed = internal.sanitize_seed(seed)
    shape = (k, sample_size) if k > 1 else (sample_size,)
    if k > 1 and not use_reparameterization:
        raise ValueError("monte_carlo_variational_loss: importance_sample_size > 1 needs a reparameterized "
                         "surrogate (use_reparameterization=True)")
    draws = q.sample(shape, seed=seed)
    if not use_reparameterization:
        draws = wb.nest.map_structure(wb.stop_gradient, draws) if isinstance(draws, (list, tuple, dict)) \
            else wb.stop_gradient(draws)
    q_log_prob = q.log_prob(draws)
    target = _call_target(target_log_prob_fn, draws)
    if not isinstance(target, Tensor):
        target = wb.convert_to_tensor(target, dtype=q_log_prob.dtype)
    logu = target - q_log_prob
    if k > 1:
        logu = wb.reduce_logsumexp(logu, axis=0) - math.log(k)
    f = discrepancy_fn(logu)
    if not use_reparameterization:
        # score function: same value, gradient E[grad f + f * grad log q]
        f = f + wb.stop_gradient(f) * (q_log_prob - wb.stop_gradient(q_log_prob))
    return wb.reduce_mean(f, axis=0)
