"""keras.utils.PyDataset in fit/evaluate/predict: batches by index, the epoch hooks, shuffled batch
order with fit(shuffle=True), threads with workers > 1 (batches still in order), and clear errors."""

import threading

import numpy as np
import pytest

from workbench import keras


class Rows(keras.utils.PyDataset):
    def __init__(self, n_batches=4, batch=8, **kwargs):
        super().__init__(**kwargs)
        self.n_batches, self.batch = n_batches, batch
        self.seen, self.epochs_ended, self.threads = [], 0, set()
        self.x = np.arange(n_batches * batch, dtype=np.float64).reshape(-1, 1) / 10
        self.y = 3 * self.x + 1

    def __len__(self):
        return self.n_batches

    def __getitem__(self, idx):
        self.seen.append(idx)
        self.threads.add(threading.get_ident())
        rows = slice(idx * self.batch, (idx + 1) * self.batch)
        return self.x[rows], self.y[rows]

    def on_epoch_end(self):
        self.epochs_ended += 1


def model():
    m = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    m.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    return m


def test_fit_evaluate_predict():
    data = Rows()
    m = model()
    history = m.fit(data, epochs=3, shuffle=False, verbose=0)
    assert len(history.history["loss"]) == 3 and data.epochs_ended == 3
    assert data.seen == [0, 1, 2, 3] * 3
    assert history.history["loss"][-1] < history.history["loss"][0]
    loss = m.evaluate(Rows(), verbose=0)
    assert np.isfinite(loss)
    assert m.predict(Rows(), verbose=0).shape == (32, 1)
    assert Rows().num_batches == 4 and keras.utils.Sequence is keras.utils.PyDataset


def test_shuffle_changes_batch_order_and_validation_does_not():
    np.random.seed(0)
    data, val = Rows(n_batches=6), Rows(n_batches=2)
    model().fit(data, epochs=2, validation_data=val, verbose=0)
    first, second = data.seen[:6], data.seen[6:]
    assert sorted(first) == list(range(6)) and sorted(second) == list(range(6)) and first != second
    assert val.seen == [0, 1, 0, 1]


def test_workers_read_in_threads_and_keep_the_order():
    data = Rows(n_batches=12, workers=3, max_queue_size=4)
    batches = list(data.batches(range(12)))
    np.testing.assert_array_equal(np.concatenate([b[0] for b in batches]), data.x)
    assert threading.get_ident() not in data.threads
    model().fit(Rows(workers=2), epochs=1, verbose=0)


def test_errors():
    with pytest.raises(ValueError, match="use_multiprocessing=True is not supported"):
        Rows(use_multiprocessing=True)
    with pytest.raises(ValueError, match="workers"):
        Rows(workers=0)
    with pytest.raises(NotImplementedError, match="must implement __getitem__"):
        keras.utils.PyDataset()[0]
    with pytest.raises(ValueError, match="when x is a PyDataset, y must not be given"):
        model().fit(Rows(), np.ones((32, 1)), verbose=0)
