"""Keras 3's training API on ``wb.keras.Model``: ``compile``, ``fit``, ``evaluate``, ``predict``.

>>> model = wb.keras.Sequential([wb.keras.layers.Dense(16, activation="relu"),
...                              wb.keras.layers.Dense(3)])
>>> model.compile(optimizer="adam",
...               loss=wb.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
...               metrics=["accuracy"])
>>> history = model.fit(x, y, epochs=3, validation_split=0.2, verbose=0)   # doctest: +SKIP
>>> sorted(history.history)                                                 # doctest: +SKIP
['accuracy', 'loss', 'val_accuracy', 'val_loss']

Each step is ``train_step(data)``, ``test_step(data)`` or ``predict_step(data)``; override
them (and ``compute_loss``, ``compute_metrics``, ``metrics``) as Keras 3's guide
"Customizing what happens in fit()" shows for the TensorFlow backend, with
``wb.GradientTape``. Steps run under ``wb.function`` (traced once per batch signature, then
replayed) unless ``compile(run_eagerly=True)`` or ``wb.config.run_functions_eagerly(True)``.
Callbacks are driven as Keras 3 drives them; inside an open ``wb.Experiment`` an
``ExperimentLogger`` is added so that ``fit`` logs to the run.
"""

from __future__ import annotations

import warnings

import numpy as np

import ragged
from gradients import GradientTape
from gradients.walk import listening

from .. import experiment, nest
from .. import optimizers as optimizers_module
from ..compiler import RetracingWarning, function
from ..compiler.api import RETRACE_WARNING_AT
from ..core import CompositeTensor, Tensor
from ..distribute import get_strategy
from ..distribute.input import on_replicas, replica_batch
from ..ops.reduce import reduce_sum
from ..ops.elementwise import cast
from . import callbacks as callbacks_module
from . import metrics as metrics_module
from .compile_utils import CompileLoss, CompileMetrics
from .data_adapter import (EpochIterator, batch_tensors, is_batched_source, train_validation_split,
                           unpack_x_y_sample_weight)
from .serialization import registered_name
from .layers.base import batch_free_first_calls

__all__ = ["Trainer"]

# attributes compile/fit set on the model that are not the model's own state (kept out of
# model.variables, the checkpoint walk and the saved weights)
TRAINER_ATTRIBUTES = frozenset({
    "optimizer", "loss", "history", "train_function", "test_function", "predict_function",
    "_compile_loss", "_compile_metrics", "_loss_tracker", "_compile_config", "_eval_epoch_iterator",
    "_metric_state_cache",
})


def _verbose(value, where):
    if value == "auto":
        return 1
    if value in (0, 1, 2):   # True/False as 1/0, as Keras (TFP's tutorials pass verbose=False)
        return int(value)
    raise ValueError(f"{where}: verbose must be 'auto', 0, 1 or 2, got {value!r}")


def _int_at_least(value, name, where, minimum):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{where}: {name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _pythonify(logs):
    """Logs as Keras hands them on: sorted by name, nested dicts flattened, numbers as floats."""
    out = {}
    for key, value in sorted((logs or {}).items()):
        if isinstance(value, dict):
            out.update(_pythonify(value))
            continue
        try:
            value = float(value)
        except (TypeError, ValueError):
            pass
        out[key] = value
    return out


def _flat_keys(logs):
    """The keys of ``logs`` with nested dicts flattened (as :func:`_pythonify` makes them)."""
    for key, value in logs.items():
        if isinstance(value, dict):
            yield from _flat_keys(value)
        else:
            yield key


def _concat(pieces):
    """Batch outputs joined along the batch axis: NumPy arrays, or a RaggedTensor."""
    if isinstance(pieces[0], CompositeTensor):
        return ragged.concat(pieces, axis=0)
    return np.concatenate([p.numpy() if isinstance(p, Tensor) else np.asarray(p) for p in pieces])


class Trainer:
    """The training methods of ``wb.keras.Model`` (mixed in; see the module docstring)."""

    compiled = False
    optimizer = None
    loss = None
    stop_training = False
    stop_evaluating = False
    stop_predicting = False
    steps_per_execution = 1
    jit_compile = False
    train_function = None
    test_function = None
    predict_function = None
    _run_eagerly = False
    _initial_epoch = None
    _compile_loss = None
    _compile_metrics = None
    _loss_tracker = None

    # -- compile ------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None, weighted_metrics=None,
                run_eagerly=False, steps_per_execution=1, jit_compile="auto", auto_scale_loss=True):
        """Configure the model for training (Keras 3's ``Model.compile``).

        ``optimizer``: a name (``"adam"``, ``"sgd"``, ``"rmsprop"``…) or an optimizer.
        ``loss``: a name (``"mse"``, ``"sparse_categorical_crossentropy"``…), a Loss, a
        function ``fn(y_true, y_pred)``, or per output a list or a dict keyed by output name.
        ``loss_weights``: a float, or per output a list or dict; the total loss is the
        weighted sum. ``metrics`` / ``weighted_metrics`` (the latter weighted by
        ``sample_weight``/``class_weight``): a list of names (``"accuracy"``/``"acc"`` picks
        the accuracy that fits the targets), functions or Metrics, or per output a list of
        lists or a dict. ``run_eagerly``: run steps without ``wb.function``.
        ``steps_per_execution``: batches per call of the train function (callbacks see the
        last step of each group; each batch is still one traced step). ``jit_compile`` is
        accepted for Keras compatibility: steps are traced by ``wb.function`` unless run
        eagerly. ``auto_scale_loss``: a model whose dtype policy is ``"mixed_float16"`` gets its
        optimizer wrapped in a ``LossScaleOptimizer`` (dynamic loss scaling), as in Keras 3.
        """
        where = "compile"
        if optimizer is None:
            raise ValueError(f"{where}: optimizer must be an optimizer or its name (e.g. 'adam'), got None")
        self._distribute_strategy = get_strategy()   # fit trains data-parallel under it
        self.optimizer = optimizers_module.get(optimizer)
        if (auto_scale_loss and getattr(self, "dtype_policy", None) is not None
                and self.dtype_policy.name == "mixed_float16"
                and not isinstance(self.optimizer, optimizers_module.LossScaleOptimizer)):
            self.optimizer = optimizers_module.LossScaleOptimizer(self.optimizer, name="loss_scale_optimizer")
        if jit_compile not in ("auto", True, False):
            raise ValueError(f"{where}: jit_compile must be 'auto', True or False, got {jit_compile!r}")
        if jit_compile is True and run_eagerly:
            warnings.warn("If `run_eagerly` is True, then `jit_compile` cannot also be True. Disabling "
                          "`jit_compile`.", stacklevel=2)
        output_names = self.output_names
        self._compile_loss = CompileLoss(loss, loss_weights, output_names) if loss is not None else None
        self.loss = loss
        self._compile_metrics = (CompileMetrics(metrics, weighted_metrics, output_names)
                                 if metrics is not None or weighted_metrics is not None else None)
        self.jit_compile = jit_compile is True and not run_eagerly
        self.run_eagerly = run_eagerly
        self.steps_per_execution = _int_at_least(steps_per_execution, "steps_per_execution", where, 1)
        self._loss_tracker = metrics_module.Mean(name="loss")
        self.stop_training = False
        self.compiled = True
        self.train_function = self.test_function = self.predict_function = None
        self._compile_config = {"optimizer": optimizer, "loss": loss, "loss_weights": loss_weights,
                                "metrics": metrics, "weighted_metrics": weighted_metrics,
                                "run_eagerly": run_eagerly, "steps_per_execution": steps_per_execution,
                                "jit_compile": jit_compile}

    @property
    def distribute_strategy(self):
        """The ``wb.distribute`` strategy the model was compiled under (the default one else)."""
        return getattr(self, "_distribute_strategy", None) or get_strategy()

    @property
    def run_eagerly(self):
        return self._run_eagerly

    @run_eagerly.setter
    def run_eagerly(self, value):
        self._run_eagerly = bool(value)
        self.train_function = self.test_function = self.predict_function = None

    @property
    def output_names(self):
        """The names of the model's outputs: their layers' names (or the dict's keys)."""
        outputs = getattr(self, "outputs", None)
        if outputs is None:
            return None
        if isinstance(outputs, dict):
            return sorted(outputs)
        return [y.node.layer.name for y in nest.flatten(outputs)]

    def _assert_compile_called(self, method):
        if not self.compiled:
            raise ValueError(f"You must call `compile()` before calling `{method}()`, e.g. "
                             "model.compile(optimizer='adam', loss='mse')")

    # -- metrics ------------------------------------------------------------------
    @property
    def metrics(self):
        """The metrics ``fit`` reports: the loss tracker, the compiled metrics, each output's
        loss tracker (several outputs), then Metrics held in the model's attributes."""
        out = []
        if self.compiled:
            out.append(self._loss_tracker)
            if self._compile_metrics is not None:
                out.append(self._compile_metrics)
            if self._compile_loss is not None:
                out.extend(self._compile_loss.metrics)
        for name, value in vars(self).items():   # in the order they were set, as Keras tracks them
            if isinstance(value, metrics_module.Metric) and name not in TRAINER_ATTRIBUTES:
                out.append(value)
        return out

    @property
    def metrics_names(self):
        return [m.name for m in self.metrics]

    def reset_metrics(self):
        for m in self.metrics:
            m.reset_state()

    def get_metrics_result(self):
        """``{name: value}`` of every metric in :attr:`metrics` (dict results merged in)."""
        out = {}
        for m in self.metrics:
            if isinstance(m, CompileMetrics) and not m.built:
                continue
            result = m.result()
            if isinstance(result, dict):
                out.update(result)
            else:
                out[m.name] = result
        return out

    # -- one step -----------------------------------------------------------------
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The total loss: the compiled loss plus the model's added and regularization losses."""
        del x, training
        losses = []
        if self._compile_loss is not None:
            if y is None:
                raise ValueError("compute_loss: the model was compiled with a loss, but the data has no "
                                 "targets (y is None): pass y to fit/evaluate, or have the dataset or "
                                 "generator yield (inputs, targets)")
            losses.append(self._compile_loss(y, y_pred, sample_weight))
        for extra in self.losses:
            if extra.dtype.kind != "f":
                extra = cast(extra, np.float32)
            losses.append(reduce_sum(extra))
        if not losses:
            raise ValueError("No loss to compute. Provide a `loss` argument in `compile()`.")
        total = losses[0]
        for value in losses[1:]:
            total = total + value
        return total

    # -- Keras 2's train-step helpers, which Keras 3 keeps (deprecated) ------------------------------
    def compiled_loss(self, y, y_pred, sample_weight=None, regularization_losses=None):
        """Keras 2's ``self.compiled_loss(y, y_pred)``: :meth:`compute_loss` (which adds the model's
        losses itself; ``regularization_losses`` is ignored, as in Keras 3)."""
        warnings.warn("`model.compiled_loss()` is deprecated. Instead, use "
                      "`model.compute_loss(x, y, y_pred, sample_weight)`.", stacklevel=2)
        return self.compute_loss(x=None, y=y, y_pred=y_pred, sample_weight=sample_weight)

    @property
    def compiled_metrics(self):
        """Keras 2's ``self.compiled_metrics.update_state(y, y_pred)``: as in Keras 3, every metric of
        :attr:`metrics` is updated (a ``Mean``, such as the loss tracker, with ``y_pred``)."""
        return _CompiledMetrics(self)

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        """Update the compiled metrics and return :meth:`get_metrics_result`."""
        del x
        if self._compile_metrics is not None:
            self._compile_metrics.update_state(y, y_pred, sample_weight)
        return self.get_metrics_result()

    def train_step(self, data):
        """One gradient step on a batch ``data`` (``(x, y)`` or ``(x, y, sample_weight)``);
        returns the metrics' values. Under a strategy of several replicas each trains on its
        slice of the batch, with its loss divided by the replicas (their gradients are summed)."""
        strategy = self.distribute_strategy
        x, y, sample_weight = unpack_x_y_sample_weight(replica_batch(data, strategy))
        with GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=True)
            self._loss_tracker.update_state(loss, sample_weight=_batch_size(x))
            loss = self.optimizer.scale_loss(loss)   # apply_gradients divides the scale out again
            if strategy.num_replicas_in_sync > 1:
                loss = loss / strategy.num_replicas_in_sync
        variables = self.trainable_weights
        if variables:
            grads = tape.gradient(loss, variables)
            self.optimizer.apply_gradients(zip(grads, variables))
        else:
            warnings.warn("The model does not have any trainable weights.", stacklevel=2)
        return self.compute_metrics(x, y, y_pred, sample_weight=sample_weight)

    def test_step(self, data):
        """Loss and metrics of one batch, without training (under a strategy of several
        replicas, of this replica's slice of the batch)."""
        x, y, sample_weight = unpack_x_y_sample_weight(replica_batch(data, self.distribute_strategy))
        y_pred = self(x, training=False)
        loss = self.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=False)
        self._loss_tracker.update_state(loss, sample_weight=_batch_size(x))
        return self.compute_metrics(x, y, y_pred, sample_weight=sample_weight)

    def predict_step(self, data):
        """The model's outputs for one batch (targets, if any, are ignored)."""
        x, _, _ = unpack_x_y_sample_weight(data)
        # an output that stands for a tensor (a tfp.layers distribution) is predicted as it
        return nest.map_structure(_as_output, self(x, training=False))

    # -- the step functions ---------------------------------------------------------
    def _one_step(self, step, name):
        """``step`` as it runs on each batch: traced by ``wb.function`` (one program per batch
        signature) unless the model runs eagerly. A batch of a new shape (the last, smaller
        batch; another batch size in a later call) traces again without a retracing warning,
        as Keras' own step functions relax shapes."""
        if self.run_eagerly:
            return step
        traced = function(lambda data: step(data), name=name)
        quiet = []   # set once the function's one retracing warning has been given (and silenced)

        def one_step_on_data(data):
            if quiet or traced.experimental_get_tracing_count() < RETRACE_WARNING_AT - 1:
                return traced(data)   # no trace of this call can warn
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RetracingWarning)
                out = traced(data)
            if traced.experimental_get_tracing_count() >= RETRACE_WARNING_AT:
                quiet.append(True)
            return out
        one_step_on_data.function = traced
        return one_step_on_data

    def _multi_step(self, step, name, collect=False):
        """``batches -> logs of the last`` (``collect``: the list of every batch's result);
        ``steps_per_execution`` groups batches per call, so callbacks see each group's last step."""
        one_step_on_data = self._one_step(step, name)

        def multi_step_on_data(batches):
            if collect:
                return [one_step_on_data(data) for data in batches]
            logs = None
            for data in batches:
                logs = one_step_on_data(data)
            return logs
        multi_step_on_data.step = getattr(one_step_on_data, "function", one_step_on_data)
        return multi_step_on_data

    def _reducing(self, step):
        """``step`` with its gradient walks listened to by the strategy's reducer (as inside
        ``strategy.run``): with several replicas, each bucket of gradients starts summing across
        processes as soon as the backward pass has made it final, and ``apply_gradients`` waits
        for the sums instead of summing after the walk. Traced, the walk's plan keeps the
        hand-overs as steps, so every replay overlaps too."""
        def reducing_step(data):
            strategy = self.distribute_strategy
            reducer = strategy.gradient_reducer if strategy.num_replicas_in_sync > 1 else None
            if reducer is None:
                return step(data)
            with listening(reducer):
                return step(data)
        return reducing_step

    def make_train_function(self, force=False):
        if self.train_function is None or force:
            self.train_function = self._multi_step(on_replicas(self._reducing(self.train_step), self), "train_step")
        return self.train_function

    def make_test_function(self, force=False):
        if self.test_function is None or force:
            self.test_function = self._multi_step(on_replicas(self.test_step, self), "test_step")
        return self.test_function

    def make_predict_function(self, force=False):
        if self.predict_function is None or force:
            self.predict_function = self._multi_step(self.predict_step, "predict_step", collect=True)
        return self.predict_function

    def _callback_list(self, callbacks, **params):
        if isinstance(callbacks, callbacks_module.CallbackList):
            return callbacks
        add_history = params.pop("add_history", False)
        add_progbar = params.pop("add_progbar", False)
        return callbacks_module.CallbackList(callbacks, add_history=add_history, add_progbar=add_progbar,
                                             model=self, **params)

    # -- fit ------------------------------------------------------------------------
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None, sample_weight=None,
            initial_epoch=0, steps_per_epoch=None, validation_steps=None, validation_batch_size=None,
            validation_freq=1):
        """Train for ``epochs`` epochs (Keras 3's ``Model.fit``); returns the ``History``.

        ``x``: NumPy arrays or tensors (a list or dict of them for several inputs), a
        ``wb.data.Dataset`` of ``(x, y)`` / ``(x, y, sample_weight)`` batches, or a Python
        generator of such batches. ``validation_split`` sets apart the last fraction of the
        arrays (before shuffling) for validation; ``validation_data`` is ``(x_val, y_val)``,
        ``(x_val, y_val, sample_weight)`` or a Dataset. ``class_weight`` maps class indices to
        loss weights. ``validation_freq``: validate every N epochs, or at the epochs listed.
        """
        where = "fit"
        self._assert_compile_called(where)
        verbose = _verbose(verbose, where)
        epochs = _int_at_least(epochs, "epochs", where, 0)
        initial_epoch = _int_at_least(initial_epoch, "initial_epoch", where, 0)
        if isinstance(validation_freq, (list, tuple)):
            if not all(isinstance(e, (int, np.integer)) and not isinstance(e, bool) and e >= 1
                       for e in validation_freq):
                raise ValueError(f"{where}: validation_freq must be a positive integer or a list of epoch "
                                 f"numbers (from 1), got {validation_freq!r}")
        else:
            validation_freq = _int_at_least(validation_freq, "validation_freq", where, 1)
        try:
            validation_split = float(validation_split)
        except (TypeError, ValueError):
            raise TypeError(f"{where}: validation_split must be a float in [0, 1), got {validation_split!r}") from None
        if not 0.0 <= validation_split < 1.0:
            raise ValueError(f"{where}: validation_split must be in [0, 1), got {validation_split}")
        if validation_split and validation_data is None:
            (x, y, sample_weight), validation_data = train_validation_split(
                (x, y, sample_weight), validation_split, where)
        val = None
        if validation_data is not None:
            if isinstance(validation_data, list):
                validation_data = tuple(validation_data)
            if isinstance(validation_data, tuple) and len(validation_data) not in (2, 3):
                raise ValueError(f"{where}: validation_data must be (x_val, y_val), (x_val, y_val, "
                                 f"sample_weight) or a dataset, got a tuple of {len(validation_data)} elements")
            val = unpack_x_y_sample_weight(validation_data)
        epoch_iterator = EpochIterator(x, y, sample_weight, batch_size=batch_size, steps_per_epoch=steps_per_epoch,
                                       shuffle=shuffle, class_weight=class_weight,
                                       steps_per_execution=self.steps_per_execution, where=where)
        callbacks = self._callback_list(callbacks, add_history=True, add_progbar=verbose != 0, verbose=verbose,
                                        epochs=epochs, steps=epoch_iterator.num_batches)
        self._add_experiment_logger(callbacks)
        global_batch_logs = self._batch_logs_wanted(callbacks, ("on_train_batch_end", "on_batch_end"))
        self._eval_epoch_iterator = None
        self.stop_training = False
        train_function = self.make_train_function()
        callbacks.on_train_begin()
        initial_epoch = self._initial_epoch or initial_epoch
        self._initial_epoch = None
        training_logs = None
        logs = {}
        building = not self.built   # the first step builds the model: summary's shapes have no batch size
        try:
            for epoch in range(initial_epoch, epochs):
                self.reset_metrics()
                callbacks.on_epoch_begin(epoch)
                steps = 0
                for begin, end, batches in epoch_iterator.enumerate_epoch():
                    callbacks.on_train_batch_begin(begin)
                    with batch_free_first_calls(building):
                        logs = train_function(batches)
                    building = False
                    steps += len(batches)
                    callbacks.on_train_batch_end(end, self._logs_across_workers(logs) if global_batch_logs else logs)
                    if self.stop_training:
                        break
                if steps == 0:
                    if epoch_iterator.ran_out:
                        # a generator used up by earlier epochs: warned of, and training stops
                        # (rather than logging epochs that saw no data)
                        break
                    raise ValueError(f"{where}: the training data yielded no batches")
                epoch_logs = self._metrics_result_or_logs(logs)
                if val is not None and _should_eval(epoch, validation_freq):
                    if self._eval_epoch_iterator is None:
                        val_batch = validation_batch_size or _array_batch(val[0], batch_size)
                        self._eval_epoch_iterator = EpochIterator(
                            val[0], val[1], val[2], batch_size=val_batch,
                            steps_per_epoch=validation_steps, shuffle=False,
                            steps_per_execution=self.steps_per_execution, where="fit (validation)")
                    val_logs = self.evaluate(callbacks=callbacks, return_dict=True, _use_cached_eval_dataset=True)
                    epoch_logs.update({"val_" + k: v for k, v in val_logs.items()})
                callbacks.on_epoch_end(epoch, epoch_logs)
                training_logs = epoch_logs
                if self.stop_training:
                    break
        finally:
            self._eval_epoch_iterator = None
        if epochs > initial_epoch and _finalizes(self.optimizer):
            # with use_ema, the weights become their moving averages (as Keras)
            self.optimizer.finalize_variable_values(self.trainable_weights)
        callbacks.on_train_end(logs=training_logs)
        return self.history

    def _metrics_result_or_logs(self, logs):
        """The metrics' values at the end of the epoch, or the last step's logs when a custom
        ``train_step`` returns other keys (over every worker under a strategy)."""
        if not isinstance(logs, dict):
            return {}
        if self.distribute_strategy._num_workers > 1:
            return self._logs_across_workers(logs)
        metric_logs = self.get_metrics_result()
        return _pythonify(metric_logs if set(_flat_keys(logs)) == set(metric_logs) else logs)

    # -- logs under a strategy of several workers ----------------------------------------
    def _logs_across_workers(self, logs):
        """A step's ``logs`` as TF reports them under a strategy: the metrics' values with their
        state (totals, counts) summed over the workers, so the loss is the mean over the global
        batch and every worker logs the same numbers; other numbers a custom ``train_step``
        returns are averaged over the workers. ``logs`` itself with one worker."""
        strategy = self.distribute_strategy
        if strategy._num_workers == 1 or not isinstance(logs, dict):
            return logs
        logs = _pythonify(logs)
        cls = type(self)
        if all(getattr(cls, name) is getattr(Trainer, name)
               for name in ("train_step", "test_step", "compute_metrics", "get_metrics_result")):
            local = logs   # the library's steps log the metrics' results and nothing else
        else:
            local = _pythonify(self.get_metrics_result())
        metrics = self.metrics
        key = tuple((id(m), getattr(m, "built", True)) for m in metrics)
        cached = getattr(self, "_metric_state_cache", None)
        if cached is None or cached[0] != key:   # the walk costs more than the all-reduce: once per set
            cached = self._metric_state_cache = (key, _metric_state(metrics))
        variables, aggregations = cached[1]
        with strategy.summed_state(variables, aggregations):
            metric_logs = _pythonify(self.get_metrics_result())
        # a value is a metric's when it is that metric's local result (a custom train_step may
        # return other numbers under the same names)
        from_metric = {k for k, v in logs.items() if k in local and _same(local[k], v)}
        others = sorted(k for k, v in logs.items() if k not in from_metric and isinstance(v, float))
        out = {k: metric_logs[k] if k in from_metric else v for k, v in logs.items()}
        if others:
            sums = strategy._collectives.all_reduce([np.array([logs[k] for k in others], np.float64)],
                                                    "custom train_step logs")[0]
            out.update({k: float(v) / strategy._num_workers for k, v in zip(others, sums)})
        return out

    def _batch_logs_wanted(self, callbacks, hooks):
        """Whether a callback of ``callbacks`` reads the logs of single batches (overrides one of
        ``hooks``). Under a strategy of several workers the metrics are summed across them only
        for a reader (else once per epoch); the workers agree on the answer, so they all take
        part in the same all-reduces."""
        strategy = self.distribute_strategy
        if strategy._num_workers == 1:
            return False
        base = callbacks_module.Callback
        wanted = any(getattr(type(cb), h, None) is not getattr(base, h) for cb in callbacks.callbacks for h in hooks)
        votes = strategy._collectives.all_reduce([np.array([int(wanted)], np.int64)], "callbacks' batch logs")[0]
        return bool(votes[0])

    def _add_experiment_logger(self, callbacks):
        run = experiment.active()
        logger_cls = getattr(callbacks_module, "ExperimentLogger", None)
        if run is None or logger_cls is None:
            return
        if not any(isinstance(cb, logger_cls) for cb in callbacks.callbacks):
            # the trained model goes into the run as a .keras file when a config can name its
            # class (a library model or a registered one); other subclasses log metrics only
            cls = type(self)
            saveable = cls.__module__.startswith("workbench.keras") or registered_name(cls) is not None
            callbacks.append(logger_cls(log_model=saveable))

    # -- evaluate -------------------------------------------------------------------
    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None, steps=None,
                 callbacks=None, return_dict=False, **kwargs):
        """Loss and metrics over the data (Keras 3's ``Model.evaluate``): a scalar for the loss
        alone, else a list in :attr:`metrics_names` order, or a dict with ``return_dict``."""
        where = "evaluate"
        self._assert_compile_called(where)
        use_cached = kwargs.pop("_use_cached_eval_dataset", False)
        if kwargs:
            raise ValueError(f"{where}: Arguments not recognized: {sorted(kwargs)}")
        verbose = _verbose(verbose, where)
        if use_cached:
            epoch_iterator = self._eval_epoch_iterator
        else:
            epoch_iterator = EpochIterator(x, y, sample_weight, batch_size=batch_size, steps_per_epoch=steps,
                                           shuffle=False, steps_per_execution=self.steps_per_execution,
                                           where=where)
        callbacks = self._callback_list(callbacks, add_progbar=verbose != 0, verbose=verbose, epochs=1,
                                        steps=epoch_iterator.num_batches)
        global_batch_logs = self._batch_logs_wanted(callbacks, ("on_test_batch_end",))
        test_function = self.make_test_function()
        self.stop_evaluating = False
        callbacks.on_test_begin()
        logs = {}
        self.reset_metrics()
        steps_run = 0
        for begin, end, batches in epoch_iterator.enumerate_epoch():
            callbacks.on_test_batch_begin(begin)
            logs = test_function(batches)
            steps_run += len(batches)
            callbacks.on_test_batch_end(end, self._logs_across_workers(logs) if global_batch_logs else logs)
            if self.stop_evaluating:
                break
        if steps_run == 0:
            raise ValueError(f"{where}: the data yielded no batches")
        logs = self._metrics_result_or_logs(logs)
        callbacks.on_test_end(logs)
        if return_dict:
            return logs
        return self._flatten_metrics_in_order(logs)

    def _flatten_metrics_in_order(self, logs):
        """``logs`` as a list in :attr:`metrics` order (a single value alone), the rest sorted."""
        names = []
        for m in self.metrics:
            if isinstance(m, CompileMetrics):
                names += [sub.name for sub in m.metrics]
            else:
                names.append(m.name)
        results = [logs[n] for n in names if n in logs]
        results += [logs[k] for k in sorted(logs) if k not in names]
        return results[0] if len(results) == 1 else results

    # -- predict --------------------------------------------------------------------
    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """The model's outputs for ``x``, batch by batch, joined into NumPy arrays (in the
        structure of the model's outputs; ragged outputs stay RaggedTensors)."""
        where = "predict"
        verbose = _verbose(verbose, where)
        epoch_iterator = EpochIterator(x, batch_size=batch_size, steps_per_epoch=steps, shuffle=False,
                                       steps_per_execution=self.steps_per_execution, where=where)
        callbacks = self._callback_list(callbacks, add_progbar=verbose != 0, verbose=verbose, epochs=1,
                                        steps=epoch_iterator.num_batches)
        predict_function = self.make_predict_function()
        self.stop_predicting = False
        callbacks.on_predict_begin()
        outputs = []
        for begin, end, batches in epoch_iterator.enumerate_epoch():
            callbacks.on_predict_batch_begin(begin)
            batch_outputs = predict_function(batches)
            outputs.extend(batch_outputs)
            callbacks.on_predict_batch_end(end, {"outputs": batch_outputs[-1]})
            if self.stop_predicting:
                break
        callbacks.on_predict_end()
        if not outputs:
            raise ValueError(f"{where}: the data yielded no batches")
        flat = [nest.flatten(o) for o in outputs]
        joined = [_concat([f[i] for f in flat]) for i in range(len(flat[0]))]
        return nest.pack_sequence_as(outputs[0], joined)

    # -- single batches -----------------------------------------------------------------
    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        """One training step on one batch; returns the metrics as ``evaluate`` does (the
        metrics keep accumulating across calls until ``reset_metrics``)."""
        where = "train_on_batch"
        self._assert_compile_called(where)
        if class_weight is not None:
            if sample_weight is not None:
                raise ValueError(f"{where}: Arguments `sample_weight` and `class_weight` cannot be specified "
                                 "at the same time.")
        data = batch_tensors(x, y, sample_weight, class_weight, where)
        logs = self.make_train_function()([data])
        logs = _pythonify(self._logs_across_workers(logs))
        return logs if return_dict else self._flatten_metrics_in_order(logs)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """Loss and metrics on one batch (accumulating, as ``train_on_batch``)."""
        where = "test_on_batch"
        self._assert_compile_called(where)
        data = batch_tensors(x, y, sample_weight, None, where)
        logs = _pythonify(self._logs_across_workers(self.make_test_function()([data])))
        return logs if return_dict else self._flatten_metrics_in_order(logs)

    def predict_on_batch(self, x):
        """The model's outputs for one batch, as NumPy arrays."""
        data = batch_tensors(x, None, None, None, "predict_on_batch")
        out = self.make_predict_function()([data])[0]
        return nest.map_structure(lambda t: t.numpy() if isinstance(t, Tensor) else t, out)


def _same(a, b):
    """Whether two logged values are the same number (NaN included)."""
    try:
        return a == b or (np.isnan(a) and np.isnan(b))
    except TypeError:
        return False


def _metric_state(metrics):
    """The state Variables of ``metrics`` and the metrics they hold, each once, in a fixed order,
    and how each combines across workers (as its ``add_weight`` said; ``"sum"`` for others)."""
    variables, aggregations, seen = [], [], set()

    def visit(metric):
        said = {id(v): a for v, a in metric.state_aggregations()} if hasattr(metric, "state_aggregations") else {}
        for v in metric.variables if hasattr(metric, "variables") else ():
            if id(v) not in seen:
                seen.add(id(v))
                variables.append(v)
                aggregations.append(said.get(id(v), "sum"))
        for sub in getattr(metric, "metrics", ()) or ():
            if sub is not metric:
                visit(sub)
    for m in metrics:
        visit(m)
    return variables, aggregations


def _finalizes(optimizer):
    """Whether ``optimizer.finalize_variable_values`` can change anything: the library's does
    only with ``use_ema`` (so fit skips collecting the weights for it); another's may."""
    own = type(optimizer).finalize_variable_values is optimizers_module.Optimizer.finalize_variable_values
    return not own or bool(getattr(optimizer, "use_ema", False))


def _batch_size(x):
    leaf = nest.flatten(x)[0]
    if isinstance(leaf, CompositeTensor) and hasattr(leaf, "nrows"):   # a SparseTensor has a shape
        return int(leaf.nrows())
    shape = getattr(leaf, "shape", None)
    return int(shape[0]) if shape else 1


def _array_batch(x, batch_size):
    """Validation arrays use the training batch size; datasets and generators give none."""
    return None if is_batched_source(x) else batch_size


def _should_eval(epoch, validation_freq):
    epoch += 1
    if isinstance(validation_freq, int):
        return epoch % validation_freq == 0
    return epoch in validation_freq


class _CompiledMetrics:
    """What ``model.compiled_metrics`` gives: an object with Keras 2's ``update_state``."""

    def __init__(self, model):
        self._model = model

    def update_state(self, y, y_pred, sample_weight=None):
        warnings.warn("`model.compiled_metrics()` is deprecated. Instead, use e.g.:\n```\nfor metric in "
                      "self.metrics:\n    metric.update_state(y, y_pred)\n```\n", stacklevel=2)
        for metric in self._model.metrics:
            if isinstance(metric, metrics_module.Mean):
                metric.update_state(y_pred, sample_weight=sample_weight)
            else:
                metric.update_state(y, y_pred, sample_weight=sample_weight)


def _as_output(value):
    """A model output as ``predict`` returns it: the tensor an object stands for
    (``__wb_tensor__``, e.g. a distribution layer's sample), else the value."""
    return value.__wb_tensor__() if hasattr(type(value), "__wb_tensor__") else value
