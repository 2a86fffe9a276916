"""``decode_png`` / ``decode_image`` on small plain 8-bit PNGs, decoded with zlib and NumPy
(``workbench/io/images.py``): every row filter and channel count, against the pixels written and
against Pillow; every other PNG (and anything malformed) goes to Pillow as before."""

import io
import os
import struct
import zlib

import numpy as np
import pytest

import workbench as wb
from workbench.io import images

PIL = pytest.importorskip("PIL")
from PIL import Image  # noqa: E402

COLOUR = {1: 0, 2: 4, 3: 2, 4: 6}   # channels -> PNG colour type
TF_PNG = os.path.join(os.path.dirname(__file__), "fixtures", "tfrecord", "tf_image.png")


def _chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _filter_row(f, row, up, bpp):
    """PNG filter ``f`` applied to one row (integers), the row above being ``up``."""
    out = []
    for i, x in enumerate(row):
        a = row[i - bpp] if i >= bpp else 0
        b = up[i]
        c = up[i - bpp] if i >= bpp else 0
        if f == 0:
            pred = 0
        elif f == 1:
            pred = a
        elif f == 2:
            pred = b
        elif f == 3:
            pred = (a + b) // 2
        else:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
        out.append((x - pred) % 256)
    return out


def png_bytes(pixels, filters, extra=(), idat_parts=1):
    """A PNG of ``uint8 [h, w, c]`` pixels with the given filter for each row, written here (not
    by Pillow, whose encoder picks its own filters); ``extra``: chunks before the pixel data."""
    h, w, c = pixels.shape
    up = [0] * (w * c)
    raw = bytearray()
    for r in range(h):
        row = pixels[r].reshape(-1).tolist()
        raw += bytes([filters[r]] + _filter_row(filters[r], row, up, c))
        up = row
    data = zlib.compress(bytes(raw))
    cut = [len(data) * k // idat_parts for k in range(idat_parts + 1)]
    header = struct.pack(">IIBBBBB", w, h, 8, COLOUR[c], 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + b"".join(extra)
            + b"".join(_chunk(b"IDAT", data[lo:hi]) for lo, hi in zip(cut, cut[1:])) + _chunk(b"IEND", b""))


def pillow(data, channels=0):
    img = Image.open(io.BytesIO(data))
    mode = images._MODES.get(channels) or images._file_mode(img)
    arr = np.asarray(img.convert(mode))
    return arr[:, :, None] if arr.ndim == 2 else arr


def smooth_image(rng, h, w, c):
    """Pixels with structure (running sums), so that every filter has work to do."""
    steps = rng.integers(0, 40, (h, w, c)).cumsum(1) + rng.integers(0, 40, (h, 1, c)).cumsum(0)
    return (steps % 256).astype(np.uint8)


@pytest.mark.parametrize("channels", [1, 2, 3, 4])
@pytest.mark.parametrize("f", [0, 1, 2, 3, 4])
def test_each_filter_and_channel_count_decodes_to_the_pixels_written(f, channels):
    rng = np.random.default_rng(10 * f + channels)
    for h, w in ((1, 1), (3, 1), (1, 5), (8, 8), (5, 12)):
        pixels = smooth_image(rng, h, w, channels)
        data = png_bytes(pixels, [f] * h)
        assert images._small_png(data, 0) is not None   # decoded here, not by Pillow
        for asked in (0, channels):
            got = wb.io.decode_png(data, channels=asked)
            assert got.dtype == np.uint8 and got.shape == (h, w, channels)
            assert np.array_equal(got.numpy(), pixels)
            assert np.array_equal(got.numpy(), pillow(data, asked))
        assert np.array_equal(wb.io.decode_image(wb.constant(data)).numpy(), pixels)


def test_rows_with_mixed_filters_and_pixel_data_in_several_chunks():
    rng = np.random.default_rng(3)
    for channels in (1, 3, 4):
        pixels = smooth_image(rng, 12, 7, channels)
        filters = [2, 2, 1, 4, 2, 2, 2, 0, 3, 2, 1, 4]   # runs of "up" after every other kind
        for parts in (1, 3):
            data = png_bytes(pixels, filters, idat_parts=parts)
            assert np.array_equal(images._small_png(data, channels), pixels)
        text = _chunk(b"tEXt", b"Comment\0ancillary chunks are skipped")
        assert np.array_equal(wb.io.decode_png(png_bytes(pixels, filters, [text])).numpy(), pixels)


def test_files_written_by_pillow_and_by_tensorflow():
    rng = np.random.default_rng(0)
    for h, w, c in ((8, 8, 1), (16, 9, 3), (5, 30, 4), (11, 4, 2)):
        pixels = smooth_image(rng, h, w, c)
        buf = io.BytesIO()
        Image.fromarray(pixels[:, :, 0] if c == 1 else pixels).save(buf, "PNG")
        assert np.array_equal(wb.io.decode_png(buf.getvalue()).numpy(), pixels)
    data = open(TF_PNG, "rb").read()
    assert np.array_equal(wb.io.decode_png(data).numpy(), pillow(data))


def test_other_pngs_are_decoded_by_pillow_as_before():
    rng = np.random.default_rng(1)
    rgb = smooth_image(rng, 6, 5, 3)
    data = png_bytes(rgb, [4] * 6)
    for channels in (1, 2, 4):   # a change of channels: Pillow's conversion
        assert images._small_png(data, channels) is None
        assert np.array_equal(wb.io.decode_png(data, channels=channels).numpy(), pillow(data, channels))
    variants = {}
    buf = io.BytesIO()
    Image.fromarray(rgb).convert("P").save(buf, "PNG")
    variants["palette"] = buf.getvalue()
    variants["transparency"] = png_bytes(rgb, [0] * 6, [_chunk(b"tRNS", b"\0\1\0\2\0\3")])
    buf = io.BytesIO()
    frames = [Image.fromarray(rgb), Image.fromarray(255 - rgb)]
    frames[0].save(buf, "PNG", save_all=True, append_images=frames[1:])
    variants["animated"] = buf.getvalue()
    variants["large"] = png_bytes(smooth_image(rng, 130, 170, 3), [2] * 130)
    variants["many average/Paeth rows"] = png_bytes(smooth_image(rng, 40, 20, 1), [3, 4] * 20)
    for name, png in variants.items():
        assert images._small_png(png, 0) is None, name
        assert np.array_equal(wb.io.decode_png(png).numpy(), pillow(png)), name
    deep = np.arange(12, dtype=np.uint16).reshape(3, 4, 1) * 5000
    assert images._small_png(wb.io.encode_png(deep).numpy(), 0) is None
    assert np.array_equal(wb.io.decode_png(wb.io.encode_png(deep), dtype=np.uint16).numpy(), deep)


def test_malformed_pngs_are_reported_as_before():
    pixels = smooth_image(np.random.default_rng(2), 8, 8, 1)
    data = png_bytes(pixels, [1] * 8)
    with pytest.raises(wb.errors.InvalidArgumentError, match="decode_png: the contents are not"):
        wb.io.decode_png(data[:30])
    bad_crc = bytearray(data)
    bad_crc[29] ^= 0xFF   # the header's checksum
    assert images._small_png(bytes(bad_crc), 0) is None
    with pytest.raises(wb.errors.InvalidArgumentError, match="decode_png"):
        wb.io.decode_png(bytes(bad_crc))
    # TF's DecodeJpeg decodes PNGs (and GIFs) too
    np.testing.assert_array_equal(wb.io.decode_jpeg(data).numpy(), wb.io.decode_png(data).numpy())
    with pytest.raises(ValueError, match="channels must be 0, 1, 2, 3 or 4, got 5"):
        wb.io.decode_png(data, channels=5)
    with pytest.raises(TypeError, match="contents must be a string scalar"):
        wb.io.decode_png(3)


def test_a_small_header_over_a_huge_stream_is_never_inflated_here():
    # 8x8 grey pixels promised, 50 MB of zeros behind them: the decoder here stops at the
    # header's size and leaves the file to Pillow, without allocating the stream
    import tracemalloc

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    good = b"".join(b"\x00" + bytes(range(8)) for _ in range(8))
    bomb = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(good + b"\0" * (50 << 20), 9)) + chunk(b"IEND", b""))
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        assert images._small_png(bomb, 0) is None
        assert tracemalloc.get_traced_memory()[1] < 5 << 20
    finally:
        tracemalloc.stop()
