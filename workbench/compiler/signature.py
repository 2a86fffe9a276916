"""The signature a ``wb.function`` keys its programs by, and the stand-ins a trace runs on."""

from __future__ import annotations

import contextlib
import io
import re
import sys
import threading

import numpy as np

from .. import backend, core, nest
from ..core import Tensor, Variable
from ..tensor_shape import TensorShape, TensorSpec, _dtype_name

__all__ = ["Placeholder", "Printed", "as_tensors", "derive", "describe", "output_shapes", "placeholder", "plain",
           "release_placeholders", "repeats", "signature", "stand_in", "stand_in_fill", "stand_in_rounds"]


def stand_in(leaf):
    """(the value the traced function sees, the input tensor a replay binds) for a tensor
    argument; None for anything else (variables are used as they are)."""
    if isinstance(leaf, Variable):
        return None
    if isinstance(leaf, Tensor):
        t = core.wrap(leaf._data)
        return t, t
    if isinstance(leaf, np.ndarray) or backend.is_array(leaf):
        t = core.wrap(core.to_array(leaf))
        return t, t
    if _one_component(leaf):  # a RaggedTensor: its flat values are the input
        t = core.wrap(leaf.components()[0]._data)
        return leaf.from_components([t]), t
    return None


class Placeholder(Tensor):
    """A tensor argument while its function's Python body runs under the tracer. It holds the
    call's value (the trace runs on it), and prints as TF's symbolic tensor: its name (``x:0``)
    and the shape the trace serves (``None`` where any size fits), not a value.

    It has a Tensor's layout, so that library code that asks for exactly a Tensor (a planned
    reverse walk) is handed one for the time it looks (:func:`as_tensors`), and the trace turns
    it into a plain Tensor when it ends (:func:`release_placeholders`).

    An op's result that an argument's open sizes reach is one too, without a label (it prints
    as any traced tensor does), so that its ``.shape`` is TF's static shape (:func:`derive`)."""

    __slots__ = ()
    _shown: dict = {}   # id(placeholder) -> (label, shape shown)

    def _parts(self):
        label, shape = self._shown[id(self)]
        if shape is None:
            return label, "<unknown>"
        return label, "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"

    # TF's static shape for the traced function's own code: ``x.shape`` is the shape the trace
    # serves (None where the input signature or a relaxed trace leaves a size open), not the
    # sizes of the value traced with. The library's own code, which computes with a tensor's
    # sizes and whose program is recorded for the sizes traced, reads the value's shape.
    def _static(self):
        if sys._getframe(2).f_code.co_filename.startswith(core._OUR_ROOTS):
            return None
        return self._static_shape()

    def _static_shape(self):
        shown = self._shown[id(self)][1]
        return TensorShape(None if shown is None else list(shown))

    @property
    def shape(self):
        static = self._static()
        return Tensor.shape.fget(self) if static is None else static

    def get_shape(self):
        static = self._static()
        return Tensor.shape.fget(self) if static is None else static

    @property
    def ndim(self):
        static = self._static()
        if static is None:
            return self._data.ndim
        return -1 if static.rank is None else static.rank   # TF's ndim of an unknown rank

    def set_shape(self, shape):
        """TF's ``set_shape`` in a graph: ``shape`` must be compatible with the static shape,
        which it then refines (a promise about the values, not checked against them)."""
        static, given = self._static_shape(), TensorShape(shape)
        if static.rank is not None and given.rank is not None:
            if static.rank != given.rank:   # TF's graph-mode words
                raise ValueError(f"Shapes must be equal rank, but are {static.rank} and {given.rank}")
            for i, (a, b) in enumerate(zip(static.as_list(), given.as_list())):
                if a is not None and b is not None and a != b:
                    def dims(s):
                        return "[" + ",".join("?" if d is None else str(d) for d in s.as_list()) + "]"
                    raise ValueError(f"Dimension {i} in both shapes must be equal, but are {a} and {b}. "
                                     f"Shapes are {dims(static)} and {dims(given)}.")
        merged = static.merge_with(given)
        label = self._shown[id(self)][0]
        Placeholder._shown[id(self)] = (label, None if merged.rank is None else tuple(merged.as_list()))

    def __str__(self):
        label, shape = self._parts()
        if label is None:
            return Tensor.__str__(self)
        if self._shown[id(self)][1] is None:   # an unknown rank: TF's str leaves the shape out
            return f'Tensor("{label}", dtype={_dtype_name(self.dtype)})'
        return f'Tensor("{label}", shape={shape}, dtype={_dtype_name(self.dtype)})'

    def __repr__(self):
        label, shape = self._parts()
        if label is None:
            return Tensor.__repr__(self)
        return f"<wb.Tensor '{label}' shape={shape} dtype={_dtype_name(self.dtype)}>"

    def __format__(self, spec):
        # f"{x}" shows the symbolic form without reading the value (which would make the
        # trace depend on data); a format spec formats the value, as an eager tensor does
        if self._shown[id(self)][0] is None:
            return Tensor.__format__(self, spec)
        return str(self) if not spec else Tensor.__format__(self, spec)


def placeholder(data, label, shape):
    """A :class:`Placeholder` around ``data``, named ``label`` (``x:0``), showing ``shape``
    (a tuple with None for any size, or None for any rank)."""
    t = Placeholder.__new__(Placeholder)
    t._data = data
    t._tid = 0
    Placeholder._shown[id(t)] = (label, shape)
    return t


@contextlib.contextmanager
def as_tensors(values):
    """The placeholders among ``values`` (nested) are plain Tensors inside the block."""
    found = [t for t in nest.flatten(values) if type(t) is Placeholder]
    for t in found:
        t.__class__ = Tensor
    try:
        yield
    finally:
        for t in found:
            t.__class__ = Placeholder


def derive(name, args, params, out, hint=False):
    """While a trace runs: give ``out``, the one result of op ``name`` on ``args``, TF's
    static shape where placeholders' open sizes reach it and the rules of :func:`_op_shape`
    (or ``hint``, what the op said with ``core.static_shape_hint``) say what it is (it becomes
    an unlabelled :class:`Placeholder`); that shape when it did, else False. Ops the rules do
    not cover keep the traced sizes."""
    if type(out) is not Tensor or params is None:
        return False
    if hint is not False:
        if hint is not None and tuple(hint) == out._data.shape:
            return False
        out.__class__ = Placeholder
        Placeholder._shown[id(out)] = (None, None if hint is None else tuple(hint))
        return Placeholder._shown[id(out)][1]
    ins, open_ = [], False
    for a in args:
        if not isinstance(a, Tensor):
            continue
        if type(a) is Placeholder:
            shown = Placeholder._shown[id(a)][1]
            open_ = open_ or shown is None or shown != a._data.shape
            ins.append(shown)
        else:
            ins.append(tuple(a._data.shape))
    if not open_:
        return False
    shape = _op_shape(name, ins, params)
    if shape is False or type(shape) is list or shape == out._data.shape:
        return False
    out.__class__ = Placeholder
    Placeholder._shown[id(out)] = (None, shape)
    return shape


def release_placeholders(tensors):
    """End of a trace: its placeholders become plain Tensors (replays bind them)."""
    for t in tensors:
        if type(t) is Placeholder:
            t.__class__ = Tensor
            Placeholder._shown.pop(id(t), None)


def _one_component(leaf) -> bool:
    """A composite value (``core.CompositeTensor``) of one component: a replay binds that
    component; the rest of it (row splits) is part of the signature."""
    return isinstance(leaf, core.CompositeTensor) and len(leaf.components()) == 1


def signature(args, kwargs, flat, captured=None):
    """A hashable key: the structure, then per leaf its shape/dtype/device (tensors), its
    identity (modules and other objects) or its value (Python numbers, strings).

    A variable is keyed as TF 2.21 keys it (its ``VariableSpec``): by its shape, dtype and
    ``trainable``, and by which earlier variable argument it is (its alias number: ``f(v, v)``
    and ``f(v, w)`` are two traces), not by its identity, so that one trace serves every
    variable of that spec; a replay runs on the variables passed (see ``api``). Its name does
    not count, as in TF; its device and, for a variable created with a ``shape`` or with
    ``validate_shape=False``, that setting do (TF's would not retrace on a new size of a
    variable of unknown shape; here the program is specialized to the size).

    Where a tensor's identity changes what eager execution computes, a last part
    ``("same", marks)`` says so (:func:`plain` drops it): a tensor passed again (``f(x, x)``,
    where a tape sees one tensor, not two), and a tensor that a trace of the function used
    as a captured constant (``captured``: id -> weak reference), passed as an argument."""
    parts = [_structure(args), _structure(kwargs)]
    held = None   # the tensor and composite leaves, whose identity may matter
    hit = False   # a tensor a trace captured is an argument
    aliases = None  # id(variable) -> its alias number
    for leaf in flat:
        if isinstance(leaf, Variable):
            if aliases is None:
                aliases = {}
            d = leaf._data
            part = ("V", d.shape, d.dtype.str, leaf.trainable, aliases.setdefault(id(leaf), len(aliases)))
            fixed = leaf._shape_fixed
            if fixed is not True:
                part += (_device(d), str(fixed))
            elif type(d) is not np.ndarray:
                part += (_device(d),)
            parts.append(part)
            if captured and id(leaf) in captured:
                hit = True
        elif isinstance(leaf, Tensor):
            d = leaf._data
            parts.append(("T", d.shape, d.dtype.str, _device(d)))
            if held is None:
                held = [leaf]
            else:
                held.append(leaf)
            if captured and id(leaf) in captured:
                hit = True
        elif isinstance(leaf, np.ndarray) or backend.is_array(leaf):
            parts.append(("A", leaf.shape, leaf.dtype.str, _device(leaf)))
        elif _one_component(leaf):
            d = leaf.components()[0]._data
            parts.append(("C", type(leaf).__name__, d.shape, d.dtype.str, _device(d), leaf.structure_key(),
                          _splits_dtype(leaf)))
            if held is None:
                held = [leaf]
            else:
                held.append(leaf)
        elif leaf is None or isinstance(leaf, (bool, int, float, complex, str, bytes)):
            # by value alone, as TF's Literal: 1, 1.0 and True share a trace (they are equal)
            parts.append(("P", "literal", leaf))
        elif hasattr(type(leaf), "__tf_tracing_type__"):
            # an object that says what it traces as (TF's TraceType protocol): equal trace types
            # share a trace, which sees the type's placeholder_value
            parts.append(("K", leaf.__tf_tracing_type__(None)))
        else:  # modules, optimizers, functions …: by identity, as TF does
            parts.append(("O", type(leaf).__name__, id(leaf)))
    if hit or held is not None and len(held) > 1 and len({id(t) for t in held}) < len(held):
        marks = _marks(flat, captured)
        if marks:
            parts.append(("same", marks))
    return tuple(parts)


def _marks(flat, captured):
    """(index, index of the earlier leaf that is the same tensor) for a tensor passed again;
    (index, "captured", id) for a tensor a trace captured, or a variable argument the function
    also reaches another way (see ``api.Function._trace``)."""
    seen, marks = {}, []
    for i, leaf in enumerate(flat):
        if isinstance(leaf, Variable):   # a variable the function also reaches another way
            ref = captured.get(id(leaf)) if captured else None
            if ref is not None and ref() is leaf:
                marks.append((i, "captured", id(leaf)))
            continue
        if not isinstance(leaf, (Tensor, core.CompositeTensor)):
            continue
        first = seen.setdefault(id(leaf), i)
        if first != i:
            marks.append((i, first))
        elif captured and isinstance(leaf, Tensor):
            ref = captured.get(id(leaf))
            if ref is not None and ref() is leaf:
                marks.append((i, "captured", id(leaf)))
    return tuple(marks)


def plain(key):
    """``key`` without its identity marks (what concrete functions are keyed by: a new pattern
    of repeated or captured tensors records a new program, not a new trace)."""
    if len(key) > 2 and key[-1][0] == "same":
        return key[:-1]
    return key


def repeats(key) -> dict:
    """{index of a leaf: index of the earlier leaf that is the same tensor}."""
    if len(key) > 2 and key[-1][0] == "same":
        return {m[0]: m[1] for m in key[-1][1] if len(m) == 2}
    return {}


def _splits_dtype(leaf):
    dtype = getattr(leaf, "row_splits_dtype", None)
    return None if dtype is None else np.dtype(dtype).str


def _composite_fits(spec, part) -> bool:
    """Whether a composite argument's key part (``"C"``) fits ``spec`` (a ``RaggedTensorSpec``
    a concrete function was asked for): its type, dtype, ragged rank, row-splits dtype and
    shape (rows, and the uniform dimensions of its flat values)."""
    _, typename, flat_shape, dtype, _, structure, splits = part
    value_type = getattr(spec, "value_type", None)
    if value_type is None or value_type.__name__ != typename or np.dtype(spec.dtype).str != dtype:
        return False
    rr = getattr(spec, "ragged_rank", None)
    if rr != len(structure) or splits is None or np.dtype(spec.row_splits_dtype).str != splits:
        return False
    shape = spec.shape
    if shape.rank is None:
        return True
    if shape.rank != rr + len(flat_shape):
        return False
    nrows = len(structure[0]) // np.dtype(splits).itemsize - 1
    dims = [nrows] + [None] * rr + list(flat_shape[1:])
    return all(a is None or b is None or a == b for a, b in zip(shape.as_list(), dims))


def _structure(s):
    if isinstance(s, dict):
        return ("dict", tuple((k, _structure(s[k])) for k in sorted(s)))
    if isinstance(s, (list, tuple)):
        return (type(s).__name__, tuple(_structure(v) for v in s))
    return "."


def _device(arr):
    return "cpu" if isinstance(arr, np.ndarray) else str(backend.device_of(arr))


def describe(key):
    shown = []
    for part in plain(key)[2:]:
        if part[0] in "TA":
            shape = "<unknown>" if part[1] is None else list(part[1])
            shown.append(f"tensor{shape}:{np.dtype(part[2]).name}")
        elif part[0] == "C":
            shown.append(f"{part[1]}(values{list(part[2])}:{np.dtype(part[3]).name})")
        elif part[0] == "V":
            shown.append("variable")
        elif part[0] == "P":
            shown.append(repr(part[2]))
        elif part[0] == "K":
            shown.append(type(part[1]).__name__)
        else:
            shown.append(part[1])
    return "(" + ", ".join(shown) + ")"


# -- generalized signatures (input_signature, reduce_retracing) -------------------------
def _tensor_part(part) -> bool:
    return part[0] in "TA"


def covers(general, key) -> bool:
    """Whether the generalized signature ``general`` (shapes may hold None; a shape of None
    is any rank) admits ``key``."""
    if len(general) != len(key) or general[:2] != key[:2]:
        return False
    for g, k in zip(general[2:], key[2:]):
        if _tensor_part(g) and _tensor_part(k):
            if g[1] is None:
                if g[2:] != k[2:]:
                    return False
            elif g[2:] != k[2:] or len(g[1]) != len(k[1]) or any(
                    a is not None and a != b for a, b in zip(g[1], k[1])):
                return False
        elif g[0] == "S" and k[0] == "C":   # a ragged spec a concrete function was asked for
            if not _composite_fits(g[1], k):
                return False
        elif g != k:
            return False
    return True


def relax(general, key):
    """``general`` widened to admit ``key`` (None where the sizes differ, an unknown rank where
    the ranks do), or None where no shape generalization can (another structure, dtype,
    device or Python value)."""
    if len(general) != len(key) or general[:2] != key[:2]:
        return None
    parts = list(general[:2])
    for g, k in zip(general[2:], key[2:]):
        if _tensor_part(g) and _tensor_part(k):
            if g[1] is None and g[2:] == k[2:]:
                parts.append(g)
                continue
            if g[1] is None or g[2:] != k[2:]:
                return None
            if len(g[1]) != len(k[1]):   # another rank: TF widens to an unknown rank
                parts.append((g[0], None) + g[2:])
                continue
            parts.append((g[0], tuple(a if a == b else None for a, b in zip(g[1], k[1]))) + g[2:])
        elif g[0] == "S" and k[0] == "C" and _composite_fits(g[1], k):
            parts.append(g)
        elif g != k:
            return None
        else:
            parts.append(g)
    return tuple(parts)


# -- other stand-ins, where a body cannot run on the first ------------------------------
# A trace on an input signature (get_concrete_function, a dataset's function) runs the body on
# stand-in values: zeros, size 1 where a size is open. TF runs nothing, so where the body
# cannot run on those (x[:, 1] of an open axis, reshape(x, [n, -1]) of an integer argument n
# standing in as 0) the trace runs again on others: open sizes of 2 and 3, integer scalars
# and shape vectors of 1, 2 and 3, then a vector 0, 1, … (a permutation), then floating
# matrices of ones on the diagonal (what inv, cholesky and lstsq run on). What the ops say
# of the values the arguments decide (``Tracer.static_value``) keeps their static shapes open.
_INTEGER_FILLS = (1, 2, 3, "arange")


def _takes_fill(spec) -> bool:
    """An integer tensor (a count, a shape, a perm, labels), or a floating scalar (a step)."""
    if not isinstance(spec, TensorSpec) or spec.shape.rank is None:
        return False
    kind = np.dtype(spec.dtype).kind
    return kind in "iu" or kind == "f" and spec.shape.rank == 0


def _takes_eye(spec) -> bool:
    """A floating spec of matrices (or of any rank)."""
    return (isinstance(spec, TensorSpec) and np.dtype(spec.dtype).kind in "fc"
            and (spec.shape.rank is None or spec.shape.rank >= 2))


_RANKS = (0, 1, 2, 3, 4, 5)   # what a spec of any rank stands in as, in turn


def stand_in_rounds(specs, error=None):
    """The (open size, fill, rank) triples a trace on stand-ins for ``specs`` (flattened
    leaves) tries after (1, 0, 0), in order; empty where no other stand-in differs. The rank
    is that of the stand-ins of specs of unknown rank (each of its sizes the open size), or a
    tuple of ranks, one per such spec in turn. ``error``: the first trace's, whose message may
    name the size an open dimension needs (``top_k(x, 4)``: 4). Each round runs the Python body
    again, so the likely ones come first: specs of unknown rank at ranks r and r + 1 (labels
    beside their logits) at once, the sizes named, then 2, 3 and those other specs know."""
    specs = [s for s in specs if isinstance(s, TensorSpec)]
    any_rank = any(s.shape.rank is None for s in specs)
    sizes = (1,)
    if any_rank or any(None in s.shape.as_list() for s in specs if s.shape.rank is not None):
        # 1, a larger size the error names, 2, 3, then one another spec knows (an open size that
        # must match it)
        known = sorted({d for s in specs if s.shape.rank is not None for d in s.shape.as_list()
                        if d is not None and 3 < d <= 64})
        # (a parameter's value, k=4, not the sizes of a shape the message shows, [1,3] and [4,5])
        text = "" if error is None else re.sub(r"[\[(][\d\s,]*[\])]", " ", str(error))
        named = [int(m) for m in re.findall(r"(?<![\w.])\d{1,2}(?![\w.])", text)]
        named = list(dict.fromkeys(n for n in named if 3 < n <= 64 and n not in known))
        named = named[:1] + [named[0] + 1] if named else []   # (an index n needs n + 1)
        sizes = (1,) + tuple(named) + (2, 3) + tuple(known[:2])
    fills = (0,) + (_INTEGER_FILLS if any(_takes_fill(s) for s in specs) else ()) + (
        ("eye",) if any(_takes_eye(s) for s in specs) else ()) + (
        ("digits",) if any(_takes_digits(s) for s in specs) else ())
    ranks = _RANKS if any_rank else (0,)
    eye_known = any(_takes_eye(s) for s in specs if s.shape.rank is not None)
    rounds = [(n, f, r) for f in fills for r in ranks for n in sizes
              if f != "eye" or r >= 2 or eye_known][1:]   # (eye of a rank below 2: zeros again)
    unknown = sum(1 for s in specs if s.shape.rank is None)
    if unknown > 1:   # specs of unknown rank at different ranks
        staggered = [(n, 0, tuple(r + k for k in range(unknown))[::step]) for r in _RANKS[:4]
                     for n in sizes[:3] for step in (1, -1)]
        rounds = staggered[:2] + rounds + staggered[2:]
    return rounds


def _takes_digits(spec) -> bool:
    """A string spec (numbers to parse: ``wb.strings.to_number``)."""
    return isinstance(spec, TensorSpec) and np.dtype(spec.dtype).kind == "O"


def stand_in_fill(spec, shape, fill):
    """The stand-in array of shape ``shape`` for ``spec`` where ``fill`` (see
    :func:`stand_in_rounds`) changes it from zeros, else None."""
    if fill == "digits":
        return np.full(shape, b"0", dtype=object) if _takes_digits(spec) else None
    if fill == "eye":
        if not _takes_eye(spec) or len(shape) < 2:
            return None
        eye = np.eye(shape[-2], shape[-1], dtype=np.dtype(spec.dtype))
        return np.array(np.broadcast_to(eye, shape))
    if fill == 0 or not _takes_fill(spec):
        return None
    dtype = np.dtype(spec.dtype)
    if fill == "arange":
        if len(shape) > 1:
            return None
        return np.arange(shape[0], dtype=dtype) if shape else np.ones((), dtype)
    return np.full(shape, fill, dtype)


class Printed:
    """What the traces of one ``get_concrete_function`` print to stdout, so that a body run
    again on other stand-ins prints as TF's one trace does: the first run's output passes
    through and is counted (``first``); a later run's is held (``again``) and, where that run
    succeeds, only what it prints beyond the first run's output is shown (``show``). Only the
    tracing thread's writes are counted or held: other threads print as usual."""

    def __init__(self):
        self.count = 0
        self.held = None

    @contextlib.contextmanager
    def first(self):
        with contextlib.redirect_stdout(_ThreadStdout(sys.stdout, self._count)):
            yield

    @contextlib.contextmanager
    def again(self):
        self.held = io.StringIO()
        with contextlib.redirect_stdout(_ThreadStdout(sys.stdout, self.held.write)):
            yield

    def _count(self, text):
        self.count += len(text)
        return _ThreadStdout.PASS

    def show(self):
        text = self.held.getvalue()[self.count:]
        if text:
            sys.stdout.write(text)


class _ThreadStdout(io.TextIOBase):
    """``sys.stdout`` while one thread traces: that thread's writes go to ``take`` (which may
    return ``PASS`` to write them through as well), every other thread's to ``out``."""

    PASS = object()

    def __init__(self, out, take):
        self._out, self._take, self._thread = out, take, threading.get_ident()

    def write(self, text):
        if threading.get_ident() == self._thread and self._take(text) is not _ThreadStdout.PASS:
            return len(text)
        return self._out.write(text)

    def flush(self):
        self._out.flush()


# -- output specs ----------------------------------------------------------------------
# ops whose result has the broadcast shape of their tensor inputs (one input: its shape)
_ELEMENTWISE = frozenset("""
abs acos acosh add asin asinh atan atan2 atanh betainc betaincinv bitwise_and bitwise_or cast ceil cos
cosh cumprod cumsum digamma divide divide_no_nan elu equal erf erfc erfinv exp expm1 floor floordiv
gelu greater greater_equal identity igamma igammac igammacinv igammainv is_finite is_inf is_nan
leaky_relu less less_equal lgamma log log1p log_ndtr log_sigmoid log_softmax logical_and logical_not
logical_or logical_xor maximum minimum mod multiply multiply_no_nan ndtr ndtri negative not_equal
polygamma pow reciprocal relu relu6 round rsqrt selu sigmoid sign sin sinh softmax softplus softsign
sqrt square squared_difference stop_gradient string_add subtract tan tanh where xdivy xlog1py xlogy
angle complex conj imag real bitwise_xor invert left_shift right_shift nextafter truncatediv zeta
strings_map RGBToHSV AdjustContrastv2 unicode_script
""".split())
_REDUCTIONS = frozenset("reduce_all reduce_any reduce_euclidean_norm reduce_logsumexp reduce_max reduce_mean "
                        "reduce_min reduce_prod reduce_sum".split())


_C2C_FFT = frozenset("fft fft2d fft3d ifft ifft2d ifft3d".split())


def _broadcast(shapes):
    """The broadcast of symbolic shapes (None: unknown rank; a None size: any size), by TF's
    rule: a size above 1 decides, a 1 gives way, a 0 against an open size is open."""
    if any(s is None for s in shapes):
        return None
    out = []
    for dims in zip(*[(1,) * (max(map(len, shapes)) - len(s)) + tuple(s) for s in shapes]):
        d = dims[0]
        for e in dims[1:]:
            d = _broadcast_dim(d, e)
        out.append(d)
    return tuple(out)


def _broadcast_dim(a, b):
    if a is not None and a > 1:
        return a   # (inputs that fit agree)
    if b is not None and b > 1:
        return b
    if a == 1:
        return b
    if b == 1 or a == b:
        return a
    return None   # 0 against an open size


def _merge(shapes):
    """Shapes of one rank merged: a size any of them knows (they agree where the op ran)."""
    return tuple(next((d for d in dims if d is not None), None) for dims in zip(*shapes))


def _index_shape(shape, key):
    """The static shape of ``x[key]`` for a key of ints, slices, None and Ellipsis (False for
    other keys): an int drops its dimension, None adds one of size 1, a slice keeps an open
    size open and cuts a known one."""
    if any(not (k is None or k is Ellipsis or isinstance(k, (int, slice))) or isinstance(k, bool) for k in key):
        return False
    used = sum(1 for k in key if k is not None and k is not Ellipsis)
    if used > len(shape) or sum(1 for k in key if k is Ellipsis) > 1:
        return False
    if Ellipsis in key:
        at = key.index(Ellipsis)
        key = key[:at] + (slice(None),) * (len(shape) - used) + key[at + 1:]
    else:
        key = key + (slice(None),) * (len(shape) - used)
    out, dim = [], 0
    for k in key:
        if k is None:
            out.append(1)
            continue
        d = shape[dim]
        dim += 1
        if isinstance(k, slice):
            out.append(None if d is None else len(range(*k.indices(d))))
    return tuple(out)


def _op_shape(name, shapes, params):
    """The symbolic shape of an op's result from its inputs' symbolic shapes, or False where
    the rules do not say."""
    if name in _ELEMENTWISE:
        return _broadcast(shapes)
    if len(shapes) == 1 and shapes[0] is not None:
        (s,) = shapes
        if name in _REDUCTIONS and isinstance(params.get("axis"), tuple):
            axes = {a % len(s) for a in params["axis"]} if s else set()
            if params.get("keepdims"):
                return tuple(1 if i in axes else d for i, d in enumerate(s))
            return tuple(d for i, d in enumerate(s) if i not in axes)
        if name in ("argmax", "argmin") and isinstance(params.get("axis"), int):
            return s[:params["axis"]] + s[params["axis"] + 1:]
        if name == "transpose" and isinstance(params.get("perm"), tuple) and len(params["perm"]) == len(s):
            return tuple(s[p] for p in params["perm"])
    if name in ("argmax", "argmin") and shapes == [None]:
        return None
    if shapes and shapes[0] is None:   # an unknown rank that these ops' parameters decide
        if name in ("transpose", "tile", "pad"):
            given = params.get({"transpose": "perm", "tile": "multiples", "pad": "paddings"}[name])
            return (None,) * len(given) if isinstance(given, tuple) else False
    if name.startswith("conv") and name.endswith("d_backprop_input") and len(shapes) == 2:
        sizes = params.get("input_sizes")   # TF: the batch of the gradient, the other sizes given
        if isinstance(sizes, tuple) and shapes[1] is not None and len(shapes[1]) == len(sizes):
            return (shapes[1][0],) + tuple(sizes[1:])
    if name == "frame" and len(shapes) == 1 and shapes[0] is not None and isinstance(params.get("axis"), int):
        s, a = shapes[0], params["axis"] % max(len(shapes[0]), 1)
        n = None if s[a] is None else params.get("num_frames")
        return s[:a] + (n, params.get("frame_length")) + s[a + 1:]
    if name in _C2C_FFT and len(shapes) == 1:   # a complex DFT keeps its input's shape
        return shapes[0]
    if name == "sqrtm" and len(shapes) == 1:   # a matrix function keeps its input's shape
        return shapes[0]
    if name == "eig" and len(shapes) == 1:   # (eigenvalues [..., n], eigenvectors [..., n, n])
        s = shapes[0]
        return [None, None] if s is None else [s[:-1], s] if len(s) >= 2 else False
    if name == "overlap_and_add" and len(shapes) == 1 and isinstance(params.get("frame_step"), int):
        s = shapes[0]   # [..., frames, frame_length] -> [..., (frames - 1) * step + frame_length]
        if s is None or len(s) < 2:
            return None if s is None else False
        frames, length = s[-2:]
        return s[:-2] + (None if frames is None or length is None else
                         max(frames - 1, 0) * params["frame_step"] + length if frames else 0,)
    if name in ("rfft", "irfft") and len(shapes) == 1 and isinstance(params.get("lengths"), tuple):
        s, lengths = shapes[0], params["lengths"]   # the transformed sizes: open where the input's are
        if s is None or len(s) < len(lengths):
            return None if s is None else False
        k = len(lengths)
        last = lengths[-1] // 2 + 1 if name == "rfft" else lengths[-1]
        sizes = lengths[:-1] + (last,)
        return s[:-k] + tuple(None if d is None else n for d, n in zip(s[-k:], sizes))
    if name == "lu" and len(shapes) == 1:   # (lu, p)
        s = shapes[0]
        return [None, None] if s is None else [s, s[:-1]]
    if name == "ensure_shape" and len(shapes) == 1 and isinstance(params.get("shape"), tuple):
        want = params["shape"]   # the checked shape refines the static one, as TF's EnsureShape
        s = shapes[0]
        if s is None or len(s) != len(want):
            return want
        return tuple(w if w is not None else d for d, w in zip(s, want))
    if name == "getitem" and len(shapes) == 1 and shapes[0] is not None and isinstance(params.get("key"), tuple):
        return _index_shape(shapes[0], params["key"])
    if name == "concat" and shapes and isinstance(params.get("axis"), int):
        known = [s for s in shapes if s is not None]   # an unknown rank takes the others'
        if not known:
            return None
        rank = len(known[0])
        if rank == 0 or any(len(s) != rank for s in known):
            return False
        a = params["axis"] % rank
        out = list(_merge(known))
        sizes = [s[a] for s in known]
        out[a] = None if None in sizes or len(known) < len(shapes) else sum(sizes)
        return tuple(out)
    if name == "tile" and len(shapes) == 1 and shapes[0] is not None and isinstance(params.get("multiples"), tuple):
        (s,), m = shapes, params["multiples"]
        if len(m) != len(s):
            return False
        return tuple(None if d is None else d * k for d, k in zip(s, m))
    if name == "pad" and shapes and shapes[0] is not None and isinstance(params.get("paddings"), tuple):
        s, pads = shapes[0], params["paddings"]
        if len(pads) != len(s):
            return False
        return tuple(None if d is None else d + lo + hi for d, (lo, hi) in zip(s, pads))
    if name == "one_hot" and shapes and isinstance(params.get("depth"), int):
        s = shapes[0]
        if s is None:
            return None
        a = params.get("axis", -1)
        a = len(s) if a == -1 else a
        return s[:a] + (params["depth"],) + s[a:]
    if name == "matmul" and len(shapes) == 2 and None not in shapes:
        a, b = shapes
        if len(a) >= 2 and len(b) >= 2:
            batch = _broadcast([a[:-2], b[:-2]])
            return batch + (a[-2], b[-1])
    return False


def output_shapes(events, known, arrays=None, static=None) -> dict:
    """id(tensor) -> its symbolic shape (a tuple with None for a size the input specs leave
    open; None for an unknown rank), for the tensors a trace's ``events`` compute
    (``Tracer.events``), given ``known``: id(input tensor) -> its spec's shape, and ``arrays``:
    id(array) -> the traced value holding it (a new wrapper of a traced value, such as a
    tape's snapshot, has that value's shape).

    The rule, which never claims what the specs do not guarantee: a value that no input
    reaches has its traced shape; an input has its spec's; an op's result follows from its
    inputs' for broadcasting elementwise ops, reductions, ``transpose`` and ``matmul`` (as
    TF's shape inference: a None size carries, an unknown rank stays unknown, a size of 1
    against None is None); any other op or step whose inputs are all fully known has its
    traced shape, and otherwise unknown rank. Steps that name no inputs (reverse walks)
    have unknown rank when any input is open. A value computed in Python from an argument's
    ``.shape`` is a constant here (each new input shape records a new program, and the
    concrete function's output spec widens to cover it). ``static``: id(op result) -> the
    static shape the trace gave it (``Tracer.static``), which wins."""
    shapes = dict(known)
    if static:   # results made outside the op table (tf.where's indices …) have theirs too
        shapes.update(static)
    open_input = any(s is None or None in s for s in known.values())

    def shape_of(t):
        if id(t) in shapes:
            return shapes[id(t)]
        src = arrays.get(id(t._data)) if arrays else None
        if src is not None and src is not t:
            return shape_of(src)
        return tuple(t._data.shape)   # a constant (or a variable): as traced

    for name, args, outs, params in events:
        ins = [shape_of(a) for a in args if isinstance(a, Tensor)]
        if all(s is not None and None not in s for s in ins) and (ins or not open_input):
            results = [tuple(o._data.shape) for o in outs]
        else:
            s = _op_shape(name, ins, params) if params is not None else False
            if type(s) is list:   # one per result
                results = s if len(s) == len(outs) else [None] * len(outs)
            else:
                results = [s] if s is not False and len(outs) == 1 else [None] * len(outs)
        for o, s in zip(outs, results):
            shapes[id(o)] = static[id(o)] if static and id(o) in static else s
    return shapes
