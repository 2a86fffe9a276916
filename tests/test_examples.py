"""The bundled examples and their data: each one trains for real (shortened by WORKBENCH_FAST)
and learns; with MLflow installed, through a real wb.Experiment whose run is read back."""

import glob
import importlib
import importlib.util
import os

import numpy as np
import pytest

import workbench as wb
from workbench.examples import _common
from workbench.examples.data import load_digits

EXAMPLES = ["digits_classifier", "digits_vae", "image_pipeline", "mlp_regression", "ragged_sequences"]
HAVE_TRACKING = all(importlib.util.find_spec(m) is not None for m in ("mlflow", "tensorboard"))


class RecordingExperiment:
    """Stands in for wb.Experiment: records every call, keeps checkpoints in a folder."""

    def __init__(self, directory):
        self.directory = str(directory)
        self.calls = []
        self.step = 0

    def _record(self, kind, name, value, step):
        self.calls.append((kind, name, value, step))
        if step is not None:
            self.step = max(self.step, int(step))

    def log_metric(self, name, value, step=None):
        self._record("metric", name, float(value), step)

    def log_metrics(self, metrics, step=None):
        for name, value in metrics.items():
            self.log_metric(name, value, step)

    def log_histogram(self, name, values, step=None):
        self._record("histogram", name, np.asarray(wb.convert_to_tensor(values).numpy()), step)

    def log_image(self, name, images, step=None):
        self._record("image", name, np.asarray(images), step)

    def log_text(self, name, text, step=None):
        self._record("text", name, str(text), step)

    def log_params(self, params):
        self.calls.append(("params", None, dict(params), None))

    def log_artifact(self, path):
        self.calls.append(("artifact", None, path, None))

    def checkpoint_manager(self, checkpoint, max_to_keep=3):
        manager = wb.CheckpointManager(checkpoint, os.path.join(self.directory, "checkpoints"), max_to_keep)
        manager.restore_or_initialize()
        return manager

    def progress(self, iterable, desc=None, total=None):
        return iterable

    def values(self, kind, name):
        return [(step, value) for k, n, value, step in self.calls if k == kind and n == name]


def assert_one_kind_per_tag(exp):
    """TensorBoard files each tag under one plugin: a picture and a text under the same tag
    would hide one of them."""
    kinds = {}
    for kind, name, _, _ in exp.calls:
        if name is not None:
            kinds.setdefault(name, set()).add("scalar" if kind == "metric" else kind)
    assert {n: k for n, k in kinds.items() if len(k) > 1} == {}


@pytest.fixture
def fast(monkeypatch):
    monkeypatch.setenv("WORKBENCH_FAST", "1")


def _run(name, exp):
    module = importlib.import_module(f"workbench.examples.{name}")
    return module, module.main(exp, dict(module.PARAMS))


# -- the data -------------------------------------------------------------------------------
def test_load_digits_is_the_uci_test_set():
    images, labels = load_digits()
    assert images.shape == (1797, 8, 8) and images.dtype == np.float32
    assert images.min() == 0.0 and images.max() == 1.0
    assert labels.shape == (1797,) and labels.dtype.kind == "i"
    assert np.array_equal(np.unique(labels), np.arange(10))
    assert np.bincount(labels).min() >= 170  # about 180 of each digit
    assert labels[:10].tolist() == list(range(10))
    # the pixels were counts 0..16 of a 4x4 block
    assert np.allclose(images * 16, np.round(images * 16))


def test_digits_ship_with_their_source_and_license():
    folder = os.path.dirname(importlib.import_module("workbench.examples.data").__file__)
    with open(os.path.join(folder, "README"), encoding="utf-8") as f:
        note = f.read()
    assert "CC BY 4.0" in note and "Alpaydin" in note and "digits.csv.gz" in note


# -- helpers -------------------------------------------------------------------------------------
def test_image_grid_tiles_and_enlarges():
    images = np.stack([np.full((8, 8), v, np.float32) for v in (0.0, 1.0, 0.25)])
    grid = _common.image_grid(images, columns=2, scale=2, pad=1)
    assert grid.shape == (1, 2 * 17 + 1, 2 * 17 + 1, 1)
    assert grid[0, 1, 1, 0] == 0.0 and grid[0, 1, 18, 0] == 1.0 and grid[0, 18, 1, 0] == 0.25
    assert grid[0, 0, 0, 0] == 0.5 and grid[0, 18, 18, 0] == 0.5  # frame, and the empty cell


def test_split_is_seeded_and_disjoint():
    train, val = _common.split(100, 0.2, seed=3)
    again, _ = _common.split(100, 0.2, seed=3)
    assert len(val) == 20 and len(train) == 80 and not set(train) & set(val)
    assert np.array_equal(train, again)
    with pytest.raises(ValueError, match="validation_fraction"):
        _common.split(100, 1.5, seed=0)


def test_fast_switch(monkeypatch):
    monkeypatch.setenv("WORKBENCH_FAST", "0")
    assert _common.epochs_for({"epochs": 30}, 3) == 30
    monkeypatch.setenv("WORKBENCH_FAST", "1")
    assert _common.epochs_for({"epochs": 30}, 3) == 3


def test_progress_lines_go_above_a_bar_or_to_stdout(capsys):
    line = _common.progress_line("epoch", 2, 30, {"loss": 0.12345, "val/accuracy": 0.975}, 0.31)
    assert line == "epoch  3/30  loss 0.1235  val/accuracy 0.9750  (0.3 s)"
    written = []

    class Bar(list):
        def write(self, text):
            written.append(text)
    _common.report(Bar(), line)
    assert written == [line] and capsys.readouterr().out == ""
    _common.report(range(3), line)
    assert capsys.readouterr().out == line + "\n"


def test_examples_limit_blas_threads_unless_the_user_chose(monkeypatch):
    threadpoolctl = pytest.importorskip("threadpoolctl")
    for name in _common.THREAD_ENV:
        monkeypatch.delenv(name, raising=False)

    def blas_threads(exp, params):
        return {lib["num_threads"] for lib in threadpoolctl.threadpool_info() if lib["user_api"] == "blas"}
    assert _common.one_blas_thread(blas_threads)(None, {}) <= {1}
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "2")
    assert _common.one_blas_thread(blas_threads)(None, {}) == blas_threads(None, {})


def test_every_example_has_params_main_and_a_description():
    from workbench.cli import _examples
    assert _examples() == EXAMPLES
    for name in EXAMPLES:
        module = importlib.import_module(f"workbench.examples.{name}")
        assert isinstance(module.PARAMS, dict) and callable(module.main)
        assert module.__doc__.strip().splitlines()[0]


# -- each example learns (with the recording stand-in) ------------------------------------------
def test_digits_classifier_learns(fast, tmp_path):
    exp = RecordingExperiment(tmp_path)
    _, history = _run("digits_classifier", exp)
    assert len(history["val_accuracy"]) == 3
    assert history["val_accuracy"][-1] > history["val_accuracy"][0] + 0.2
    assert history["val_accuracy"][-1] > 0.6
    assert history["train_loss"][-1] < history["train_loss"][0]
    steps = [s for s, _ in exp.values("metric", "val/accuracy")]
    assert steps == sorted(steps) and steps[0] > 0
    (_, grid), = exp.values("image", "val/misclassified")
    assert grid.ndim == 4 and grid.shape[0] == 1 and grid.shape[-1] == 1
    (_, confusion), = exp.values("text", "val/confusion")
    assert confusion.count("\n") == 11
    (_, wrong), = exp.values("text", "val/misclassified_labels")
    assert wrong.startswith("in reading order, true -> predicted: ")
    assert_one_kind_per_tag(exp)
    assert exp.values("histogram", "weights/first_kernel")
    assert glob.glob(str(tmp_path / "checkpoints" / "ckpt-*.index.json"))


def test_digits_classifier_resumes_from_its_checkpoint(fast, tmp_path):
    module = importlib.import_module("workbench.examples.digits_classifier")
    params = dict(module.PARAMS, epochs=2, model="mlp")
    first = module.main(RecordingExperiment(tmp_path), params)
    assert len(first["val_accuracy"]) == 2
    # a second run on the same folder restores step 2 epochs in and trains only the third
    exp = RecordingExperiment(tmp_path)
    again = module.main(exp, dict(params, epochs=3))
    assert len(again["val_accuracy"]) == 1
    steps = [s for s, _ in exp.values("metric", "val/accuracy")]
    assert steps == [3 * 23]  # 1437 training images in batches of 64: 23 steps an epoch


def test_digits_vae_learns(fast, tmp_path):
    exp = RecordingExperiment(tmp_path)
    _, history = _run("digits_vae", exp)
    assert_one_kind_per_tag(exp)
    assert history["elbo"][-1] > history["elbo"][0] + 3  # nats per image
    assert history["val_elbo"][-1] > history["val_elbo"][0]
    assert all(k > 0 for k in history["kl"])
    (_, samples), = exp.values("image", "samples")
    assert samples.shape[0] == 1 and samples.shape[-1] == 1
    assert 0.0 <= samples.min() and samples.max() <= 1.0
    assert exp.values("image", "reconstructions")


def test_digits_vae_posterior_is_reparameterized():
    from workbench.examples.digits_vae import VAE
    wb.random.set_seed(0)
    vae = VAE(latent_dim=3, hidden=8)
    x = wb.constant(load_digits()[0][:4].reshape(4, 64))
    with wb.GradientTape() as tape:
        reconstruction, kl = vae.elbo_terms(x, seed=[0, 1])
        loss = -wb.reduce_mean(reconstruction - kl)
    grads = tape.gradient(loss, vae.encoder.trainable_variables)
    # the sample depends on the encoder only through loc + scale * eps: with a non-reparameterized
    # sample the reconstruction term would give the encoder no gradient at all
    assert all(g is not None for g in grads)
    with wb.GradientTape() as tape:
        reconstruction, _ = vae.elbo_terms(x, seed=[0, 1])
        rec_only = wb.reduce_mean(reconstruction)
    grads = tape.gradient(rec_only, vae.encoder.trainable_variables)
    assert all(g is not None and np.abs(g.numpy()).sum() > 0 for g in grads)
    assert reconstruction.shape == (4,) and kl.shape == (4,)


def test_ragged_sequences_learns(fast, tmp_path):
    exp = RecordingExperiment(tmp_path)
    _, history = _run("ragged_sequences", exp)
    assert_one_kind_per_tag(exp)
    assert history["val_accuracy"][-1] > history["val_accuracy"][0]
    assert history["val_accuracy"][-1] > 0.4  # 3 short epochs; chance is 0.1
    assert history["train_loss"][-1] < history["train_loss"][0]
    (_, lengths), = exp.values("histogram", "data/sequence_length")
    assert lengths.min() >= 10 and lengths.max() > lengths.min() + 10  # really ragged


def test_ragged_sequences_are_the_ink_pixels_in_reading_order():
    from workbench.examples.ragged_sequences import ink_sequences
    image = np.zeros((1, 8, 8), np.float32)
    image[0, 2, 5], image[0, 1, 3], image[0, 6, 0] = 0.5, 1.0, 0.1
    rt = ink_sequences(image, threshold=0.3)
    steps = rt.to_list()[0]
    assert len(steps) == 2  # the 0.1 pixel is below the threshold
    first, second = np.array(steps)
    assert first[:8].argmax() == 1 and first[8 + 3] == 1.0
    assert second[:8].argmax() == 2 and second[8 + 5] == 0.5
    with pytest.raises(ValueError, match="ink_threshold"):
        ink_sequences(image, threshold=2.0)


def test_mlp_regression_learns(fast, tmp_path):
    exp = RecordingExperiment(tmp_path)
    _, history = _run("mlp_regression", exp)
    assert_one_kind_per_tag(exp)
    assert history["loss"][-1] < 0.5 * history["loss"][0]
    assert [s for s, _ in exp.values("metric", "loss")][:3] == [0, 10, 20]


def test_image_pipeline_learns_from_png_files(fast, tmp_path):
    module = importlib.import_module("workbench.examples.image_pipeline")
    exp = RecordingExperiment(tmp_path)
    history = module.main(exp, dict(module.PARAMS, data_dir=str(tmp_path / "png")))
    assert_one_kind_per_tag(exp)
    files = glob.glob(str(tmp_path / "png" / "*" / "*" / "*.png"))
    assert len(files) == 1797
    assert {os.path.basename(os.path.dirname(f)) for f in files} == {str(d) for d in range(10)}
    assert len(history["val_accuracy"]) == 3
    assert history["val_accuracy"][-1] > history["val_accuracy"][0]
    assert history["val_accuracy"][-1] > 0.6  # 3 short epochs; chance is 0.1
    assert history["train_loss"][-1] < history["train_loss"][0]
    assert all(0.0 <= w < 1.0 for w in history["input_wait_fraction"])
    assert all(v > 0 for v in history["images_per_second"])
    steps = [s for s, _ in exp.values("metric", "data/input_wait_fraction")]
    assert steps == [23, 46, 69]  # 1437 training images in batches of 64
    (_, grid), = exp.values("image", "data/augmented_batch")
    assert grid.shape[0] == 1 and grid.shape[-1] == 1
    with pytest.raises(ValueError, match="data_dir"):  # files of another split would mix in
        module.main(exp, dict(module.PARAMS, data_dir=str(tmp_path / "png")))


def test_image_pipeline_reads_back_the_digits_it_wrote(tmp_path):
    from workbench.examples import image_pipeline as ip
    images, labels = load_digits()
    assert ip.write_png_files(str(tmp_path), images[:40], labels[:40]) == 40
    pattern = str(tmp_path / "*" / "*.png")
    expected = np.round(images[:40] * 255) / 255
    batches = list(ip.make_dataset(pattern, 16, prefetch=False, parallel=False))
    assert [int(x.shape[0]) for x, _ in batches] == [16, 16, 8]
    # sorted file names: by label folder, then by index in the folder
    order = sorted(range(40), key=lambda i: (str(labels[i]), f"{i:02d}"))
    x = np.concatenate([b[0].numpy() for b in batches])
    y = np.concatenate([b[1].numpy() for b in batches])
    assert x.shape == (40, 8, 8, 1) and x.dtype == np.float32 and y.dtype == np.int64
    np.testing.assert_allclose(x[..., 0], expected[order], atol=1e-6)
    assert y.tolist() == labels[order].tolist()
    # shuffled, parallel, cached, prefetched: the same examples, each once
    for switches in ({"parallel": True}, {"cache": True}):
        ds = ip.make_dataset(pattern, 16, shuffle_seed=1, **switches)
        for _ in range(2):  # the second pass of a cached pipeline comes from memory
            got = sorted((int(yy), xx.tobytes()) for xb, yb in ds for xx, yy in zip(xb.numpy(), yb.numpy()))
            assert got == sorted((int(yy), xx.tobytes()) for xx, yy in zip(x, y))


def test_image_pipeline_augmentation_is_seeded_and_moves_each_image():
    from workbench.examples import image_pipeline as ip
    images = np.zeros((3, 8, 8, 1), np.float32)
    images[:, 3:5, 3:5, 0] = 0.5
    x = wb.constant(images)
    same = ip.augment_batch(x, [0, 7], 1.0, 0.3).numpy()
    assert np.array_equal(same, ip.augment_batch(x, [0, 7], 1.0, 0.3).numpy())
    assert not np.array_equal(same, ip.augment_batch(x, [0, 8], 1.0, 0.3).numpy())
    assert not np.array_equal(same[0], same[1])  # each image of a batch draws its own shift
    assert same.min() >= 0.0 and same.max() <= 1.0
    # no shift and no contrast change: the images as they were
    np.testing.assert_allclose(ip.augment_batch(x, [0, 7], 0.0, 0.0).numpy(), images, atol=1e-6)
    # a whole-pixel shift moves the square, zeros come in; the contrast factor scales about the mean
    moved = ip.shift_and_contrast(x, [[1.0, 0.0, 0.0], [0.0, -1.0, 0.0], [0.0, 0.0, 1.0]], 1.0, 0.5).numpy()
    np.testing.assert_allclose(moved[0, :, :, 0], np.roll(images[0, :, :, 0], 1, axis=1), atol=1e-6)
    np.testing.assert_allclose(moved[1, :, :, 0], np.roll(images[1, :, :, 0], -1, axis=0), atol=1e-6)
    mean = images[2].mean()
    np.testing.assert_allclose(moved[2], np.clip((images[2] - mean) * 1.5 + mean, 0, 1), atol=1e-6)


# -- through a real wb.Experiment ---------------------------------------------------------------
@pytest.mark.skipif(not HAVE_TRACKING, reason="needs the tracking extra (mlflow, tensorboard)")
def test_digits_classifier_run_lands_in_mlflow_and_tensorboard(fast, tmp_path, monkeypatch):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    from workbench.experiment import Experiment
    monkeypatch.chdir(tmp_path)
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    module = importlib.import_module("workbench.examples.digits_classifier")
    with Experiment(name="digits", params=module.PARAMS, tracking_uri=uri, logdir=str(tmp_path / "runs"),
                    system_metrics=False) as exp:
        history = module.main(exp, exp.params)
    assert history["val_accuracy"][-1] > 0.6

    run = wb.tracking.client(uri).get_run(exp.run_id)
    assert run.info.status == "FINISHED"
    assert run.data.params["model"] == "conv"
    assert run.data.metrics["val/accuracy"] == pytest.approx(history["val_accuracy"][-1])
    assert run.data.metrics["best_val/accuracy"] == pytest.approx(max(history["val_accuracy"]))

    events = EventAccumulator(exp.logdir, size_guidance={"images": 0, "tensors": 0, "histograms": 0})
    events.Reload()
    tags = events.Tags()
    assert "val/misclassified" in tags["tensors"] + tags["images"]
    assert "val/accuracy" in tags["tensors"] + tags["scalars"]
    assert glob.glob(os.path.join(exp.logdir, "checkpoints", "ckpt-*.index.json"))
    assert_tensorboard_shows_the_mistakes(exp.root_logdir, os.path.basename(exp.logdir))


def _plugins_by_tag(logdir):
    """``{tag: {plugin names}}`` over every event of the run's files, read by tensorboard's loader."""
    from tensorboard.backend.event_processing.event_file_loader import EventFileLoader
    plugins = {}
    for path in glob.glob(os.path.join(logdir, "events.out.tfevents.*")):
        for event in EventFileLoader(path).Load():
            for value in event.summary.value:
                name = value.metadata.plugin_data.plugin_name
                if name:
                    plugins.setdefault(value.tag, set()).add(name)
    return plugins


def assert_tensorboard_shows_the_mistakes(root_logdir, run):
    """What the TensorBoard server shows (its multiplexer and data provider, as `tensorboard
    --logdir` builds them): the misclassified digits as a PNG picture and their labels and
    the confusion matrix as texts, each tag under one plugin."""
    import io

    from PIL import Image
    from tensorboard import context
    from tensorboard.backend.event_processing import data_provider, plugin_event_multiplexer

    plugins = _plugins_by_tag(os.path.join(root_logdir, run))
    assert {tag: names for tag, names in plugins.items() if len(names) > 1} == {}
    assert plugins["val/misclassified"] == {"images"}
    assert plugins["val/misclassified_labels"] == plugins["val/confusion"] == {"text"}

    multiplexer = plugin_event_multiplexer.EventMultiplexer()
    multiplexer.AddRunsFromDirectory(root_logdir)
    multiplexer.Reload()
    provider = data_provider.MultiplexerDataProvider(multiplexer, root_logdir)
    ctx = context.RequestContext()
    images = provider.read_blob_sequences(ctx, experiment_id="", plugin_name="images",
                                          downsample=10)[run]
    assert list(images) == ["val/misclassified"]
    (datum,) = images["val/misclassified"]
    width, height = (int(v) for v in [provider.read_blob(ctx, blob_key=b.blob_key) for b in datum.values[:2]])
    picture = Image.open(io.BytesIO(provider.read_blob(ctx, blob_key=datum.values[2].blob_key)))
    assert picture.format == "PNG" and picture.size == (width, height) and width > 8 * 4
    texts = provider.read_tensors(ctx, experiment_id="", plugin_name="text", downsample=10)[run]
    assert set(texts) == {"val/confusion", "val/misclassified_labels"}
    (labels,) = texts["val/misclassified_labels"]
    text = np.asarray(labels.numpy).reshape(-1)[0]
    text = text.decode() if isinstance(text, bytes) else str(text)
    assert "true -> predicted" in text or "every validation digit" in text
