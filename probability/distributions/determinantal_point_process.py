"""The determinantal point process: random subsets of ``n`` items that repel one another."""

from __future__ import annotations

import numpy as np

import workbench as wb
from workbench.core import Tensor

from .. import internal
from ..math.cholesky import gram_schmidt
from .bernoulli import Bernoulli
from .categorical import Categorical
from .distribution import NOT_REPARAMETERIZED, Distribution

__all__ = ["DeterminantalPointProcess"]


class DeterminantalPointProcess(Distribution):
    """``DeterminantalPointProcess(eigenvalues, eigenvectors)``: a subset ``S`` of ``n`` items (an int32
    multi-hot vector ``[n]``) with ``Pr(S) = det(L_S) / det(I + L)``, ``L = U diag(eigenvalues) U^T``
    (``eigenvalues`` ``[..., n]``, positive; ``eigenvectors`` ``U`` ``[..., n, n]``, orthonormal columns).

    ``marginal_log_prob(S)`` is ``log det(K_S)`` with the marginal kernel ``K = L (I + L)^{-1}``, the log
    probability that a draw contains ``S``. Draws follow Hough et al. (2006): eigenvector ``i`` is kept
    with probability ``eigenvalues[i] / (1 + eigenvalues[i])``, then the items are chosen one at a time
    from the projection onto the kept eigenvectors (on the host, in float64). As TFP, no mean, mode or
    entropy, and ``allow_nan_stats=False`` by default.

    >>> d = DeterminantalPointProcess([1.0, 2.0], [[1.0, 0.0], [0.0, 1.0]])
    >>> round(float(d.log_prob([1, 1])), 4)      # log(1 * 2 / (2 * 3))
    -1.0986
    """

    _param_event_ndims = {"eigenvalues": 1, "eigenvectors": 2}
    _param_constraints = {"eigenvalues": "positive"}
    _support = "binary"

    @classmethod
    def parameter_properties(cls, dtype=np.float32, num_classes=None):
        from .. import bijectors as tfb  # circular import: bijectors builds distributions in __call__
        props = super().parameter_properties(dtype, num_classes)
        eps = float(np.finfo(np.dtype(dtype)).eps)
        props["eigenvalues"] = props["eigenvalues"]._replace(
            default_constraining_bijector_fn=lambda: tfb.Softplus(low=eps))
        return props

    def __init__(self, eigenvalues, eigenvectors, validate_args=False, allow_nan_stats=False,
                 name="DeterminantalPointProcess"):
        parameters = dict(locals())
        owner = "DeterminantalPointProcess"
        dtype = internal.common_dtype([eigenvalues, eigenvectors])
        self._eigenvalues = internal.as_param(eigenvalues, "eigenvalues", dtype, owner)
        self._eigenvectors = internal.as_param(eigenvectors, "eigenvectors", dtype, owner)
        lam, vec = self._eigenvalues, self._eigenvectors
        if lam.ndim < 1:
            raise ValueError(f"{owner}: argument `eigenvalues` must be [..., n], got a scalar")
        if vec.ndim < 2 or tuple(vec.shape[-2:]) != (lam.shape[-1], lam.shape[-1]):
            raise ValueError(f"{owner}: argument `eigenvectors` must be [..., n, n] with n = {lam.shape[-1]} (the "
                             f"number of eigenvalues), got shape {list(vec.shape)}")
        self._float_dtype = dtype
        super().__init__(np.int32, NOT_REPARAMETERIZED, validate_args, allow_nan_stats, parameters, name)
        self._batch_shape()   # the parameters must broadcast: fail here, naming their shapes

    @property
    def eigenvalues(self):
        return self._eigenvalues

    @property
    def eigenvectors(self):
        return self._eigenvectors

    def _n(self):
        return int(self._eigenvalues.shape[-1])

    def _event_shape(self):
        return (self._n(),)

    def _default_event_space_bijector(self, *args, **kwargs):
        return None   # a discrete family

    def _kernel(self, spectrum):
        """``U diag(spectrum) U^T``."""
        u = self._eigenvectors
        return wb.matmul(u * wb.expand_dims(spectrum, -2), u, transpose_b=True)

    def l_ensemble_matrix(self, name=None):
        """``L = U diag(eigenvalues) U^T``, ``[..., n, n]``."""
        return self._kernel(self._eigenvalues)

    def marginal_kernel(self, name=None):
        """``K = L (I + L)^{-1} = U diag(eigenvalues / (1 + eigenvalues)) U^T``."""
        lam = self._eigenvalues
        return self._kernel(lam / (1.0 + lam))

    def _log_normalization(self):
        return wb.reduce_sum(wb.log1p(self._eigenvalues), axis=-1)

    @staticmethod
    def _log_det_subset(matrix, x):
        """``log det(matrix_S)`` for the items ``x`` selects: the determinant of ``matrix`` masked to
        ``S`` with ones on the diagonal elsewhere (0 for the empty set)."""
        s = wb.cast(x, matrix.dtype)
        outer = wb.expand_dims(s, -1) * wb.expand_dims(s, -2)
        masked = matrix * outer + wb.linalg.diag(1.0 - s)
        return wb.linalg.logdet(masked)

    def _value(self, x, method):
        if self._validate_args:
            message = (f"DeterminantalPointProcess.{method}: the value must be a multi-hot vector of 0s and 1s "
                       "(the items in the subset)")
            if isinstance(x, Tensor) and not wb.executing_eagerly():
                # inside a wb.function: checked by an op, so the function still replays
                internal.assert_all(wb.math.equal(x, 0) | wb.math.equal(x, 1), message)
            else:
                arr = np.asarray(x.numpy() if isinstance(x, Tensor) else x)
                if not np.all((arr == 0) | (arr == 1)):
                    raise ValueError(f"{message}, got {arr!r}")
        return super()._value(x, method)

    def _log_prob(self, x):
        return self._log_det_subset(self.l_ensemble_matrix(), x) - self._log_normalization()

    def marginal_log_prob(self, value, name=None):
        """``log det(K_S)``: the log probability that a draw contains the subset ``value``."""
        x = self._value(value, "marginal_log_prob")
        return self._log_det_subset(self.marginal_kernel(), x)

    _sample_n_takes_any_seed = True

    def _sample_n(self, n, seed):
        # TFP's two steps: pick an elementary DPP (eigenvector j kept with probability
        # lam_j / (1 + lam_j), a Bernoulli draw at logits log(lam)), then draw its items
        indices_seed, edpp_seed = internal.split_seed(seed, 2)
        batch = tuple(self.batch_shape)
        items = self._n()
        logits = wb.broadcast_to(wb.log(self._eigenvalues), batch + (items,))
        keep = Bernoulli(logits=logits).sample(n, seed=indices_seed)
        vecs = wb.broadcast_to(self._eigenvectors, (n,) + batch + (items, items))
        return _sample_from_edpp(vecs, keep, edpp_seed)


def _sample_from_edpp(eigenvectors, keep, seed):
    """Items drawn from the elementary DPPs spanned by the kept eigenvectors (``keep`` ``[..., n]``,
    eigenvectors in the columns of ``[..., d, n]``), as TFP draws them: the kept columns moved to
    the front; each round, for the members still drawing, an item picked with probability
    proportional to its squared row norm (a Categorical at the log of those norms, on a new split
    of ``seed``), then the basis replaced by an orthonormal basis of its part vanishing at that item."""
    seed = internal.sanitize_seed(seed)
    keep = wb.cast(keep, eigenvectors.dtype)
    order = wb.argsort(-keep, axis=-1, stable=True)          # the kept vectors first, in order
    nb = len(order.shape) - 1
    keep = wb.gather(keep, order, axis=-1, batch_dims=nb)
    vecs = wb.gather(eigenvectors, order, axis=-1, batch_dims=nb) * keep[..., None, :]
    sample_size = wb.reduce_sum(wb.cast(keep, wb.int32), axis=-1)
    max_size = int(wb.reduce_max(sample_size).numpy()) if sample_size.shape.num_elements() else 0
    vecs = vecs[..., :max_size]
    d = int(eigenvectors.shape[-2])
    chosen = wb.zeros(tuple(eigenvectors.shape[:-1]), dtype=wb.bool)
    columns = wb.range(max_size)
    rows = wb.range(d)
    for i in range(max_size):
        sample_seed, seed = internal.split_seed(seed, 2)
        active = i < sample_size
        coord_prob = wb.reduce_sum(wb.square(vecs), axis=-1)
        coord_logits = wb.where(active[..., None], wb.log(coord_prob), wb.zeros([], vecs.dtype))
        idx = Categorical(logits=coord_logits).sample(seed=sample_seed)
        complement = _orthogonal_complement_e_i(vecs, wb.where(active, idx, wb.zeros_like(idx)), max_size - i)
        still = (columns < sample_size[..., None, None] - i - 1) & ~chosen[..., None]
        new_vecs = wb.where(still, complement, wb.zeros([], vecs.dtype))
        vecs = wb.where(active[..., None, None], new_vecs, vecs)
        chosen = chosen | (wb.equal(rows, wb.cast(idx, wb.int32)[..., None]) & active[..., None])
    return wb.cast(chosen, wb.int32)


def _orthogonal_complement_e_i(vectors, i, gram_schmidt_iters):
    """An orthonormal basis (columns of ``[..., d, n]``, zero columns last) of the part of
    ``span(vectors)`` that vanishes at coordinate ``i``: the column with the largest entry in row
    ``i`` is subtracted from the others in proportion, so row ``i`` becomes zero; that column
    moves to the end (zeroed) and the rest go through modified Gram-Schmidt."""
    nb = len(i.shape)
    row_i = wb.gather(vectors, i, axis=-2, batch_dims=nb)                   # [..., n]
    j = wb.cast(wb.argmax(wb.abs(row_i), axis=-1), wb.int32)
    col_j = wb.gather(vectors, j, axis=-1, batch_dims=nb)                   # [..., d]
    val_i_j = wb.gather(row_i, j, axis=-1, batch_dims=nb)
    weights = row_i / val_i_j[..., None]
    result = vectors - weights[..., None, :] * col_j[..., :, None]
    d, n = int(vectors.shape[-2]), int(vectors.shape[-1])
    mask_d = wb.not_equal(wb.range(d), i[..., None])[..., None]
    shift = wb.range(n) + wb.cast(wb.range(n) >= j[..., None], wb.int32)
    shift = wb.where(shift >= n, wb.broadcast_to(j[..., None], shift.shape), shift)
    result = wb.gather(result, shift, axis=-1, batch_dims=len(shift.shape) - 1)
    mask_n = wb.not_equal(wb.range(n), n - 1)
    result = wb.where(mask_d & mask_n, result, wb.zeros([], result.dtype))
    return gram_schmidt(result, gram_schmidt_iters)
