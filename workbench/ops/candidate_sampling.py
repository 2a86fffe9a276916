"""TF's candidate samplers (``tf.random.*_candidate_sampler``, also in ``tf.nn``): draws of
``num_sampled`` class ids from a distribution over ``[0, range_max)`` (fixed, or for
``learned_unigram`` learned from the true classes) and each id's expected count, for sampled
losses.

Each returns ``(sampled_candidates int64 [num_sampled], true_expected_count float32
[batch, num_true], sampled_expected_count float32 [num_sampled])``. Without ``unique`` an id's
expected count is ``p * num_sampled``; with ``unique`` the draws go on until ``num_sampled``
distinct ids came up, after ``n`` draws, and the count is ``1 - (1 - p)^n`` (``p * n`` when no
id repeated, ``n == num_sampled``), as TF. The draws
come from the library's generators (``seed`` as ``tf.random``'s op seeds); they are not TF's
draws.
"""

from __future__ import annotations

import csv
import math

import numpy as np

from ..core import convert_to_tensor
from ..errors import InvalidArgumentError

__all__ = ["all_candidate_sampler", "fixed_unigram_candidate_sampler", "learned_unigram_candidate_sampler",
           "log_uniform_candidate_sampler", "uniform_candidate_sampler"]


def _true(true_classes, num_true, range_max, opname):
    t = np.asarray(convert_to_tensor(true_classes).numpy())
    if t.dtype.kind not in "iu" or t.ndim != 2:
        raise InvalidArgumentError(f"{opname}: true_classes must be an integer [batch_size, num_true] "
                                   f"matrix, got {t.dtype} of shape {t.shape}")
    if t.shape[1] != int(num_true):
        raise InvalidArgumentError(f"{opname}: true_classes must have num_true columns, expected: "
                                   f"{t.shape[1]} was: {num_true}")
    bad = t[(t < 0) | (t >= range_max)]
    if bad.size:
        raise InvalidArgumentError(f"{opname}: `true_candidate` out of range [0, {range_max}), received "
                                   f"{int(bad.flat[0])}")
    return t.astype(np.int64)


def _sample(probs, num_sampled, unique, seed, opname):
    """``(ids, draws)``: ``num_sampled`` ids from ``probs`` (distinct ones with ``unique``,
    drawing until that many came up) and the number of draws made."""
    from ..random import op_generator   # noqa: PLC0415  (random imports the op modules)
    if num_sampled < 1:
        raise InvalidArgumentError(f"{opname}: num_sampled must be positive, got {num_sampled}")
    if unique and num_sampled > int(np.count_nonzero(probs)):
        raise InvalidArgumentError(f"{opname}: Sampler's range is too small: {num_sampled} unique "
                                   f"candidates asked of {int(np.count_nonzero(probs))} possible")
    cdf = np.cumsum(probs)
    cdf /= cdf[-1]
    gen = op_generator(seed)

    def draw(n):
        u = np.asarray(gen.uniform([n], 0.0, 1.0, np.float64).numpy())
        return np.minimum(np.searchsorted(cdf, u, side="right"), len(cdf) - 1)
    if not unique:
        return draw(num_sampled).astype(np.int64), num_sampled
    seen, ids, tries = set(), [], 0
    while len(ids) < num_sampled:
        for v in draw(max(2 * num_sampled, 16)):
            tries += 1
            if int(v) not in seen:
                seen.add(int(v))
                ids.append(int(v))
                if len(ids) == num_sampled:
                    break
    return np.asarray(ids, np.int64), tries


def _expected(p, num_sampled, unique, tries):
    p = np.asarray(p, np.float64)
    if unique and tries != num_sampled:   # no repeats drawn: TF's count is then p * num_sampled
        return (-np.expm1(tries * np.log1p(-np.minimum(p, 1.0)))).astype(np.float32)
    return (p * num_sampled).astype(np.float32)


def _run(true_classes, num_true, num_sampled, unique, probs, seed, opname):
    t = _true(true_classes, num_true, len(probs), opname)
    ids, tries = _sample(probs, int(num_sampled), bool(unique), seed, opname)
    return (convert_to_tensor(ids), convert_to_tensor(_expected(probs[t], num_sampled, unique, tries)),
            convert_to_tensor(_expected(probs[ids], num_sampled, unique, tries)))


def _range(range_max, opname):
    r = int(range_max)
    if r < 1:
        raise InvalidArgumentError(f"{opname}: range_max must be positive, got {range_max}")
    return r


def uniform_candidate_sampler(true_classes, num_true, num_sampled, unique, range_max, seed=None, name=None):
    """Ids drawn uniformly from ``[0, range_max)``."""
    r = _range(range_max, "uniform_candidate_sampler")
    return _run(true_classes, num_true, num_sampled, unique, np.full(r, 1.0 / r), seed,
                "uniform_candidate_sampler")


def log_uniform_candidate_sampler(true_classes, num_true, num_sampled, unique, range_max, seed=None, name=None):
    """Ids drawn from the Zipfian ``P(k) = log((k + 2) / (k + 1)) / log(range_max + 1)``
    (for ids sorted by decreasing frequency)."""
    r = _range(range_max, "log_uniform_candidate_sampler")
    k = np.arange(r, dtype=np.float64)
    probs = (np.log(k + 2) - np.log(k + 1)) / math.log(r + 1)
    return _run(true_classes, num_true, num_sampled, unique, probs, seed, "log_uniform_candidate_sampler")


def fixed_unigram_candidate_sampler(true_classes, num_true, num_sampled, unique, range_max, vocab_file="",
                                    distortion=1.0, num_reserved_ids=0, num_shards=1, shard=0, unigrams=(),
                                    seed=None, name=None):
    """Ids drawn in proportion to ``unigrams`` (or the last column of each line of the CSV
    ``vocab_file``) raised to ``distortion``. The first ``num_reserved_ids`` ids have weight
    0 and the unigrams follow; with ``num_shards``, only the ids ``i`` with ``i % num_shards ==
    shard`` are kept and renumbered, and ``range_max`` must equal how many remain, as TF."""
    opname = "fixed_unigram_candidate_sampler"
    if bool(vocab_file) == bool(len(unigrams)):
        raise InvalidArgumentError(f"{opname}: give exactly one of vocab_file and unigrams")
    if vocab_file:
        with open(vocab_file, newline="") as f:
            counts = [float(row[-1]) for row in csv.reader(f) if row]
    else:
        counts = [float(u) for u in unigrams]
    num_shards, shard = int(num_shards), int(shard)
    if num_shards < 1 or not 0 <= shard < num_shards:
        raise InvalidArgumentError(f"{opname}: need 0 <= shard < num_shards, got shard={shard}, "
                                   f"num_shards={num_shards}")
    weights = [0.0] * int(num_reserved_ids) + [c ** float(distortion) for c in counts]
    weights = np.asarray([w for i, w in enumerate(weights) if i % num_shards == shard], np.float64)
    if int(range_max) != len(weights):
        raise InvalidArgumentError(f"{opname}: range is {int(range_max)} must be equal to weights size  "
                                   f"{len(weights)}")
    if weights.sum() <= 0:
        raise InvalidArgumentError(f"{opname}: the unigram weights sum to 0")
    return _run(true_classes, num_true, num_sampled, unique, weights / weights.sum(), seed, opname)


# The learned samplers' counts, one per seeded op (TF keeps them in the op's kernel, which eager
# execution caches by the op's attributes, the seed among them; an unseeded call gets a new one).
_LEARNED: dict = {}


def learned_unigram_candidate_sampler(true_classes, num_true, num_sampled, unique, range_max, seed=None,
                                      name=None):
    """Ids drawn from a unigram distribution learned from the true classes: every id starts
    with weight 1, and after each call every id seen in ``true_classes`` gains 1 per time seen.
    As in TF the weights live with the op: calls with the same ``seed`` and arguments share
    them, an unseeded call starts afresh."""
    opname = "learned_unigram_candidate_sampler"
    r = _range(range_max, opname)
    t = _true(true_classes, num_true, r, opname)
    key = None if seed is None else (int(seed), int(num_true), int(num_sampled), bool(unique), r)
    counts = _LEARNED.get(key) if key is not None else None
    if counts is None:
        counts = np.ones(r, np.float64)
        if key is not None:
            _LEARNED[key] = counts
    probs = counts / counts.sum()
    ids, tries = _sample(probs, int(num_sampled), bool(unique), seed, opname)
    out = (convert_to_tensor(ids), convert_to_tensor(_expected(probs[t], num_sampled, unique, tries)),
           convert_to_tensor(_expected(probs[ids], num_sampled, unique, tries)))
    np.add.at(counts, t.reshape(-1), 1.0)
    return out


def all_candidate_sampler(true_classes, num_true, num_sampled, unique, seed=None, name=None):
    """Every id of ``[0, num_sampled)``, each with expected count 1 (for testing)."""
    opname = "all_candidate_sampler"
    n = _range(num_sampled, opname)
    t = _true(true_classes, num_true, n, opname)
    return (convert_to_tensor(np.arange(n, dtype=np.int64)), convert_to_tensor(np.ones(t.shape, np.float32)),
            convert_to_tensor(np.ones(n, np.float32)))
