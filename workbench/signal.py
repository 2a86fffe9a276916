"""``wb.signal``: TF's ``tf.signal``: FFTs, framing, short-time Fourier transforms, windows,
mel filter banks, MFCCs and the DCT and its inverse.

The FFTs, ``frame`` and ``overlap_and_add`` are op records whose forward runs the array module's
FFT (NumPy's on the host, CuPy's on a GPU). ``frame`` and ``overlap_and_add`` are each other's
adjoints and reverse (and forward) rules, so gradients of any order flow through them. Each FFT
is linear and its adjoint (TF's convention for complex values: the cotangent is
``dL/dRe + i dL/dIm``) is written with ops in ``ADJOINTS``; the tape carries real floating
tensors only, so gradients do not yet flow through the FFTs, ``stft`` or ``inverse_stft``.
``stft``, ``inverse_stft``, ``dct``, ``mfccs_from_log_mel_spectrograms`` and the shifts are
compositions of these and the library's other ops. Windows and the mel matrix are constants.

>>> wb.signal.stft(wb.zeros([2, 1000]), frame_length=256, frame_step=128).shape
TensorShape([2, 6, 129])
"""

from __future__ import annotations

import math

import numpy as np

from . import backend, core, dtypes
from .core import Tensor, apply, convert_to_tensor, defop
from .errors import argcheck
from .ops.elementwise import cast, multiply
from .ops.linalg import matmul
from .ops.shape import concat, reshape, transpose
from .ops.indexing import pad, reverse, roll

__all__ = ["dct", "fft", "fft2d", "fft3d", "fftshift", "frame", "hamming_window", "hann_window",
           "idct", "ifft", "ifft2d", "ifft3d", "ifftshift", "inverse_mdct", "inverse_stft",
           "inverse_stft_window_fn", "irfft", "irfft2d", "irfft3d", "kaiser_bessel_derived_window",
           "kaiser_window", "linear_to_mel_weight_matrix", "mdct",
           "mfccs_from_log_mel_spectrograms", "overlap_and_add", "rfft", "rfft2d", "rfft3d",
           "stft", "vorbis_window"]

_COMPLEX = {np.dtype(np.float32): np.complex64, np.dtype(np.float64): np.complex128}
_REAL = {np.dtype(np.complex64): np.float32, np.dtype(np.complex128): np.float64}


# ---------------------------------------------------------------------------
# array helpers (on xp)


def _fit(xp, a, lengths):
    """``a`` cropped or zero-padded at the end of its last ``len(lengths)`` axes to ``lengths``."""
    nd = len(lengths)
    sl = [slice(None)] * (a.ndim - nd) + [slice(0, n) for n in lengths]
    a = a[tuple(sl)]
    widths = [(0, 0)] * (a.ndim - nd) + [(0, n - s) for n, s in zip(lengths, a.shape[a.ndim - nd:])]
    if any(w[1] for w in widths):
        a = xp.pad(a, widths)
    return a


def _axes(nd):
    return tuple(range(-nd, 0))


# ---------------------------------------------------------------------------
# complex-to-complex FFTs


def _c2c_fwd(inverse, nd):
    def fwd(xp, x):
        f = xp.fft.ifftn if inverse else xp.fft.fftn
        return f(x, axes=_axes(nd)).astype(x.dtype, copy=False)
    return fwd


def _scalar(value, dtype):
    """The Python number ``value`` as a constant of ``dtype``, rounded once (``cast`` of a Python
    float goes through float32 first, as TF's)."""
    return core.wrap_constant(np.asarray(value, dtype=dtypes.np_dtype(dtype)))


def _c2c_op(name, inverse, nd):
    def scale(x):
        return float(np.prod(x.shape[-nd:]))

    def vjp(g, ans, x):
        # the adjoint of the DFT is n times the inverse DFT (and the other way round)
        other = _C2C[(not inverse, nd)]
        out = apply(other, (g,), {})
        return (multiply(out, _scalar(1.0 / scale(x) if inverse else scale(x), out.dtype)),)

    op = defop(name, _c2c_fwd(inverse, nd), vjp=vjp, jvp=lambda ts, ans, x: apply(op, (ts[0],), {}),
               dtypes="float")
    ADJOINTS[name] = vjp
    return op


# The reverse rules of the FFT ops (written with ops, each FFT's adjoint: TF's gradients, which
# the reverse walk takes as written, see gradients.walk.COMPLEX_AS_WRITTEN), tested by the
# dot-product identity ``<A x, g> = <x, A* g>`` too.
ADJOINTS: dict = {}
_C2C: dict = {}
for _nd, _suffix in ((1, ""), (2, "2d"), (3, "3d")):
    _C2C[(False, _nd)] = _c2c_op("fft" + _suffix, False, _nd)
    _C2C[(True, _nd)] = _c2c_op("ifft" + _suffix, True, _nd)


def _complex_input(input, opname, nd):
    x = convert_to_tensor(input)
    if x.dtype.kind != "c":
        raise TypeError(f"{opname}: input has dtype {x.dtype}, expected complex64 or complex128")
    if x.ndim < nd:
        raise ValueError(f"{opname}: input must have rank >= {nd}, got shape {x.shape}")
    return x


def fft(input, name=None):
    """The discrete Fourier transform over the innermost axis of a complex tensor."""
    return apply(_C2C[(False, 1)], (_complex_input(input, "fft", 1),), {})


def ifft(input, name=None):
    """The inverse discrete Fourier transform over the innermost axis (scaled by ``1/n``)."""
    return apply(_C2C[(True, 1)], (_complex_input(input, "ifft", 1),), {})


def fft2d(input, name=None):
    """The 2-D discrete Fourier transform over the two innermost axes of a complex tensor."""
    return apply(_C2C[(False, 2)], (_complex_input(input, "fft2d", 2),), {})


def ifft2d(input, name=None):
    """The inverse 2-D discrete Fourier transform over the two innermost axes."""
    return apply(_C2C[(True, 2)], (_complex_input(input, "ifft2d", 2),), {})


def fft3d(input, name=None):
    """The 3-D discrete Fourier transform over the three innermost axes of a complex tensor."""
    return apply(_C2C[(False, 3)], (_complex_input(input, "fft3d", 3),), {})


def ifft3d(input, name=None):
    """The inverse 3-D discrete Fourier transform over the three innermost axes."""
    return apply(_C2C[(True, 3)], (_complex_input(input, "ifft3d", 3),), {})


# ---------------------------------------------------------------------------
# real FFTs and their adjoints


def _rfft_fwd(xp, x, lengths):
    out = xp.fft.rfftn(x, s=lengths, axes=_axes(len(lengths)))
    return out.astype(_COMPLEX[x.dtype], copy=False)


def _rfft_adjoint_fwd(xp, g, lengths, shape):
    """The adjoint of ``rfft`` (complex ``[..., L1?, L//2+1]`` → real, fitted to ``shape``):
    the full axes' adjoints are ``n`` times the inverse DFT, the half axis is filled out with
    zeros, transformed back and its real part taken."""
    nd = len(lengths)
    for ax, n in zip(_axes(nd)[:-1], lengths[:-1]):
        g = xp.fft.ifft(g, axis=ax) * n
    n = lengths[-1]
    full = xp.zeros(g.shape[:-1] + (n,), g.dtype)
    full[..., :n // 2 + 1] = g
    out = (xp.fft.ifft(full, axis=-1) * n).real
    return _fit(xp, out, shape).astype(_REAL[g.dtype], copy=False)


def _irfft_fwd(xp, z, lengths):
    nd = len(lengths)
    z = _fit(xp, z, tuple(lengths[:-1]) + (lengths[-1] // 2 + 1,))
    return xp.fft.irfftn(z, s=lengths, axes=_axes(nd)).astype(_REAL[z.dtype], copy=False)


def _irfft_adjoint_fwd(xp, g, lengths, shape):
    """The adjoint of ``irfft`` (real ``[..., L]`` → complex, fitted to ``shape``): the half axis
    is the real DFT weighted by ``c_k / L`` (``c_k`` 2 for the bins that stand for a pair,
    1 for the zero and Nyquist bins), the full axes the DFT over ``n``."""
    nd = len(lengths)
    n = lengths[-1]
    out = xp.fft.rfft(g, axis=-1)
    c = xp.full((n // 2 + 1,), 2.0 / n, dtype=_REAL[np.dtype(_COMPLEX[g.dtype])])
    c[0] = 1.0 / n
    if n % 2 == 0:
        c[-1] = 1.0 / n
    out = out * c
    for ax, m in zip(_axes(nd)[:-1], lengths[:-1]):
        out = xp.fft.fft(out, axis=ax) / m
    return _fit(xp, out, shape).astype(_COMPLEX[g.dtype], copy=False)


def _rfft_vjp(g, ans, x, lengths):
    return (apply(_rfft_adjoint_op, (g,), {"lengths": lengths, "shape": x.shape[-len(lengths):]}),)


def _rfft_adjoint_vjp(g, ans, y, lengths, shape):
    return (apply(_rfft_op, (g,), {"lengths": lengths}),)


def _irfft_vjp(g, ans, z, lengths):
    return (apply(_irfft_adjoint_op, (g,), {"lengths": lengths, "shape": z.shape[-len(lengths):]}),)


def _irfft_adjoint_vjp(g, ans, y, lengths, shape):
    return (apply(_irfft_op, (g,), {"lengths": lengths}),)


def _linear_jvp(op_of):
    def jvp(ts, ans, x, **params):
        return apply(op_of(), (ts[0],), params)
    return jvp


_rfft_op = defop("rfft", _rfft_fwd, vjp=_rfft_vjp, jvp=_linear_jvp(lambda: _rfft_op), dtypes="real")
_rfft_adjoint_op = defop("rfft_adjoint", _rfft_adjoint_fwd, vjp=_rfft_adjoint_vjp,
                         jvp=_linear_jvp(lambda: _rfft_adjoint_op), dtypes="float")
_irfft_op = defop("irfft", _irfft_fwd, vjp=_irfft_vjp, jvp=_linear_jvp(lambda: _irfft_op), dtypes="float")
_irfft_adjoint_op = defop("irfft_adjoint", _irfft_adjoint_fwd, vjp=_irfft_adjoint_vjp,
                          jvp=_linear_jvp(lambda: _irfft_adjoint_op), dtypes="real")
ADJOINTS.update(rfft=_rfft_vjp, rfft_adjoint=_rfft_adjoint_vjp, irfft=_irfft_vjp, irfft_adjoint=_irfft_adjoint_vjp)


def _fft_length(fft_length, opname, nd, default):
    if fft_length is None:
        return default
    vals = argcheck.integers(fft_length, "fft_length", opname, expected=f"a list of {nd} positive ints")
    if len(vals) != nd or min(vals) < 1:
        raise ValueError(f"{opname}: fft_length must be {nd} positive integer(s), got {fft_length!r}")
    return tuple(int(v) for v in vals)


def _rfft(input, fft_length, opname, nd):
    x = convert_to_tensor(input)
    if x.dtype.kind != "f":
        raise TypeError(f"{opname}: input has dtype {x.dtype}, expected float32 or float64")
    if x.ndim < nd:
        raise ValueError(f"{opname}: input must have rank >= {nd}, got shape {x.shape}")
    lengths = _fft_length(fft_length, opname, nd, tuple(x.shape[-nd:]))
    if fft_length is not None:
        _length_hint("rfft", x, fft_length, lengths, half=True)
    return apply(_rfft_op, (x,), {"lengths": lengths})


def _length_hint(op_name, x, fft_length, lengths, half=False):
    """In a trace with open sizes: TF's static shape of an FFT given ``fft_length``, whose
    transformed sizes are ``lengths`` whatever the input's are (None where an argument decides
    the length); ``half``: the innermost is ``length // 2 + 1`` (rfft)."""
    if core.open_shapes_traced():
        s = x._static_shape()
        known = core.static_value(fft_length)
        if s.rank is not None:
            sizes = [n if k is not None else None for n, k in zip(lengths, known or (None,) * len(lengths))]
            if half and sizes[-1] is not None:
                sizes[-1] = sizes[-1] // 2 + 1
            core.static_shape_hint(op_name, tuple(s.as_list()[:s.rank - len(sizes)]) + tuple(sizes))


def _irfft(input, fft_length, opname, nd):
    z = _complex_input(input, opname, nd)
    default = tuple(z.shape[-nd:-1]) + (2 * (z.shape[-1] - 1),)
    lengths = _fft_length(fft_length, opname, nd, default)
    if min(lengths) < 1:
        raise ValueError(f"{opname}: input's innermost dimension {z.shape[-1]} gives no fft_length; pass one")
    if fft_length is not None:
        _length_hint("irfft", z, fft_length, lengths)
    return apply(_irfft_op, (z,), {"lengths": lengths})


def rfft(input_tensor, fft_length=None, name=None):
    """The DFT of a real signal over its innermost axis: ``fft_length // 2 + 1`` complex bins.
    The signal is cropped or zero-padded to ``fft_length`` (default: its length)."""
    return _rfft(input_tensor, fft_length, "rfft", 1)


def irfft(input_tensor, fft_length=None, name=None):
    """The real signal of length ``fft_length`` (default ``2 * (n - 1)``) whose ``rfft`` is
    ``input_tensor``'s first ``fft_length // 2 + 1`` bins (zero-padded when fewer)."""
    return _irfft(input_tensor, fft_length, "irfft", 1)


def rfft2d(input_tensor, fft_length=None, name=None):
    """The 2-D DFT of a real signal over its two innermost axes (the innermost halved)."""
    return _rfft(input_tensor, fft_length, "rfft2d", 2)


def irfft2d(input_tensor, fft_length=None, name=None):
    """The inverse of ``rfft2d``: a real signal of shape ``fft_length`` over the two innermost axes."""
    return _irfft(input_tensor, fft_length, "irfft2d", 2)


def rfft3d(input_tensor, fft_length=None, name=None):
    """The 3-D DFT of a real signal over its three innermost axes (the innermost halved)."""
    return _rfft(input_tensor, fft_length, "rfft3d", 3)


def irfft3d(input_tensor, fft_length=None, name=None):
    """The inverse of ``rfft3d``: a real signal of shape ``fft_length`` over the three innermost
    axes."""
    return _irfft(input_tensor, fft_length, "irfft3d", 3)


def _shift_axes(x, axes, opname):
    if axes is None:
        return list(range(x.ndim))
    vals = [axes] if isinstance(axes, int) else list(argcheck.integers(axes, "axes", opname, "an int or a list of ints"))
    for a in vals:
        if not -x.ndim <= a < x.ndim:
            raise ValueError(f"{opname}: axis {a} is out of range for a tensor of rank {x.ndim}")
    return [a % x.ndim for a in vals]


def fftshift(x, axes=None, name=None):
    """The zero-frequency bin moved to the centre of each of ``axes`` (default all)."""
    x = convert_to_tensor(x)
    axes = _shift_axes(x, axes, "fftshift")
    return roll(x, [x.shape[a] // 2 for a in axes], axes) if axes else x


def ifftshift(x, axes=None, name=None):
    """The inverse of ``fftshift``."""
    x = convert_to_tensor(x)
    axes = _shift_axes(x, axes, "ifftshift")
    return roll(x, [-(x.shape[a] // 2) for a in axes], axes) if axes else x


# ---------------------------------------------------------------------------
# frame and overlap_and_add (each the other's adjoint)


def _frame_fwd(xp, x, frame_length, frame_step, num_frames, axis):
    x = xp.moveaxis(x, axis, -1)
    idx = (xp.arange(num_frames)[:, None] * frame_step + xp.arange(frame_length)[None, :])
    out = x[..., idx]
    return xp.moveaxis(out, (-2, -1), (axis - 1, axis)) if axis != -1 else out


def _overlap_fwd(xp, frames, frame_step, length, axis):
    """Frames on axes ``axis - 1, axis`` (``axis`` negative) summed into ``length`` samples:
    each frame cut into ``frame_step`` blocks, block ``r`` of every frame added in one slice."""
    f = xp.moveaxis(frames, (axis - 1, axis), (-2, -1)) if axis != -1 else frames
    num_frames, frame_length = f.shape[-2:]
    blocks = -(-frame_length // frame_step)
    f = xp.pad(f, [(0, 0)] * (f.ndim - 1) + [(0, blocks * frame_step - frame_length)])
    f = f.reshape(f.shape[:-1] + (blocks, frame_step))
    total = max(num_frames + blocks - 1, -(-length // frame_step))
    out = xp.zeros(f.shape[:-3] + (total, frame_step), f.dtype)
    for r in range(blocks):
        out[..., r:r + num_frames, :] += f[..., r, :]
    out = out.reshape(out.shape[:-2] + (total * frame_step,))[..., :length]
    return xp.moveaxis(out, -1, axis) if axis != -1 else out


def _frame_vjp(g, ans, x, frame_length, frame_step, num_frames, axis):
    return (apply(_overlap_op, (g,), {"frame_step": frame_step, "length": x.shape[axis], "axis": axis}),)


def _overlap_vjp(g, ans, frames, frame_step, length, axis):
    frame_length = frames.shape[axis]
    num_frames = frames.shape[axis - 1]
    return (apply(_frame_op, (g,), {"frame_length": frame_length, "frame_step": frame_step,
                                    "num_frames": num_frames, "axis": axis}),)


_frame_op = defop("frame", _frame_fwd, vjp=_frame_vjp, jvp=_linear_jvp(lambda: _frame_op), dtypes="any")
_overlap_op = defop("overlap_and_add", _overlap_fwd, vjp=_overlap_vjp, jvp=_linear_jvp(lambda: _overlap_op),
                    dtypes="numeric")


def _scalar_value(value):
    """A scalar integer tensor's value (read in Python: a trace runs the function eagerly), or
    ``value`` itself."""
    if isinstance(value, Tensor) and value.ndim == 0 and value.dtype.kind in "iu":
        return int(value.numpy())
    return value


def _unknown(value) -> bool:
    """Whether TF's shape inference does not know ``value`` (a tensor an argument decides)."""
    return isinstance(value, Tensor) and core.tracing() and core.static_value(value) is None


def _positive_int(value, what, opname):
    value = _scalar_value(value)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{opname}: {what} must be a positive integer, got {value!r}")
    return int(value)


def frame(signal, frame_length, frame_step, pad_end=False, pad_value=0, axis=-1, name=None):
    """Windows of ``frame_length`` samples every ``frame_step`` along ``axis``: that axis becomes
    ``[num_frames, frame_length]``. With ``pad_end`` the end is padded with ``pad_value`` so
    that every sample is in a frame (``ceil(n / frame_step)`` frames); otherwise frames that
    would run past the end are dropped."""
    x = convert_to_tensor(signal)
    open_length, open_step = _unknown(frame_length), _unknown(frame_step)
    frame_length = _positive_int(frame_length, "frame_length", "frame")
    frame_step = _positive_int(frame_step, "frame_step", "frame")
    if x.ndim < 1:
        raise ValueError("frame: signal must have rank >= 1, got a scalar")
    if not isinstance(axis, (int, np.integer)) or not -x.ndim <= axis < x.ndim:
        raise ValueError(f"frame: axis must be an int in [{-x.ndim}, {x.ndim}), got {axis!r}")
    axis = int(axis) - x.ndim if axis >= 0 else int(axis)
    n = x.shape[axis]
    if pad_end:
        num_frames = -(-n // frame_step)
        need = max((num_frames - 1) * frame_step + frame_length - n, 0)
        if need:
            widths = [[0, 0] for _ in range(x.ndim)]
            widths[axis][1] = need
            x = pad(x, widths, constant_values=pad_value)
    else:
        num_frames = max(0, 1 + (n - frame_length) // frame_step) if n >= frame_length else 0
    out = apply(_frame_op, (x,), {"frame_length": frame_length, "frame_step": frame_step,
                                  "num_frames": num_frames, "axis": axis})
    if open_length or open_step:   # TF's static shape: the sizes the tensors decide are open
        dims = convert_to_tensor(signal)._static_shape()
        if dims.rank is None:
            return core.static_result(out, None)
        d = dims.as_list()
        core.static_result(out, tuple(d[:len(d) + axis]) + (None, None if open_length else frame_length)
                           + tuple(d[len(d) + axis + 1:]))
    return out


def overlap_and_add(signal, frame_step, name=None):
    """Frames ``[..., frames, frame_length]`` summed at ``frame_step`` apart into
    ``[..., (frames - 1) * frame_step + frame_length]``."""
    x = convert_to_tensor(signal)
    frame_step = _positive_int(frame_step, "frame_step", "overlap_and_add")
    if x.ndim < 2:
        raise ValueError(f"overlap_and_add: signal must have rank >= 2, got shape {x.shape}")
    num_frames, frame_length = x.shape[-2:]
    length = max(num_frames - 1, 0) * frame_step + frame_length if num_frames else 0
    return apply(_overlap_op, (x,), {"frame_step": frame_step, "length": length, "axis": -1})


# ---------------------------------------------------------------------------
# windows


def _np_dtype(dtype):
    return dtypes.as_dtype(dtype)


def _window(window_length, periodic, dtype, a, opname):
    n, dt = _length_and_dtype(window_length, dtype, opname)
    if n == 1:
        w = np.ones(1)
    else:
        denom = n if periodic and n % 2 == 0 else n - 1   # TF: an odd length is symmetric either way
        w = a - (1 - a) * np.cos(2 * np.pi * np.arange(n) / max(denom, 1))
    out = core.wrap_constant(np.asarray(w, dtype=dt))
    return core.static_result(out, (None,)) if _unknown(window_length) else out


def hann_window(window_length, periodic=True, dtype=np.float32, name=None):
    """The Hann window ``0.5 - 0.5 cos(2 pi n / N)``, ``N`` the length (periodic, an even
    length) or length - 1 (``periodic=False``, or an odd length, as TF)."""
    return _window(window_length, periodic, dtype, 0.5, "hann_window")


def hamming_window(window_length, periodic=True, dtype=np.float32, name=None):
    """The Hamming window ``0.54 - 0.46 cos(2 pi n / N)``, ``N`` the length (periodic, an even
    length) or length - 1 (``periodic=False``, or an odd length, as TF)."""
    return _window(window_length, periodic, dtype, 0.54, "hamming_window")


def _length_and_dtype(window_length, dtype, opname):
    window_length = _scalar_value(window_length)
    if isinstance(window_length, bool) or not isinstance(window_length, (int, np.integer)) or window_length < 0:
        raise ValueError(f"{opname}: window_length must be a non-negative integer, got {window_length!r}")
    dt = _np_dtype(dtype)
    if dt.kind != "f":
        raise TypeError(f"{opname}: dtype must be a floating dtype, got {dtype!r}")
    return int(window_length), dt


def kaiser_window(window_length, beta=12.0, dtype=np.float32, name=None):
    """The (symmetric) Kaiser window ``I0(beta sqrt(1 - (2n / (N - 1) - 1)^2)) / I0(beta)``."""
    n, dt = _length_and_dtype(window_length, dtype, "kaiser_window")
    return core.wrap_constant(np.asarray(np.kaiser(n, float(beta)) if n > 1 else np.ones(n), dtype=dt))


def vorbis_window(window_length, dtype=np.float32, name=None):
    """The Vorbis power-complementary window ``sin(pi / 2 sin^2(pi (n + 1/2) / N))``."""
    n, dt = _length_and_dtype(window_length, dtype, "vorbis_window")
    w = np.sin(np.pi / 2 * np.sin(np.pi * (np.arange(n) + 0.5) / max(n, 1)) ** 2)
    return core.wrap_constant(np.asarray(w, dtype=dt))


# ---------------------------------------------------------------------------
# short-time Fourier transforms


def _on_device_of(like, window):
    """A window's values as a constant of ``like``'s dtype on ``like``'s device."""
    w = convert_to_tensor(window)
    return core.wrap_constant(_device_array(like, np.asarray(backend.to_numpy(w._data), dtype=like.dtype)))


def _default_fft_length(frame_length):
    return 1 << max(int(frame_length) - 1, 0).bit_length()


def stft(signals, frame_length, frame_step, fft_length=None, window_fn=hann_window, pad_end=False, name=None):
    """Short-time Fourier transform of real ``signals`` ``[..., samples]``:
    ``[..., frames, fft_length // 2 + 1]`` complex bins (``fft_length`` defaults to the
    smallest power of two >= ``frame_length``)."""
    x = convert_to_tensor(signals)
    if x.dtype.kind != "f":
        raise TypeError(f"stft: signals has dtype {x.dtype}, expected float32 or float64")
    frame_length = _positive_int(frame_length, "frame_length", "stft")
    fft_length = _default_fft_length(frame_length) if fft_length is None else _positive_int(
        fft_length, "fft_length", "stft")
    framed = frame(x, frame_length, frame_step, pad_end=pad_end)
    if window_fn is not None:
        framed = multiply(framed, _on_device_of(framed, window_fn(frame_length, dtype=x.dtype)))
    return rfft(framed, [fft_length])


def inverse_stft(stfts, frame_length, frame_step, fft_length=None, window_fn=hann_window, name=None):
    """The signal whose ``stft`` is ``stfts`` ``[..., frames, fft_length // 2 + 1]``: each
    frame's ``irfft`` (fitted to ``frame_length``) times the window, overlapped and added.
    Exact inversion wants ``window_fn=inverse_stft_window_fn(frame_step)``."""
    z = _complex_input(stfts, "inverse_stft", 2)
    frame_length = _positive_int(frame_length, "frame_length", "inverse_stft")
    fft_length = _default_fft_length(frame_length) if fft_length is None else _positive_int(
        fft_length, "fft_length", "inverse_stft")
    frames = irfft(z, [fft_length])
    if fft_length != frame_length:
        frames = frames[..., :frame_length]
        if fft_length < frame_length:
            widths = [[0, 0]] * (frames.ndim - 1) + [[0, frame_length - fft_length]]
            frames = pad(frames, widths)
    if window_fn is not None:
        frames = multiply(frames, _on_device_of(frames, window_fn(frame_length, dtype=frames.dtype)))
    return overlap_and_add(frames, frame_step)


def inverse_stft_window_fn(frame_step, forward_window_fn=hann_window, name=None):
    """A window function for ``inverse_stft`` that undoes ``forward_window_fn``'s windowing:
    the forward window divided by the sum of its squares over the frames overlapping each sample."""
    frame_step = _positive_int(frame_step, "frame_step", "inverse_stft_window_fn")

    def inverse_stft_window(frame_length, dtype=np.float32):
        w = np.asarray(forward_window_fn(frame_length, dtype=dtype).numpy(), dtype=np.float64)
        overlaps = -(-frame_length // frame_step)
        denom = np.pad(w * w, (0, overlaps * frame_step - frame_length))
        denom = denom.reshape(overlaps, frame_step).sum(axis=0, keepdims=True)
        denom = np.tile(denom, (overlaps, 1)).reshape(-1)[:frame_length]
        return core.wrap_constant(np.asarray(w / denom, dtype=_np_dtype(dtype)))
    return inverse_stft_window


# ---------------------------------------------------------------------------
# mel filter banks, DCT, MFCCs


def _hz_to_mel(f):
    """HTK's mel scale: ``1127 ln(1 + f / 700)``."""
    return 1127.0 * np.log1p(np.asarray(f, np.float64) / 700.0)


def linear_to_mel_weight_matrix(num_mel_bins=20, num_spectrogram_bins=129, sample_rate=8000,
                                lower_edge_hertz=125.0, upper_edge_hertz=3800.0, dtype=np.float32, name=None):
    """``[num_spectrogram_bins, num_mel_bins]`` triangular filters on HTK's mel scale, evenly
    spaced in mel between the edges, for spectrogram bins linear from 0 to ``sample_rate / 2``
    (the DC bin's row is zero). ``spectrogram @ matrix`` gives the mel spectrogram."""
    op = "linear_to_mel_weight_matrix"
    num_mel_bins = _positive_int(num_mel_bins, "num_mel_bins", op)
    num_spectrogram_bins = _positive_int(num_spectrogram_bins, "num_spectrogram_bins", op)
    if not sample_rate > 0:
        raise ValueError(f"{op}: sample_rate must be positive, got {sample_rate!r}")
    if lower_edge_hertz < 0:
        raise ValueError(f"{op}: lower_edge_hertz must be non-negative, got {lower_edge_hertz!r}")
    if lower_edge_hertz >= upper_edge_hertz:
        raise ValueError(f"{op}: lower_edge_hertz {lower_edge_hertz} must be below upper_edge_hertz "
                         f"{upper_edge_hertz}")
    nyquist = sample_rate / 2.0
    if upper_edge_hertz > nyquist:
        raise ValueError(f"{op}: upper_edge_hertz {upper_edge_hertz} exceeds the Nyquist frequency {nyquist}")
    linear = np.linspace(0.0, nyquist, num_spectrogram_bins)[1:]
    spec_mel = _hz_to_mel(linear)[:, None]
    edges = np.linspace(_hz_to_mel(lower_edge_hertz), _hz_to_mel(upper_edge_hertz), num_mel_bins + 2)
    lower, center, upper = edges[:-2], edges[1:-1], edges[2:]
    lower_slopes = (spec_mel - lower) / (center - lower)
    upper_slopes = (upper - spec_mel) / (upper - center)
    weights = np.maximum(0.0, np.minimum(lower_slopes, upper_slopes))
    weights = np.pad(weights, [[1, 0], [0, 0]])
    return core.wrap_constant(np.asarray(weights, dtype=_np_dtype(dtype)))


def _dct_matrix(n, type, norm):
    """``M`` ``[n, n]`` with ``dct(x) = x @ M`` (``x`` fitted to ``n`` samples), SciPy's scaling."""
    k = np.arange(n)[None, :]   # output index
    j = np.arange(n)[:, None]   # input index
    if type == 1:
        m = 2.0 * np.cos(np.pi * j * k / (n - 1))
        m[0, :] = 1.0
        m[-1, :] = np.where(np.arange(n) % 2 == 0, 1.0, -1.0)
    elif type == 2:
        m = 2.0 * np.cos(np.pi * k * (2 * j + 1) / (2 * n))
        if norm == "ortho":
            m = m * np.where(k == 0, math.sqrt(1.0 / (4 * n)), math.sqrt(1.0 / (2 * n)))
    elif type == 3:
        m = 2.0 * np.cos(np.pi * (2 * k + 1) * j / (2 * n))
        m[0, :] = 1.0
        if norm == "ortho":
            m = m * np.where(j == 0, 1.0 / math.sqrt(n), 1.0 / math.sqrt(2 * n))
    else:
        m = 2.0 * np.cos(np.pi * (2 * k + 1) * (2 * j + 1) / (4 * n))
        if norm == "ortho":
            m = m * math.sqrt(1.0 / (2 * n))
    return m


def dct(input, type=2, n=None, axis=-1, norm=None, name=None):
    """The discrete cosine transform of type 1, 2, 3 or 4 over the innermost axis, with SciPy's
    ``scipy.fft.dct`` scaling (``norm`` None or ``"ortho"``; type 1 has no orthonormal form);
    ``n`` crops or zero-pads the input."""
    return _dct(input, type, n, axis, norm, "dct")


def idct(input, type=2, n=None, axis=-1, norm=None, name=None):
    """The inverse DCT as TF defines it: the DCT of the inverse type (1→1, 2→3, 3→2, 4→4),
    unscaled, so ``idct(dct(x)) * 0.5 / n == x`` for ``norm=None`` (``(n - 1)`` for type 1)
    and ``idct(dct(x, norm="ortho"), norm="ortho") == x``."""
    if type not in (1, 2, 3, 4):
        raise ValueError(f"idct: type must be 1, 2, 3 or 4, got {type!r}")
    return _dct(input, {1: 1, 2: 3, 3: 2, 4: 4}[type], n, axis, norm, "idct")


def _dct(input, type, n, axis, norm, opname):
    x = convert_to_tensor(input)
    if type not in (1, 2, 3, 4):
        raise ValueError(f"{opname}: type must be 1, 2, 3 or 4, got {type!r}")
    if norm not in (None, "ortho"):
        raise ValueError(f"{opname}: norm must be None or 'ortho', got {norm!r}")
    if type == 1 and norm == "ortho":
        raise ValueError(f"{opname}: norm='ortho' is not defined for a type-1 DCT")
    if x.dtype.kind != "f":
        raise TypeError(f"{opname}: input has dtype {x.dtype}, expected float32 or float64")
    if x.ndim < 1:
        raise ValueError(f"{opname}: input must have rank >= 1, got a scalar")
    if axis not in (-1, x.ndim - 1):
        raise ValueError(f"{opname}: only the innermost axis (axis=-1) is supported, got axis={axis!r}")
    size = x.shape[-1]
    given = n
    n = size if n is None else _positive_int(n, "n", opname)
    if type == 1 and n < 2:
        raise ValueError(f"{opname}: a type-1 DCT needs at least 2 samples, got {n}")
    if n < size:
        x = x[..., :n]
    elif n > size:
        x = pad(x, [[0, 0]] * (x.ndim - 1) + [[0, n - size]])
    m = core.wrap_constant(_device_array(x, _dct_matrix(n, type, norm).astype(x.dtype)))
    shape = x.shape
    out = reshape(matmul(reshape(x, [-1, n]), m), list(shape))
    if core.open_shapes_traced():   # TF: the input's static sizes; the last open where the input's is
        dims = convert_to_tensor(input)._static_shape()
        if dims.rank is None:
            core.static_result(out, None)
        else:
            last = dims.as_list()[-1]
            core.static_result(out, tuple(dims.as_list()[:-1]) + (None if last is None else n,))
    return out


def _device_array(like, arr):
    return backend.xp_of(like._data).asarray(arr)


def mfccs_from_log_mel_spectrograms(log_mel_spectrograms, name=None):
    """Mel-frequency cepstral coefficients: the type-2 DCT of the log mel spectrograms over the
    innermost axis, scaled by ``1 / sqrt(2 * num_mel_bins)`` (orthonormal but for the first)."""
    x = convert_to_tensor(log_mel_spectrograms)
    if x.ndim < 1 or x.shape[-1] < 1:
        raise ValueError(f"mfccs_from_log_mel_spectrograms: need a non-empty innermost axis, got shape {x.shape}")
    num_mel_bins = x.shape[-1]
    out = dct(x, type=2)
    return multiply(out, _scalar(1.0 / math.sqrt(2.0 * num_mel_bins), out.dtype))


def kaiser_bessel_derived_window(window_length, beta=12.0, dtype=np.float32, name=None):
    """The Kaiser-Bessel-derived window (TF's ``tf.signal.kaiser_bessel_derived_window``):
    the square root of the running sum of a Kaiser window of ``window_length // 2 + 1``
    points over its total, mirrored; power-complementary, so an MDCT with it reconstructs."""
    n, dt = _length_and_dtype(window_length, dtype, "kaiser_bessel_derived_window")
    half = n // 2
    k = np.kaiser(half + 1, float(beta))
    cum = np.cumsum(k[:half]) / k.sum()
    w = np.sqrt(np.concatenate([cum, cum[::-1]]))
    return core.wrap_constant(np.asarray(w, dtype=dt))


def _mdct_window(window_fn, length, dtype):
    if window_fn is None:   # a rectangle scaled by 1/sqrt(2), as TF
        return _scalar(1.0 / math.sqrt(2.0), dtype)
    return cast(window_fn(length, dtype=dtype), dtype)


def mdct(signals, frame_length, window_fn=vorbis_window, pad_end=False, norm=None, name=None):
    """The modified discrete cosine transform of frames of ``signals`` (TF's ``tf.signal.mdct``).

    ``signals``: ``[..., samples]`` float; frames of ``frame_length`` (a multiple of 4) samples
    every ``frame_length // 2``, windowed by ``window_fn(frame_length, dtype=...)`` (None: a
    rectangle scaled by ``1/sqrt(2)``), give ``[..., frames, frame_length // 2]`` coefficients:
    the type-4 DCT of each folded frame (``norm="ortho"``: orthonormal). Differentiable.

    >>> wb.signal.mdct(wb.ones([16]), 8).shape
    TensorShape([3, 4])
    """
    x = convert_to_tensor(signals)
    if x.ndim < 1 or x.dtype.kind != "f":
        raise ValueError(f"mdct: signals must be a floating tensor of rank >= 1, got {x.dtype} "
                         f"of shape {x.shape}")
    frame_length = _positive_int(frame_length, "frame_length", "mdct")
    if frame_length % 4:
        raise ValueError(f"mdct: frame_length must be a multiple of 4, got {frame_length}")
    if norm not in (None, "ortho"):
        raise ValueError(f"mdct: norm must be None or 'ortho', got {norm!r}")
    frames = frame(x, frame_length, frame_length // 2, pad_end=pad_end)
    frames = multiply(frames, _mdct_window(window_fn, frame_length, frames.dtype))
    q = frame_length // 4
    a, b, c, d = (frames[..., i * q:(i + 1) * q] for i in range(4))
    # fold the frame to half its length (time-domain aliasing), then a DCT-IV
    folded = concat([-reverse(c, [-1]) - d, a - reverse(b, [-1])], axis=-1)
    return dct(folded, type=4, norm=norm)


def inverse_mdct(mdcts, window_fn=vorbis_window, norm=None, name=None):
    """The inverse of :func:`mdct` (TF's ``tf.signal.inverse_mdct``): ``[..., frames, N]``
    coefficients give ``[..., (frames - 1) * N + 2 N]`` samples by the DCT-IV (scaled by
    ``1 / (2 N)``, or orthonormal with ``norm="ortho"``), unfolding, windowing and overlap-add.
    With a power-complementary window (Vorbis, Kaiser-Bessel-derived, or None) it reconstructs
    what ``mdct`` was given, except the first and last half frames.

    >>> x = wb.random.stateless_normal([64], seed=[1, 2])
    >>> padded = wb.pad(x, [[4, 4]])
    >>> y = wb.signal.inverse_mdct(wb.signal.mdct(padded, 8))
    >>> bool(np.allclose(y[4:68].numpy(), x.numpy(), atol=1e-5))
    True
    """
    m = convert_to_tensor(mdcts)
    if m.ndim < 2 or m.dtype.kind != "f":
        raise ValueError(f"inverse_mdct: mdcts must be a floating tensor of rank >= 2 "
                         f"([..., frames, frame_length // 2]), got {m.dtype} of shape {m.shape}")
    if norm not in (None, "ortho"):
        raise ValueError(f"inverse_mdct: norm must be None or 'ortho', got {norm!r}")
    half = m.shape[-1]
    if norm is None:
        y = multiply(dct(m, type=4), _scalar(0.5 / half, m.dtype))
    else:
        y = dct(m, type=4, norm="ortho")
    h = half // 2
    first, second = y[..., :h], y[..., h:]
    frames = concat([second, -reverse(second, [-1]), -reverse(first, [-1]), -first], axis=-1)
    frames = multiply(frames, _mdct_window(window_fn, 2 * half, frames.dtype))
    return overlap_and_add(frames, half)


# ---------------------------------------------------------------------------
# N-dimensional FFTs over chosen axes (TF 2.21's fftnd family), composed of the 1-D ops


def _nd_args(x, fft_length, axes, norm, opname, halved=False):
    """``(axes, lengths)`` as TF: ``axes`` defaults to every axis, ``fft_length`` to the
    input's sizes along ``axes`` (for the inverse real FFT the last is ``2 * (n - 1)``)."""
    if axes is None:
        axes = list(range(x.ndim))
    else:
        axes = [axes] if isinstance(axes, int) else list(argcheck.integers(
            axes, "axes", opname, "a list of ints"))
        for a in axes:
            if not -x.ndim <= a < x.ndim:
                raise ValueError(f"{opname}: axis {a} is out of range for a tensor of rank {x.ndim}")
        axes = [a % x.ndim for a in axes]
        if len(set(axes)) != len(axes):
            raise ValueError(f"{opname}: axes must not repeat, got {axes}")
    if not axes:
        raise ValueError(f"{opname}: axes must name at least one axis")
    if fft_length is None:
        lengths = [x.shape[a] for a in axes]
        if halved:
            lengths[-1] = max(0, 2 * (lengths[-1] - 1))
    else:
        lengths = [int(v) for v in argcheck.integers(fft_length, "fft_length", opname,
                                                     "a list of positive ints")]
        if len(lengths) != len(axes):
            raise ValueError(f"{opname}: fft_length {lengths} must have one entry per axis of "
                             f"axes {axes} (axes defaults to every axis of the rank-{x.ndim} input)")
    if min(lengths) < 1:
        raise ValueError(f"{opname}: fft_length must be positive, got {lengths}")
    if norm not in (None, "backward", "forward", "ortho"):
        raise ValueError(f"{opname}: norm must be 'backward', 'forward' or 'ortho', got {norm!r}")
    return axes, lengths


def _along(x, axis, fn):
    """``fn`` applied with ``axis`` moved innermost, the axis then moved back."""
    if axis == x.ndim - 1:
        return fn(x)
    perm = [a for a in range(x.ndim) if a != axis] + [axis]
    back = np.argsort(perm).tolist()
    return transpose(fn(transpose(x, perm)), back)


def _fit_last(x, n):
    """``x`` cropped or zero-padded at the end of its innermost axis to ``n``."""
    m = x.shape[-1]
    if m > n:
        return x[..., :n]
    if m < n:
        return pad(x, [[0, 0]] * (x.ndim - 1) + [[0, n - m]])
    return x


def _norm_scale(y, lengths, norm, inverse):
    n = float(np.prod(lengths))
    factor = {None: 1.0, "backward": 1.0, "forward": n, "ortho": math.sqrt(n)}[norm]
    if factor == 1.0:
        return y
    scale = np.asarray(factor if inverse else 1.0 / factor, dtype=np.dtype(y.dtype.name))
    return multiply(y, convert_to_tensor(scale))


def _c2c_nd(input_tensor, fft_length, axes, norm, opname, inverse):
    x = _complex_input(input_tensor, opname, 1)
    axes, lengths = _nd_args(x, fft_length, axes, norm, opname)
    op = _C2C[(inverse, 1)]
    for a, n in zip(axes, lengths):
        x = _along(x, a, lambda t, n=n: apply(op, (_fit_last(t, n),), {}))
    return _norm_scale(x, lengths, norm, inverse)


def fftnd(input_tensor, fft_length=None, axes=None, norm=None, name=None):
    """The N-D discrete Fourier transform of a complex tensor over ``axes`` (default every
    axis), each cropped or zero-padded to ``fft_length`` (default its size). ``norm``:
    ``'backward'`` (default, unscaled), ``'ortho'`` (``1/sqrt(n)``) or ``'forward'`` (``1/n``).

    >>> wb.signal.fftnd(wb.constant([[1, 2], [3, 4]], wb.complex64)).numpy()
    array([[10.+0.j, -2.+0.j],
           [-4.+0.j,  0.+0.j]], dtype=complex64)
    """
    return _c2c_nd(input_tensor, fft_length, axes, norm, "fftnd", False)


def ifftnd(input_tensor, fft_length=None, axes=None, norm=None, name=None):
    """The inverse of :func:`fftnd` (scaled by ``1/n`` with the default ``norm``)."""
    return _c2c_nd(input_tensor, fft_length, axes, norm, "ifftnd", True)


def rfftnd(input_tensor, fft_length=None, axes=None, norm=None, name=None):
    """The N-D DFT of a real tensor over ``axes`` (default every axis): the last of ``axes``
    keeps ``fft_length[-1] // 2 + 1`` bins. Arguments as :func:`fftnd`."""
    x = convert_to_tensor(input_tensor)
    if x.dtype.kind != "f":
        raise TypeError(f"rfftnd: input_tensor has dtype {x.dtype}, expected float32 or float64")
    axes, lengths = _nd_args(x, fft_length, axes, norm, "rfftnd")
    x = _along(x, axes[-1], lambda t: apply(_rfft_op, (t,), {"lengths": (lengths[-1],)}))
    for a, n in zip(axes[:-1], lengths[:-1]):
        x = _along(x, a, lambda t, n=n: apply(_C2C[(False, 1)], (_fit_last(t, n),), {}))
    return _norm_scale(x, lengths, norm, False)


def irfftnd(input_tensor, fft_length=None, axes=None, norm=None, name=None):
    """The real tensor whose :func:`rfftnd` over ``axes`` is ``input_tensor``: the last of
    ``axes`` becomes ``fft_length[-1]`` long (default ``2 * (n - 1)``)."""
    x = _complex_input(input_tensor, "irfftnd", 1)
    axes, lengths = _nd_args(x, fft_length, axes, norm, "irfftnd", halved=True)
    for a, n in zip(axes[:-1], lengths[:-1]):
        x = _along(x, a, lambda t, n=n: apply(_C2C[(True, 1)], (_fit_last(t, n),), {}))
    x = _along(x, axes[-1], lambda t: apply(_irfft_op, (t,), {"lengths": (lengths[-1],)}))
    return _norm_scale(x, lengths, norm, True)


__all__ += ["fftnd", "ifftnd", "irfftnd", "rfftnd"]
