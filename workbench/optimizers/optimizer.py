"""The optimizer base class: gradient clipping, weight decay, slots, learning rate, step count.

Subclasses give their slot names and one ``_update_step`` written with raw
array math (``xp`` is NumPy or CuPy). Updates run in place on each variable's
device and are never recorded by tapes. Every hyperparameter that changes with
the step (learning rate, bias corrections) is a 0-d array on the device, so a
training step on the GPU never waits for the host.

Slot variables are created lazily, the first time a variable gets a gradient
(or eagerly with :meth:`Optimizer.build`). A checkpoint restored before the
slots exist hands their values to the optimizer, which uses them when it
creates the slots (deferred restoration, as TF does), so training resumed from
a checkpoint continues exactly as if it had never stopped.
"""

from __future__ import annotations

import warnings

import numpy as np

from gradients import GradientTape

from .. import backend, core
from ..checkpoint.graph import Trackable
from ..errors import argcheck
from ..core import Tensor, Variable, convert_to_tensor, wrap
from . import schedules
from .schedules import LearningRateSchedule


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

    >>> opt = wb.optimizers.SGD(learning_rate=0.1)
    >>> w = wb.Variable([1.0, 2.0])
    >>> opt.apply_gradients([(wb.constant([1.0, 1.0]), w)])
    >>> w.numpy()
    array([0.9, 1.9], dtype=float32)
    """

    _slot_names: tuple = ()

    def __init__(self, learning_rate=0.001, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, name=None):
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
        self._iterations = Variable(np.int64(0), trainable=False, name=f"{self.name}/iterations")
        self._schedule = None
        self._learning_rate = None
        self._set_learning_rate(learning_rate)
        self._slots: dict = {}          # var.ref() -> {slot name: Variable}
        self._slot_list: list = []      # (var, slot name, slot) in creation order
        self._deferred: dict = {}       # (var.ref(), slot name) -> array restored before the slot existed
        self._no_decay_ids: set = set()
        self._no_decay_names: tuple = ()
        self._scratch_buffers: dict = {}  # (shape, dtype, device) -> work array for updates

    # -- learning rate and step -----------------------------------------------
    @property
    def iterations(self) -> Variable:
        """How many times the optimizer has applied gradients (an int64 Variable)."""
        return self._iterations

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

    def _lr_array(self):
        if self._schedule is None:
            return self._learning_rate._data
        if isinstance(self._schedule, LearningRateSchedule):
            return self._schedule._compute(self._iterations._data)
        out = self._schedule(wrap(self._iterations._data))
        return convert_to_tensor(out)._data

    # -- slots ------------------------------------------------------------------
    def _slot_init(self, var, slot_name, xp):
        """The initial value of slot ``slot_name`` for ``var`` (zeros unless overridden)."""
        return xp.zeros_like(var._data)

    def _active_slot_names(self) -> tuple:
        return self._slot_names

    def build(self, var_list):
        """Create the slot variables of every variable in ``var_list`` now rather than lazily."""
        for var in var_list:
            self._ensure_slots(var)

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
                slot = Variable(init, trainable=False, name=f"{var.name}/{slot_name}")
            slots[slot_name] = slot
            self._slot_list.append((var, slot_name, slot))
        self._slots[ref] = slots
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

    @property
    def variables(self) -> list:
        """Every variable of the optimizer: ``iterations``, the learning rate (when it is a
        Variable), then the slots in creation order."""
        out = [self._iterations]
        if self._learning_rate is not None:
            out.append(self._learning_rate)
        return out + [slot for _, _, slot in self._slot_list]

    # -- checkpoint protocol (Trackable) -------------------------------------------
    _tracked_by_modules = False   # a model holding its optimizer does not own its variables

    def _trackable_children(self):
        return self.variables_by_path()

    def variables_by_path(self) -> dict:
        """``{path: Variable}`` of the optimizer's own state (``iterations``, ``learning_rate``).

        Slot variables are saved by ``wb.Checkpoint`` under the path of the variable they
        belong to (``<var path>/.OPTIMIZER_SLOT/<optimizer path>/<slot>``), so save the model
        in the same checkpoint as its optimizer.
        """
        out = {"iterations": self._iterations}
        if self._learning_rate is not None:
            out["learning_rate"] = self._learning_rate
        return out

    def _slot_items(self):
        """``(var, slot name, slot Variable)`` for every slot, in creation order."""
        return list(self._slot_list)

    def _slot_or_none(self, var, slot_name):
        return self._slots.get(var.ref(), {}).get(slot_name)

    def _defer_slot_restore(self, var, slot_name, array):
        """Keep ``array`` as the value of slot ``slot_name`` of ``var`` until the slot is created."""
        self._deferred[(var.ref(), slot_name)] = array

    # -- weight decay -------------------------------------------------------------
    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Skip weight decay for the variables in ``var_list`` and for variables whose name
        contains any of the strings in ``var_names`` (Keras 3's rule)."""
        self._no_decay_ids |= {id(v) for v in (var_list or [])}
        self._no_decay_names = tuple(self._no_decay_names) + tuple(var_names or ())

    def _decays(self, var) -> bool:
        if not self.weight_decay:
            return False
        if id(var) in self._no_decay_ids:
            return False
        return not any(s in var.name for s in self._no_decay_names)

    # -- applying gradients -------------------------------------------------------
    @core.effect
    def apply_gradients(self, grads_and_vars, name=None):
        """Apply one update: ``opt.apply_gradients(zip(grads, vars))``.

        ``None`` gradients are skipped with a warning naming the variable. Returns
        ``iterations``.
        """
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
        grads = self._clip(grads)
        lr = self._lr_array()
        step = self._iterations._data
        scalars = {}
        for g, var in zip(grads, variables):
            slots = self._ensure_slots(var)
            key = (var.dtype, str(var.device))
            hyper = scalars.get(key)
            if hyper is None:
                hyper = scalars[key] = self._hyper(lr, step, var)
            xp = backend.xp_of(var._data)
            w = _writable(var)
            if self._decays(var):
                w -= w * (hyper["lr"] * var.dtype.type(self.weight_decay))
            self._update_step(xp, w, g, {k: _writable(s) for k, s in slots.items()}, hyper)
        self._iterations.assign_add(np.int64(1))
        return self._iterations

    def _hyper(self, lr, step, var):
        """Per-step scalars in ``var``'s dtype and device: ``lr`` and the 1-based step ``t``."""
        dev = var.device
        lr = backend.move(lr, dev) if backend.device_of(lr) != dev else lr
        step = backend.move(step, dev) if backend.device_of(step) != dev else step
        return {"lr": lr.astype(var.dtype), "t": (step + 1).astype(var.dtype)}

    def _check_pair(self, g, var):
        if not isinstance(var, Variable):
            raise TypeError(f"{self.name}.apply_gradients: expected a wb.Variable, got "
                            f"{type(var).__name__}")
        if var.dtype.kind != "f":
            raise TypeError(f"{self.name}: variable '{var.name}' has dtype {var.dtype}; only floating "
                            "variables can be optimized")
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
        key = (w.shape, w.dtype, str(backend.device_of(w)))
        buf = self._scratch_buffers.get(key)
        if buf is None:
            buf = self._scratch_buffers[key] = backend.xp_of(w).empty_like(w)
        return buf

    def _update_step(self, xp, w, g, slots, hyper):
        """Update the array ``w`` in place from the gradient ``g``; ``slots`` are writable arrays."""
        raise NotImplementedError

    # -- minimize -----------------------------------------------------------------
    def minimize(self, loss, var_list, tape=None):
        """Compute gradients of ``loss`` with respect to ``var_list`` and apply them.

        ``loss`` is a callable taking no arguments (or, with ``tape``, the loss tensor
        recorded on that tape). ``var_list`` may be a callable returning the list, for
        models that create their variables on the first call.
        """
        if tape is None:
            if not callable(loss):
                raise TypeError(f"{self.name}.minimize: loss must be a callable when no tape is "
                                "given (a loss tensor computed outside a tape has no gradient); "
                                "pass a tape or wrap the loss in a lambda")
            with GradientTape() as tape:
                if not callable(var_list):
                    tape.watch(var_list)
                value = loss()
        else:
            value = loss() if callable(loss) else loss
        if callable(var_list):
            var_list = var_list()
        var_list = list(var_list)
        grads = tape.gradient(value, var_list)
        self.apply_gradients(zip(grads, var_list))
        return self._iterations

    def get_config(self) -> dict:
        config = {"name": self.name, "weight_decay": self.weight_decay, "clipnorm": self.clipnorm,
                  "clipvalue": self.clipvalue, "global_clipnorm": self.global_clipnorm}
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


def _writable(var):
    """``var``'s buffer, ready to be updated in place. While a live tape holds a read of the
    variable, the buffer is replaced by a copy first, so the recorded read keeps its value."""
    if var._captures:
        var._data = var._data.copy(order="K")  # keep the layout: BLAS results depend on it
    return var._data


def _on_device(var):
    return backend.device(str(var.device))
