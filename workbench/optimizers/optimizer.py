"""The optimizer base class: gradient clipping, weight decay, slots, learning rate, step count,
loss scaling, gradient accumulation and an exponential moving average of the weights.

Subclasses give their slot names and one ``_update_step`` written with raw
array math (``xp`` is NumPy or CuPy). Updates run in place on each variable's
device and are never recorded by tapes. Every hyperparameter that changes with
the step (learning rate, bias corrections) is a 0-d array on the device, so a
training step on the GPU never waits for the host.

A gradient given as ``IndexedSlices`` (a variable read through ``wb.gather`` or an
embedding lookup) gives the update of its dense value, as in Keras 3: SGD without momentum
updates only those rows (a scatter); Adam computes its dense update without making the
gradient dense; the others apply the dense gradient; ``LazyAdam`` touches only those rows.
(Keras 3 on TensorFlow squares an ``IndexedSlices`` row by row before repeated indices add
up, so there Adam, Nadam, RMSprop, Adagrad, Adadelta and Ftrl differ from their dense update
when an index repeats within a step; on JAX and PyTorch, and here, they do not.)

Slot variables are created lazily, the first time a variable gets a gradient
(or eagerly with :meth:`Optimizer.build`). A checkpoint restored before the
slots exist hands their values to the optimizer, which uses them when it
creates the slots (deferred restoration, as TF does), so training resumed from
a checkpoint continues exactly as if it had never stopped.
"""

from __future__ import annotations

import re
import warnings

import numpy as np

from gradients import GradientTape

from .. import backend, core
from ..checkpoint.graph import Trackable
from ..errors import argcheck
from ..core import Tensor, Variable, convert_to_tensor, wrap
from ..ops.segment_kernels import segment_reduce
from ..sparse import IndexedSlices
from . import schedules
from .schedules import LearningRateSchedule


_KERAS_WEIGHT_TYPES: dict = {}


def _is_keras_weight(var) -> bool:
    """Whether ``var`` is a Keras weight (``wb.keras.Variable``), which may carry a
    ``constraint`` and ``overwrite_with_gradient`` (looked up once per class)."""
    cls = type(var)
    hit = _KERAS_WEIGHT_TYPES.get(cls)
    if hit is None:
        hit = _KERAS_WEIGHT_TYPES[cls] = hasattr(cls, "overwrite_with_gradient") and hasattr(cls, "constraint")
    return hit


def _learning_rate_number(value, where):
    """A constant learning rate as a float: a Python or NumPy number or a scalar tensor
    (a string, None or a list is refused, not parsed)."""
    lr = argcheck.as_float(value)
    if lr is None:
        raise TypeError(f"{where}: learning_rate must be a float, a scalar Tensor or Variable, a "
                        f"LearningRateSchedule or a callable of the step, got {argcheck.describe(value)}")
    if not np.isfinite(lr):
        raise ValueError(f"{where}: learning_rate must be finite, got {lr}")
    return lr


class Optimizer(Trackable):
    """Base class of ``wb.optimizers``: Keras 3's optimizer API on NumPy/CuPy.

    Args:
        learning_rate: a float, a ``wb.Variable``, or a schedule (a callable of the step,
            e.g. ``wb.optimizers.schedules.ExponentialDecay``).
        weight_decay: decoupled weight decay: before each update ``w -= w * weight_decay * lr``.
        clipnorm: clip each gradient to this L2 norm.
        clipvalue: clip each gradient elementwise to ``[-clipvalue, clipvalue]``.
        global_clipnorm: clip all gradients together to this global norm.
        use_ema: keep an exponential moving average of every variable (slot ``average``):
            after each step ``average = m * average + (1 - m) * w`` with ``m = ema_momentum``
            (``m = 0`` on the first step). :meth:`finalize_variable_values` copies the averages
            into the variables.
        ema_overwrite_frequency: with ``use_ema``, copy the averages into the variables every
            this many steps (None: only when :meth:`finalize_variable_values` is called).
        loss_scale_factor: gradients are divided by it before anything else; multiply the loss
            by it (:meth:`scale_loss`) when computing them (``minimize`` does).
        gradient_accumulation_steps: sum the gradients of this many calls and apply their
            mean once, on every ``n``-th call (slot ``gradient_accumulator``); ``iterations``
            then counts applied updates (calls // n), which the learning rate and the bias
            corrections see.

    Each call of :meth:`apply_gradients` runs, in Keras 3's order: divide by
    ``loss_scale_factor``; accumulate (and stop, if this call does not complete the group);
    clip; decay the weights; the optimizer's own update; the moving average.

    >>> opt = wb.optimizers.SGD(learning_rate=0.1)
    >>> w = wb.Variable([1.0, 2.0])
    >>> _ = opt.apply_gradients([(wb.constant([1.0, 1.0]), w)])
    >>> w.numpy()
    array([0.9, 1.9], dtype=float32)
    """

    _slot_names: tuple = ()

    def __init__(self, learning_rate=0.001, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None):
        self.name = name or type(self).__name__
        given = [k for k, v in (("clipnorm", clipnorm), ("clipvalue", clipvalue),
                                ("global_clipnorm", global_clipnorm)) if v is not None]
        if len(given) > 1:
            raise ValueError(f"{self.name}: give at most one of clipnorm, clipvalue and "
                             f"global_clipnorm, got {', '.join(given)}")
        checked = {}
        for key, val in (("clipnorm", clipnorm), ("clipvalue", clipvalue),
                         ("global_clipnorm", global_clipnorm), ("weight_decay", weight_decay)):
            checked[key] = None if val is None else argcheck.number(val, key, self.name)
            if val is not None and not checked[key] >= 0:
                raise ValueError(f"{self.name}: {key} must be a non-negative number, got {val!r}")
        self.clipnorm = checked["clipnorm"]
        self.clipvalue = checked["clipvalue"]
        self.global_clipnorm = checked["global_clipnorm"]
        self.weight_decay = checked["weight_decay"]
        self._set_schedule_options(use_ema, ema_momentum, ema_overwrite_frequency, loss_scale_factor,
                                   gradient_accumulation_steps)
        self._iterations = Variable(np.int64(0), trainable=False, name=f"{self.name}/iterations")
        self._schedule = None
        self._learning_rate = None
        self._set_learning_rate(learning_rate)
        self._slots: dict = {}          # var.ref() -> {slot name: Variable}
        self._slot_list: list = []      # (var, slot name, slot) in creation order
        self._tracked: list = []        # the variables it has updated (or built), first met first
        self._waiting: dict = {}        # (list name, index) -> checkpoint value for a state not made yet
        self._deferred: dict = {}       # (var.ref(), slot name) -> array restored before the slot existed
        self._no_decay_ids: set = set()
        self._no_decay_pattern = None
        self._scratch_buffers: dict = {}  # (shape, dtype, device) -> work array for updates
        # the wb.distribute strategy in whose scope the optimizer was made (its gradients are
        # summed across replicas even when a wb.function replays apply_gradients outside the scope)
        self._distribution = core.distribution()

    def _set_schedule_options(self, use_ema, ema_momentum, ema_overwrite_frequency, loss_scale_factor,
                              gradient_accumulation_steps):
        where = self.name
        self.use_ema = bool(use_ema)
        self.ema_momentum = argcheck.number(ema_momentum, "ema_momentum", where)
        if not 0.0 <= self.ema_momentum <= 1.0:
            raise ValueError(f"{where}: ema_momentum must be in [0, 1], got {ema_momentum!r}")
        self.ema_overwrite_frequency = _positive_int_or_none(ema_overwrite_frequency, "ema_overwrite_frequency",
                                                             where, 1)
        self.gradient_accumulation_steps = _positive_int_or_none(gradient_accumulation_steps,
                                                                 "gradient_accumulation_steps", where, 2)
        self.loss_scale_factor = None
        if loss_scale_factor is not None:
            self.loss_scale_factor = argcheck.number(loss_scale_factor, "loss_scale_factor", where)
            if not (self.loss_scale_factor > 0 and np.isfinite(self.loss_scale_factor)):
                raise ValueError(f"{where}: loss_scale_factor must be a positive finite number, "
                                 f"got {loss_scale_factor!r}")

    # -- learning rate and step -----------------------------------------------
    @property
    def iterations(self):
        """How many updates the optimizer has applied: the int64 Variable counting
        :meth:`apply_gradients` calls, or with ``gradient_accumulation_steps = n`` that count
        divided by ``n`` (a Tensor), as in Keras 3."""
        if self.gradient_accumulation_steps:
            return wrap(self._step_array())
        return self._iterations

    def _step_array(self):
        """The 0-based update step as a 0-d int64 array on the device of ``iterations``."""
        raw = self._iterations._data
        n = self.gradient_accumulation_steps
        return raw // n if n else raw

    def _set_learning_rate(self, value):
        if isinstance(value, Variable):
            if value.dtype.kind != "f" or value.ndim != 0:
                raise TypeError(f"{self.name}: a learning_rate Variable must be a floating scalar, "
                                f"got dtype {value.dtype} shape {value.shape}")
            self._learning_rate, self._schedule = value, None
        elif callable(value) and not isinstance(value, Tensor):
            self._learning_rate, self._schedule = None, value
        else:
            lr = _learning_rate_number(value, self.name)
            if self._learning_rate is not None:
                self._learning_rate.assign(np.float32(lr) if self._learning_rate.dtype == np.float32
                                           else self._learning_rate.dtype.type(lr))
            else:
                self._learning_rate = Variable(np.float32(lr), trainable=False,
                                               name=f"{self.name}/learning_rate")
            self._schedule = None

    @property
    def learning_rate(self) -> Tensor:
        """The learning rate for the current step (the schedule evaluated at ``iterations``)."""
        return wrap(self._lr_array())

    @learning_rate.setter
    def learning_rate(self, value):
        if self._schedule is not None and not callable(value):
            raise TypeError(f"{self.name} was created with a learning-rate schedule; its learning "
                            "rate cannot be set to a number (pass a new schedule instead)")
        self._set_learning_rate(value)

    def _lr_array(self, step=None):
        if self._schedule is None:
            return self._learning_rate._data
        step = self._step_array() if step is None else step
        if isinstance(self._schedule, LearningRateSchedule):
            return self._schedule._compute(step)
        out = self._schedule(wrap(step))
        return convert_to_tensor(out)._data

    # -- slots ------------------------------------------------------------------
    def _slot_init(self, var, slot_name, xp):
        """The initial value of slot ``slot_name`` for ``var`` (zeros unless overridden)."""
        if slot_name == "average":
            return var._data.copy()
        return xp.zeros_like(var._data)

    def _update_slot_names(self) -> tuple:
        """The slots the optimizer's own update uses (subclasses override)."""
        return self._slot_names

    def _active_slot_names(self) -> tuple:
        names = self._update_slot_names()
        if self.gradient_accumulation_steps:
            names += ("gradient_accumulator",)
        if self.use_ema:
            names += ("average",)
        return names

    def build(self, var_list):
        """Create the slot variables of every variable in ``var_list`` now rather than lazily;
        they are the variables :meth:`apply` updates when it is given none."""
        var_list = list(var_list)
        for var in var_list:
            self._ensure_slots(var)
        self._built_variables = var_list
        if self._waiting:
            self._restore_waiting()

    def apply(self, grads, trainable_variables=None):
        """Keras 3's form of :meth:`apply_gradients`: ``opt.apply(grads, variables)``; without
        ``trainable_variables``, the variables given to :meth:`build`."""
        if trainable_variables is None:
            trainable_variables = getattr(self, "_built_variables", None)
            if trainable_variables is None:
                raise ValueError(f"{self.name}.apply: give trainable_variables, or call "
                                 "optimizer.build(variables) first")
        grads, trainable_variables = list(grads), list(trainable_variables)
        if len(grads) != len(trainable_variables):
            raise ValueError(f"{self.name}.apply: {len(grads)} gradients for {len(trainable_variables)} variables")
        return self.apply_gradients(zip(grads, trainable_variables))

    def _ensure_slots(self, var):
        ref = var.ref()
        slots = self._slots.get(ref)
        if slots is not None:
            return slots
        slots = {}
        xp = backend.xp_of(var._data)
        for slot_name in self._active_slot_names():
            restored = self._deferred.pop((ref, slot_name), None)
            if restored is not None:
                init = backend.move(restored, var.device).astype(var.dtype, copy=False)
            else:
                init = self._slot_init(var, slot_name, xp)
            with _on_device(var):
                slot = Variable(init, trainable=False, name=f"{var.path}/{slot_name}")
            slots[slot_name] = slot
            self._slot_list.append((var, slot_name, slot))
        self._slots[ref] = slots
        self._tracked.append(var)
        return slots

    def get_slot_names(self) -> list:
        """The names of the slots this optimizer keeps per variable."""
        return list(self._active_slot_names())

    def get_slot(self, var, slot_name) -> Variable:
        """The slot variable ``slot_name`` of ``var`` (it exists once ``var`` got a gradient)."""
        slots = self._slots.get(var.ref())
        if slots is None:
            raise ValueError(f"{self.name}: no slots for variable '{var.name}' yet: they are created "
                             "the first time it gets a gradient (or call optimizer.build(var_list))")
        if slot_name not in slots:
            raise ValueError(f"{self.name}: no slot named {slot_name!r}; slots are {list(slots)}")
        return slots[slot_name]

    def _slot_groups(self) -> tuple:
        """The optimizer's own slots as Keras 3 makes them: groups of names, each group made
        for every variable in turn (one group unless a subclass splits them)."""
        names = self._update_slot_names()
        return (names,) if names else ()

    def _trailing_variables(self) -> list:
        """Variables of the optimizer's own that Keras 3 makes after the slots (Nadam's
        ``u_product``)."""
        return []

    @property
    def variables(self) -> list:
        """Every variable of the optimizer in Keras 3's order: ``iterations``, the learning
        rate (when it is a Variable), the slots (the moving averages of every variable, then
        the gradient accumulators, then the optimizer's own slots group by group, each group
        for every variable in the order they were first updated), then variables of the
        optimizer's own made after them (Nadam's ``u_product``)."""
        out = [self._iterations]
        if self._learning_rate is not None:
            out.append(self._learning_rate)
        groups = ((("average",) if self.use_ema else ()), (("gradient_accumulator",)
                  if self.gradient_accumulation_steps else ())) + tuple(self._slot_groups())
        for group in groups:
            if not group:
                continue
            for var in self._tracked:
                slots = self._slots[var.ref()]
                out.extend(slots[name] for name in group if name in slots)
        # like Keras 3, which makes them when it builds (at the first step)
        return out + self._trailing_variables() if self._tracked else out

    # -- checkpoint protocol (Trackable) -------------------------------------------
    _tracked_by_modules = False   # a model holding its optimizer does not own its variables

    def _trackable_children(self):
        # Keras 3's keys: `_iterations`, `_learning_rate`, `_trainable_variables/<i>` (the
        # variables it updates: saved there only when the model is not in the checkpoint) and
        # `_variables/<i>` (every variable, in `variables` order: the slots and Nadam's
        # u_product are saved there). The names this library used before (`iterations`,
        # `learning_rate`, `u_product`) reach the same variables, so older checkpoints restore;
        # their slots, saved under '<var>/.OPTIMIZER_SLOT/<optimizer>/<slot>', are read by the
        # restore through `_slot_items` / `_defer_slot_restore`.
        children = [("_iterations", self._iterations)]
        if self._learning_rate is not None:
            children.append(("_learning_rate", self._learning_rate))
        variables = self.variables
        children += [("_trainable_variables", list(self._tracked)), ("_variables", variables)]
        listed = {id(v) for v in variables}
        children += [(name, v) for name, v in self.variables_by_path().items() if id(v) in listed]
        return children

    def variables_by_path(self) -> dict:
        """``{name: Variable}`` of the optimizer's own state (``iterations``, ``learning_rate``),
        as the earlier checkpoints of this library keyed them (and as Keras weights files
        list them first)."""
        out = {"iterations": self._iterations}
        if self._learning_rate is not None:
            out["learning_rate"] = self._learning_rate
        return out

    def _defer_restore(self, path, value):
        """Hold the checkpoint value at ``_variables/<i>``, ``_trainable_variables/<i>`` or an
        earlier key of a variable made at the first step (Nadam's ``u_product``) below this
        optimizer until that variable is listed: the slots are made at the first step (or by
        :meth:`build`), and take their values then (TF's deferred restoration). A value at a
        path this optimizer never makes stays pending (``assert_consumed`` names it)."""
        parts = path.split("/")
        if len(parts) == 2 and parts[0] in ("_variables", "_trainable_variables") and parts[1].isdigit():
            self._waiting[(parts[0], int(parts[1]))] = value
        else:
            self._waiting[("", path)] = value

    def _restore_waiting(self):
        lists = {"_variables": self.variables, "_trainable_variables": self._tracked}
        own = self.variables_by_path()
        for key in sorted(self._waiting, key=str):
            name, index = key
            if name and index < len(lists[name]):
                self._waiting.pop(key).restore_into(lists[name][index])
            elif not name and index in own and self._tracked:
                self._waiting.pop(key).restore_into(own[index])

    def _slot_items(self):
        """``(var, slot name, slot Variable)`` for every slot, in creation order."""
        return list(self._slot_list)

    def _slot_or_none(self, var, slot_name):
        return self._slots.get(var.ref(), {}).get(slot_name)

    def _defer_slot_restore(self, var, slot_name, array):
        """Give slot ``slot_name`` of ``var`` the value ``array`` (an earlier checkpoint's key):
        now if the slot exists, else when it is created."""
        slot = self._slot_or_none(var, slot_name)
        if slot is not None:
            slot.assign(wrap(backend.move(array, var.device).astype(var.dtype, copy=False)))
        else:
            self._deferred[(var.ref(), slot_name)] = array

    # -- weight decay -------------------------------------------------------------
    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Skip weight decay for the variables in ``var_list`` and for variables whose name
        matches (``re.search``) any of the patterns in ``var_names``, such as ``"bias"`` or
        ``"norm/gamma$"``. Each call replaces the previous exclusions (Keras 3's rule)."""
        names = list(var_names or ())
        if any(not isinstance(n, str) for n in names):
            raise TypeError(f"{self.name}.exclude_from_weight_decay: var_names must be strings, got {names!r}")
        self._no_decay_ids = {id(v) for v in (var_list or [])}
        self._no_decay_pattern = re.compile("|".join(names)) if names else None

    def _decays(self, var) -> bool:
        if not self.weight_decay:
            return False
        if id(var) in self._no_decay_ids:
            return False
        return self._no_decay_pattern is None or self._no_decay_pattern.search(var.path) is None

    # -- applying gradients -------------------------------------------------------
    def apply_gradients(self, grads_and_vars, name=None, skip_gradients_aggregation=False):
        """Apply one update: ``opt.apply_gradients(zip(grads, vars))``.

        ``None`` gradients are skipped with a warning naming the variable. Under a
        ``wb.distribute`` strategy (its scope or ``run`` active, or the one the optimizer was
        made in) the gradients are first summed across replicas, in fused buckets, unless
        ``skip_gradients_aggregation``. Returns ``iterations``.
        """
        strategy = core.distribution()
        if not skip_gradients_aggregation and getattr(strategy, "merges_in_replica", False):
            # several replicas of one process inside strategy.run: TF's merge_call, one update with their sum
            return strategy.merged_apply_gradients(self._apply_gradients, grads_and_vars, name)
        return self._apply_gradients(grads_and_vars, name, skip_gradients_aggregation)

    @core.effect
    def _apply_gradients(self, grads_and_vars, name=None, skip_gradients_aggregation=False):
        pairs = list(grads_and_vars)
        for i, pair in enumerate(pairs):
            if not (isinstance(pair, (tuple, list)) and len(pair) == 2):
                raise TypeError(f"{self.name}.apply_gradients: expected (gradient, variable) pairs, "
                                f"entry {i} is {type(pair).__name__}")
        missing = [v for g, v in pairs if g is None]
        if pairs and len(missing) == len(pairs):
            raise ValueError(f"{self.name}: no gradients provided for any variable: "
                             f"{[getattr(v, 'name', '?') for _, v in pairs]}")
        if missing:
            warnings.warn(f"{self.name}: gradients do not exist for variables "
                          f"{[getattr(v, 'name', '?') for v in missing]} when minimizing the loss; "
                          "they are left unchanged", UserWarning, stacklevel=2)
        grads, variables = [], []
        for g, v in pairs:
            if g is None:
                continue
            grads.append(self._check_pair(g, v))
            variables.append(v)
        strategy = core.distribution() or self._distribution
        if strategy is not None and not skip_gradients_aggregation:
            if getattr(strategy, "num_replicas_in_sync", 1) > 1:  # replicas' rows: summed densely
                grads = [g.dense() if type(g) is SparseGradient else g for g in grads]
            grads = strategy.all_reduce_gradients(grads)
        slot_dicts = [self._ensure_slots(var) for var in variables]
        if self._waiting:   # checkpoint values for the state just made (Keras 3 keys)
            self._restore_waiting()
        keras_weights = [v for v in variables if _is_keras_weight(v)]   # constraints, overwriting
        if keras_weights and any(v.overwrite_with_gradient for v in keras_weights):
            grads, variables, slot_dicts = self._overwrite_with_gradients(grads, variables, slot_dicts)
            keras_weights = [v for v in keras_weights if not v.overwrite_with_gradient]
        if self.loss_scale_factor is not None:
            grads = [g / g.dtype.type(self.loss_scale_factor) for g in grads]
        if self.gradient_accumulation_steps:
            grads = [g.dense() if type(g) is SparseGradient else g for g in grads]
        calls = int(self._iterations.numpy()) if (self.gradient_accumulation_steps
                                                  or self.ema_overwrite_frequency) else None
        if self._accumulate(grads, variables, calls):
            self._update(grads, variables, slot_dicts)
        if self.use_ema:
            self._update_averages(calls)
        for var in keras_weights:   # Keras 3 applies a weight's constraint after each update
            if var.constraint is not None:
                var.assign(var.constraint(var))
        self._iterations.assign_add(np.int64(1))
        return self._iterations

    @staticmethod
    def _overwrite_with_gradients(grads, variables, slot_dicts):
        """Assign each variable made with ``overwrite_with_gradient=True`` its gradient (Keras 3's
        rule for float8 scaling factors); the others go on to the update."""
        kept = ([], [], [])
        for g, var, slots in zip(grads, variables, slot_dicts):
            if getattr(var, "overwrite_with_gradient", False):
                var.assign(wrap(g.dense() if type(g) is SparseGradient else g))
            else:
                for out, item in zip(kept, (g, var, slots)):
                    out.append(item)
        return kept

    def _accumulate(self, grads, variables, calls):
        """With gradient accumulation: add ``grads`` to the accumulators and say whether this
        call completes a group; if it does, ``grads`` becomes the group's mean and the
        accumulators start over. Without: True."""
        n = self.gradient_accumulation_steps
        if not n:
            return True
        complete = (calls + 1) % n == 0
        for i, (g, var) in enumerate(zip(grads, variables)):
            acc = _writable(self._slots[var.ref()]["gradient_accumulator"])
            if complete:
                grads[i] = (g + acc) / g.dtype.type(n)
                acc[...] = 0
            else:
                acc += g
        return complete

    def _update(self, grads, variables, slot_dicts=None):
        """Clip, decay and apply the optimizer's update to every variable (``slot_dicts``: each
        variable's slots, as ``_ensure_slots`` gave them; looked up when not given)."""
        if self.clipvalue is not None or self.clipnorm is not None or self.global_clipnorm is not None:
            grads = [g.dense() if type(g) is SparseGradient else g for g in grads]
        grads = self._clip(grads)
        step = self._step_array()
        lr = self._lr_array(step)
        self._prepare_step(step)
        scalars = {}
        if slot_dicts is None:
            slot_dicts = [self._slots[var.ref()] for var in variables]
        for g, var, slots in zip(grads, variables, slot_dicts):
            data = var._data
            key = (data.dtype, backend.device_of(data))
            hyper = scalars.get(key)
            if hyper is None:
                hyper = scalars[key] = self._hyper(lr, step, var)
            xp = backend.xp_of(data)
            w = _writable(var)
            if self._decays(var):
                w -= w * (hyper["lr"] * var.dtype.type(self.weight_decay))
            slots = {k: _writable(s) for k, s in slots.items()}
            if type(g) is SparseGradient:
                if self._sparse_update_step(xp, w, g, slots, hyper):
                    continue
                g = g.dense()
            self._update_step(xp, w, g, slots, hyper)

    def _prepare_step(self, step):
        """Once per applied update, before the variables: state shared by all variables."""

    def _update_averages(self, calls):
        """The moving average of every variable the optimizer has slots for (Keras 3's rule:
        momentum 0 on the first update, so the average starts at the weights)."""
        first = self._step_array() == 0
        for var, slot_name, average in self._slot_list:
            if slot_name != "average":
                continue
            xp = backend.xp_of(var._data)
            dev_first = backend.move(first, var.device) if backend.device_of(first) != var.device else first
            m = xp.where(dev_first, var.dtype.type(0), var.dtype.type(self.ema_momentum))
            avg = _writable(average)
            avg *= m
            avg += (1 - m) * var._data
        n = self.ema_overwrite_frequency
        if n and (calls + 1) % n == 0:
            self._overwrite_with_averages(var for var, name, _ in self._slot_list if name == "average")

    def _overwrite_with_averages(self, var_list):
        for var in var_list:
            average = self._slot_or_none(var, "average")
            if average is not None:   # a variable the optimizer never updated keeps its value
                var.assign(wrap(average._data.copy()))

    def finalize_variable_values(self, var_list):
        """With ``use_ema``: set each variable of ``var_list`` to its moving average (call it
        after training, as Keras' ``fit`` does; variables the optimizer never updated are left
        as they are); without: nothing."""
        if self.use_ema:
            self._overwrite_with_averages(list(var_list))

    def scale_loss(self, loss):
        """``loss * loss_scale_factor`` (the loss itself when there is none)."""
        return loss if self.loss_scale_factor is None else loss * self.loss_scale_factor

    def _hyper(self, lr, step, var):
        """Per-step scalars in ``var``'s dtype and device: ``lr`` and the 1-based step ``t``."""
        dev = var.device
        lr = backend.move(lr, dev) if backend.device_of(lr) != dev else lr
        step = backend.move(step, dev) if backend.device_of(step) != dev else step
        return {"lr": lr.astype(var.dtype), "t": (step + 1).astype(var.dtype)}

    def _check_pair(self, g, var):
        if type(g) is Tensor and isinstance(var, Variable):
            # the common case, checked on the arrays alone: a dense gradient of the variable's
            # floating dtype and shape on its device (anything else takes the full checks below)
            arr, data = g._data, var._data
            if (arr.dtype == data.dtype and data.dtype.kind == "f" and arr.shape == data.shape
                    and type(arr) is type(data)
                    and (type(arr) is np.ndarray or backend.device_of(arr) == backend.device_of(data))):
                return arr
        if not isinstance(var, Variable):
            raise TypeError(f"{self.name}.apply_gradients: expected a wb.Variable, got "
                            f"{type(var).__name__}")
        if var.dtype.kind != "f":
            raise TypeError(f"{self.name}: variable '{var.name}' has dtype {var.dtype}; only floating "
                            "variables can be optimized")
        if isinstance(g, IndexedSlices) and g.dense_shape is not None:
            if g.dtype != var.dtype or g.shape != var.shape:
                raise ValueError(f"{self.name}: gradient (IndexedSlices) for variable '{var.name}' has "
                                 f"dtype {g.dtype} and shape {g.shape}, the variable has dtype "
                                 f"{var.dtype} and shape {var.shape}")
            move = (lambda a: backend.move(a, var.device) if backend.device_of(a) != var.device else a)
            return SparseGradient(move(g.values._data), move(g.indices._data), var.shape)
        g = convert_to_tensor(g, dtype_hint=var.dtype)
        if g.dtype != var.dtype:
            raise TypeError(f"{self.name}: gradient for variable '{var.name}' has dtype {g.dtype}, "
                            f"the variable has dtype {var.dtype}")
        if g.shape != var.shape:
            raise ValueError(f"{self.name}: gradient for variable '{var.name}' has shape {g.shape}, "
                             f"the variable has shape {var.shape}")
        arr = g._data
        return backend.move(arr, var.device) if backend.device_of(arr) != var.device else arr

    def _clip(self, grads):
        if self.clipvalue is not None:
            return [backend.xp_of(g).clip(g, -self.clipvalue, self.clipvalue) for g in grads]
        if self.clipnorm is not None:
            out = []
            for g in grads:
                xp = backend.xp_of(g)
                clip = g.dtype.type(self.clipnorm)
                norm = xp.sqrt(xp.sum(g * g))
                out.append(g * (clip / xp.maximum(norm, clip)))
            return out
        if self.global_clipnorm is not None and grads:
            xp = backend.xp_of(grads[0])
            total = sum(xp.sum(xp.square(g), dtype=np.float64) for g in grads)
            norm = xp.sqrt(total)
            clip = np.float64(self.global_clipnorm)
            # TF's rule: NaN everywhere when the global norm is inf or NaN
            scale = clip * xp.minimum(1.0 / norm, 1.0 / clip) + (norm - norm)
            return [g * scale.astype(g.dtype) for g in grads]
        return grads

    def _scratch(self, w):
        """A work array shaped like ``w`` (same dtype and device), reused across variables and
        steps, so that updates can run in place instead of allocating temporaries."""
        key = (w.shape, w.dtype) if type(w) is np.ndarray else (w.shape, w.dtype, backend.device_of(w))
        buf = self._scratch_buffers.get(key)
        if buf is None:
            buf = self._scratch_buffers[key] = backend.xp_of(w).empty_like(w)
        return buf

    def _update_step(self, xp, w, g, slots, hyper):
        """Update the array ``w`` in place from the gradient ``g``; ``slots`` are writable arrays."""
        raise NotImplementedError

    def _sparse_update_step(self, xp, w, grad, slots, hyper):
        """Update ``w`` in place from the :class:`SparseGradient` ``grad`` and return True;
        False (the default) applies ``grad.dense()`` with :meth:`_update_step` instead."""
        return False

    # -- minimize -----------------------------------------------------------------
    def minimize(self, loss, var_list, tape=None):
        """Compute gradients of ``loss`` with respect to ``var_list`` and apply them.

        ``loss`` is a callable taking no arguments (or, with ``tape``, the loss tensor
        recorded on that tape). ``var_list`` may be a callable returning the list, for
        models that create their variables on the first call.
        """
        tape_given = tape is not None
        if tape is None:
            if not callable(loss):
                raise TypeError(f"{self.name}.minimize: loss must be a callable when no tape is "
                                "given (a loss tensor computed outside a tape has no gradient); "
                                "pass a tape or wrap the loss in a lambda")
            with GradientTape() as tape:
                if not callable(var_list):
                    tape.watch(var_list)
                value = self.scale_loss(loss())
        else:
            value = loss() if callable(loss) else loss
        if callable(var_list):
            var_list = var_list()
        var_list = list(var_list)
        grads = tape.gradient(value, var_list)
        if tape_given and self.loss_scale_factor is not None:
            # the tape recorded the unscaled loss: scale its gradients as scale_loss would have
            grads = [None if g is None else g * self.loss_scale_factor for g in grads]
        self.apply_gradients(zip(grads, var_list))
        return self._iterations

    def get_config(self) -> dict:
        config = {"name": self.name, "weight_decay": self.weight_decay, "clipnorm": self.clipnorm,
                  "clipvalue": self.clipvalue, "global_clipnorm": self.global_clipnorm,
                  "use_ema": self.use_ema, "ema_momentum": self.ema_momentum,
                  "ema_overwrite_frequency": self.ema_overwrite_frequency,
                  "loss_scale_factor": self.loss_scale_factor,
                  "gradient_accumulation_steps": self.gradient_accumulation_steps}
        if isinstance(self._schedule, LearningRateSchedule):
            config["learning_rate"] = schedules.serialize(self._schedule)
        elif self._schedule is not None:
            config["learning_rate"] = self._schedule
        else:
            config["learning_rate"] = float(self._learning_rate.numpy())
        return config

    @classmethod
    def from_config(cls, config):
        """The optimizer a :meth:`get_config` dict describes (fresh state: no slots, step 0)."""
        config = dict(config)
        lr = config.get("learning_rate")
        if isinstance(lr, dict):
            config["learning_rate"] = schedules.deserialize(lr)
        return cls(**config)

    def __repr__(self):
        return f"<wb.optimizers.{type(self).__name__} name={self.name!r} iterations={int(self._iterations)}>"


def decay_rates(where, **rates) -> list:
    """Each of ``rates`` (``beta_1=..., beta_2=...``) as a float in [0, 1), in the order given;
    ValueError naming the one outside."""
    out = []
    for key, value in rates.items():
        rate = argcheck.number(value, key, where)
        if not 0.0 <= rate < 1.0:
            raise ValueError(f"{where}: {key} must be in [0, 1), got {value!r}")
        out.append(rate)
    return out


def _positive_int_or_none(value, name, where, least):
    if value is None:
        return None
    n = argcheck.as_int(value)
    if n is None or n < least:
        raise ValueError(f"{where}: {name} must be an integer >= {least} or None, got {value!r}")
    return n


def _writable(var):
    """``var``'s buffer, ready to be updated in place. While a live tape holds a read of the
    variable, the buffer is replaced by a copy first, so the recorded read keeps its value."""
    if var._captures:
        var._data = var._data.copy(order="K")  # keep the layout: BLAS results depend on it
    return var._data


def _on_device(var):
    return backend.device(str(var.device))


class SparseGradient:
    """A gradient as rows (from ``IndexedSlices``): arrays ``values`` ``[k, *shape[1:]]`` and
    ``indices`` ``[k]`` (may repeat) of a gradient of ``shape``."""

    __slots__ = ("values", "indices", "shape")

    def __init__(self, values, indices, shape):
        self.values, self.indices, self.shape = values, indices, tuple(shape)

    @property
    def dtype(self):
        return self.values.dtype

    def __truediv__(self, scale):
        return SparseGradient(self.values / scale, self.indices, self.shape)

    def _segment_sum(self, ids, n):
        xp = backend.xp_of(self.values)
        k, inner = self.values.shape[0], self.shape[1:]
        width = int(np.prod(inner, dtype=np.int64))
        rows = self.values.reshape(k) if width == 1 else self.values.reshape(k, width)
        return segment_reduce(xp, "sum", rows, ids, n, sorted=False).reshape((n,) + inner)

    def dense(self):
        """The dense gradient (rows at repeated indices add up)."""
        return self._segment_sum(self.indices, self.shape[0])

    def summed(self):
        """``(values, indices)`` with each index once (sorted), its rows added up."""
        xp = backend.xp_of(self.values)
        unique, inverse = xp.unique(self.indices, return_inverse=True)
        if unique.shape[0] == self.indices.shape[0] and bool((unique == self.indices).all()):
            return self.values, self.indices
        return self._segment_sum(inverse.reshape(-1), unique.shape[0]), unique
