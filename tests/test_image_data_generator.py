"""wb.keras.preprocessing.image: Keras' legacy ImageDataGenerator (flow, flow_from_directory, fit,
standardize, random transforms) and the transform functions.

Pinned values are Keras 3's (TF 2.21) for the same calls and seeds: the random draws come from
NumPy's global generator as in Keras, so seeded parameters, orders and pixels agree."""

import os

import numpy as np
import pytest

import workbench as wb

PIL = pytest.importorskip("PIL.Image")
I = wb.keras.preprocessing.image
AXES = {"row_axis": 0, "col_axis": 1, "channel_axis": 2}   # one channels-last image


def _square():
    return np.arange(16, dtype=np.float32).reshape(4, 4, 1)


# -- transforms of one image ------------------------------------------------------------


def test_affine_transform_matches_keras():
    x = np.arange(6 * 7, dtype=np.float32).reshape(6, 7, 1)
    out = I.apply_affine_transform(x, theta=-15, tx=1.5, ty=-1, shear=10, zx=0.8, zy=1.2, fill_mode="constant",
                                   cval=3.0, order=1, **AXES)
    expected = [[3.0] * 7, [3.0] * 7,
                [8.43, 7.753, 7.077, 6.4, 5.723, 3.0, 3.0],
                [16.903, 16.226, 15.549, 14.873, 14.196, 13.519, 3.0],
                [25.375, 24.699, 24.022, 23.345, 22.669, 21.992, 3.0],
                [33.848, 33.171, 32.495, 31.818, 31.141, 30.465, 3.0]]
    np.testing.assert_allclose(out[..., 0], expected, atol=1e-3)
    # whole-pixel shifts with a constant fill: tx moves the columns, ty the rows (Keras' convention)
    s = _square()[..., 0]
    shifted = I.apply_affine_transform(_square(), tx=1, fill_mode="constant", cval=-1, **AXES)[..., 0]
    np.testing.assert_array_equal(shifted, np.concatenate([s[:, 1:], -np.ones((4, 1))], axis=1))
    shifted = I.apply_affine_transform(_square(), ty=1, fill_mode="constant", cval=-1, **AXES)[..., 0]
    np.testing.assert_array_equal(shifted, np.concatenate([s[1:], -np.ones((1, 4))], axis=0))
    # no transform: the image itself; channels first (the default axes) as channels last
    np.testing.assert_array_equal(I.apply_affine_transform(_square(), **AXES), _square())
    cf = I.apply_affine_transform(_square().transpose(2, 0, 1), theta=30)
    np.testing.assert_allclose(cf.transpose(1, 2, 0), I.apply_affine_transform(_square(), theta=30, **AXES))


def test_random_transform_functions_match_keras():
    np.random.seed(0)
    np.testing.assert_allclose(I.random_rotation(_square(), 30, **AXES)[..., 0],
                               [[0.079, 1.077, 2.186, 3.314], [3.724, 4.927, 6.13, 7.309],
                                [7.691, 8.87, 10.073, 11.276], [11.686, 12.814, 13.923, 14.921]], atol=1e-3)
    np.testing.assert_allclose(I.random_zoom(_square(), (0.5, 1.5), **AXES)[..., 0],
                               [[0.0, 0.892, 2.108, 3.0], [3.794, 4.687, 5.902, 6.794],
                                [8.206, 9.098, 10.313, 11.206], [12.0, 12.892, 14.108, 15.0]], atol=1e-3)
    np.testing.assert_allclose(I.random_shift(_square(), 0.3, 0.3, **AXES)[..., 0],
                               [[0.108, 1.108, 2.108, 3.0], [3.375, 4.375, 5.375, 6.267],
                                [7.375, 8.375, 9.375, 10.267], [11.375, 12.375, 13.375, 14.267]], atol=1e-3)
    np.testing.assert_allclose(I.random_shear(_square(), 20, **AXES)[0, :, 0], [0.184, 1.184, 2.184, 3.031],
                               atol=1e-3)
    shifted = I.random_channel_shift(_square(), 3.0, channel_axis=2)[..., 0]
    np.testing.assert_allclose(shifted[0], [0.0, 0.626, 1.626, 2.626], atol=1e-3)
    assert shifted.min() == 0.0   # a negative shift, clipped to the image's range
    x3 = np.arange(4 * 5 * 3, dtype=np.float32).reshape(4, 5, 3) * 4
    np.testing.assert_array_equal(I.random_brightness(x3, (0.5, 1.5))[0],
                                  [[0, 5, 11], [16, 23, 29], [34, 41, 47], [52, 59, 65], [70, 77, 83]])
    with pytest.raises(ValueError, match="zoom_range"):
        I.random_zoom(_square(), (0.5, 1.0, 2.0), **AXES)
    with pytest.raises(ValueError, match="distinct"):
        I.apply_affine_transform(_square(), theta=3, row_axis=0, col_axis=0, channel_axis=2)
    with pytest.raises(ValueError, match="rank 3"):
        I.apply_affine_transform(np.zeros((4, 4)), theta=3)


def test_brightness_shift_keeps_range_without_scale():
    x = np.arange(5 * 6 * 3, dtype=np.float32).reshape(5, 6, 3) * 2
    np.testing.assert_array_equal(I.apply_brightness_shift(x, 1.3)[0, :, 0], [0, 10, 22, 32, 44, 54])
    np.testing.assert_array_equal(I.apply_brightness_shift(x, 1.3, scale=False)[0, :, 0], [0, 7, 15, 23, 31, 39])


def test_generator_random_parameters_and_transform_match_keras():
    gen = I.ImageDataGenerator(rotation_range=40, width_shift_range=[2, 3], height_shift_range=0.25,
                               horizontal_flip=True, fill_mode="reflect", data_format="channels_first")
    p = gen.get_random_transform((3, 6, 7), seed=11)
    assert p["theta"] == pytest.approx(-25.578424889858464) and p["tx"] == pytest.approx(-1.4415742755371261)
    assert p["ty"] == 3 and p["shear"] == 0 and (p["zx"], p["zy"]) == (1, 1)
    assert not p["flip_horizontal"] and not p["flip_vertical"]
    assert p["channel_shift_intensity"] is None and p["brightness"] is None
    out = gen.random_transform(np.arange(3 * 6 * 7, dtype=np.float32).reshape(3, 6, 7), seed=12)
    np.testing.assert_allclose(out[1, 0], [46.275, 48.663, 51.913, 55.958, 60.094, 64.23, 68.366], atol=1e-3)
    np.testing.assert_allclose(out[1, :, 0], [46.275, 42.398, 43.987, 50.186, 56.386, 63.045], atol=1e-3)

    full = I.ImageDataGenerator(rotation_range=20, width_shift_range=0.2, height_shift_range=3, shear_range=5,
                                zoom_range=0.1, channel_shift_range=1.0, horizontal_flip=True, vertical_flip=True,
                                brightness_range=(0.5, 1.5))
    p = full.get_random_transform((5, 6, 2), seed=3)
    expected = {"theta": 2.0319161029830184, "tx": 1.0, "ty": -0.5018286266089337, "shear": 0.10827605197663015,
                "zx": 1.078589390869531, "zy": 1.0792586177866876, "flip_horizontal": 1.0, "flip_vertical": 1.0,
                "channel_shift_intensity": -0.8970655933983402, "brightness": 0.9408098436506365}
    assert {k: float(v) for k, v in p.items()} == pytest.approx(expected)


def test_fit_and_standardize_match_keras():
    xs = np.random.default_rng(0).normal(size=(10, 4, 3, 3)).astype(np.float32)
    with pytest.warns(UserWarning, match="zca_whitening"):
        gen = I.ImageDataGenerator(featurewise_center=True, featurewise_std_normalization=True, zca_whitening=True,
                                   rescale=0.5)
    assert gen.featurewise_center and not gen.featurewise_std_normalization
    gen.fit(xs)
    np.testing.assert_allclose(gen.mean, (0.5 * xs).mean(axis=(0, 1, 2)).reshape(1, 1, 3), rtol=1e-5)
    np.testing.assert_allclose(gen.mean.ravel(), [-0.032935731, -0.017470235, 0.001981874], rtol=1e-5)
    assert gen.std is None
    np.testing.assert_allclose(gen.zca_whitening_matrix[:3, :3],
                               [[0.234219246, -0.052238846, 0.036082592], [-0.052238846, 0.078094058, -0.022290185],
                                [0.036082592, -0.022290185, 0.210609128]], rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(gen.zca_whitening_matrix, gen.zca_whitening_matrix.T, atol=1e-6)
    assert float(gen.standardize(xs[:2]).sum()) == pytest.approx(4.7052, abs=1e-3)

    with pytest.warns(UserWarning, match="overrides setting of `featurewise_center`"):
        std = I.ImageDataGenerator(featurewise_std_normalization=True)
    assert std.featurewise_center
    std.fit(xs)
    out = std.standardize(xs)
    np.testing.assert_allclose(out.mean(axis=(0, 1, 2)), 0, atol=1e-5)
    np.testing.assert_allclose(out.std(axis=(0, 1, 2)), 1, atol=1e-4)

    sample = I.ImageDataGenerator(samplewise_center=True, samplewise_std_normalization=True).standardize(xs[0])
    assert abs(sample.mean()) < 1e-6 and sample.std() == pytest.approx(1, abs=1e-5)
    with pytest.warns(UserWarning, match="hasn't been fit"):
        I.ImageDataGenerator(featurewise_center=True).standardize(xs[0])
    with pytest.raises(ValueError, match="rank 4"):
        gen.fit(xs[0])


# -- flow -----------------------------------------------------------------------------


def test_flow_order_subsets_and_outputs_match_keras():
    xs = np.random.default_rng(0).normal(size=(10, 4, 3, 3)).astype(np.float32)
    ys = np.arange(10)
    it = I.ImageDataGenerator().flow(xs, ys, batch_size=4, shuffle=True, seed=7)
    assert len(it) == 3
    assert [next(it)[1].tolist() for _ in range(4)] == [[8, 5, 0, 2], [1, 9, 7, 3], [6, 4], [8, 2, 5, 6]]
    assert [it[i][1].tolist() for i in range(3)] == [[8, 2, 5, 6], [3, 1, 0, 7], [4, 9]]
    x, y = I.ImageDataGenerator().flow(xs, ys, batch_size=4, shuffle=False)[0]
    np.testing.assert_array_equal(x, xs[:4])   # no transform set: the images themselves
    split = I.ImageDataGenerator(validation_split=0.3)
    assert next(split.flow(xs, ys % 2, batch_size=20, shuffle=False, subset="training"))[1].tolist() == \
        [1, 0, 1, 0, 1, 0, 1]
    assert next(split.flow(xs, ys % 2, batch_size=20, shuffle=False, subset="validation"))[1].tolist() == [0, 1, 0]
    with pytest.raises(ValueError, match="different number of classes"):
        split.flow(xs, ys, subset="training")
    assert len(split.flow(xs, ys, subset="training", ignore_class_split=True)) == 1
    batch = next(I.ImageDataGenerator().flow(xs, ys, sample_weight=np.arange(10.0), batch_size=3, shuffle=False))
    assert len(batch) == 3 and batch[2].tolist() == [0.0, 1.0, 2.0]
    assert batch[0].dtype == np.float32 and batch[1].dtype == np.int64
    assert next(I.ImageDataGenerator().flow(xs, batch_size=3, shuffle=False)).shape == (3, 4, 3, 3)
    (images, extra), labels = next(I.ImageDataGenerator().flow((xs, np.arange(10.0) * 2), ys, batch_size=2,
                                                               shuffle=False))
    assert images.shape == (2, 4, 3, 3) and extra.tolist() == [0.0, 2.0] and labels.tolist() == [0, 1]


def test_flow_refusals():
    gen = I.ImageDataGenerator()
    with pytest.raises(ValueError, match="rank 4"):
        gen.flow(np.zeros((3, 4, 4)))
    with pytest.raises(ValueError, match="same length"):
        gen.flow(np.zeros((3, 4, 4, 3)), np.zeros(2))
    with pytest.raises(ValueError, match="Asked to retrieve element 5, but the Sequence has length 1"):
        gen.flow(np.zeros((3, 4, 4, 3)))[5]
    with pytest.raises(ValueError, match="zoom_range"):
        I.ImageDataGenerator(zoom_range=(1, 2, 3))
    with pytest.raises(ValueError, match="data_format"):
        I.ImageDataGenerator(data_format="foo")
    with pytest.raises(ValueError, match="validation_split"):
        I.ImageDataGenerator(validation_split=1.0)
    with pytest.raises(ValueError, match="brightness_range"):
        I.ImageDataGenerator(brightness_range=0.5)
    with pytest.raises(ValueError, match="fill_mode"):
        I.ImageDataGenerator(fill_mode="mirror")
    with pytest.warns(UserWarning, match="channels"):
        gen.flow(np.zeros((3, 4, 4, 2)))


# -- flow_from_directory --------------------------------------------------------------


def _folder(root):
    """Three classes of PNGs (and a JPEG in a sub-folder each), plus a file that is no image."""
    pixels = {}
    for k, name in enumerate(["b_cls", "a_cls", "c_cls"]):
        os.makedirs(os.path.join(root, name, "sub"))
        for j in range(k + 2):
            px = np.random.default_rng(10 * k + j).integers(0, 256, (5, 4, 3), dtype=np.uint8)
            PIL.fromarray(px).save(os.path.join(root, name, f"{j}.png"))
            pixels[f"{name}/{j}.png"] = px
        PIL.fromarray(px).save(os.path.join(root, name, "sub", "x.jpg"))
        with open(os.path.join(root, name, "notes.txt"), "w") as f:
            f.write("not an image")
    return pixels


def test_flow_from_directory_lists_classes_and_reads_pixels(tmp_path, capsys):
    pixels = _folder(str(tmp_path))
    it = I.ImageDataGenerator(rescale=1 / 255).flow_from_directory(str(tmp_path), target_size=(5, 4), batch_size=4,
                                                                  shuffle=False)
    assert capsys.readouterr().out == "Found 12 images belonging to 3 classes.\n"
    assert it.class_indices == {"a_cls": 0, "b_cls": 1, "c_cls": 2}
    assert it.filenames == ["a_cls/0.png", "a_cls/1.png", "a_cls/2.png", "a_cls/sub/x.jpg", "b_cls/0.png",
                            "b_cls/1.png", "b_cls/sub/x.jpg", "c_cls/0.png", "c_cls/1.png", "c_cls/2.png",
                            "c_cls/3.png", "c_cls/sub/x.jpg"]
    assert it.classes.tolist() == [0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 2, 2] and it.samples == 12 and len(it) == 3
    assert it.image_shape == (5, 4, 3) and it.labels is it.classes
    x, y = next(it)
    assert x.dtype == np.float32 and x.shape == (4, 5, 4, 3) and y.dtype == np.float32
    assert y.tolist() == [[1.0, 0.0, 0.0]] * 4
    np.testing.assert_allclose(x[1], pixels["a_cls/1.png"] / 255, rtol=1e-6)
    x, y = it[1]
    np.testing.assert_allclose(x[0], pixels["b_cls/0.png"] / 255, rtol=1e-6)
    assert y[:, 1].tolist() == [1.0, 1.0, 1.0, 0.0]


def test_flow_from_directory_class_modes_subsets_and_fit(tmp_path):
    _folder(str(tmp_path))
    gen = I.ImageDataGenerator()
    for mode, shapes, labels in [("binary", [(4, 5, 4, 1), (4,)], [0.0] * 4), ("sparse", [(4, 5, 4, 1), (4,)], [0.0] * 4),
                                 ("input", [(4, 5, 4, 1), (4, 5, 4, 1)], None), (None, [(4, 5, 4, 1)], None)]:
        batch = next(gen.flow_from_directory(str(tmp_path), target_size=(5, 4), batch_size=4, shuffle=False,
                                             class_mode=mode, color_mode="grayscale"))
        parts = list(batch) if isinstance(batch, tuple) else [batch]
        assert [p.shape for p in parts] == shapes
        if labels is not None:
            assert parts[1].tolist() == labels
    split = I.ImageDataGenerator(validation_split=0.5)
    val = split.flow_from_directory(str(tmp_path), target_size=(5, 4), subset="validation", shuffle=False)
    assert val.filenames == ["a_cls/0.png", "a_cls/1.png", "b_cls/0.png", "c_cls/0.png", "c_cls/1.png"]
    train = split.flow_from_directory(str(tmp_path), target_size=(5, 4), subset="training", shuffle=False,
                                      classes=["c_cls", "a_cls"])
    assert train.filenames == ["c_cls/2.png", "c_cls/3.png", "c_cls/sub/x.jpg", "a_cls/2.png", "a_cls/sub/x.jpg"]
    assert train.classes.tolist() == [0, 0, 0, 1, 1] and train.num_classes == 2
    with pytest.raises(ValueError, match="Invalid class_mode"):
        gen.flow_from_directory(str(tmp_path), class_mode="foo")
    with pytest.raises(ValueError, match="Invalid color mode"):
        gen.flow_from_directory(str(tmp_path), color_mode="foo")
    with pytest.raises(FileNotFoundError, match="not a folder"):
        gen.flow_from_directory(str(tmp_path / "missing"))

    # a Keras model trains on the iterator (a PyDataset), as with Keras
    model = wb.keras.Sequential([wb.keras.Input((5, 4, 3)), wb.keras.layers.Flatten(), wb.keras.layers.Dense(3)])
    model.compile("sgd", "categorical_crossentropy")
    aug = I.ImageDataGenerator(rescale=1 / 255, rotation_range=20, horizontal_flip=True)
    history = model.fit(aug.flow_from_directory(str(tmp_path), target_size=(5, 4), batch_size=4, seed=1), epochs=2,
                        verbose=0)
    assert len(history.history["loss"]) == 2 and np.all(np.isfinite(history.history["loss"]))


def test_iterator_feeds_dataset_from_generator(tmp_path):
    # the data guide's pattern: an endless Keras iterator as a generator of fixed-size batches
    _folder(str(tmp_path))
    gen = I.ImageDataGenerator(rescale=1 / 255, rotation_range=20)
    ds = wb.data.Dataset.from_generator(lambda: gen.flow_from_directory(str(tmp_path), target_size=(5, 4),
                                                                        batch_size=4),
                                        output_types=(wb.float32, wb.float32),
                                        output_shapes=([4, 5, 4, 3], [4, 3]))
    batches = list(ds.take(3))
    assert [tuple(b[0].shape) for b in batches] == [(4, 5, 4, 3)] * 3
    assert all(float(b[0].numpy().max()) <= 1.0 and b[1].numpy().sum() == 4 for b in batches)
