"""Cases for wb.image: resizes (up, down, both methods, one image), projective transforms in every
fill mode and both interpolations, crops, flips and contrast."""

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
    Case("image.adjust_contrast", lambda x: wb.image.adjust_contrast(x, [[[[0.5]]], [[[1.7]]]]) ** 2, [IMG]),
]
