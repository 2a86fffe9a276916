"""TFP's ``tfp.experimental.mcmc``: the windowed adaptive samplers (``windowed_adaptive_nuts``,
``windowed_adaptive_hmc`` and their default trace functions, which live in ``probability.mcmc``)
and Stan's initialization (``init_near_unconstrained_zero``, ``retry_init``)."""

from __future__ import annotations

import numpy as np

import workbench as wb

from .. import bijectors as tfb
from .. import distributions as tfd
from ..internal import samplers
from ..mcmc.windowed_sampling import (default_hmc_trace_fn, default_nuts_trace_fn, windowed_adaptive_hmc,
                                      windowed_adaptive_nuts)

__all__ = ["windowed_adaptive_nuts", "windowed_adaptive_hmc", "default_nuts_trace_fn", "default_hmc_trace_fn",
           "init_near_unconstrained_zero", "retry_init"]


def _map(fn, *structures):
    """``fn`` over the leaves of like structures (lists, tuples, namedtuples, dicts; a shape is a leaf)."""
    first = structures[0]
    if isinstance(first, dict):
        return type(first)((k, _map(fn, *[s[k] for s in structures])) for k in first)
    if isinstance(first, (list, tuple)) and not isinstance(first, wb.TensorShape):
        items = [_map(fn, *parts) for parts in zip(*structures)]
        return type(first)(*items) if hasattr(first, "_fields") else type(first)(items)
    return fn(*structures)


def _flatten(structure):
    out = []
    _map(out.append, structure)
    return out


def _shape(s):
    return tuple(wb.TensorShape(s).as_list()) if s is not None else ()


def init_near_unconstrained_zero(model=None, constraining_bijector=None, event_shapes=None,
                                 event_shape_tensors=None, batch_shapes=None, batch_shape_tensors=None,
                                 dtypes=None, shard_axis_names=None):
    """Stan's initialization as TFP's: a distribution whose draws are uniform on ``[-2, 2]`` in each
    part's unconstrained space, pushed through ``constraining_bijector`` (by default the model's
    ``experimental_default_event_space_bijector()``): ``Sample(Uniform(-2, 2), event_shape)`` per
    part (batch-broadcast to its batch shape), joined in the model's structure and transformed.

    >>> init = init_near_unconstrained_zero(model)
    >>> states = init.sample(100, seed=(4, 8))
    """
    if model is not None:
        if constraining_bijector is None:
            constraining_bijector = model.experimental_default_event_space_bijector()
        if event_shapes is None:
            event_shapes = model.event_shape
        if dtypes is None:
            dtypes = model.dtype
        if batch_shapes is None:
            batch_shapes = model.batch_shape      # one shape, or one per part (broadcast below)
    elif constraining_bijector is None or event_shapes is None or dtypes is None:
        raise ValueError("Must pass either a Distribution (typically a JointDistribution), or a bijector, a "
                         "structure of event shapes, and a structure of dtypes")
    if batch_shapes is None:
        batch_shapes = ()
    if not isinstance(batch_shapes, (list, tuple, dict)) or isinstance(batch_shapes, wb.TensorShape) or (
            isinstance(batch_shapes, (list, tuple)) and all(isinstance(v, int) for v in batch_shapes)):
        batch_shapes = _map(lambda _, b=batch_shapes: b, dtypes)
    if isinstance(constraining_bijector, (list, tuple, dict)):     # a structure of bijectors, part by part
        constraining_bijector = tfb.JointMap(constraining_bijector)
    inv_shapes = constraining_bijector.inverse_event_shape(event_shapes)
    # the event-space bijectors keep dtypes (a structured one here has no inverse_dtype)
    inv_dtype = getattr(constraining_bijector, "inverse_dtype", None)
    inv_dtypes = inv_dtype(dtypes) if inv_dtype is not None else dtypes

    def one_term(event_shape, batch_shape, dtype):
        dtype = np.dtype(dtype)
        term = tfd.Sample(tfd.Uniform(low=wb.constant(-2.0, dtype=dtype), high=wb.constant(2.0, dtype=dtype)),
                          sample_shape=_shape(event_shape))
        batch = _shape(batch_shape)
        return tfd.BatchBroadcast(term, with_shape=batch) if batch else term

    terms = _map(one_term, inv_shapes, batch_shapes, inv_dtypes)
    unconstrained = tfb.pack_sequence_as(inv_shapes)(tfd.JointDistributionSequential(_flatten(terms)))
    return tfd.TransformedDistribution(unconstrained, bijector=constraining_bijector)


def _pick(good, new, old):
    """``new`` where ``good`` (the leading dims of ``new``), else ``old``."""
    mask = wb.reshape(good, tuple(good.shape) + (1,) * (new.ndim - good.ndim))
    return wb.where(mask, new, old)


def retry_init(proposal_fn, target_fn, *args, max_trials=50, seed=None, name=None, **kwargs):
    """Draws ``proposal_fn(*args, seed=..., **kwargs)`` until ``target_fn`` of each state (each
    batch member separately) is finite, as TFP's (bounded rejection: ``max_trials`` draws, then an
    InvalidArgumentError; ``None`` for no bound). A later draw that succeeds replaces an earlier one, as in
    TFP's batched Las Vegas loop, whose seed splitting this follows."""
    def trial(trial_seed):
        values = proposal_fn(*args, seed=trial_seed, **kwargs)
        return values, wb.math.is_finite(wb.convert_to_tensor(target_fn(values)))

    init_seed, loop_seed = samplers.split_seed(samplers.sanitize_seed(seed))
    values, good = trial(init_seed)
    trials = 1
    while not bool(wb.reduce_all(good)) and (max_trials is None or trials < max_trials):
        trial_seed, loop_seed = samplers.split_seed(loop_seed)
        new_values, new_good = trial(trial_seed)
        values = _map(lambda n, o, g=new_good: _pick(g, n, o), new_values, values)
        good = good | new_good
        trials += 1
    values = _map(wb.stop_gradient, values)
    if max_trials is not None and not bool(wb.reduce_all(good)):
        n, ok = int(np.prod(good.shape)), int(wb.reduce_sum(wb.cast(good, wb.int32)))
        raise wb.errors.InvalidArgumentError(f"Failed to find acceptable initial states after {max_trials} trials;\n"
                         f"{n - ok} of {n} states have non-finite log probability")
    return values
