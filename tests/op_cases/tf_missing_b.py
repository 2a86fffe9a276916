"""Cases for the N-D FFTs (composed of the 1-D FFT ops) and the space/batch reshuffles."""

import workbench as wb

from . import Case, uniform

_S = wb.signal


def _ffts(r):
    z = _S.rfftnd(r, axes=[2, 0], fft_length=[4, 2])
    w = _S.fftnd(z * z, axes=[1], norm="ortho")
    return (wb.reduce_sum(wb.math.real(w)) + wb.reduce_sum(wb.math.imag(_S.ifftnd(w, axes=[0, 1])) ** 2)
            + wb.reduce_sum(_S.irfftnd(z, axes=[0, 2], fft_length=[3, 3], norm="forward") ** 2))


CASES = [
    Case("fftnd, ifftnd, rfftnd, irfftnd over chosen axes", _ffts, [uniform(-1, 1, (3, 4, 2), 301)]),
]


def _space_batch(x):
    y = wb.space_to_batch_nd(x, [2, 2], [[1, 0], [0, 0]]) ** 2
    back = wb.batch_to_space(y, [2, 2], [[1, 0], [0, 0]])
    patches = wb.extract_volume_patches(wb.reshape(x, [1, 2, 3, 2, 2]), [1, 2, 2, 1, 1], [1, 1, 1, 1, 1], "SAME")
    return wb.reduce_sum(back * x) + wb.reduce_sum(patches ** 2)


CASES += [
    Case("space_to_batch_nd, batch_to_space, extract_volume_patches", _space_batch,
         [uniform(-1, 1, (2, 3, 2, 2), 302)]),
]


def _convs(x, w):
    y = wb.conv(x, w, [1, 1, 1, 1], "SAME", groups=2)
    dw = wb.reshape(w, [2, 2, 2, 2])
    d = wb.nn.depthwise_conv2d_backprop_input([1, 3, 3, 2], dw, y, [1, 1, 1, 1], "SAME")
    f = wb.nn.depthwise_conv2d_backprop_filter(x, [2, 2, 2, 2], y, [1, 1, 1, 1], "SAME")
    return wb.reduce_sum(y ** 2) + wb.reduce_sum(d * x) + wb.reduce_sum(f * dw)


CASES += [
    Case("conv (groups), depthwise_conv2d_backprop_input / _filter", _convs,
         [uniform(-1, 1, (1, 3, 3, 2), 303), uniform(-1, 1, (2, 2, 1, 4), 304)]),
]


def _fractional(x):
    m = wb.nn.fractional_max_pool(x, [1, 1.5, 1.4, 1], overlapping=True, seed=5)[0]
    a = wb.nn.fractional_avg_pool(x, [1, 1.5, 1.4, 1], pseudo_random=True, seed=5)[0]
    return wb.reduce_sum(m ** 2) + wb.reduce_sum(a ** 3)


CASES += [
    Case("fractional_max_pool, fractional_avg_pool", _fractional, [uniform(-1, 1, (1, 5, 4, 2), 305)]),
]
