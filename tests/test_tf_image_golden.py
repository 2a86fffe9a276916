"""tf.image against TF 2.21: output dtypes, values and gradients pinned from TF (float32 values to
rtol 1e-5). TF computes every resize, crop_and_resize, per_image_standardization, psnr and ssim in
float32 whatever the input dtype, and the colour adjustments of a float64 image in float32 (the
result cast back to float64); wb.image does the same, so the values below are TF's to the bit
where the operation order allows."""

import numpy as np
import pytest

import workbench as wb
from workbench.errors import InvalidArgumentError

# values made with TF 2.21 (tf.image.*), inputs rounded to 3 decimals
X = np.array([
    0.076, 0.78, 0.438, 0.723, 0.978, 0.538, 0.501, 0.072, 0.268, 0.5, 0.679, 0.804, 0.381, 0.066, 0.288, 0.91,
    0.213, 0.452, 0.931, 0.025, 0.601, 0.95, 0.23, 0.548, 0.909, 0.133, 0.523, 0.75, 0.669, 0.468, 0.205,
    0.491, 0.372, 0.477, 0.366, 0.838]).reshape((1, 3, 4, 3))
GAUSS_UP = np.array([
    0.128257155, 0.749665737, 0.43503195, 0.324549615, 0.809475005, 0.466816127, 0.627257347, 0.838119566,
    0.498987675, 0.629684448, 0.501726329, 0.410079479, 0.54217881, 0.219970763, 0.377170086, 0.525743008,
    0.442507684, 0.608064413, 0.52578789, 0.621544957, 0.762046933, 0.230968952, 0.503105342, 0.384629399,
    0.414816588, 0.557535887, 0.423163354, 0.703918457, 0.597029805, 0.477747381, 0.735804796, 0.362067133,
    0.452562064, 0.684428096, 0.164778084, 0.451815754, 0.67805469, 0.337964416, 0.593126476, 0.680208921,
    0.474604845, 0.684990287, 0.430185437, 0.159711272, 0.336275488, 0.573760688, 0.219148532, 0.3773157,
    0.802076697, 0.294907659, 0.450267464, 0.840459943, 0.21134153, 0.502003372, 0.819204271, 0.130417556,
    0.544065952, 0.835880458, 0.215553015, 0.582690358, 0.849314213, 0.280755848, 0.602621913, 0.703467369,
    0.12674512, 0.430477828, 0.739370346, 0.243217006, 0.440560877, 0.772537112, 0.418185592, 0.457142472,
    0.655281305, 0.394995064, 0.462739706, 0.545523167, 0.31947425, 0.499925792, 0.605297565, 0.308738887,
    0.628606796, 0.657562017, 0.311017811, 0.707621872, 0.872239053, 0.157060042, 0.507223427, 0.835582376,
    0.314557672, 0.494209737, 0.735302508, 0.556516588, 0.466543823, 0.502894521, 0.553573549, 0.426104993,
    0.323463261, 0.463550687, 0.452922821, 0.411181808, 0.396490008, 0.663930714, 0.490128815, 0.363965631,
    0.797681928]).reshape((1, 5, 7, 3))
GAUSS_AA_7_TO_4 = np.array([
    0.489051074, 0.41538322, 0.095565677, 0, 0, 0, 0, 0.02395658, 0.200074911, 0.452604234, 0.277333766,
    0.046030443, 0, 0, 0, 0, 0.046030533, 0.277334034, 0.452604204, 0.200074703, 0.023956524, 0, 0, 0,
    0.005920182, 0.094999976, 0.41292423, 0.486155599]).reshape((4, 7))
CROP_BILINEAR = np.array([
    0.511040032, 0.749880016, 0.475679994, 0.647689998, 0.329440027, 0.399770021, 0.589100003, 0.431219876,
    0.627339959, 0.76752001, 0.334440023, 0.448559999, 0.60690999, 0.368300021, 0.462900013, 0.614959955,
    0.309500009, 0.64447999, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1]).reshape((2, 2, 3, 3))
CROP_BILINEAR_DBOXES = np.array([
    -0.092719749, 0.087239958, 0.132439971, 2.63567996, 0, 0, 0, 0]).reshape((2, 4))
CROP_NEAREST = np.array([
    0.72299999, 0.977999985, 0.537999988, 0.500999987, 0.071999997, 0.268000007, 0.5, 0.67900002, 0.80400002,
    0.75, 0.66900003, 0.467999995, 0.204999998, 0.490999997, 0.372000009, 0.476999998, 0.365999997, 0.838, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1]).reshape((2, 2, 3, 3))
CROP_NEAREST_DBOXES = np.array([
    -0.092719749, 0.087239958, 0.132439971, 2.63567996, 0, 0, 0, 0]).reshape((2, 4))
GRAY64 = np.array([
    0.530508399, 0.851522684, 0.222564906, 0.639678955, 0.185454905, 0.448558003, 0.361464918, 0.481436998,
    0.409393102, 0.670230031, 0.391899496, 0.452949315]).reshape((1, 3, 4, 1))
BRIGHT64 = np.array([
    0.175999999, 0.879999995, 0.537999988, 0.823000014, 1.07799995, 0.638000011, 0.601000011, 0.171999991,
    0.368000001, 0.600000024, 0.779000044, 0.904000044, 0.481000006, 0.166000009, 0.387999982, 1.00999999,
    0.312999994, 0.551999986, 1.03100002, 0.125, 0.701000035, 1.04999995, 0.330000013, 0.648000002, 1.00899994,
    0.23300001, 0.623000026, 0.850000024, 0.769000053, 0.568000019, 0.305000007, 0.591000021, 0.472000003,
    0.577000022, 0.465999991, 0.938000023]).reshape((1, 3, 4, 3))
GAMMA64 = np.array([
    0.214048818, 1.09247005, 0.729415894, 1.03595316, 1.27991331, 0.842346728, 0.801363826, 0.206099093,
    0.517175198, 0.800243855, 0.991407454, 1.11589301, 0.661592901, 0.193920657, 0.543898761, 1.21694887,
    0.440361232, 0.745658875, 1.23653984, 0.098288201, 0.91023916, 1.25415111, 0.464678764, 0.853276372,
    1.21601248, 0.316693753, 0.825837314, 1.06288481, 0.981164038, 0.764038801, 0.428717345, 0.790133297,
    0.650613964, 0.774294555, 0.643250465, 1.14871991]).reshape((1, 3, 4, 3))
STD64 = np.array([
    -1.55432939, 1.00083208, -0.24045375, 0.793951094, 1.71947122, 0.122495309, -0.011795855, -1.56884742,
    -0.857467115, -0.015425299, 0.634253621, 1.08793998, -0.447334647, -1.59062433, -0.784877419, 1.47266603,
    -1.05708921, -0.18964088, 1.54888523, -1.73943341, 0.351153314, 1.61784554, -0.995387733, 0.158790186,
    1.46903634, -1.34744835, 0.068052992, 0.891947389, 0.597958744, -0.131569028, -1.08612514, -0.04809073,
    -0.480000079, -0.098903596, -0.501777053, 1.21134257]).reshape((1, 3, 4, 3))
Y = np.array([
    0.039, 0.834, 0.355, 0.75, 0.875, 0.505, 0.441, 0.145, 0.356, 0.484, 0.721, 0.795, 0.409, 0.028, 0.203,
    0.82, 0.232, 0.564, 0.944, 0, 0.697, 0.962, 0.235, 0.561, 0.902, 0.118, 0.451, 0.775, 0.664, 0.528, 0.187,
    0.396, 0.367, 0.562, 0.347, 0.794]).reshape((1, 3, 4, 3))
PSNR64 = np.array([
    25.0791893]).reshape((1,))
CB = np.array([
    0.104, 0.26, 0.284, 0.392, 0.44, 0.524, 0.86, 0.824, 0.452, 0.704, 0.968, 0.836, -0.052, 0.956, 0.86,
    1.028, 0.236, 0.476, 0.86, 0.764, -0.016, 0.332, 0.08, 0.692, 0.62, 0.416, 0.872, 0.776, -0.088, 0.404,
    0.884, 0.812, 0.452, -0.028, 0.548, 0.632, 0.056, 0.176, 0.896, 1.028, 0.164, 0.056, 0.692, 0.584, 0.104,
    -0.064, 0.932, 0.836, 0.536, 0.224, 1.076, 0.86, 0.104, 0.14, 0.992, 0.956, 0.428, 0.104, 0.92, 0.764,
    0.56, 0.092, 0.692, 0.872, -0.052, -0.052, 0.872, 0.236, -0.088, 0.08, -0.028, 0.332, -0.076, 0.416, 0.74,
    0.524, 0.056, 0.296, 0.608, 1.028]).reshape((2, 5, 2, 4))
CS = np.array([
    0.99, 0.24, 0.01, 0.83, 0.93, 0.46, 0.77, 0.87, 0.61, 0.87, 0.02, 0.27, 0.28, 0.12, 0.91, 0.03, 0.67, 0.07,
    0.36, 0.42]).reshape((2, 5, 2))
CNMS_False_BOXES = np.array([
    0.104000002, 0.25999999, 0.284000009, 0.39199999, 0.236000001, 0.476000011, 0.860000014, 0.763999999, 0,
    0.404000014, 0.884000003, 0.811999977, 0, 0.95599997, 0.860000014, 1, 0, 0, 0, 0, 0.428000003, 0.104000002,
    0.920000017, 0.763999999, 0, 0, 0.871999979, 0.236000001, 0.056000002, 0.296000004, 0.60799998, 1, 0, 0, 0,
    0, 0, 0, 0, 0]).reshape((2, 5, 4))
CNMS_False_SCORES = np.array([
    0.99000001, 0.930000007, 0.870000005, 0.829999983, 0, 0.910000026, 0.670000017, 0.419999987, 0, 0]).reshape((2, 5))
CNMS_False_CLASSES = np.array([
    0, 0, 1, 1, 0, 0, 0, 1, 0, 0]).reshape((2, 5))
CNMS_False_VALID = np.array([
    4, 3]).reshape((2,))
CNMS_True_BOXES = np.array([
    0.104000002, 0.25999999, 0.284000009, 0.39199999, 0.236000001, 0.476000011, 0.860000014, 0.763999999, 0,
    0.404000014, 0.884000003, 0.811999977, 0, 0.95599997, 0.860000014, 1, 0.428000003, 0.104000002,
    0.920000017, 0.763999999, 0, 0, 0.871999979, 0.236000001, 0.056000002, 0.296000004, 0.60799998, 1, 0, 0, 0,
    0]).reshape((2, 4, 4))
CNMS_True_SCORES = np.array([
    0.99000001, 0.930000007, 0.870000005, 0.829999983, 0.910000026, 0.670000017, 0.419999987, 0]).reshape((2, 4))
CNMS_True_CLASSES = np.array([
    0, 0, 1, 1, 0, 0, 1, 0]).reshape((2, 4))
CNMS_True_VALID = np.array([
    4, 3]).reshape((2,))


def f32close(got, want, rtol=1e-5, atol=1e-6):
    np.testing.assert_allclose(np.asarray(got, np.float64), want, rtol=rtol, atol=atol)


@pytest.mark.parametrize("method", ["bilinear", "bicubic", "area", "gaussian", "lanczos3", "lanczos5",
                                    "mitchellcubic", "nearest"])
@pytest.mark.parametrize("dtype", [np.float16, np.float64, np.uint8, np.int32])
@pytest.mark.parametrize("antialias", [False, True])
def test_resize_dtype_is_tfs(method, dtype, antialias):
    # float32 for every method but nearest (which keeps the dtype), whatever the input
    x = wb.constant((X * 200).astype(dtype))
    for size in ([2, 3], [5, 7], [3, 4]):
        y = wb.image.resize(x, size, method=method, antialias=antialias)
        assert y.dtype == (dtype if method == "nearest" else np.float32)
        assert y.shape == (1, *size, 3)
    assert wb.image.resize(x[0], [2, 3], method=method, preserve_aspect_ratio=True).dtype == (
        dtype if method == "nearest" else np.float32)


def test_gaussian_resize_is_tfs_kernel():
    # TF's gaussian: sigma 0.5, radius 1.5 (three sigmas)
    f32close(wb.image.resize(wb.constant(X), [5, 7], method="gaussian").numpy(), GAUSS_UP)
    # a 7 -> 4 antialiased shrink: a tap on the widened radius (distance 1.5 after scaling) counts
    rows = []
    for j in range(7):
        d = np.zeros((1, 1, 7, 1), np.float32)
        d[0, 0, j, 0] = 1
        rows.append(wb.image.resize(d, [1, 4], method="gaussian", antialias=True).numpy().ravel())
    f32close(np.array(rows).T, GAUSS_AA_7_TO_4)


@pytest.mark.parametrize("method", ["bilinear", "nearest"])
def test_crop_and_resize_is_float32_with_tfs_box_gradient(method):
    x = wb.constant(X)                                  # float64 image
    boxes = wb.constant(np.array([[0.1, 0.2, 0.8, 0.9], [-0.3, -0.2, 1.3, 1.1]], np.float32))
    weights = wb.reshape(wb.range(36, dtype=wb.float32) / 10.0, [2, 2, 3, 3])
    with wb.GradientTape(persistent=True) as tape:
        tape.watch([x, boxes])
        y = wb.image.crop_and_resize(x, boxes, [0, 0], [2, 3], method=method, extrapolation_value=-1.0)
        loss = wb.reduce_sum(y * weights)
    assert y.dtype == np.float32
    f32close(y.numpy(), CROP_BILINEAR if method == "bilinear" else CROP_NEAREST)
    gx = tape.gradient(loss, x)
    assert gx.dtype == np.float64
    # TF's CropAndResizeGradBoxes is bilinear for both methods
    f32close(tape.gradient(loss, boxes).numpy(), CROP_BILINEAR_DBOXES if method == "bilinear"
             else CROP_NEAREST_DBOXES, rtol=1e-5, atol=1e-5)


def test_float64_colour_adjustments_round_through_float32():
    x = wb.constant(X)
    gray = wb.image.rgb_to_grayscale(x)
    assert gray.dtype == np.float64
    f32close(gray.numpy(), GRAY64, rtol=1e-7, atol=1e-8)             # TF's values, not float64's
    assert np.abs(gray.numpy() - X @ np.array([[0.2989], [0.587], [0.114]])).max() > 1e-9
    bright = wb.image.adjust_brightness(x, 0.1)
    assert bright.dtype == np.float64
    np.testing.assert_allclose(bright.numpy(), BRIGHT64, rtol=1e-8)
    np.testing.assert_array_equal(bright.numpy(), bright.numpy().astype(np.float32))   # float32 values
    gamma = wb.image.adjust_gamma(x, 0.7, 1.3)
    assert gamma.dtype == np.float64
    f32close(gamma.numpy(), GAMMA64, rtol=1e-6, atol=1e-7)


def test_standardization_and_psnr_are_float32():
    for dtype in (np.float16, np.float64, np.int32):
        assert wb.image.per_image_standardization(wb.constant((X * 100).astype(dtype))).dtype == np.float32
    f32close(wb.image.per_image_standardization(wb.constant(X)).numpy(), STD64)
    p = wb.image.psnr(wb.constant(X), wb.constant(Y), 1.0)
    assert p.dtype == np.float32
    f32close(p.numpy(), PSNR64)
    s = wb.image.ssim(wb.constant(np.tile(X, (1, 4, 3, 1))), wb.constant(np.tile(Y, (1, 4, 3, 1))), 1.0)
    assert s.dtype == np.float32


def test_convert_image_dtype_saturates_a_half_image_to_int32():
    # 2**31 overflows float16: TF clips at float16's largest value
    got = wb.image.convert_image_dtype(wb.constant(np.array([0.5, 1.0, -1.0], np.float16)), wb.int32, saturate=True)
    np.testing.assert_array_equal(got.numpy(), [65504, 65504, -65504])


@pytest.mark.parametrize("pad", [False, True])
def test_combined_non_max_suppression_is_tfs(pad):
    boxes, scores, classes, valid = wb.image.combined_non_max_suppression(CB, CS, 2, 5, 0.3, 0.1, pad_per_class=pad)
    want = {False: (CNMS_False_BOXES, CNMS_False_SCORES, CNMS_False_CLASSES, CNMS_False_VALID),
            True: (CNMS_True_BOXES, CNMS_True_SCORES, CNMS_True_CLASSES, CNMS_True_VALID)}[pad]
    assert [t.dtype for t in (boxes, scores, classes, valid)] == [np.float32, np.float32, np.float32, np.int32]
    f32close(boxes.numpy(), want[0])
    f32close(scores.numpy(), want[1])
    np.testing.assert_array_equal(classes.numpy(), want[2])
    np.testing.assert_array_equal(valid.numpy(), want[3])


def test_combined_non_max_suppression_shares_boxes_and_checks_shapes():
    shared = wb.image.combined_non_max_suppression(CB[:, :, :1], CS, 3, 4, 0.5)
    per_class = wb.image.combined_non_max_suppression(np.repeat(CB[:, :, :1], 2, axis=2), CS, 3, 4, 0.5)
    for a, b in zip(shared, per_class):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    with pytest.raises(InvalidArgumentError, match="boxes must be 4-D"):
        wb.image.combined_non_max_suppression(CB[0], CS, 2, 5)
    with pytest.raises(InvalidArgumentError, match="scores must be"):
        wb.image.combined_non_max_suppression(CB, np.concatenate([CS, CS], -1), 2, 5)


def test_refusals_follow_tf():
    with pytest.raises(InvalidArgumentError, match="4-D"):          # TF: InvalidArgumentError (MirrorPad)
        wb.image.sobel_edges(wb.zeros([3, 3, 1]))
    with pytest.raises(TypeError, match="unsigned"):                  # TF has no uint8 Abs kernel
        wb.image.total_variation(wb.zeros([3, 3, 1], wb.uint8))
    with pytest.raises(TypeError, match="floating"):                  # TF: float and half only
        wb.image.draw_bounding_boxes(wb.zeros([1, 3, 3, 1], wb.uint8), [[[0.0, 0.0, 1.0, 1.0]]], None)


def test_run_time_refusals_are_invalid_argument_errors():
    # TF's kernels refuse these with InvalidArgumentError (a ValueError here too)
    x = wb.constant(X)
    with pytest.raises(InvalidArgumentError, match="two positive integers"):
        wb.image.resize(x, [0, 3])
    with pytest.raises(InvalidArgumentError, match="no pixels left"):     # 3x4 fitted into 1x20: 0 rows
        wb.image.resize_with_pad(wb.constant(np.zeros((1, 9, 7, 2))), 1, 20)
    with pytest.raises(InvalidArgumentError, match="last dimension of images must have size 3"):
        wb.image.rgb_to_grayscale(wb.zeros([2, 4]))
    with pytest.raises(InvalidArgumentError, match="padding must be 'VALID' or 'SAME'"):
        wb.image.extract_patches(x, [1, 2, 2, 1], [1, 1, 1, 1], [1, 1, 1, 1], "FULL")
    with pytest.raises(InvalidArgumentError, match="at least filter_size = 11"):
        wb.image.ssim(x, x, 1.0)
    with pytest.raises(InvalidArgumentError, match=r"iou_threshold must be in \[0, 1\]"):
        wb.image.non_max_suppression([[0.0, 0.0, 1.0, 1.0]], [0.5], 3, 1.5)
    with pytest.raises(InvalidArgumentError, match=r"boxes must be \[num_boxes, 4\]"):
        wb.image.non_max_suppression([[0.0, 0.0, 1.0]], [0.5], 3)


def test_stateful_random_ops_give_tfs_draws():
    # TF 2.21 under tf.random.set_seed(5), op seed 3, two calls each (first four values)
    x = wb.constant(np.random.RandomState(0).uniform(0, 1, (2, 5, 6, 3)).astype(np.float32))
    want = {
        "brightness": ([0.42202, 0.5884, 0.47597, 0.41809], [0.51731, 0.68369, 0.57126, 0.51338]),
        "contrast": ([0.51566, 0.62635, 0.5842, 0.51306], [0.54058, 0.69312, 0.59815, 0.53698]),
        "hue": ([0.62144, 0.71519, 0.54881, 0.42365], [0.54881, 0.71519, 0.57132, 0.50288]),
        "saturation": ([0.60507, 0.71519, 0.64078, 0.57904], [0.56279, 0.71519, 0.61221, 0.55337]),
        "flip_left_right": ([0.54881, 0.71519, 0.60276, 0.54488], [0.08713, 0.02022, 0.83262, 0.56804]),
        "flip_up_down": ([0.54881, 0.71519, 0.60276, 0.54488], [0.97676, 0.60485, 0.73926, 0.03919]),
        "crop": ([0.68182, 0.35951, 0.43703, 0.69763], [0.69763, 0.06023, 0.66677, 0.67064]),
    }
    ops = {"brightness": lambda: wb.image.random_brightness(x, 0.3, seed=3),
           "contrast": lambda: wb.image.random_contrast(x, 0.2, 1.8, seed=3),
           "hue": lambda: wb.image.random_hue(x, 0.3, seed=3),
           "saturation": lambda: wb.image.random_saturation(x, 0.2, 1.8, seed=3),
           "flip_left_right": lambda: wb.image.random_flip_left_right(x, seed=3),
           "flip_up_down": lambda: wb.image.random_flip_up_down(x, seed=3),
           "crop": lambda: wb.image.random_crop(x, [2, 3, 4, 3], seed=3)}
    for name, op in ops.items():
        wb.random.set_seed(5)
        first, second = op().numpy().ravel()[:4], op().numpy().ravel()[:4]
        np.testing.assert_allclose(first, want[name][0], atol=1e-5, err_msg=name)
        np.testing.assert_allclose(second, want[name][1], atol=1e-5, err_msg=name)


def test_sample_distorted_bounding_box_follows_tfs_stateful_kernel():
    # TF 2.21: global seed 5, op seed 4; each call moves the kernel's Philox stream by max_attempts
    boxes = wb.constant([[[0.2, 0.1, 0.7, 0.8]]])
    wb.random.set_seed(5)
    got = [wb.image.sample_distorted_bounding_box([30, 40, 3], boxes, seed=4, min_object_covered=0.2)
           for _ in range(3)]
    assert [[b.numpy().tolist(), s.numpy().tolist()] for b, s, _ in got] == [
        [[2, 2, 0], [21, 27, -1]], [[4, 1, 0], [17, 13, -1]], [[6, 1, 0], [21, 16, -1]]]
    f32close(got[0][2].numpy().ravel(), [0.0666666701, 0.0500000007, 0.766666651, 0.725000024])
    wb.random.set_seed(5)
    short = [wb.image.sample_distorted_bounding_box([30, 40, 3], boxes, seed=4, min_object_covered=0.2,
                                                    max_attempts=7)[0].numpy().tolist() for _ in range(3)]
    assert short == [[2, 2, 0], [1, 3, 0], [3, 22, 0]]


def test_rgb_to_hsv_gradient_is_tfs_at_ties():
    # TF's RGBToHSV gradient picks a side where channels tie (grays, black, white, two equal
    # channels); TF 2.21's values for sum(rgb_to_hsv(x) * w)
    edge = np.array([[0, 0, 0], [1, 1, 1], [0.5, 0.5, 0.5], [1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0],
                     [0.2, 0.2, 0.7], [0.7, 0.2, 0.2], [0.3, 0.9, 0.9], [0.6, 0.3, 0.6], [0.1, 0.4, 0.8]])
    want = [[-0.5, 0.0, 0.0], [-0.5, 0.0, -0.25], [-1.0, 0.0, 0.0], [-1.25, 0.125, -0.125],
            [-0.083333333333, 1.25, 0.083333333333], [0.041666666667, -0.041666666667, 1.0], [0.75, 0.0, 0.0],
            [-0.083333333333, 1.869047619048, -0.010204081633], [0.760204081633, -0.166666666667, -1.619047619048],
            [-1.111111111111, 0.578703703704, -0.208333333333], [-0.180555555556, -1.25, 0.555555555556],
            [-0.795068027211, 0.297619047619, -0.549426020408]]
    w = ((np.arange(36) * 7) % 11 - 5).reshape(12, 3) / 4.0
    x = wb.constant(edge)
    with wb.GradientTape() as tape:
        tape.watch(x)
        y = wb.reduce_sum(wb.image.rgb_to_hsv(x) * w)
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), want, rtol=1e-10, atol=1e-11)
    with wb.autodiff.ForwardAccumulator(x, wb.constant(w)) as acc:      # forward mode: the same jacobian
        hsv = wb.image.rgb_to_hsv(x)
    jac_w = acc.jvp(hsv).numpy()
    for k in (3, 7, 10):
        jac = np.stack([_row_grad(x, k, i) for i in range(3)])        # d hsv[k] / d rgb[k]
        np.testing.assert_allclose(jac_w[k], jac @ w[k], rtol=1e-10, atol=1e-12)


def _row_grad(x, k, i):
    with wb.GradientTape() as tape:
        tape.watch(x)
        out = wb.image.rgb_to_hsv(x)[k, i]
    return tape.gradient(out, x).numpy()[k]
