"""wb.image beyond resize and transform: geometry, dtype conversion and colour spaces, colour
adjustments, random and stateless augmentations, quality measures and non-max suppression, against
reference values (colorsys, scipy.ndimage, NumPy formulas following TF's documented conventions).
Gradients are checked by the generated op cases (tests/op_cases/image.py)."""

import colorsys

import numpy as np
import pytest

import workbench as wb
from gradients import GradientTape

_rng = np.random.default_rng(7)
IMG = _rng.uniform(0, 1, (2, 5, 6, 3))


def f64(a):
    return wb.constant(np.asarray(a, dtype=np.float64))


# -- geometry ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("k", [-1, 0, 1, 2, 3, 5])
def test_rot90_matches_numpy(k):
    np.testing.assert_array_equal(wb.image.rot90(f64(IMG), k).numpy(), np.rot90(IMG, k, axes=(1, 2)))
    np.testing.assert_array_equal(wb.image.rot90(f64(IMG[0]), k).numpy(), np.rot90(IMG[0], k, axes=(0, 1)))


def test_transpose_and_flips():
    np.testing.assert_array_equal(wb.image.transpose(f64(IMG)).numpy(), IMG.transpose(0, 2, 1, 3))
    np.testing.assert_array_equal(wb.image.transpose(f64(IMG[1])).numpy(), IMG[1].transpose(1, 0, 2))
    np.testing.assert_array_equal(wb.image.flip_up_down(f64(IMG)).numpy(), IMG[:, ::-1])


def test_pad_to_bounding_box_places_the_image():
    out = wb.image.pad_to_bounding_box(f64(IMG), 1, 2, 8, 9).numpy()
    want = np.zeros((2, 8, 9, 3))
    want[:, 1:6, 2:8] = IMG
    np.testing.assert_array_equal(out, want)
    assert wb.image.pad_to_bounding_box(f64(IMG[0]), 0, 0, 5, 6).shape == (5, 6, 3)
    with pytest.raises(ValueError, match="target_height must be >= offset_height"):
        wb.image.pad_to_bounding_box(f64(IMG), 1, 0, 5, 6)
    with pytest.raises(ValueError, match="offset_width must be a non-negative integer"):
        wb.image.pad_to_bounding_box(f64(IMG), 0, -1, 5, 6)


@pytest.mark.parametrize("fraction, rows, cols", [(0.5, slice(1, 4), slice(1, 5)), (1.0, slice(0, 5), slice(0, 6)),
                                                  (0.2, slice(2, 3), slice(2, 4))])
def test_central_crop_follows_tf_offsets(fraction, rows, cols):
    # TF: start = int((n - n * fraction) / 2), size = n - 2 * start
    np.testing.assert_array_equal(wb.image.central_crop(f64(IMG), fraction).numpy(), IMG[:, rows, cols])
    with pytest.raises(ValueError, match=r"central_fraction must be within \(0, 1\]"):
        wb.image.central_crop(f64(IMG), 0.0)


def test_resize_with_crop_or_pad_centres():
    img = np.arange(5 * 6, dtype=np.float64).reshape(5, 6, 1)
    out = wb.image.resize_with_crop_or_pad(f64(img), 3, 9).numpy()
    want = np.zeros((3, 9, 1))
    want[:, 1:7] = img[1:4]         # 2 rows cropped (1 before), 3 columns padded (1 before)
    np.testing.assert_array_equal(out, want)
    out = wb.image.resize_with_crop_or_pad(f64(img), 8, 3).numpy()
    want = np.zeros((8, 3, 1))
    want[1:6] = img[:, 1:4]
    np.testing.assert_array_equal(out, want)


def _patches_reference(x, k, s, r, padding):
    b, h, w, c = x.shape
    keff = [(k[i] - 1) * r[i] + 1 for i in range(2)]
    if padding == "VALID":
        out = [(n - ke) // st + 1 for n, ke, st in zip((h, w), keff, s)]
        before = [0, 0]
    else:
        out = [-(-n // st) for n, st in zip((h, w), s)]
        before = [max((o - 1) * st + ke - n, 0) // 2 for o, st, ke, n in zip(out, s, keff, (h, w))]
    res = np.zeros((b, out[0], out[1], k[0] * k[1] * c))
    for i in range(out[0]):
        for j in range(out[1]):
            vals = []
            for a in range(k[0]):
                for bb in range(k[1]):
                    y, xx = i * s[0] + a * r[0] - before[0], j * s[1] + bb * r[1] - before[1]
                    inside = 0 <= y < h and 0 <= xx < w
                    vals.append(x[:, y, xx] if inside else np.zeros((b, c)))
            res[:, i, j] = np.concatenate(vals, axis=-1)
    return res


@pytest.mark.parametrize("k, s, r, padding", [((2, 3), (1, 2), (1, 1), "VALID"), ((3, 2), (2, 3), (1, 2), "SAME"),
                                              ((2, 2), (3, 2), (2, 1), "VALID"), ((1, 1), (1, 1), (1, 1), "SAME")])
def test_extract_patches_matches_a_loop(k, s, r, padding):
    x = _rng.standard_normal((2, 7, 8, 2))
    out = wb.image.extract_patches(f64(x), [1, *k, 1], [1, *s, 1], [1, *r, 1], padding).numpy()
    np.testing.assert_array_equal(out, _patches_reference(x, k, s, r, padding))


def test_extract_patches_checks_its_arguments():
    x = f64(np.zeros((1, 4, 4, 1)))
    with pytest.raises(ValueError, match=r"sizes must be four positive integers \[1, rows, cols, 1\]"):
        wb.image.extract_patches(x, [2, 2], [1, 1, 1, 1], [1, 1, 1, 1], "VALID")
    with pytest.raises(ValueError, match="padding must be 'VALID' or 'SAME'"):
        wb.image.extract_patches(x, [1, 2, 2, 1], [1, 1, 1, 1], [1, 1, 1, 1], "FULL")
    with pytest.raises(ValueError, match="images must be 4-D"):
        wb.image.extract_patches(x[0], [1, 2, 2, 1], [1, 1, 1, 1], [1, 1, 1, 1], "VALID")
    assert wb.image.extract_patches(x, [1, 5, 5, 1], [1, 1, 1, 1], [1, 1, 1, 1], "VALID").shape == (1, 0, 0, 25)


# -- resampling ----------------------------------------------------------------------------------------


def test_resize_with_pad_keeps_the_aspect_ratio():
    img = _rng.uniform(0, 1, (4, 8, 1))
    out = wb.image.resize_with_pad(f64(img), 8, 8).numpy()
    want = np.zeros((8, 8, 1))
    want[2:6] = img                 # scale 1 fits the width; 2 rows of padding above and below
    np.testing.assert_allclose(out, want)
    out = wb.image.resize_with_pad(f64(img[None]), 2, 8, method="nearest").numpy()
    np.testing.assert_array_equal(out[0, :, 2:6], wb.image.resize(f64(img), [2, 4], method="nearest").numpy())
    assert np.all(out[0, :, :2] == 0) and np.all(out[0, :, 6:] == 0)
    assert wb.image.resize_with_pad(wb.constant(np.zeros((3, 3, 1), np.uint8)), 4, 4).dtype == np.float32


@pytest.mark.parametrize("method, pil_filter", [("bilinear", "BILINEAR"), ("lanczos3", "LANCZOS"),
                                                ("bicubic", "BICUBIC")])
@pytest.mark.parametrize("size", [(7, 10), (40, 50), (11, 62)])
def test_antialiased_resize_matches_pillow(method, pil_filter, size):
    image = pytest.importorskip("PIL.Image")
    x = _rng.uniform(0, 1, (23, 31)).astype(np.float32)
    got = wb.image.resize(f64(x[..., None]), size, method=method, antialias=True).numpy()[..., 0]
    want = np.asarray(image.fromarray(x, mode="F").resize(size[::-1], getattr(image, pil_filter)))
    np.testing.assert_allclose(got, want, atol=4e-6)     # float32, as TF computes every resize


def _bicubic_reference(x, size):
    """TF's ResizeBicubic with half_pixel_centers (no antialias), one output pixel at a time: Keys'
    cubic (a = -0.5) read from a table of 1024 steps, four taps per axis with the indices clamped,
    taps that fall outside the image weighted 0 and the four weights renormalized."""
    table = np.arange(1025) / 1024.0
    near = ((1.5 * table - 2.5) * table) * table + 1.0              # kernel at distance t
    far = ((-0.5 * (table + 1) + 2.5) * (table + 1) - 4.0) * (table + 1) + 2.0   # at 1 + t

    def taps(out_i, in_size, out_size):
        scale = np.float32(in_size / out_size)
        pos = (np.float32(out_i) + np.float32(0.5)) * scale - np.float32(0.5)
        base = int(np.floor(pos))
        k = int(np.rint((pos - np.floor(pos)) * np.float32(1024)))
        weights = [far[k], near[k], near[1024 - k], far[1024 - k]]
        index = [base - 1, base, base + 1, base + 2]
        weights = [wt if 0 <= j < in_size else 0.0 for wt, j in zip(weights, index)]
        total = sum(weights)
        return [min(max(j, 0), in_size - 1) for j in index], [wt / total for wt in weights]

    h, w = x.shape[:2]
    out = np.zeros(size + x.shape[2:])
    for i in range(size[0]):
        rows, wr = taps(i, h, size[0])
        for j in range(size[1]):
            cols, wc = taps(j, w, size[1])
            out[i, j] = sum(wr[a] * wc[b] * x[rows[a], cols[b]] for a in range(4) for b in range(4))
    return out


@pytest.mark.parametrize("size", [(9, 12), (3, 4), (13, 7), (20, 31), (1, 1)])
def test_bicubic_resize_is_tf_resize_bicubic_with_half_pixel_centres(size):
    x = _rng.uniform(0, 1, (9, 12, 2))
    got = wb.image.resize(f64(x), size, method="bicubic")
    assert got.dtype == np.float32      # TF: float32 for a float64 image, computed in float32
    np.testing.assert_allclose(got.numpy(), _bicubic_reference(x, size), atol=1e-6)
    flat = np.full((6, 7, 1), 0.3)
    np.testing.assert_allclose(wb.image.resize(f64(flat), size, method="bicubic").numpy(), 0.3, atol=1e-6)
    assert wb.image.resize(wb.constant(np.zeros((4, 4, 1), np.uint8)), [2, 2], method="bicubic").dtype == np.float32


def test_bicubic_upscale_is_pillows_bicubic_up_to_tfs_weight_table():
    # enlarging, Pillow's BICUBIC is the same Keys kernel with exact weights; TF's table of 1024
    # steps moves a weight by at most about 1e-3
    image = pytest.importorskip("PIL.Image")
    x = _rng.uniform(0, 1, (11, 8)).astype(np.float32)
    got = wb.image.resize(f64(x[..., None]), (25, 19), method="bicubic").numpy()[..., 0]
    want = np.asarray(image.fromarray(x, mode="F").resize((19, 25), image.BICUBIC))
    np.testing.assert_allclose(got, want, atol=3e-3)
    exact = wb.image.resize(f64(x[..., None]), (25, 19), method="bicubic", antialias=True).numpy()[..., 0]
    np.testing.assert_allclose(exact, want, atol=1e-6)
    assert np.abs(got - want).max() > 1e-6     # the table is visible


def _area_reference(x, size):
    """TF's ResizeArea: each output pixel averages the input area it covers."""
    h, w = x.shape[:2]
    sh, sw = h / size[0], w / size[1]
    out = np.zeros(size + x.shape[2:])
    for i in range(size[0]):
        for j in range(size[1]):
            total = 0.0
            for a in range(int(np.floor(i * sh)), int(np.ceil((i + 1) * sh))):
                for b in range(int(np.floor(j * sw)), int(np.ceil((j + 1) * sw))):
                    cover = ((min(a + 1, (i + 1) * sh) - max(a, i * sh)) * (min(b + 1, (j + 1) * sw) - max(b, j * sw)))
                    total = total + cover * x[min(a, h - 1), min(b, w - 1)]
            out[i, j] = total / (sh * sw)
    return out


def test_resize_area_and_the_other_kernels():
    x = _rng.uniform(0, 1, (9, 12, 2))
    for size in [(3, 4), (4, 5), (13, 7)]:
        np.testing.assert_allclose(wb.image.resize(f64(x), size, method="area").numpy(), _area_reference(x, size),
                                   atol=1e-6)
    # antialiasing changes only a shrink
    np.testing.assert_allclose(wb.image.resize(f64(x), [14, 20], antialias=True).numpy(),
                               wb.image.resize(f64(x), [14, 20]).numpy(), atol=1e-6)
    flat = np.full((6, 7, 1), 0.3)
    for method in ["area", "bicubic", "lanczos3", "lanczos5", "gaussian", "mitchellcubic"]:
        for antialias in (False, True):
            out = wb.image.resize(f64(flat), [4, 11], method=method, antialias=antialias).numpy()
            np.testing.assert_allclose(out, 0.3, atol=1e-6)          # weights sum to one (in float32)
    u8 = wb.constant(np.zeros((4, 4, 1), np.uint8))
    assert wb.image.resize(u8, [2, 2], method=wb.image.ResizeMethod.AREA).dtype == np.float32
    assert wb.image.resize(u8, [2, 2], method=wb.image.ResizeMethod.NEAREST_NEIGHBOR).dtype == np.uint8
    assert wb.image.resize(u8, [2, 2], method="lanczos3", antialias=True).dtype == np.float32
    with pytest.raises(ValueError, match="method must be 'bilinear' or 'nearest'"):
        wb.image.resize(f64(x), [2, 2], method="cubic")


def _crop_reference(img, box, b, size, method, extrapolation):
    """TF's CropAndResize kernel, one box, in plain Python."""
    _, h, w, c = img.shape
    y1, x1, y2, x2 = box
    ch, cw = size
    out = np.zeros((ch, cw, c))
    for i in range(ch):
        in_y = y1 * (h - 1) + i * (y2 - y1) * (h - 1) / (ch - 1) if ch > 1 else 0.5 * (y1 + y2) * (h - 1)
        for j in range(cw):
            in_x = x1 * (w - 1) + j * (x2 - x1) * (w - 1) / (cw - 1) if cw > 1 else 0.5 * (x1 + x2) * (w - 1)
            if not (0 <= in_y <= h - 1 and 0 <= in_x <= w - 1):
                out[i, j] = extrapolation
            elif method == "nearest":
                out[i, j] = img[b, int(np.floor(in_y + 0.5)), int(np.floor(in_x + 0.5))]
            else:
                t, bo, le, ri = int(np.floor(in_y)), int(np.ceil(in_y)), int(np.floor(in_x)), int(np.ceil(in_x))
                yl, xl = in_y - t, in_x - le
                top = img[b, t, le] + (img[b, t, ri] - img[b, t, le]) * xl
                bottom = img[b, bo, le] + (img[b, bo, ri] - img[b, bo, le]) * xl
                out[i, j] = top + (bottom - top) * yl
    return out


@pytest.mark.parametrize("method", ["bilinear", "nearest"])
def test_crop_and_resize_matches_tf_kernel(method):
    img = _rng.standard_normal((2, 6, 7, 2))
    boxes = np.array([[0.1, 0.2, 0.8, 0.9], [0.9, 0.0, 0.2, 0.5], [-0.2, 0.3, 0.6, 1.3], [0.25, 0.25, 0.5, 0.75]])
    ids = np.array([1, 0, 1, 0])
    for size in [(4, 5), (1, 3), (3, 1)]:
        out = wb.image.crop_and_resize(f64(img), f64(boxes), ids, size, method=method,
                                       extrapolation_value=-7.0).numpy()
        assert out.shape == (4, *size, 2)
        for n in range(4):
            np.testing.assert_allclose(out[n], _crop_reference(img, boxes[n], ids[n], size, method, -7.0),
                                       atol=1e-5)       # float32, as TF's kernel
    u8 = wb.constant(np.full((1, 3, 3, 1), 200, np.uint8))
    assert wb.image.crop_and_resize(u8, [[0.0, 0.0, 1.0, 1.0]], [0], [2, 2]).dtype == np.float32
    assert wb.image.crop_and_resize(f64(img), boxes[:1], [0], [2, 2]).dtype == np.float32


def test_crop_and_resize_checks_its_arguments():
    img = f64(np.zeros((2, 4, 4, 1)))
    with pytest.raises(ValueError, match=r"boxes must be \[num_boxes, 4\]"):
        wb.image.crop_and_resize(img, [[0.0, 0.0, 1.0]], [0], [2, 2])
    with pytest.raises(ValueError, match=r"box_indices must lie in \[0, 2\)"):
        wb.image.crop_and_resize(img, [[0.0, 0.0, 1.0, 1.0]], [2], [2, 2])
    with pytest.raises(ValueError, match=r"box_indices must be \[num_boxes\]"):
        wb.image.crop_and_resize(img, [[0.0, 0.0, 1.0, 1.0]], [0, 1], [2, 2])
    with pytest.raises(ValueError, match="crop_size must be two positive integers"):
        wb.image.crop_and_resize(img, [[0.0, 0.0, 1.0, 1.0]], [0], [0, 2])


def test_crop_and_resize_differentiates_the_boxes():
    # the crop is float32 (as TF's kernel): finite differences of the float64 reference kernel
    x = _rng.standard_normal((1, 5, 5, 1))
    weights = _rng.standard_normal((1, 3, 3, 1))
    boxes = wb.Variable(np.array([[0.13, 0.21, 0.77, 0.69]]))
    for method in ("bilinear", "nearest"):     # TF's nearest crop has the bilinear box gradient
        with GradientTape() as tape:
            y = wb.reduce_sum(wb.image.crop_and_resize(f64(x), boxes, [0], [3, 3], method=method) * weights)
        g = tape.gradient(y, boxes).numpy()
        eps, b0 = 1e-6, boxes.numpy()
        for k in range(4):
            hi, lo = b0.copy(), b0.copy()
            hi[0, k] += eps
            lo[0, k] -= eps
            fd = (np.sum(_crop_reference(x, hi[0], 0, (3, 3), "bilinear", 0.0) * weights[0])
                  - np.sum(_crop_reference(x, lo[0], 0, (3, 3), "bilinear", 0.0) * weights[0])) / (2 * eps)
            np.testing.assert_allclose(g[0, k], fd, rtol=1e-4, atol=1e-5)


# -- dtypes and colour spaces --------------------------------------------------------------------------


def test_convert_image_dtype_scales_as_tf():
    u8 = wb.constant(np.array([0, 1, 128, 255], np.uint8))
    np.testing.assert_allclose(wb.image.convert_image_dtype(u8, wb.float32).numpy(), [0, 1 / 255, 128 / 255, 1],
                               rtol=1e-6)
    np.testing.assert_array_equal(wb.image.convert_image_dtype(u8, wb.int32).numpy(),
                                  np.array([0, 1, 128, 255]) * 2 ** 23)
    np.testing.assert_array_equal(wb.image.convert_image_dtype(u8, wb.uint16).numpy(), [0, 257 - 1, 32768, 65280])
    i32 = wb.constant(np.array([0, 2 ** 23, 2 ** 31 - 1], np.int32))
    np.testing.assert_array_equal(wb.image.convert_image_dtype(i32, wb.uint8).numpy(), [0, 1, 255])
    f = wb.constant(np.array([0.0, 0.5, 1.0, 1.5, -0.2], np.float32))
    np.testing.assert_array_equal(wb.image.convert_image_dtype(f, wb.uint8, saturate=True).numpy(),
                                  [0, 127, 255, 255, 0])              # x * 255.5, truncated
    np.testing.assert_array_equal(wb.image.convert_image_dtype(f[:3], wb.uint8).numpy(), [0, 127, 255])
    np.testing.assert_array_equal(wb.image.convert_image_dtype(f[:3], wb.int32, saturate=True).numpy(),
                                  [0, 1073741824, 2147483520])        # float32 arithmetic, as TF
    assert wb.image.convert_image_dtype(f, wb.float64).dtype == np.float64
    assert wb.image.convert_image_dtype(u8, wb.uint8) is u8
    with pytest.raises(TypeError, match="dtype must be one of"):
        wb.image.convert_image_dtype(u8, wb.bool)


def test_rgb_to_hsv_and_back_match_colorsys():
    rgb = _rng.uniform(0, 1, (4, 5, 3))
    rgb[0, 0] = [0.3, 0.3, 0.3]        # gray: hue 0, saturation 0
    rgb[0, 1] = [0.0, 0.0, 0.0]        # black
    rgb[0, 2] = [0.9, 0.2, 0.9]        # a tie for the maximum
    hsv = wb.image.rgb_to_hsv(f64(rgb)).numpy()
    want = np.array([colorsys.rgb_to_hsv(*p) for p in rgb.reshape(-1, 3)]).reshape(rgb.shape)
    np.testing.assert_allclose(hsv, want, atol=1e-12)
    back = wb.image.hsv_to_rgb(f64(want)).numpy()
    np.testing.assert_allclose(back, rgb, atol=1e-12)
    hsv = _rng.uniform(0, 1, (30, 3))
    np.testing.assert_allclose(wb.image.hsv_to_rgb(f64(hsv)).numpy(),
                               [colorsys.hsv_to_rgb(*p) for p in hsv], atol=1e-12)
    with pytest.raises(TypeError, match="must be a floating tensor"):
        wb.image.rgb_to_hsv(wb.constant(np.zeros((2, 3), np.uint8)))
    with pytest.raises(ValueError, match="last dimension of images must have size 3"):
        wb.image.rgb_to_hsv(f64(np.zeros((2, 4))))


def test_grayscale_and_yuv():
    gray = wb.image.rgb_to_grayscale(f64(IMG))
    assert gray.dtype == np.float64       # computed in float32 and returned as float64, as TF
    gray = gray.numpy()
    np.testing.assert_allclose(gray, IMG.astype(np.float32) @ np.array([[0.2989], [0.5870], [0.1140]], np.float32),
                               rtol=1e-6)
    u8 = wb.constant(np.array([[[255, 0, 0], [0, 255, 0], [100, 100, 100]]], np.uint8))
    g8 = wb.image.rgb_to_grayscale(u8)
    assert g8.dtype == np.uint8 and g8.shape == (1, 3, 1)
    # via float32 in [0, 1]: 255 * 0.2989 / 255 * 255.5 = 76.4, 149.9, 100 * 0.9999 / 255 * 255.5 = 100.2
    np.testing.assert_array_equal(g8.numpy().ravel(), [76, 149, 100])
    np.testing.assert_array_equal(wb.image.grayscale_to_rgb(f64(gray)).numpy(), np.repeat(gray, 3, axis=-1))
    yuv = wb.image.rgb_to_yuv(f64(IMG)).numpy()
    np.testing.assert_allclose(yuv[..., 0], IMG @ [0.299, 0.587, 0.114])
    np.testing.assert_allclose(yuv[..., 1], 0.492111 * (IMG[..., 2] - yuv[..., 0]), atol=1e-6)   # U = 0.492 (B - Y)
    np.testing.assert_allclose(yuv[..., 2], 0.877283 * (IMG[..., 0] - yuv[..., 0]), atol=1e-6)   # V = 0.877 (R - Y)
    np.testing.assert_allclose(wb.image.yuv_to_rgb(f64(yuv)).numpy(), IMG, atol=1e-6)
    # TF's YIQ kernels are inverses to about 1e-4
    np.testing.assert_allclose(wb.image.yiq_to_rgb(wb.image.rgb_to_yiq(f64(IMG))).numpy(), IMG, atol=1e-4)


# -- adjustments ---------------------------------------------------------------------------------------


def test_brightness_and_gamma_follow_tf_dtype_rules():
    bright = wb.image.adjust_brightness(f64(IMG), 0.25)      # float64 computed in float32, as TF
    assert bright.dtype == np.float64
    np.testing.assert_array_equal(bright.numpy(), IMG.astype(np.float32) + np.float32(0.25))
    u8 = wb.constant(np.array([[[10, 200, 250]]], np.uint8))
    out = wb.image.adjust_brightness(u8, 0.1)
    assert out.dtype == np.uint8
    # float32 of x / 255 + 0.1, back with * 255.5, saturated, truncated
    want = np.clip((np.array([10, 200, 250], np.float32) / np.float32(255) + np.float32(0.1)) * np.float32(255.5),
                   0, 255).astype(np.uint8)
    np.testing.assert_array_equal(out.numpy().ravel(), want)
    np.testing.assert_allclose(wb.image.adjust_gamma(f64(IMG), 2.2, 0.8).numpy(), 0.8 * IMG ** 2.2, rtol=1e-6)
    assert wb.image.adjust_gamma(u8, 0.5).dtype == np.uint8
    with pytest.raises(ValueError, match="gamma should be a non-negative real number"):
        wb.image.adjust_gamma(f64(IMG), -1.0)


def test_adjust_contrast_keeps_integer_dtypes():
    u8 = wb.constant((IMG[0] * 255).astype(np.uint8))
    out = wb.image.adjust_contrast(u8, 1.5)
    assert out.dtype == np.uint8
    f = u8.numpy().astype(np.float32) / np.float32(255)
    m = f.mean(axis=(0, 1), keepdims=True)
    want = np.clip(((f - m) * 1.5 + m) * np.float32(255.5), 0, 255).astype(np.uint8)
    assert np.abs(out.numpy().astype(int) - want.astype(int)).max() <= 1


def _per_pixel_hsv(rgb, fn):
    flat = [colorsys.hsv_to_rgb(*fn(*colorsys.rgb_to_hsv(*p))) for p in rgb.reshape(-1, 3)]
    return np.array(flat).reshape(rgb.shape)


def test_saturation_and_hue_match_colorsys():
    out = wb.image.adjust_saturation(f64(IMG), 1.7).numpy()
    np.testing.assert_allclose(out, _per_pixel_hsv(IMG, lambda h, s, v: (h, min(s * 1.7, 1.0), v)), atol=1e-6)
    out = wb.image.adjust_saturation(f64(IMG), 0.3).numpy()    # (float32 inside, as TF)
    np.testing.assert_allclose(out, _per_pixel_hsv(IMG, lambda h, s, v: (h, s * 0.3, v)), atol=1e-6)
    for delta in (0.2, -0.45, 0.9):
        out = wb.image.adjust_hue(f64(IMG), delta).numpy()
        np.testing.assert_allclose(out, _per_pixel_hsv(IMG, lambda h, s, v: ((h + delta) % 1.0, s, v)), atol=1e-6)
    with pytest.raises(ValueError, match=r"delta must be in the interval \[-1, 1\]"):
        wb.image.adjust_hue(f64(IMG), 1.5)
    u8 = wb.constant((IMG * 255).astype(np.uint8))
    assert wb.image.adjust_hue(u8, 0.1).dtype == np.uint8


def test_per_image_standardization():
    img = np.arange(1, 13, dtype=np.int32).reshape(2, 2, 3)
    out = wb.image.per_image_standardization(wb.constant(img))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.numpy().ravel()[:3], [-1.593255, -1.3035723, -1.0138896], rtol=1e-5)
    x = IMG * 3 + 1
    out = wb.image.per_image_standardization(f64(x))
    assert out.dtype == np.float32        # for every dtype, as TF
    mean, std = x.mean(axis=(1, 2, 3), keepdims=True), x.std(axis=(1, 2, 3), keepdims=True)
    np.testing.assert_allclose(out.numpy(), (x - mean) / std, rtol=1e-5, atol=1e-6)
    flat = wb.image.per_image_standardization(f64(np.full((2, 2, 1), 5.0))).numpy()
    np.testing.assert_array_equal(flat, 0.0)             # stddev floored at 1 / sqrt(N)
    with pytest.raises(ValueError, match="at least 3 dimensions"):
        wb.image.per_image_standardization(f64(np.zeros((3, 3))))


# -- random and stateless augmentations ----------------------------------------------------------------

STATELESS = [
    ("stateless_random_flip_left_right", {}), ("stateless_random_flip_up_down", {}),
    ("stateless_random_brightness", {"max_delta": 0.3}), ("stateless_random_contrast", {"lower": 0.2, "upper": 1.8}),
    ("stateless_random_saturation", {"lower": 0.2, "upper": 1.8}), ("stateless_random_hue", {"max_delta": 0.4}),
    ("stateless_random_crop", {"size": [2, 3, 4, 3]}),
]


@pytest.mark.parametrize("name, kwargs", STATELESS, ids=[s[0] for s in STATELESS])
def test_stateless_augmentations_repeat_for_a_seed_and_differ_across_seeds(name, kwargs):
    fn = getattr(wb.image, name)
    x = f64(IMG)
    a = fn(x, seed=(1, 2), **kwargs).numpy()
    np.testing.assert_array_equal(fn(x, seed=wb.constant([1, 2]), **kwargs).numpy(), a)
    outs = [fn(x, seed=(s, 7), **kwargs).numpy() for s in range(6)]
    assert any(not np.array_equal(o, a) for o in outs)
    random_fn = getattr(wb.image, name.replace("stateless_", ""))
    wb.random.set_seed(5)
    first = random_fn(x, seed=3, **kwargs).numpy()
    second = [random_fn(x, seed=3, **kwargs).numpy() for _ in range(6)]
    wb.random.set_seed(5)
    np.testing.assert_array_equal(random_fn(x, seed=3, **kwargs).numpy(), first)
    assert any(not np.array_equal(o, first) for o in second)


def test_flips_pick_each_image_of_a_batch():
    x = _rng.uniform(0, 1, (16, 3, 4, 1))
    out = wb.image.stateless_random_flip_left_right(f64(x), seed=(4, 2)).numpy()
    flipped = [np.array_equal(o, xi[:, ::-1]) for o, xi in zip(out, x)]
    kept = [np.array_equal(o, xi) for o, xi in zip(out, x)]
    assert all(f != k for f, k in zip(flipped, kept))
    assert 0 < sum(flipped) < 16
    one = [wb.image.stateless_random_flip_up_down(f64(x[0]), seed=(s, 0)).numpy() for s in range(12)]
    assert all(np.array_equal(o, x[0]) or np.array_equal(o, x[0, ::-1]) for o in one)
    assert len({o.tobytes() for o in one}) == 2


def test_brightness_contrast_hue_draws_lie_in_their_ranges():
    x = f64(IMG)
    for s in range(10):
        d = wb.image.stateless_random_brightness(x, 0.2, seed=(s, 1)).numpy() - IMG
        assert np.ptp(d) < 3e-7 and abs(d.flat[0]) <= 0.2     # added in float32, as TF
        out = wb.image.stateless_random_contrast(x, 0.5, 0.7, seed=(s, 1)).numpy()
        mean = IMG.mean(axis=(1, 2), keepdims=True)
        factor = ((out - mean) / (IMG - mean)).ravel()
        assert np.ptp(factor) < 1e-4 and 0.5 <= factor[0] < 0.7
    u8 = wb.constant((IMG * 255).astype(np.uint8))
    assert wb.image.random_brightness(u8, 0.1).dtype == np.uint8


def test_random_crop_cuts_a_window():
    x = np.arange(5 * 6 * 2, dtype=np.float64).reshape(5, 6, 2)
    seen = set()
    for s in range(20):
        out = wb.image.stateless_random_crop(f64(x), [3, 4, 2], seed=(s, 3)).numpy()
        top, left = int(out[0, 0, 0]) // 12, (int(out[0, 0, 0]) % 12) // 2
        np.testing.assert_array_equal(out, x[top:top + 3, left:left + 4])
        seen.add((top, left))
    assert len(seen) > 3
    with pytest.raises(ValueError, match="must be non-negative and fit"):
        wb.image.random_crop(f64(x), [6, 4, 2])
    with pytest.raises(ValueError, match="one entry per dimension"):
        wb.image.random_crop(f64(x), [3, 4])


def test_augmentation_arguments_are_checked():
    x = f64(IMG)
    with pytest.raises(ValueError, match="max_delta must be non-negative"):
        wb.image.random_brightness(x, -0.1)
    with pytest.raises(ValueError, match="upper must be > lower"):
        wb.image.random_contrast(x, 1.0, 0.5)
    with pytest.raises(ValueError, match="lower must be non-negative"):
        wb.image.stateless_random_saturation(x, -1.0, 0.5, seed=(1, 2))
    with pytest.raises(ValueError, match=r"max_delta must be <= 0.5"):
        wb.image.random_hue(x, 0.6)
    with pytest.raises(ValueError, match=r"seed must have shape \[2\]"):
        wb.image.stateless_random_flip_left_right(x, seed=(1, 2, 3))


@pytest.mark.filterwarnings("error::workbench.compiler.UnreplayableWarning")
def test_augmentations_replay_inside_wb_function():
    x = f64(IMG)

    @wb.function
    def augment(images, seed):
        y = wb.image.stateless_random_flip_left_right(images, seed=seed)
        y = wb.image.stateless_random_brightness(y, 0.2, seed=seed)
        y = wb.image.stateless_random_hue(y, 0.2, seed=seed)
        return wb.image.stateless_random_crop(y, [2, 4, 4, 3], seed=seed)

    for s in range(4):
        seed = wb.constant([s, 9])
        eager = wb.image.stateless_random_crop(
            wb.image.stateless_random_hue(wb.image.stateless_random_brightness(
                wb.image.stateless_random_flip_left_right(x, seed=seed), 0.2, seed=seed), 0.2, seed=seed),
            [2, 4, 4, 3], seed=seed)
        np.testing.assert_allclose(augment(x, seed).numpy(), eager.numpy(), atol=1e-12)

    @wb.function
    def flip(images):
        return wb.image.random_flip_left_right(images)

    outs = [flip(x).numpy() for _ in range(8)]
    assert all(np.array_equal(o[0], IMG[0]) or np.array_equal(o[0], IMG[0, :, ::-1]) for o in outs)
    assert len({o.tobytes() for o in outs}) > 1     # a replay draws again


# -- measures and filters ------------------------------------------------------------------------------


def test_total_variation_sums_neighbour_differences():
    x = _rng.standard_normal((3, 5, 6, 2))
    want = np.abs(np.diff(x, axis=1)).sum(axis=(1, 2, 3)) + np.abs(np.diff(x, axis=2)).sum(axis=(1, 2, 3))
    np.testing.assert_allclose(wb.image.total_variation(f64(x)).numpy(), want)
    np.testing.assert_allclose(wb.image.total_variation(f64(x[1])).numpy(), want[1])
    with pytest.raises(ValueError, match="must be 3-D"):
        wb.image.total_variation(f64(x[0, 0]))


def test_psnr_of_a_known_mse():
    a = np.zeros((2, 4, 4, 3))
    b = a + np.array([0.1, 0.01]).reshape(2, 1, 1, 1)      # mse 1e-2 and 1e-4
    np.testing.assert_allclose(wb.image.psnr(f64(a), f64(b), 1.0).numpy(), [20.0, 40.0])
    np.testing.assert_allclose(wb.image.psnr(f64(a), f64(b), 2.0).numpy(), [20.0, 40.0] + 20 * np.log10(2.0))
    u1 = (IMG * 255).astype(np.uint8)
    u2 = np.clip(u1.astype(int) + _rng.integers(-9, 10, u1.shape), 0, 255).astype(np.uint8)
    got = wb.image.psnr(wb.constant(u1), wb.constant(u2), 255)
    assert got.dtype == np.float32 and got.shape == (2,)
    mse = ((u1.astype(np.float64) - u2) ** 2).mean(axis=(1, 2, 3))
    np.testing.assert_allclose(got.numpy(), 10 * np.log10(255.0 ** 2 / mse), rtol=1e-5)
    with pytest.raises(ValueError, match="same last three dimensions"):
        wb.image.psnr(f64(a), f64(a[:, :3]), 1.0)


def _ssim_reference(x, y, max_val=1.0, size=11, sigma=1.5, k1=0.01, k2=0.03):
    """SSIM by TF's documented formula with a full 2-D Gaussian window (scipy's correlate2d)."""
    signal = pytest.importorskip("scipy.signal")
    coords = np.arange(size) - (size - 1) / 2
    g = np.exp(-(coords[:, None] ** 2 + coords[None] ** 2) / (2 * sigma ** 2))
    g /= g.sum()
    c1, c2 = (k1 * max_val) ** 2, (k2 * max_val) ** 2
    per_channel = []
    for c in range(x.shape[-1]):
        f = lambda im: signal.correlate2d(im, g, mode="valid")          # noqa: E731
        a, b = x[..., c], y[..., c]
        mx, my = f(a), f(b)
        vx, vy, cxy = f(a * a) - mx ** 2, f(b * b) - my ** 2, f(a * b) - mx * my
        lum = (2 * mx * my + c1) / (mx ** 2 + my ** 2 + c1)
        cs = (2 * cxy + c2) / (vx + vy + c2)
        per_channel.append((lum * cs, cs))
    return per_channel


def test_ssim_against_the_formula():
    x = _rng.uniform(0, 1, (2, 16, 19, 3))
    y = np.clip(x + _rng.normal(0, 0.1, x.shape), 0, 1)
    got = wb.image.ssim(f64(x), f64(y), 1.0)
    assert got.dtype == np.float32           # TF's ssim converts every image to float32
    want = [np.mean([m.mean() for m, _ in _ssim_reference(x[i], y[i])]) for i in range(2)]
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-5)
    np.testing.assert_allclose(wb.image.ssim(f64(x), f64(x), 1.0).numpy(), [1.0, 1.0])
    index_map = wb.image.ssim(f64(x[0]), f64(y[0]), 1.0, return_index_map=True).numpy()
    assert index_map.shape == (6, 9)
    np.testing.assert_allclose(index_map, np.mean([m for m, _ in _ssim_reference(x[0], y[0])], axis=0), rtol=1e-5,
                               atol=1e-6)
    small = wb.image.ssim(f64(x), f64(y), 1.0, filter_size=5, filter_sigma=0.8, k1=0.02, k2=0.05).numpy()
    want = [np.mean([m.mean() for m, _ in _ssim_reference(x[i], y[i], 1.0, 5, 0.8, 0.02, 0.05)]) for i in range(2)]
    np.testing.assert_allclose(small, want, rtol=1e-5)


def test_ssim_of_constant_images_and_dtypes():
    a, b = np.full((12, 12, 1), 0.2), np.full((12, 12, 1), 0.6)
    c1 = 0.01 ** 2
    want = (2 * 0.2 * 0.6 + c1) / (0.2 ** 2 + 0.6 ** 2 + c1)           # no variance: cs = 1
    np.testing.assert_allclose(wb.image.ssim(f64(a), f64(b), 1.0).numpy(), want, rtol=2e-4)    # float32
    u1, u2 = np.full((12, 12, 1), 51, np.uint8), np.full((12, 12, 1), 153, np.uint8)
    got = wb.image.ssim(wb.constant(u1), wb.constant(u2), 255)
    assert got.dtype == np.float32
    want = (2 * 51 * 153 / 255 ** 2 + c1) / ((51 / 255) ** 2 + (153 / 255) ** 2 + c1)
    # in float32 the covariance terms cancel to about 1e-7, against c2 = 9e-4 (as in TF)
    np.testing.assert_allclose(got.numpy(), want, rtol=2e-4)
    with pytest.raises(ValueError, match="at least filter_size = 11 pixels"):
        wb.image.ssim(f64(a[:10]), f64(b[:10]), 1.0)


def _pool_reference(x):
    h, w = x.shape[0], x.shape[1]
    x = np.pad(x, [(0, h % 2), (0, w % 2), (0, 0)], mode="symmetric")
    return x.reshape(x.shape[0] // 2, 2, x.shape[1] // 2, 2, -1).mean(axis=(1, 3))


def test_ssim_multiscale_against_the_formula():
    x = _rng.uniform(0, 1, (2, 45, 42, 2))
    y = np.clip(x + _rng.normal(0, 0.05, x.shape), 0, 1)
    powers = (0.2, 0.5, 0.3)
    got = wb.image.ssim_multiscale(f64(x), f64(y), 1.0, power_factors=powers, filter_size=5, filter_sigma=1.0).numpy()
    for i in range(2):
        a, b, value = x[i], y[i], np.ones(2)
        for k, p in enumerate(powers):
            if k:
                a, b = _pool_reference(a), _pool_reference(b)
            parts = _ssim_reference(a, b, 1.0, 5, 1.0)
            last = k == len(powers) - 1
            value *= np.maximum([(m if last else cs).mean() for m, cs in parts], 0) ** p
        np.testing.assert_allclose(got[i], value.mean(), rtol=1e-5)
    big = _rng.uniform(0, 1, (176, 176, 1))
    np.testing.assert_allclose(wb.image.ssim_multiscale(f64(big), f64(big), 1.0).numpy(), 1.0, rtol=1e-6)
    with pytest.raises(ValueError, match=r"\(scale 4\): images must be at least filter_size"):
        wb.image.ssim_multiscale(f64(big[:160]), f64(big[:160]), 1.0)      # 160 -> 10 rows at scale 4


def test_image_gradients_and_sobel_edges():
    ndimage = pytest.importorskip("scipy.ndimage")
    x = _rng.standard_normal((2, 5, 6, 3))
    dy, dx = wb.image.image_gradients(f64(x))
    want_dy, want_dx = np.zeros_like(x), np.zeros_like(x)
    want_dy[:, :-1] = np.diff(x, axis=1)
    want_dx[:, :, :-1] = np.diff(x, axis=2)
    np.testing.assert_array_equal(dy.numpy(), want_dy)
    np.testing.assert_array_equal(dx.numpy(), want_dx)
    edges = wb.image.sobel_edges(f64(x)).numpy()
    assert edges.shape == (2, 5, 6, 3, 2)
    ky = np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], dtype=np.float64)
    for b in range(2):
        for c in range(3):
            np.testing.assert_allclose(edges[b, :, :, c, 0], ndimage.correlate(x[b, :, :, c], ky, mode="mirror"))
            np.testing.assert_allclose(edges[b, :, :, c, 1], ndimage.correlate(x[b, :, :, c], ky.T, mode="mirror"))
    with pytest.raises(TypeError, match="image must be floating"):
        wb.image.sobel_edges(wb.constant(np.zeros((1, 3, 3, 1), np.uint8)))
    with pytest.raises(ValueError, match="images must be 4-D"):
        wb.image.image_gradients(f64(x[0]))


# -- non-max suppression -------------------------------------------------------------------------------

CLUSTERS = np.array([[0, 0, 1, 1], [0, 0.1, 1, 1.1], [0, -0.1, 1, 0.9],
                     [0, 10, 1, 11], [0, 10.1, 1, 11.1], [0, 100, 1, 101]], dtype=np.float32)
CLUSTER_SCORES = np.array([0.9, 0.75, 0.6, 0.95, 0.5, 0.3], dtype=np.float32)


def test_non_max_suppression_selects_one_box_per_cluster():
    nms = wb.image.non_max_suppression
    out = nms(CLUSTERS, CLUSTER_SCORES, 3, iou_threshold=0.5)
    assert out.dtype == np.int32
    np.testing.assert_array_equal(out.numpy(), [3, 0, 5])
    np.testing.assert_array_equal(nms(CLUSTERS, CLUSTER_SCORES, 2).numpy(), [3, 0])
    np.testing.assert_array_equal(nms(CLUSTERS, CLUSTER_SCORES, 6, score_threshold=0.4).numpy(), [3, 0])
    flipped = CLUSTERS[:, [2, 3, 0, 1]]                       # corners in the other order
    np.testing.assert_array_equal(nms(flipped, CLUSTER_SCORES, 6).numpy(), [3, 0, 5])
    # IoU of boxes 0 and 1 is 0.9 / 1.1: kept at a higher threshold
    np.testing.assert_array_equal(nms(CLUSTERS, CLUSTER_SCORES, 6, iou_threshold=0.85).numpy(), [3, 0, 1, 2, 4, 5])
    ties = nms([[0, 0, 1, 1], [0, 0, 1, 1], [2, 2, 3, 3]], [0.5, 0.5, 0.5], 3).numpy()
    np.testing.assert_array_equal(ties, [0, 2])               # equal scores: the lower index first
    assert nms(np.zeros((0, 4)), np.zeros(0), 3).shape == (0,)
    with pytest.raises(ValueError, match=r"iou_threshold must be in \[0, 1\]"):
        nms(CLUSTERS, CLUSTER_SCORES, 3, iou_threshold=1.5)
    with pytest.raises(ValueError, match="one entry per box"):
        nms(CLUSTERS, CLUSTER_SCORES[:3], 3)


def test_soft_nms_decays_scores():
    idx, scores = wb.image.non_max_suppression_with_scores(CLUSTERS, CLUSTER_SCORES, 6, iou_threshold=1.0,
                                                           score_threshold=0.0, soft_nms_sigma=0.5)
    np.testing.assert_array_equal(idx.numpy(), [3, 0, 1, 5, 4, 2])
    iou01, iou34, iou02 = 0.9 / 1.1, 0.9 / 1.1, 0.9 / 1.1
    iou12 = 0.8 / 1.2
    want = [0.95, 0.9, 0.75 * np.exp(-iou01 ** 2), 0.3, 0.5 * np.exp(-iou34 ** 2),
            0.6 * np.exp(-iou02 ** 2) * np.exp(-iou12 ** 2)]
    np.testing.assert_allclose(scores.numpy(), want, rtol=1e-5)
    idx, scores = wb.image.non_max_suppression_with_scores(CLUSTERS, CLUSTER_SCORES, 6)
    np.testing.assert_array_equal(idx.numpy(), [3, 0, 5])
    np.testing.assert_allclose(scores.numpy(), [0.95, 0.9, 0.3])


def test_nms_overlaps_and_padded():
    overlaps = np.array([[1.0, 0.9, 0.1], [0.9, 1.0, 0.2], [0.1, 0.2, 1.0]])
    out = wb.image.non_max_suppression_overlaps(overlaps, [0.2, 0.9, 0.5], 3, overlap_threshold=0.5)
    np.testing.assert_array_equal(out.numpy(), [1, 2])
    idx, valid = wb.image.non_max_suppression_padded(CLUSTERS, CLUSTER_SCORES, 5, pad_to_max_output_size=True)
    np.testing.assert_array_equal(idx.numpy(), [3, 0, 5, 0, 0])
    assert int(valid) == 3
    idx, valid = wb.image.non_max_suppression_padded(CLUSTERS, CLUSTER_SCORES, 5)
    np.testing.assert_array_equal(idx.numpy(), [3, 0, 5])
    batch = np.stack([CLUSTERS, CLUSTERS])
    idx, valid = wb.image.non_max_suppression_padded(batch, np.stack([CLUSTER_SCORES, CLUSTER_SCORES[::-1]]), 4,
                                                     score_threshold=0.4, pad_to_max_output_size=True)
    # reversed scores [0.3, 0.5, 0.95, 0.6, 0.75, 0.9]: 3 falls to 4 and 1 to 2, 0 to the threshold
    np.testing.assert_array_equal(idx.numpy(), [[3, 0, 0, 0], [2, 5, 4, 0]])
    np.testing.assert_array_equal(valid.numpy(), [2, 3])
    with pytest.raises(ValueError, match="pad_to_max_output_size must be True for batched input"):
        wb.image.non_max_suppression_padded(batch, np.stack([CLUSTER_SCORES] * 2), 4)


@pytest.mark.filterwarnings("error::workbench.compiler.UnreplayableWarning")
def test_boxes_and_measures_replay_inside_wb_function():
    img = f64(_rng.standard_normal((2, 12, 12, 1)))

    @wb.function
    def crops(images, boxes, ids):
        c = wb.image.crop_and_resize(images, boxes, ids, [11, 11])
        return wb.image.ssim(c, c * 0.9 + 0.05, 2.0), wb.image.psnr(c, c * 0.5, 2.0)

    for shift in (0.0, 0.1, 0.2):
        boxes = f64([[0.1 + shift, 0.0, 0.9, 0.8 - shift], [0.0, 0.2, 1.0, 0.7]])
        ids = wb.constant([1, 0])
        got = crops(img, boxes, ids)
        c = wb.image.crop_and_resize(img, boxes, ids, [11, 11])
        np.testing.assert_allclose(got[0].numpy(), wb.image.ssim(c, c * 0.9 + 0.05, 2.0).numpy(), rtol=1e-12)
        np.testing.assert_allclose(got[1].numpy(), wb.image.psnr(c, c * 0.5, 2.0).numpy(), rtol=1e-12)
