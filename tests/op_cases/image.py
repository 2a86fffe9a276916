"""Cases for wb.image: resizes (every method, antialiased), projective transforms in every fill mode
and both interpolations, crops, pads, flips, rotations, patches, crop_and_resize (image and boxes),
colour spaces and adjustments, the stateless augmentations (a fixed seed), and the quality
measures and filters (total variation, PSNR, SSIM, MS-SSIM, image gradients, Sobel)."""

import dataclasses

import numpy as np

import workbench as wb

from . import Case, uniform

IMG = uniform(-1, 1, (2, 4, 5, 2), 41)
ONE = uniform(-1, 1, (3, 3, 1), 42)
# off-grid positions (no tap sits exactly on a pixel, so finite differences see a smooth map)
WARP = np.array([[0.93, 0.21, -0.37, -0.18, 1.07, 0.29, 0.0, 0.0],
                 [1.11, -0.26, 0.43, 0.31, 0.87, -0.61, 0.013, -0.021]])
ROT = np.array([0.8, -0.6, 1.7, 0.6, 0.8, -0.9, 0.0, 0.0])

CASES = [
    Case("image.resize bilinear up", lambda x: wb.image.resize(x, [7, 9]), [IMG]),
    Case("image.resize bilinear down", lambda x: wb.image.resize(x, [3, 2]) ** 2, [IMG]),
    Case("image.resize nearest", lambda x: wb.image.resize(x, [5, 3], method="nearest") * 2.0, [IMG]),
    Case("image.resize area", lambda x: wb.image.resize(x, [3, 3], method="area") ** 2, [IMG]),
    Case("image.resize antialiased lanczos3 and mitchellcubic",
         lambda x: wb.image.resize(x, [3, 2], method="lanczos3", antialias=True)
         + wb.image.resize(x, [3, 2], method="mitchellcubic"), [IMG]),
    Case("image.resize bicubic, up and antialiased down",
         lambda x: wb.image.resize(x, [7, 5], method="bicubic") ** 2
         + wb.image.resize(wb.image.resize(x, [3, 2], method="bicubic", antialias=True), [7, 5]), [IMG]),
    Case("image.resize one image, aspect ratio", lambda x: wb.image.resize(x, [6, 9], preserve_aspect_ratio=True),
         [ONE]),
    Case("image.transform bilinear constant", lambda x: wb.image.transform(x, WARP, "bilinear", "constant", 0.5),
         [IMG]),
    Case("image.transform bilinear reflect", lambda x: wb.image.transform(x, WARP, "bilinear", "reflect"), [IMG]),
    Case("image.transform bilinear wrap", lambda x: wb.image.transform(x, ROT, "bilinear", "wrap"), [IMG]),
    Case("image.transform bilinear nearest-fill", lambda x: wb.image.transform(x, WARP, "bilinear", "nearest",
                                                                               output_shape=[3, 6]), [IMG]),
    Case("image.transform nearest", lambda x: wb.image.transform(x, WARP, "nearest", "reflect") ** 2, [IMG]),
    Case("image.crop_to_bounding_box", lambda x: wb.image.crop_to_bounding_box(x, 1, 2, 2, 3) * 3.0, [IMG]),
    Case("image.flips", lambda x: wb.image.flip_left_right(x) * wb.image.flip_up_down(x), [IMG]),
]

# -- geometry, colour, augmentations -------------------------------------------------------------------

RGB = uniform(0.05, 0.95, (2, 3, 4, 3), 43)
HSV = np.stack([uniform(0.02, 0.98, (3, 4), 44), uniform(0.1, 0.9, (3, 4), 45), uniform(0.1, 0.9, (3, 4), 46)], -1)
# boxes off the pixel grid and inside the image (no sample on a tap or the extrapolation edge)
BOXES = np.array([[0.13, 0.21, 0.77, 0.69], [0.62, 0.08, 0.31, 0.93], [0.4, 0.45, 0.55, 0.61]])

CASES += [
    Case("image.rot90 and transpose", lambda x: wb.image.rot90(x, 3) ** 2 + wb.image.rot90(x, 1)
         + wb.image.transpose(wb.image.rot90(x, 2)), [IMG]),
    Case("image.pad_to_bounding_box", lambda x: wb.image.pad_to_bounding_box(x, 1, 2, 6, 9) ** 2, [IMG]),
    Case("image.central_crop and resize_with_crop_or_pad",
         lambda x: wb.image.central_crop(x, 0.6) * 2.0 + wb.image.resize_with_crop_or_pad(x, 2, 7)[:, :1, 2:5], [IMG]),
    Case("image.resize_with_pad", lambda x: wb.image.resize_with_pad(x, 6, 6), [IMG]),
    Case("image.extract_patches same dilated", lambda x: wb.image.extract_patches(x, [1, 2, 3, 1], [1, 2, 1, 1],
                                                                               [1, 1, 2, 1], "SAME") ** 2, [IMG]),
    Case("image.extract_patches valid", lambda x: wb.image.extract_patches(x, [1, 3, 2, 1], [1, 1, 2, 1],
                                                                        [1, 1, 1, 1], "VALID"), [IMG]),
    Case("image.crop_and_resize bilinear (image and boxes)",
         lambda x, b: wb.image.crop_and_resize(x, b, [1, 0, 1], [3, 4]), [IMG, BOXES]),
    Case("image.crop_and_resize nearest, one row", lambda x: wb.image.crop_and_resize(x, BOXES, [0, 1, 1], [1, 3],
                                                                                   method="nearest") * 2.0, [IMG]),
    Case("image.adjust_brightness and gamma",
         lambda x: wb.image.adjust_brightness(x, 0.1) * wb.image.adjust_gamma(x, 1.7, 0.8), [RGB]),
    Case("image.rgb_to_hsv", lambda x: wb.image.rgb_to_hsv(x), [RGB]),
    Case("image.hsv_to_rgb", lambda x: wb.image.hsv_to_rgb(x), [HSV]),
    Case("image.adjust_saturation", lambda x: wb.image.adjust_saturation(x, 0.6), [RGB]),
    Case("image.adjust_hue", lambda x: wb.image.adjust_hue(x, 0.3), [RGB]),
    Case("image.grayscale and back", lambda x: wb.image.grayscale_to_rgb(wb.image.rgb_to_grayscale(x)) * x, [RGB]),
    Case("image.yuv and yiq", lambda x: wb.image.yuv_to_rgb(wb.image.rgb_to_yuv(x) ** 2)
         + wb.image.yiq_to_rgb(wb.image.rgb_to_yiq(x)), [RGB]),
    Case("image.per_image_standardization", lambda x: wb.image.per_image_standardization(x) ** 2, [RGB]),
    Case("image.stateless_random flips, brightness, crop",
         lambda x: wb.image.stateless_random_crop(wb.image.stateless_random_brightness(
             wb.image.stateless_random_flip_left_right(x, seed=(1, 2)), 0.2, seed=(3, 4)), [2, 2, 3, 3], seed=(5, 6)),
         [RGB]),
    # (adjust_contrast and the random contrasts have no gradient, as in TF: tests/test_tf_values.py)
    Case("image.stateless_random saturation, hue",
         lambda x: wb.image.stateless_random_hue(wb.image.stateless_random_saturation(x, 0.5, 0.9, seed=(3, 4)),
                                                 0.2, seed=(5, 6)),
         [RGB]),
]

# -- measures and filters ------------------------------------------------------------------------------

PAIR_A = uniform(0.1, 0.9, (2, 7, 6, 2), 47)
PAIR_B = PAIR_A + uniform(-0.08, 0.08, (2, 7, 6, 2), 48)

CASES += [
    Case("image.total_variation", lambda x: wb.image.total_variation(x) + wb.image.total_variation(x[0]), [IMG]),
    Case("image.psnr", lambda a, b: wb.image.psnr(a, b, 1.0), [PAIR_A, PAIR_B]),
    Case("image.ssim", lambda a, b: wb.image.ssim(a, b, 1.0, filter_size=3, filter_sigma=0.9), [PAIR_A, PAIR_B]),
    Case("image.ssim index map", lambda a, b: wb.image.ssim(a[0], b[0], 2.0, filter_size=4, return_index_map=True),
         [PAIR_A, PAIR_B], order=1),
    Case("image.ssim_multiscale", lambda a, b: wb.image.ssim_multiscale(a, b, 1.0, power_factors=(0.4, 0.6),
                                                                      filter_size=3, filter_sigma=1.0),
         [PAIR_A[:1], PAIR_B[:1]], order=1),
    Case("image.image_gradients", lambda x: wb.image.image_gradients(x)[0] * wb.image.image_gradients(x)[1], [IMG]),
    Case("image.sobel_edges", lambda x: wb.image.sobel_edges(x) ** 2, [ONE[None]]),
]

# TF computes these in float32 whatever the images' dtype (resizes, crops, the adjustments, the
# measures; wb.image follows): finite differences of a float32 result take a wider step and tolerance
_FLOAT32_INSIDE = ("image.resize", "image.crop_and_resize", "image.adjust_", "image.grayscale",
                   "image.per_image_standardization", "image.stateless_random", "image.psnr", "image.ssim")
_STEP = {"image.per_image_standardization": (3e-3, 1e-2), "image.ssim index map": (1e-3, 1e-2),
         "image.ssim_multiscale": (1e-3, 1e-2)}
# hue rotations in float32: pixels whose channels lie far apart (the hue's slope is 1 / span)
# and whose rotated hues stay inside their sectors
_SPREAD = np.array([0.12, 0.5, 0.85]) + uniform(-0.05, 0.05, (2, 3, 4, 3), 49)
RGB_SPREAD = np.take_along_axis(_SPREAD, np.argsort(uniform(0, 1, (2, 3, 4, 3), 50), axis=-1), axis=-1)
for _k, _case in enumerate(CASES):
    if _case.name in ("image.adjust_hue", "image.stateless_random saturation, hue"):
        CASES[_k] = dataclasses.replace(_case, args=[RGB_SPREAD])
for _case in CASES:
    if _case.name.startswith(_FLOAT32_INSIDE):
        _case.eps, _case.atol = _STEP.get(_case.name, (1e-3, 2e-3))
        _case.rtol = _case.atol
