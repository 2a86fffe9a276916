"""wb.summary read back through the real TensorBoard server's HTTP data API (loopback only)."""

import io
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import wave

import numpy as np
import pytest

pytest.importorskip("tensorboard")

import workbench as wb  # noqa: E402
from workbench.summary.ops import histogram_buckets  # noqa: E402

TRIALS = {"trial-0": {"lr": 0.01, "optimizer": "adam"}, "trial-1": {"lr": 0.1, "optimizer": "sgd"}}
STEPS = 5
RNG = np.random.default_rng(0)
WEIGHTS = RNG.normal(size=400)
IMAGE = RNG.integers(0, 256, size=(1, 5, 7, 3), dtype=np.uint8)
CLIP = np.sin(np.arange(400) / 7.0)[None, :] * 0.5


def loss(trial, step):
    return TRIALS[trial]["lr"] * 10 / (step + 1)


@pytest.fixture(scope="module")
def logdir(tmp_path_factory):
    root = tmp_path_factory.mktemp("tb")
    hp = wb.summary.hparams
    with wb.summary.create_file_writer(str(root)):
        hp.hparams_config([hp.HParam("lr", hp.RealInterval(0.001, 1.0)),
                           hp.HParam("optimizer", hp.Discrete(["adam", "sgd"]))],
                          [hp.Metric("loss", display_name="Loss")])
        wb.summary.custom_scalar_layout({"losses": {"both": ["loss"]}})
    for trial, values in TRIALS.items():
        with wb.summary.create_file_writer(str(root / trial)):
            hp.hparams(values, trial_id=trial)
            for step in range(STEPS):
                wb.summary.scalar("loss", loss(trial, step), step=step)
            wb.summary.histogram("weights", wb.constant(WEIGHTS), step=STEPS - 1)
            wb.summary.image("sample", IMAGE, step=STEPS - 1)
            wb.summary.text("note", f"**{trial}** done", step=STEPS - 1)
            wb.summary.audio("clip", CLIP, sample_rate=8000, step=STEPS - 1)
            wb.summary.pr_curve("pr", np.array([True, False, True, False]), np.array([0.9, 0.8, 0.3, 0.1]),
                                num_thresholds=5, step=STEPS - 1)
    return str(root)


class Server:
    def __init__(self, url):
        self.url = url

    def get(self, path, **params):
        query = "?" + urllib.parse.urlencode(params) if params else ""
        with urllib.request.urlopen(self.url + path + query, timeout=10) as r:
            return r.read()

    def get_json(self, path, **params):
        return json.loads(self.get(path, **params))

    def post_json(self, path, body):
        request = urllib.request.Request(self.url + path, data=json.dumps(body).encode(), method="POST",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as r:
            return json.loads(r.read())


def _wait(what, fn, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = fn()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"TensorBoard: timed out waiting for {what}")


@pytest.fixture(scope="module", params=["auto", "false"], ids=["default-loader", "python-loader"])
def server(request, logdir, tmp_path_factory):
    """A real `tensorboard` on 127.0.0.1 with a free port, stopped (with its data server) at the end."""
    log = tmp_path_factory.mktemp("tblog") / "stderr.txt"
    with open(log, "wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tensorboard.main", "--logdir", logdir, "--host", "127.0.0.1", "--port", "0",
             "--load_fast", request.param],
            stdout=subprocess.DEVNULL, stderr=err, stdin=subprocess.PIPE, start_new_session=True)
    try:
        def url():
            if proc.poll() is not None:
                raise AssertionError(f"tensorboard exited early:\n{log.read_text()}")
            found = re.search(r"http://127\.0\.0\.1:\d+/", log.read_text())
            return found and found.group(0)

        srv = Server(_wait("its URL", url))
        # the loaders read in the background: wait for each trial's last event (the PR curve)
        _wait("the trials' data", lambda: all(
            "pr" in srv.get_json("data/plugin/pr_curves/tags").get(t, {}) for t in TRIALS))
        yield srv
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        try:  # the group we started: also ends a data-server child left behind
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def test_runs(server):
    assert set(server.get_json("data/runs")) >= {".", *TRIALS}


def test_scalars(server):
    for trial in TRIALS:
        points = server.get_json("data/plugin/scalars/scalars", run=trial, tag="loss")
        assert [p[1] for p in points] == list(range(STEPS))
        np.testing.assert_allclose([p[2] for p in points], [loss(trial, s) for s in range(STEPS)], rtol=1e-6)


def test_histograms(server):
    (wall_time, step, buckets), = server.get_json("data/plugin/histograms/histograms", run="trial-0", tag="weights")
    assert step == STEPS - 1 and wall_time > 0
    np.testing.assert_allclose(np.array(buckets), histogram_buckets(WEIGHTS))


def test_images(server):
    from PIL import Image
    (entry,) = server.get_json("data/plugin/images/images", run="trial-1", tag="sample")
    assert entry["step"] == STEPS - 1
    png = server.get("data/plugin/images/individualImage?" + entry["query"])
    np.testing.assert_array_equal(np.asarray(Image.open(io.BytesIO(png))), IMAGE[0])


def test_text(server):
    (entry,) = server.get_json("data/plugin/text/text", run="trial-0", tag="note")
    assert entry["step"] == STEPS - 1 and "<strong>trial-0</strong> done" in entry["text"]


def test_audio(server):
    (entry,) = server.get_json("data/plugin/audio/audio", run="trial-0", tag="clip")
    assert entry["contentType"] == "audio/wav"
    data = server.get("data/plugin/audio/individualAudio?" + entry["query"])
    with wave.open(io.BytesIO(data)) as f:
        assert (f.getframerate(), f.getnchannels(), f.getnframes()) == (8000, 1, CLIP.shape[1])


def test_pr_curves(server):
    curves = server.get_json("data/plugin/pr_curves/pr_curves", run="trial-0", tag="pr")
    (entry,) = curves["trial-0"]
    # thresholds 0, .25, .5, .75, 1 over predictions .9 (pos), .8 (neg), .3 (pos), .1 (neg);
    # the plugin leaves out the trailing thresholds with no predicted positives (here: 1.0)
    assert entry["step"] == STEPS - 1
    assert entry["true_positives"] == [2, 2, 1, 1]
    assert entry["false_positives"] == [2, 1, 1, 1]
    assert entry["true_negatives"] == [0, 1, 1, 1]
    assert entry["false_negatives"] == [0, 0, 1, 1]
    np.testing.assert_allclose(entry["precision"], [0.5, 2 / 3, 0.5, 0.5], atol=1e-6)
    np.testing.assert_allclose(entry["recall"], [1.0, 1.0, 0.5, 0.5], atol=1e-6)
    np.testing.assert_allclose(entry["thresholds"], [0.0, 0.25, 0.5, 0.75], atol=1e-6)


def test_custom_scalars_layout(server):
    layout = server.get_json("data/plugin/custom_scalars/layout")
    (category,) = layout["category"]
    assert category["title"] == "losses" and category["chart"][0]["multiline"]["tag"] == ["loss"]


def test_hparams(server):
    experiment = server.post_json("data/plugin/hparams/experiment", {"experimentName": ""})
    assert {h["name"] for h in experiment["hparamInfos"]} == {"lr", "optimizer"}
    assert [m["name"]["tag"] for m in experiment["metricInfos"]] == ["loss"]
    request = {
        "experimentName": "",
        "allowedStatuses": ["STATUS_UNKNOWN", "STATUS_SUCCESS", "STATUS_FAILURE", "STATUS_RUNNING"],
        "colParams": [{"hparam": "lr"}, {"hparam": "optimizer"}, {"metric": {"tag": "loss", "group": ""}}],
        "startIndex": 0,
        "sliceSize": 10,
    }
    groups = server.post_json("data/plugin/hparams/session_groups", request)["sessionGroups"]
    by_name = {g["name"]: g for g in groups}
    assert set(by_name) == set(TRIALS)
    for trial, values in TRIALS.items():
        group = by_name[trial]
        assert group["hparams"]["lr"] == pytest.approx(values["lr"])
        assert group["hparams"]["optimizer"] == values["optimizer"]
        (metric,) = group["metricValues"]
        assert metric["name"]["tag"] == "loss" and metric["trainingStep"] == STEPS - 1
        assert metric["value"] == pytest.approx(loss(trial, STEPS - 1), rel=1e-6)
