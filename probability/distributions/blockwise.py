"""Blockwise: several distributions (or the parts of a joint distribution) as one vector."""

from __future__ import annotations

import numpy as np

import workbench as wb

from .distribution import NOT_REPARAMETERIZED, Distribution, _batch_key
from .joint_distribution import JointDistribution, JointDistributionSequential
from .kullback_leibler import RegisterKL, kl_divergence
from .markov_chain import _flatten, _unflatten

__all__ = ["Blockwise"]


class Blockwise(Distribution):
    """``Blockwise(distributions)``: a draw is the concatenation of the parts' draws, each flattened
    to a vector; the event shape is ``[sum of the parts' event sizes]``.

    ``distributions``: a list of distributions with one batch shape, or one ``JointDistribution``
    (its parts in ``tf.nest`` order: list order, sorted dict keys). The parts share a dtype unless
    ``dtype_override`` casts the draws (``log_prob`` casts each block back, and each part's
    log-density to ``dtype_override``, as TFP). ``log_prob`` and ``entropy`` are the parts' sums,
    ``mean`` the concatenated means.

    >>> d = Blockwise([Independent(Normal(wb.zeros(4), 1.0), 1), MultivariateNormalTriL(scale_tril=wb.eye(2))])
    >>> d.event_shape, d.sample([2, 1], seed=1).shape
    ((6,), (2, 1, 6))
    """

    def __init__(self, distributions, dtype_override=None, validate_args=False, allow_nan_stats=False,
                 name="Blockwise"):
        parameters = dict(locals())
        owner = "Blockwise"
        self._distributions = distributions
        if isinstance(distributions, JointDistribution):
            self._joint = distributions
            self._structure = distributions.event_shape
            shapes, dtypes = _flatten(distributions.event_shape), _flatten(distributions.dtype)
            batches = _flatten(distributions.batch_shape)
            reps = _flatten(distributions.reparameterization_type)
        else:
            parts = list(distributions) if isinstance(distributions, (list, tuple)) else None
            if not parts or not all(isinstance(d, Distribution) for d in parts):
                raise TypeError(f"{owner}: `distributions` must be a non-empty list of distributions or a "
                                f"JointDistribution, got {distributions!r}")
            self._joint = None
            shapes, dtypes = [d.event_shape for d in parts], [d.dtype for d in parts]
            batches, reps = [d.batch_shape for d in parts], [d.reparameterization_type for d in parts]
        self._event_shapes = [tuple(s) for s in shapes]
        self._part_dtypes = [np.dtype(d) for d in dtypes]
        if any(tuple(b) != tuple(batches[0]) for b in batches):
            raise ValueError(f"{owner}: the distributions must have the same batch_shape; found "
                             f"{[list(b) for b in batches]}")
        self._batch = tuple(batches[0])
        if dtype_override is not None:
            dtype = np.dtype(dtype_override)
        else:
            if len(set(self._part_dtypes)) > 1:
                raise TypeError(f"{owner}: the distributions must have the same dtype (or give `dtype_override`); "
                                f"found {[str(d) for d in self._part_dtypes]}")
            dtype = self._part_dtypes[0]
        self._dtype_override = dtype_override
        rep = reps[0] if all(r is reps[0] for r in reps) else NOT_REPARAMETERIZED
        super().__init__(dtype, rep, validate_args, allow_nan_stats, parameters, name)

    @property
    def distributions(self):
        return self._distributions

    @property
    def experimental_is_sharded(self):
        return False

    def _batch_shape(self):
        return self._batch

    def _sizes(self):
        return [int(np.prod(s)) for s in self._event_shapes]

    def _event_shape(self):
        return (sum(self._sizes()),)

    # -- blocks <-> parts -------------------------------------------------------------------
    def _split(self, x):
        """The value's blocks, reshaped to the parts' event shapes and dtypes."""
        sizes = self._sizes()
        if x.ndim < 1 or x.shape[-1] != sum(sizes):
            raise ValueError(f"Blockwise: the value has shape {list(x.shape)}; its last dimension must be "
                             f"{sum(sizes)} (the parts' event sizes {sizes} added up)")
        parts, start = [], 0
        for size, shape, dtype in zip(sizes, self._event_shapes, self._part_dtypes):
            block = wb.reshape(x[..., start:start + size], tuple(x.shape[:-1]) + shape)
            parts.append(block if block.dtype == dtype else wb.cast(block, dtype))
            start += size
        return parts

    def _concat(self, parts):
        """The parts flattened to vectors (in the distribution's dtype) and concatenated."""
        flat = []
        for part, shape in zip(parts, self._event_shapes):
            part = wb.reshape(part, tuple(part.shape[:part.ndim - len(shape)]) + (-1,))
            flat.append(part if part.dtype == self.dtype else wb.cast(part, self.dtype))
        return wb.concat(flat, axis=-1)

    # -- methods ---------------------------------------------------------------------------
    def _log_prob(self, x):
        parts = self._split(x)
        if self._joint is not None:
            return self._joint.log_prob(_unflatten(self._structure, parts))
        total = None
        for d, part in zip(self._distributions, parts):
            lp = self._in_dtype(d.log_prob(part))
            total = lp if total is None else total + lp
        return total

    def _in_dtype(self, t):
        """A part's value in the distribution's dtype (as TFP, ``dtype_override`` rules the sums)."""
        return t if t.dtype == self.dtype else wb.cast(t, self.dtype)

    _sample_n_takes_any_seed = True   # the joint distribution takes the seed as given

    def _sample_n(self, n, seed):
        # as TFP, a list of parts draws as the JointDistributionSequential of them
        joint = self._joint if self._joint is not None else JointDistributionSequential(list(self._distributions))
        return self._concat(_flatten(joint.sample(n, seed=seed)))

    def _mean(self):
        if self._joint is not None:
            raise self._missing("mean")
        return self._concat([d.mean() for d in self._distributions])

    def _entropy(self):
        if self._joint is not None:
            return self._joint.entropy()
        total = None
        for d in self._distributions:
            h = self._in_dtype(d.entropy())
            total = h if total is None else total + h
        return total

    def _default_event_space_bijector(self):
        from .. import bijectors as tfb  # circular import: bijectors builds distributions in __call__
        if self._joint is not None:
            raise NotImplementedError("Blockwise of a JointDistribution has no default event space bijector here; "
                                      "give a list of distributions")
        bijectors, sizes = [], []
        for d, shape in zip(self._distributions, self._event_shapes):
            b = d.experimental_default_event_space_bijector()
            if b is None:
                return None
            if len(shape) > 1:
                raise NotImplementedError(f"Blockwise: the default event space bijector needs parts with scalar or "
                                          f"vector events, {d.name} has event shape {list(shape)}")
            bijectors.append(b)
            sizes.append(int(np.prod(b.inverse_event_shape(shape))) if shape else 1)
        return tfb.Blockwise(bijectors, block_sizes=sizes, validate_args=self._validate_args)

    def __getitem__(self, slices):
        key = _batch_key(slices if isinstance(slices, tuple) else (slices,), len(self._batch), 0)
        if self._joint is not None:
            raise NotImplementedError("Blockwise of a JointDistribution does not support batch slicing")
        return self.copy(distributions=[d[key] for d in self._distributions])


@RegisterKL(Blockwise, Blockwise)
def _kl_blockwise_blockwise(a, b, name=None):
    """The sum of the parts' KLs (lists of distributions, part by part)."""
    if a._joint is not None or b._joint is not None or len(a.distributions) != len(b.distributions):
        raise NotImplementedError("KL(Blockwise || Blockwise) needs two lists of distributions of the same length")
    total = None
    for p, q in zip(a.distributions, b.distributions):
        kl = kl_divergence(p, q)
        total = kl if total is None else total + kl
    return total
