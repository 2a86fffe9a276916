"""Split: one tensor into a list of pieces along an axis (the inverse concatenates)."""

import weakref

import numpy as np

import workbench as wb

from ._structured import StructuredBijector, as_part, zeros_ldj

__all__ = ["Split"]


class Split(StructuredBijector):
    """``forward(x)`` is ``split(x, num_or_size_splits, axis)``, a list of tensors; ``inverse``
    concatenates them. Volume preserving: the log-det is 0. ``axis`` must be negative.
    One size may be ``-1`` (the rest of the axis).

    >>> Split([1, 2]).forward(wb.constant([1.0, 2.0, 3.0]))[1].numpy()
    array([2., 3.], dtype=float32)
    """

    def __init__(self, num_or_size_splits, axis=-1, validate_args=False, name="split"):
        parameters = dict(locals())
        if not isinstance(axis, int) or axis >= 0:
            raise ValueError(f"Split: argument `axis` must be a negative int, got {axis!r}")
        if isinstance(num_or_size_splits, (int, np.integer)):
            if num_or_size_splits < 1:
                raise ValueError(f"Split: argument `num_or_size_splits` must be positive, got {num_or_size_splits}")
            self._num, self._sizes = int(num_or_size_splits), None
        else:
            sizes = [int(s) for s in num_or_size_splits]
            if sum(s == -1 for s in sizes) > 1 or any(s < -1 for s in sizes):
                raise ValueError(f"Split: argument `num_or_size_splits` may hold one -1 and otherwise "
                                 f"non-negative sizes, got {num_or_size_splits!r}")
            self._num, self._sizes = len(sizes), sizes
        self._axis = axis
        super().__init__(forward_min_event_ndims=-axis, is_constant_jacobian=True, validate_args=validate_args,
                         parameters=parameters, name=name)

    @property
    def axis(self):
        return self._axis

    def _resolved_sizes(self, n):
        if self._sizes is None:
            if n % self._num:
                raise ValueError(f"Split: {n} entries along axis {self._axis} do not split into {self._num} "
                                 "equal pieces")
            return [n // self._num] * self._num
        sizes = list(self._sizes)
        if -1 in sizes:
            sizes[sizes.index(-1)] = n - (sum(sizes) + 1)
        if sum(sizes) != n or min(sizes) < 0:
            raise ValueError(f"Split: sizes {self._sizes} do not add up to the {n} entries along axis {self._axis}")
        return sizes

    def _forward(self, x):
        x = as_part(x, self._dtype)
        sizes = self._resolved_sizes(x.shape[self._axis])
        out, start = [], 0
        for s in sizes:
            out.append(wb.gather(x, list(range(start, start + s)), axis=self._axis))
            start += s
        self._remember_split(x, out)
        return out

    def _remember_split(self, x, pieces):
        """The pieces of a forward call keep their input (as the pair cache does for one tensor), so
        ``inverse`` of those very pieces returns it: a sample's ``log_prob`` finds its base draw."""
        if isinstance(x, wb.Variable) or not pieces:
            return
        cache = self.__dict__.setdefault("_split_cache", {})
        key = id(pieces[0])
        cache[key] = ([weakref.ref(p) for p in pieces], x)
        weakref.finalize(pieces[0], cache.pop, key, None)

    def _inverse(self, y):
        if isinstance(y, (list, tuple)) and y:
            refs, x = self.__dict__.get("_split_cache", {}).get(id(y[0]), (None, None))
            if refs is not None and len(refs) == len(y) and all(r() is p for r, p in zip(refs, y)):
                return x
        parts = [as_part(p, self._dtype) for p in y]
        if len(parts) != self._num:
            raise ValueError(f"Split.inverse: expected {self._num} pieces, got {len(parts)}")
        return wb.concat(parts, axis=self._axis)

    def _fldj(self, x, event_ndims):
        ev = -self._axis if event_ndims is None else int(event_ndims)
        return zeros_ldj(as_part(x, self._dtype), ev)

    def _ildj(self, y, event_ndims):
        first = as_part(y[0], self._dtype)
        ev = -self._axis if event_ndims is None else int(list(event_ndims)[0]) \
            if isinstance(event_ndims, (list, tuple)) else int(event_ndims)
        return zeros_ldj(first, ev)

    def forward_event_ndims(self, event_ndims):
        """One event ndims per piece, as TFP (``[n] * pieces``)."""
        if isinstance(event_ndims, (list, tuple, dict)):
            raise ValueError(f"Split.forward_event_ndims: `event_ndims` must be an int (the input is one tensor), "
                             f"got {event_ndims!r}")
        return [int(event_ndims)] * self._num

    def inverse_event_ndims(self, event_ndims):
        if isinstance(event_ndims, (list, tuple)):
            values = {int(n) for n in event_ndims}
            if len(values) != 1 or len(event_ndims) != self._num:
                raise ValueError(f"Split.inverse_event_ndims: `event_ndims` must be {self._num} equal ints (the "
                                 f"pieces share their rank), got {list(event_ndims)!r}")
            return values.pop()
        return int(event_ndims)

    def _move_parts(self, value, inverse=False):
        # a fact of the one tensor is the fact of each piece, and back
        if inverse:
            return value[0]
        return [value] * self._num

    def _forward_event_shape(self, shape):
        shape = tuple(shape)
        sizes = self._resolved_sizes(shape[self._axis])
        axis = len(shape) + self._axis
        return [shape[:axis] + (s,) + shape[axis + 1:] for s in sizes]

    def _inverse_event_shape(self, shapes):
        shapes = [tuple(s) for s in shapes]
        axis = len(shapes[0]) + self._axis
        return shapes[0][:axis] + (sum(s[axis] for s in shapes),) + shapes[0][axis + 1:]
