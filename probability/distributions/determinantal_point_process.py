"""The determinantal point process: random subsets of ``n`` items that repel one another."""

from __future__ import annotations

import numpy as np

import workbench as wb
from workbench.core import Tensor

from .. import internal
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

    def _sample_n(self, n, seed):
        items = self._n()
        batch = tuple(self.batch_shape)
        keep_seed, pick_seed = internal.split_seed(seed, 2, salt="determinantal_point_process")
        lam = np.broadcast_to(wb.convert_to_tensor(self._eigenvalues).numpy().astype(np.float64),
                              batch + (items,)).reshape(-1, items)
        vec = np.broadcast_to(wb.convert_to_tensor(self._eigenvectors).numpy().astype(np.float64),
                              batch + (items, items)).reshape(-1, items, items)
        keep_u = wb.random.stateless_uniform((n, len(lam), items), seed=keep_seed, dtype=np.float64).numpy()
        pick_u = wb.random.stateless_uniform((n, len(lam), items), seed=pick_seed, dtype=np.float64).numpy()
        keep = keep_u < lam / (1.0 + lam)
        out = np.zeros((n, len(lam), items), dtype=np.int32)
        for i in range(n):
            for b in range(len(lam)):
                out[i, b] = _sample_elementary(vec[b][:, keep[i, b]], pick_u[i, b])
        return wb.constant(out.reshape((n,) + batch + (items,)))


def _sample_elementary(v, uniforms):
    """One draw of the elementary DPP projecting onto the orthonormal columns of ``v`` ``[n, k]``:
    ``k`` items, each chosen with probability ``|row|^2 / k`` of the current basis, which is then
    restricted to the vectors vanishing at that item and orthonormalized again."""
    chosen = np.zeros(v.shape[0], dtype=np.int32)
    for step in range(v.shape[1]):
        weights = np.sum(v * v, axis=1)
        weights[chosen == 1] = 0.0
        cdf = np.cumsum(weights)
        item = min(int(np.searchsorted(cdf, uniforms[step] * cdf[-1], side="right")), v.shape[0] - 1)
        chosen[item] = 1
        if v.shape[1] == 1:
            break
        # eliminate the column with the largest entry at `item`, so every column vanishes there
        col = int(np.argmax(np.abs(v[item])))
        pivot = v[:, col] / v[item, col]
        v = np.delete(v - np.outer(pivot, v[item]), col, axis=1)
        v, _ = np.linalg.qr(v)
    return chosen
