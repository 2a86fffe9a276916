"""Helpers shared by the transition kernels: multi-part states, per-chain selection, gradients.

A chain state is a Tensor or a list of Tensors ("state parts"). The leading
dimensions of every part index independent chains; ``target_log_prob_fn``
reduces the rest and returns one log-density per chain, so the rank of its
result is the number of chain dimensions.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

import workbench as wb
from workbench import backend, core, nest
from workbench.core import Tensor

from .. import internal as _pinternal


def is_list_like(x):
    return isinstance(x, (list, tuple))


def as_list(x):
    """State parts as a list (a lone Tensor becomes a list of one)."""
    return list(x) if is_list_like(x) else [x]


def like_input(parts, original):
    """``parts`` in the structure the user gave: a list for a list, the Tensor otherwise."""
    return list(parts) if is_list_like(original) else parts[0]


def float_parts(state, owner):
    """The state parts as floating Tensors (Python floats become float32, as in TF)."""
    parts = []
    for i, s in enumerate(as_list(state)):
        t = s if isinstance(s, Tensor) else wb.convert_to_tensor(np.asarray(s) if is_list_like(s) else s)
        if t.dtype.kind != "f":
            raise TypeError(f"{owner}: state part {i} has dtype {t.dtype}; MCMC states must be "
                            "floating point (cast integers with wb.cast)")
        parts.append(t)
    return parts


def call_fn(fn, parts):
    """``fn(*parts)``, TFP's calling convention for a target over state parts."""
    value = fn(*parts)
    if not isinstance(value, Tensor):
        value = wb.convert_to_tensor(value, dtype=parts[0].dtype)
    return value


def call_fn_and_grads(fn, parts, owner="target_log_prob_fn", check=False):
    """``(fn(*parts), [d sum(fn) / d part for part in parts])``, through ``wb.GradientTape``.

    Chains are independent, so the gradient of the sum over chains is each chain's
    own gradient. With ``check=True`` (bootstrap) the result's shape is validated and
    a state part the target ignores raises, as in TFP.
    """
    with wb.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(parts)
        value = call_fn(fn, parts)
    if not check:
        # None for an unconnected part, then zeros: a wb.function trace plans this reverse
        # walk once (it does not plan unconnected_gradients="zero")
        grads = tape.gradient(value, parts)
        return value, [wb.zeros_like(p) if g is None else g for p, g in zip(parts, grads)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        grads = tape.gradient(value, parts)
    for i, (p, g) in enumerate(zip(parts, grads)):
        if g is None:
            raise ValueError(f"{owner}: the gradient with respect to state part {i} (shape {p.shape}) "
                             "is None: the log-density does not depend on it through workbench ops "
                             "(was it computed with NumPy, or is the part unused?)")
    check_log_prob(value, parts, owner)
    return value, grads


def check_log_prob(value, parts, owner):
    """The target must give one log-density per chain: its shape is a prefix of every part's shape."""
    if value.dtype.kind != "f":
        raise TypeError(f"{owner}: returned dtype {value.dtype}; expected a floating log-density")
    for i, p in enumerate(parts):
        if tuple(p.shape[:value.ndim]) != tuple(value.shape):
            raise ValueError(f"{owner}: returned shape {value.shape}, which is not the leading (chain) "
                             f"shape of state part {i} (shape {p.shape}); the target must reduce every "
                             "non-chain dimension and return one log-density per chain")


# ---------------------------------------------------------------------------
# per-chain values against state parts


def expand_like(x, part):
    """A per-chain value (shape ``chain_shape``) reshaped to broadcast against ``part``."""
    extra = part.ndim - x.ndim
    return x if extra <= 0 else wb.reshape(x, tuple(x.shape) + (1,) * extra)


def sum_event(x, chain_ndims):
    """Sum every dimension after the chain dimensions."""
    axes = list(range(chain_ndims, x.ndim))
    return wb.reduce_sum(x, axis=axes) if axes else x


def choose(is_accepted, accepted, rejected):
    """Select per chain between two structures (namedtuples, lists, tensors).

    Leaves that are the same object in both (a step size, a Python int) are kept;
    Tensors are chosen with ``where`` after giving ``is_accepted`` trailing ones. Run eagerly
    with no tape watching, a mask that is the same for every chain picks a whole side (equal
    shapes) without a ``where`` per leaf (NUTS chooses many structures per leaf, mostly with
    every chain alive).
    """
    masks = {}
    if isinstance(is_accepted, Tensor) and not core.tracing() and not core.tapes() and not core.accumulators():
        flags = np.asarray(is_accepted.numpy())
        masks["all"] = True if flags.all() else False if not flags.any() else None
    return _choose(is_accepted, accepted, rejected, masks)


def _choose(is_accepted, accepted, rejected, masks):
    if accepted is rejected:
        return accepted
    if hasattr(accepted, "_fields"):
        return type(accepted)(*[_choose(is_accepted, a, r, masks) for a, r in zip(accepted, rejected)])
    if is_list_like(accepted):
        return type(accepted)(_choose(is_accepted, a, r, masks) for a, r in zip(accepted, rejected))
    if not isinstance(accepted, Tensor) or not isinstance(rejected, Tensor):
        return accepted
    if accepted.ndim < is_accepted.ndim:
        # not a per-chain value (e.g. a scalar that changed): keep the newer one
        return accepted
    same = masks.get("all")
    if same is not None and accepted.shape == rejected.shape and accepted.dtype == rejected.dtype:
        return accepted if same else rejected
    mask = masks.get(accepted.ndim)
    if mask is None:
        # one reshaped mask per rank, shared by every leaf of that rank
        mask = masks[accepted.ndim] = expand_like(is_accepted, accepted)
    return wb.where(mask, accepted, rejected)


def log_mean_exp(x, axis):
    """``log(mean(exp(x)))`` over ``axis`` (a list; empty: unchanged), computed stably."""
    if not axis:
        return x
    n = int(np.prod([x.shape[a] for a in axis]))
    return wb.reduce_logsumexp(x, axis=list(axis)) - math.log(n)


def nan_to_neg_inf(x):
    """NaN log-ratios (a proposal where the target is undefined) count as rejections."""
    return wb.where(wb.math.is_nan(x), -np.inf, x)


def as_float_tensor(value, dtype, name, owner):
    """A hyperparameter (step size) as a Tensor of the state's dtype."""
    if isinstance(value, Tensor):
        if value.dtype != dtype:
            value = wb.cast(value, dtype)
        return value
    try:
        return wb.constant(np.asarray(value, dtype=dtype))
    except (TypeError, ValueError):
        raise TypeError(f"{owner}: `{name}` must be a float or a Tensor, got {value!r}") from None


def broadcast_parts(value, num_parts, name, owner):
    """A per-part hyperparameter list: one value for every part, or a list with one per part."""
    if is_list_like(value):
        if len(value) != num_parts:
            raise ValueError(f"{owner}: `{name}` has {len(value)} entries but the state has "
                             f"{num_parts} parts")
        return list(value)
    return [value] * num_parts


def seed_stream(seed, n, salt):
    """``n`` stateless seed pairs for one kernel step (fresh ones when ``seed`` is None)."""
    return _pinternal.split_seed(_pinternal.sanitize_seed(seed), n, salt=salt)


def stack_structure(items):
    """Stack a list of equal structures leaf-wise along a new leading axis (None leaves stay None)."""
    first = items[0]
    flats = [nest.flatten(it) for it in items]
    stacked = []
    for j, leaf in enumerate(flats[0]):
        if leaf is None:
            stacked.append(None)
            continue
        column = [f[j] for f in flats]
        if not isinstance(leaf, Tensor):
            dtype = np.float32 if isinstance(leaf, float) else None
            column = [wb.convert_to_tensor(c, dtype=dtype) for c in column]
        stacked.append(_stack(column))
    return nest.pack_sequence_as(first, stacked)


def _stack(column):
    """``wb.stack(column)``; straight on the arrays when no tape records (thousands of draws)."""
    if core.tapes() or core.accumulators() or core.tracing() or len(column) < 2:
        return wb.stack(column, axis=0)
    arrays = [t._data for t in column]
    shape, dtype = arrays[0].shape, arrays[0].dtype
    if any(a.shape != shape or a.dtype != dtype for a in arrays):
        return wb.stack(column, axis=0)   # its error names the mismatch
    return wb.convert_to_tensor(backend.xp_of(arrays[0]).stack(arrays))
