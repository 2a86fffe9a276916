"""The array paths of convolution and max pooling that depend on the input's layout: im2col
copied one kernel tap at a time for a single input channel (the strided window view
otherwise), and max pooling reduced one spatial dimension at a time. Each against a naive
reference, bit for bit against the other path where the arithmetic is the same, and the
single-channel convolution's gradients against finite differences."""

import itertools

import numpy as np
import pytest

import workbench as wb
from gradients import check_gradients
from workbench.ops import conv as conv_ops, pooling as pool_ops
from workbench.ops.windows import out_sizes, pad, windows

from tests.conftest import assert_close, f64


def ref_conv(x, w, strides, pads, dilations):
    """Cross-correlation by loops over output positions and kernel taps (channels last)."""
    nd = len(strides)
    xp = np.pad(x, [(0, 0)] * (x.ndim - nd - 1) + list(pads) + [(0, 0)])
    ksize = w.shape[:nd]
    out = out_sizes(x.shape[-nd - 1:-1], pads, ksize, strides, dilations)
    res = np.zeros(x.shape[:-nd - 1] + out + (w.shape[-1],))
    for pos in itertools.product(*map(range, out)):
        for tap in itertools.product(*map(range, ksize)):
            at = tuple(p * s + t * d for p, s, t, d in zip(pos, strides, tap, dilations))
            res[(Ellipsis,) + pos + (slice(None),)] += xp[(Ellipsis,) + at + (slice(None),)] @ w[tap]
    return res


ONE_CHANNEL = [  # (spatial sizes, kernel, strides, dilations, pads)
    ((8, 8), (3, 3), (1, 1), (1, 1), ((1, 1), (1, 1))),
    ((7, 6), (3, 2), (2, 1), (1, 1), ((0, 0), (0, 0))),
    ((7, 7), (2, 3), (1, 2), (2, 1), ((1, 2), (0, 1))),
    ((9,), (4,), (3,), (1,), ((2, 1),)),
    ((5, 4, 6), (2, 3, 2), (1, 1, 2), (1, 1, 1), ((1, 0), (1, 1), (0, 1))),
]


@pytest.mark.parametrize("rows", [0, 10 ** 9], ids=["by tap", "view"])
@pytest.mark.parametrize("sizes,ksize,strides,dilations,pads", ONE_CHANNEL)
def test_one_channel_convolution_matches_naive_reference(sizes, ksize, strides, dilations, pads, rows, tap_rows):
    tap_rows(rows)
    rng = np.random.default_rng(40)
    x = rng.normal(size=(3,) + sizes + (1,))
    w = rng.normal(size=ksize + (1, 4))
    fn = {1: wb.nn.conv1d, 2: wb.nn.conv2d, 3: wb.nn.conv3d}[len(sizes)]
    explicit = [[0, 0]] + [list(p) for p in pads] + [[0, 0]]
    got = fn(f64(x), f64(w), list(strides), explicit, dilations=list(dilations))
    assert_close(got, ref_conv(x, w, strides, pads, dilations), rtol=1e-12, atol=1e-12)


def _view_im2col(x, ksize, strides, dilations, pads, out):
    """im2col through the strided view alone (the path for several channels)."""
    nd = len(ksize)
    view = windows(np, pad(np, x, pads), ksize, strides, dilations, out)
    return view.reshape(x.shape[:-nd - 2] + (x.shape[-nd - 2] * int(np.prod(out)), -1))


@pytest.fixture
def tap_rows(monkeypatch):
    """Sets from how many output positions a one-channel im2col goes tap by tap."""
    def set_rows(rows):
        monkeypatch.setattr(conv_ops, "TAP_BY_TAP_ROWS", rows)
        conv_ops._im2col_plan.cache_clear()
    yield set_rows
    conv_ops._im2col_plan.cache_clear()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("sizes,ksize,strides,dilations,pads", ONE_CHANNEL)
def test_tap_by_tap_im2col_is_the_view_copy(sizes, ksize, strides, dilations, pads, dtype, tap_rows):
    # the same matrix (values and layout), so the matmul after it gives the same bits
    x = np.random.default_rng(41).normal(size=(2, 3) + sizes + (1,)).astype(dtype)
    out = out_sizes(sizes, pads, ksize, strides, dilations)
    want = _view_im2col(x, ksize, strides, dilations, pads, out)
    for rows, by_tap in [(0, True), (10 ** 9, False)]:
        tap_rows(rows)
        plan = conv_ops._im2col_plan(x.shape, x.dtype.itemsize, ksize, strides, dilations, pads)
        assert (plan.taps is not None) == by_tap
        cols = conv_ops._im2col(np, x, plan)
        assert cols.shape == want.shape and cols.dtype == want.dtype and cols.flags.c_contiguous
        assert np.array_equal(cols, want)


def test_im2col_goes_tap_by_tap_for_one_channel_and_many_positions():
    plan = conv_ops._im2col_plan
    assert plan((256, 8, 8, 1), 4, (3, 3), (1, 1), (1, 1), ((1, 1), (1, 1))).taps is not None
    assert plan((1, 8, 8, 1), 4, (3, 3), (1, 1), (1, 1), ((1, 1), (1, 1))).taps is None
    assert plan((256, 8, 8, 2), 4, (3, 3), (1, 1), (1, 1), ((1, 1), (1, 1))).taps is None


def test_empty_batch_convolves_to_an_empty_batch():
    for c in (1, 3):
        y = wb.nn.conv2d(wb.zeros((0, 20, 20, c)), wb.ones((3, 3, c, 2)), 1, "SAME")
        assert y.shape == (0, 20, 20, 2)


def test_one_channel_convolution_extra_batch_dimensions():
    rng = np.random.default_rng(42)
    x, w = rng.normal(size=(2, 3, 6, 5, 1)), rng.normal(size=(3, 3, 1, 2))
    got = wb.nn.conv2d(f64(x), f64(w), 1, "SAME")
    flat = wb.nn.conv2d(f64(x.reshape(6, 6, 5, 1)), f64(w), 1, "SAME")
    assert np.array_equal(got.numpy().reshape(flat.shape), flat.numpy())


@pytest.mark.parametrize("padding,strides", [("SAME", 1), ("VALID", 2)])
def test_one_channel_convolution_gradients(padding, strides, tap_rows):
    # both primitives of the gradient: the filter gradient builds its im2col tap by tap too
    tap_rows(0)
    rng = np.random.default_rng(43)
    x, w = f64(rng.uniform(-1, 1, (2, 5, 4, 1))), f64(rng.uniform(-1, 1, (3, 2, 1, 2)))
    check_gradients(lambda a, b: wb.nn.conv2d(a, b, strides, padding), [x, w], order=2)


def test_one_channel_conv2d_layer_float32_bits_follow_the_matmul():
    # the layer's forward in float32 is im2col then one matmul: the same bits as by hand
    rng = np.random.default_rng(44)
    x = rng.random((16, 8, 8, 1), dtype=np.float32)
    w = rng.standard_normal((3, 3, 1, 16)).astype(np.float32)
    cols = np.lib.stride_tricks.sliding_window_view(np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0))), (3, 3),
                                                    axis=(1, 2))          # n h w c kh kw
    want = cols.transpose(0, 1, 2, 4, 5, 3).reshape(-1, 9) @ w.reshape(9, 16)
    got = wb.nn.conv2d(wb.constant(x), wb.constant(w), 1, "SAME")
    assert np.array_equal(got.numpy().reshape(-1, 16), want)


# ---------------------------------------------------------------------------
# max pooling one dimension at a time


def ref_max_pool(x, ksize, strides, pads):
    """The maximum over each window's real elements (padding never wins), by loops."""
    nd = len(ksize)
    sizes = x.shape[-nd - 1:-1]
    out = out_sizes(sizes, pads, ksize, strides)
    res = np.empty(x.shape[:-nd - 1] + out + x.shape[-1:], x.dtype)
    for pos in itertools.product(*map(range, out)):
        starts = [p * s - b for p, s, (b, _) in zip(pos, strides, pads)]
        box = tuple(slice(max(a, 0), min(a + k, n)) for a, k, n in zip(starts, ksize, sizes))
        win = x[(Ellipsis,) + box + (slice(None),)]
        res[(Ellipsis,) + pos + (slice(None),)] = win.max(axis=tuple(range(-nd - 1, -1)))
    return res


POOLS = [  # (spatial sizes, window, strides, pads)
    ((8, 8), (2, 2), (2, 2), ((0, 0), (0, 0))),
    ((5, 7), (3, 3), (2, 2), ((1, 1), (1, 1))),
    ((5, 7), (3, 2), (1, 3), ((1, 1), (0, 1))),
    ((6, 5), (1, 3), (2, 1), ((0, 0), (1, 1))),
    ((4, 4), (1, 1), (2, 1), ((0, 0), (0, 0))),
    ((7,), (3,), (2,), ((1, 1),)),
    ((4, 5, 3), (2, 2, 3), (2, 1, 1), ((0, 0), (1, 0), (1, 1))),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32, np.uint8])
@pytest.mark.parametrize("sizes,ksize,strides,pads", POOLS)
def test_max_pool_matches_naive_reference(sizes, ksize, strides, pads, dtype):
    rng = np.random.default_rng(45)
    x = (rng.normal(size=(2,) + sizes + (3,)) * 40).astype(dtype)
    if dtype == np.uint8:
        x = rng.integers(0, 256, (2,) + sizes + (3,)).astype(dtype)
    got = pool_ops._max_pool_fwd(np, x, ksize, strides, pads)
    assert got.dtype == x.dtype and got.flags.writeable and not np.shares_memory(got, x)
    assert np.array_equal(got, ref_max_pool(x, ksize, strides, pads))


def test_max_pool_public_forms_match_reference():
    rng = np.random.default_rng(46)
    x = rng.normal(size=(2, 5, 7, 3)).astype(np.float32)
    got = wb.nn.max_pool2d(wb.constant(x), 3, 2, "SAME")
    assert np.array_equal(got.numpy(), ref_max_pool(x, (3, 3), (2, 2), ((1, 1), (1, 1))))
    nchw = wb.nn.max_pool2d(wb.constant(x.transpose(0, 3, 1, 2)), 3, 2, "SAME", data_format="NCHW")
    assert np.array_equal(nchw.numpy().transpose(0, 2, 3, 1), got.numpy())
    # a window of one, strided: a subsample, returned as its own array
    sub = wb.nn.max_pool2d(wb.constant(x), 1, 2, "VALID")
    assert np.array_equal(sub.numpy(), x[:, ::2, ::2])


def test_max_pool_propagates_nan():
    x = np.arange(32, dtype=np.float32).reshape(1, 4, 4, 2)
    x[0, 1, 2, 1] = np.nan
    got = wb.nn.max_pool2d(wb.constant(x), 2, 2, "VALID").numpy()
    assert np.isnan(got[0, 0, 1, 1]) and np.isfinite(np.delete(got.ravel(), 3)).all()


# ---------------------------------------------------------------------------
# the geometry of a call is remembered for the next call with the same arguments


@pytest.mark.parametrize("bad", [True, 1.0, (1, 1.0)])
def test_remembered_geometry_does_not_hide_argument_errors(bad):
    x, w = wb.ones((1, 5, 5, 2)), wb.ones((3, 3, 2, 4))
    wb.nn.conv2d(x, w, 1, "SAME"), wb.nn.max_pool2d(x, 2, 1, "SAME")   # remembered with 1 and (1, 1)
    wb.nn.conv2d(x, w, (1, 1), "SAME"), wb.nn.max_pool2d(x, 2, (1, 1), "SAME")
    with pytest.raises(TypeError, match="conv2d: strides must be"):
        wb.nn.conv2d(x, w, bad, "SAME")
    with pytest.raises(TypeError, match="max_pool2d: strides must be"):
        wb.nn.max_pool2d(x, 2, bad, "SAME")


def test_remembered_geometry_is_per_shape_and_argument():
    rng = np.random.default_rng(47)
    w = rng.normal(size=(3, 3, 2, 4))
    for shape in [(1, 5, 5, 2), (2, 7, 4, 2), (1, 5, 5, 2)]:
        x = rng.normal(size=shape)
        for strides, padding in [(1, "SAME"), (2, "SAME"), (1, "VALID"), ([1, 2], [[0, 0], [1, 0], [0, 2], [0, 0]])]:
            pads = (((0, 0), (0, 0)) if padding == "VALID" else ((1, 0), (0, 2)) if isinstance(padding, list)
                    else tuple(same_pads(n, 3, s) for n, s in zip(shape[1:3], (strides,) * 2)))
            st = tuple(strides) if isinstance(strides, list) else (strides, strides)
            got = wb.nn.conv2d(f64(x), f64(w), strides, padding)
            assert_close(got, ref_conv(x, w, st, pads, (1, 1)), rtol=1e-12, atol=1e-12)
            pooled = wb.nn.max_pool2d(f64(x), 3, strides, padding if isinstance(padding, str) else "VALID")
            pp = pads if isinstance(padding, str) else ((0, 0), (0, 0))
            if isinstance(padding, str) and padding == "SAME":
                pp = tuple(same_pads(n, 3, s) for n, s in zip(shape[1:3], st))
            assert np.array_equal(pooled.numpy(), ref_max_pool(x, (3, 3), st, pp))
    with pytest.raises(ValueError, match="input has 3 channels"):
        wb.nn.conv2d(f64(np.zeros((1, 5, 5, 3))), f64(w), 1, "SAME")


def same_pads(n, k, s):
    out = -(-n // s)
    total = max((out - 1) * s + k - n, 0)
    return (total // 2, total - total // 2)
