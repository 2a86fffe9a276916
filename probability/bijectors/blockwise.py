"""Blockwise: different bijectors on consecutive blocks of a vector."""

import workbench as wb

from ._structured import StructuredBijector, as_part

__all__ = ["Blockwise"]


class Blockwise(StructuredBijector):
    """Splits the last axis into blocks of ``block_sizes`` (default: one entry each), applies
    ``bijectors[i]`` to block ``i`` (as a vector event) and concatenates; the log-det is the sum of
    the blocks'. A bijector may change its block's size (``SoftmaxCentered``, ``Pad``).

    >>> b = Blockwise([Exp(), Identity()], block_sizes=[1, 2])
    >>> b.forward(wb.constant([0.0, 5.0, 6.0])).numpy()
    array([1., 5., 6.], dtype=float32)
    """

    def __init__(self, bijectors, block_sizes=None, maybe_changes_size=True, validate_args=False, name=None):
        parameters = dict(locals())
        self._bijectors = list(bijectors)
        if not self._bijectors:
            raise ValueError("Blockwise: argument `bijectors` must not be empty")
        for b in self._bijectors:
            if b.forward_min_event_ndims > 1 or b.inverse_min_event_ndims > 1:
                raise ValueError(f"Blockwise: bijector {b.name} acts on events of rank "
                                 f"{b.forward_min_event_ndims}; blocks are vectors (rank <= 1)")
        sizes = [1] * len(self._bijectors) if block_sizes is None else [int(s) for s in block_sizes]
        if len(sizes) != len(self._bijectors) or min(sizes) < 1:
            raise ValueError(f"Blockwise: argument `block_sizes` must give one positive size per bijector "
                             f"({len(self._bijectors)}), got {block_sizes!r}")
        self._block_sizes = sizes
        super().__init__(forward_min_event_ndims=1, validate_args=validate_args, parameters=parameters,
                         name=name or "blockwise_of_" + "_and_".join(b.name for b in self._bijectors))

    @property
    def bijectors(self):
        return list(self._bijectors)

    @property
    def block_sizes(self):
        return list(self._block_sizes)

    def _out_sizes(self):
        return [b.forward_event_shape((s,))[-1] for b, s in zip(self._bijectors, self._block_sizes)]

    @staticmethod
    def _blocks(t, sizes, what):
        if t.shape[-1] != sum(sizes):
            raise ValueError(f"Blockwise: `{what}` has {t.shape[-1]} entries in its last dim, the blocks add up "
                             f"to {sum(sizes)}")
        out, start = [], 0
        for s in sizes:
            out.append(t[..., start:start + s])
            start += s
        return out

    def _forward(self, x):
        x = as_part(x, self._dtype)
        return wb.concat([b.forward(p) for b, p in zip(self._bijectors, self._blocks(x, self._block_sizes, "x"))],
                         axis=-1)

    def _inverse(self, y):
        y = as_part(y, self._dtype)
        return wb.concat([b.inverse(p) for b, p in zip(self._bijectors, self._blocks(y, self._out_sizes(), "y"))],
                         axis=-1)

    def _fldj(self, x, event_ndims):
        x = as_part(x, self._dtype)
        ev = self._event_ndims(event_ndims, 1, x, "forward_log_det_jacobian", "x")
        parts = self._blocks(x, self._block_sizes, "x")
        return sum(b.forward_log_det_jacobian(p, event_ndims=ev) for b, p in zip(self._bijectors, parts))

    def _ildj(self, y, event_ndims):
        y = as_part(y, self._dtype)
        ev = self._event_ndims(event_ndims, 1, y, "inverse_log_det_jacobian", "y")
        parts = self._blocks(y, self._out_sizes(), "y")
        return sum(b.inverse_log_det_jacobian(p, event_ndims=ev) for b, p in zip(self._bijectors, parts))

    def _forward_event_shape(self, shape):
        return tuple(shape[:-1]) + (sum(self._out_sizes()),)

    def _inverse_event_shape(self, shape):
        return tuple(shape[:-1]) + (sum(self._block_sizes),)
