"""``wb.image``: TF's ``tf.image`` ops on ``[batch, height, width, channels]`` (or one
``[height, width, channels]``) images.

- resampling (``sampling``): ``resize``, ``resize_with_pad``, ``crop_and_resize``, ``transform``;
- geometry (``geometry``): crops, pads, flips, ``rot90``, ``transpose``, ``extract_patches``;
- pixel values (``color``): ``convert_image_dtype``, colour spaces, brightness, contrast, gamma,
  saturation, hue, ``per_image_standardization``;
- augmentations (``augment``): ``random_*`` and ``stateless_random_*``;
- JPEG artifacts (``jpeg``): ``adjust_jpeg_quality`` and its random forms, through Pillow;
- measures and filters (``quality``): ``total_variation``, ``psnr``, ``ssim``, ``ssim_multiscale``,
  ``image_gradients``, ``sobel_edges``;
- random crops (``distort``): ``sample_distorted_bounding_box`` and its stateless form;
- boxes (``boxes``): ``non_max_suppression`` and its ``_with_scores``, ``_overlaps``, ``_padded`` forms,
  ``combined_non_max_suppression``, ``draw_bounding_boxes``.

Floating images hold values in ``[0, 1]``, integer images the range of their dtype (TF's
convention). The ops are compositions of differentiable workbench ops, so gradients flow to the
images (where TF has them) in both modes and to any order, and ``wb.function`` traces replay them.

>>> wb.image.flip_left_right(wb.reshape(wb.range(4.0), [1, 2, 2, 1]))[0, ..., 0].numpy()
array([[1., 0.],
       [3., 2.]], dtype=float32)
"""

from .augment import (
    random_brightness, random_contrast, random_crop, random_flip_left_right, random_flip_up_down, random_hue,
    random_saturation, stateless_random_brightness, stateless_random_contrast, stateless_random_crop,
    stateless_random_flip_left_right, stateless_random_flip_up_down, stateless_random_hue,
    stateless_random_saturation,
)
from .boxes import (
    combined_non_max_suppression, draw_bounding_boxes, non_max_suppression, non_max_suppression_overlaps,
    non_max_suppression_padded, non_max_suppression_with_scores,
)
from .color import (
    adjust_brightness, adjust_contrast, adjust_gamma, adjust_hue, adjust_saturation, convert_image_dtype,
    grayscale_to_rgb, hsv_to_rgb, per_image_standardization, rgb_to_grayscale, rgb_to_hsv, rgb_to_yiq, rgb_to_yuv,
    yiq_to_rgb, yuv_to_rgb,
)
from .geometry import (
    central_crop, crop_to_bounding_box, extract_patches, flip_left_right, flip_up_down, pad_to_bounding_box,
    resize_with_crop_or_pad, rot90, transpose,
)
from .distort import sample_distorted_bounding_box, stateless_sample_distorted_bounding_box
from .glimpse import extract_glimpse
from .jpeg import adjust_jpeg_quality, random_jpeg_quality, stateless_random_jpeg_quality
from .quality import image_gradients, psnr, sobel_edges, ssim, ssim_multiscale, total_variation
from .sampling import ResizeMethod, crop_and_resize, resize, resize_with_pad, transform
from ..io.images import decode_image, decode_jpeg, decode_png, encode_jpeg, encode_png  # noqa: F401 (tf.image's codecs)
from ..io.codecs import (  # noqa: F401,E402  (tf.image's too)
    decode_and_crop_jpeg, decode_bmp, decode_gif, decode_webp, extract_jpeg_shape, is_jpeg,
)

__all__ = [
    "ResizeMethod", "adjust_brightness", "adjust_contrast", "adjust_gamma", "adjust_hue", "adjust_jpeg_quality",
    "adjust_saturation",
    "central_crop", "combined_non_max_suppression", "convert_image_dtype", "crop_and_resize", "crop_to_bounding_box",
    "draw_bounding_boxes",
    "extract_glimpse", "extract_patches",
    "flip_left_right", "flip_up_down", "grayscale_to_rgb", "hsv_to_rgb", "image_gradients",
    "non_max_suppression", "non_max_suppression_overlaps", "non_max_suppression_padded",
    "non_max_suppression_with_scores", "pad_to_bounding_box", "per_image_standardization", "psnr",
    "random_brightness", "random_contrast", "random_crop", "random_flip_left_right", "random_flip_up_down",
    "random_hue", "random_jpeg_quality", "random_saturation", "resize", "resize_with_crop_or_pad", "resize_with_pad",
    "rgb_to_grayscale", "rgb_to_hsv", "rgb_to_yiq", "rgb_to_yuv", "rot90", "sample_distorted_bounding_box",
    "sobel_edges", "ssim",
    "ssim_multiscale", "stateless_random_brightness", "stateless_random_contrast", "stateless_random_crop",
    "stateless_random_flip_left_right", "stateless_random_flip_up_down", "stateless_random_hue",
    "stateless_random_jpeg_quality", "stateless_random_saturation", "stateless_sample_distorted_bounding_box", "total_variation", "transform", "transpose", "yiq_to_rgb", "yuv_to_rgb",
]
