"""``wb.keras.Layer``: a Module with lazy building, a ``call`` method and regularization losses.

A layer creates its weights in ``build(input_shape)``, which runs on the first
call, when the input shape is known; ``call(inputs, training=None, mask=None)``
computes the output. Calling a layer on a symbolic ``wb.keras.Input`` records the
call for a functional ``wb.keras.Model`` instead.

>>> class Scale(wb.keras.Layer):
...     def build(self, input_shape):
...         self.w = self.add_weight(name="w", shape=(input_shape[-1],), initializer="ones")
...     def call(self, inputs):
...         return inputs * self.w
>>> layer = Scale()
>>> layer(wb.ones([2, 3])).shape, layer.w.name, layer.w.path
(TensorShape([2, 3]), 'w', 'scale/w')
>>> layer
<Scale name=scale, built=True>
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import operator
import re
import warnings

import numpy as np

from ... import core, dtypes, nest
from ...core import Tensor, Variable, convert_to_tensor
from ...errors import OpError
from .. import constraints, dtype_policies, initializers, regularizers
from ..random import SeedGenerator
from ..variables import Variable as KerasVariable
from ...module import Module, _NameScope, _scope_stack, _snake_case
from ...ops.elementwise import cast
from ...sparse.sparse_tensor import SparseTensor

__all__ = ["InputSpec", "Layer"]

# The training flag of the enclosing layer calls (innermost last): a layer called
# with ``training=None`` inside a call that got ``training=True`` trains too.
_training_stack: list = []
_name_counts: dict = {}
_accepts_cache: dict = {}


def keras_snake_case(name: str) -> str:
    """Keras' ``to_snake_case``, which default layer names follow: ``Conv2DTranspose`` ->
    ``conv2d_transpose`` (a digit stays joined to the capital after it), ``BatchNormalization`` ->
    ``batch_normalization``."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def unique_layer_name(base: str) -> str:
    """Keras' naming: ``dense``, ``dense_1``, ``dense_2``…"""
    n = _name_counts.get(base, 0)
    _name_counts[base] = n + 1
    return base if n == 0 else f"{base}_{n}"


def current_training():
    return _training_stack[-1] if _training_stack else None


def is_symbolic(x) -> bool:
    return getattr(x, "_wb_symbolic", False)


def is_ragged(x) -> bool:
    return isinstance(x, core.CompositeTensor)


def shape_of(x):
    """The shape of a tensor-like leaf (None for non-tensors)."""
    shape = getattr(x, "shape", None)
    return tuple(shape) if shape is not None else None


class InputSpec:
    """What a layer accepts: ``ndim``/``min_ndim``/``max_ndim``, fixed sizes of some axes
    (``axes={-1: 8}``) and the dtype kind. Layers set ``self.input_spec`` in ``build``."""

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None, axes=None):
        self.dtype = None if dtype is None else np.dtype(dtype)
        self.shape = None if shape is None else tuple(shape)
        self.ndim = len(self.shape) if self.shape is not None else ndim
        self.max_ndim = max_ndim
        self.min_ndim = min_ndim
        self.axes = dict(axes or {})

    def __repr__(self):
        parts = [f"{k}={v!r}" for k, v in (("shape", self.shape), ("ndim", self.ndim),
                                           ("min_ndim", self.min_ndim), ("max_ndim", self.max_ndim),
                                           ("axes", self.axes or None)) if v is not None]
        return f"InputSpec({', '.join(parts)})"

    def check(self, shape, layer, index=0):
        """Raise ``ValueError`` naming the layer, the input's shape and what was expected."""
        rank = len(shape)
        if self.ndim is not None and rank != self.ndim:
            self._fail(shape, layer, index, f"the layer expects rank {self.ndim}")
        if self.min_ndim is not None and rank < self.min_ndim:
            self._fail(shape, layer, index, f"the layer expects rank >= {self.min_ndim}")
        if self.max_ndim is not None and rank > self.max_ndim:
            self._fail(shape, layer, index, f"the layer expects rank <= {self.max_ndim}")
        for axis, size in self.axes.items():
            got = shape[axis] if -rank <= axis < rank else None
            if size is not None and got is not None and got != size:
                self._fail(shape, layer, index, f"the layer expects size {size} in axis {axis}, got {got}")
        if self.shape is not None:
            for want, got in zip(self.shape, shape):
                if want is not None and got is not None and want != got:
                    self._fail(shape, layer, index, f"the layer expects shape {_fmt(self.shape)}")

    @staticmethod
    def _fail(shape, layer, index, expected):
        # the message is built only here: a layer checks its inputs at every call
        head = f"{type(layer).__name__} '{layer.name}': input {index} has shape {_fmt(shape)}"
        built = getattr(layer, "_build_input_shape", None)
        tail = "" if built is None else f" (the layer was built for input shape {_fmt(built)})"
        raise ValueError(f"{head}, but {expected}{tail}")


def _weight_shape(where, shape):
    """``shape`` of a new weight as a tuple of ints (None: a scalar)."""
    if shape is None:
        return ()
    try:
        dims = tuple(shape)
    except TypeError:
        raise ValueError(f"{where}: shape must be a tuple of ints, got {shape!r}") from None
    if any(d is None for d in dims):
        raise ValueError(f"{where}: shapes used to initialize variables must be fully-defined (no `None` "
                         f"dimensions), got shape={shape!r}")
    out = []
    for d in dims:
        try:
            out.append(operator.index(d))
        except TypeError:
            try:   # a 0-d integer tensor, a Dimension
                out.append(int(d))
            except (TypeError, ValueError):
                raise ValueError(f"{where}: shape must be a tuple of ints, got {shape!r}") from None
    return tuple(out)


def _fmt(shape):
    if shape is None:
        return "?"
    if isinstance(shape, list):
        return "[" + ", ".join(_fmt(s) for s in shape) + "]"
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def _shapes(x):
    """Shapes of a structure of tensors: a tuple for one tensor, a list for several."""
    if isinstance(x, (list, tuple, dict)):
        flat = [shape_of(v) for v in nest.flatten(x)]
        return flat[0] if len(flat) == 1 and not isinstance(x, dict) else flat
    return shape_of(x)


class Layer(Module):
    """Base class of layers (Keras' ``Layer`` on top of ``wb.Module``).

    Subclasses override ``build(input_shape)`` (create weights with
    :meth:`add_weight`) and ``call(inputs, training=None, mask=None)``.

    ``dtype``: the layer's dtype policy (``wb.keras.DTypePolicy``, its name such as
    ``"float64"`` or ``"mixed_float16"``, or a dtype); None takes the global policy
    (``"float32"`` unless ``keras.config.set_dtype_policy`` or
    ``keras.mixed_precision.set_global_policy`` set another). Weights are created in the
    policy's ``variable_dtype``; floating inputs (in every positional and keyword argument,
    nested too) are cast to its ``compute_dtype`` on the way in, as Keras 3's autocast does;
    integer and boolean inputs are left as they are. Under a mixed policy the layer's own
    floating weights (``autocast=True``, held in its attributes) read as the compute dtype
    inside ``call``, the cast being recorded, so gradients reach the float32 weights. Layers
    whose Keras 3 ops promote an integer or boolean input to their floating weights' dtype
    (``Dense``, the normalizations, the recurrent layers, ...) set ``_promote_int_inputs``:
    such inputs are cast to the compute dtype on the way in, where TF's ops would refuse the mix.
    """

    _MODULE_IGNORED = frozenset({"_weight_list", "_loss_fns", "_call_losses", "input_spec",
                                 "_last_output_shape", "_first_output_shape", "_symbolic_output_shape", "_build_input_shape",
                                 "_rng", "activity_regularizer", "_input_shape_arg", "_first_call",
                                 "_dtype_policy", "_compute_np", "_autocast_held"})
    _autocast = True
    _promote_int_inputs = False
    _built_at_init = False   # Keras 3's weightless layers (Dropout, pooling, ...) are built from __init__

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        build = cls.__dict__.get("build")
        if build is not None and not getattr(build, "_marks_built", False):
            cls.build = _marking_built(build)

    def __init__(self, trainable=True, name=None, dtype=None, activity_regularizer=None, autocast=True, **kwargs):
        self._input_shape_arg = _input_shape_kwargs(type(self).__name__, kwargs)
        if kwargs:
            raise TypeError(f"{type(self).__name__}: unexpected keyword argument(s) {sorted(kwargs)}")
        # Keras 3 keeps an empty name (`Model(name='')`); None gets a unique one
        super().__init__(name if name is not None else unique_layer_name(keras_snake_case(type(self).__name__)))
        if name == "":   # no scope of its own in its weights' paths ('dense/kernel')
            self._name = ""
            self._name_scope = _EmptyNameScope()
        self.trainable = bool(trainable)
        self.built = self._built_at_init
        self.dtype_policy = dtype
        if not autocast:   # Keras 3's switch: no input casting, no autocast reads of weights
            self._autocast = False
        self._weight_list = []      # (name, Variable) in creation order
        self._loss_fns = []         # regularization losses, evaluated when .losses is read
        self._call_losses = []      # losses added during the latest call
        self.input_spec = None
        self.supports_masking = False
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self._last_output_shape = None
        self._first_output_shape = None     # of the first call on real inputs (Keras 3's summary shape)
        self._symbolic_output_shape = None
        self._build_input_shape = None

    # -- dtype ----------------------------------------------------------------
    @property
    def dtype_policy(self):
        """The layer's ``wb.keras.DTypePolicy``."""
        return self.__dict__["_dtype_policy"]

    @dtype_policy.setter
    def dtype_policy(self, value):
        policy = dtype_policies.get(value)
        own = self.__dict__
        own["_dtype_policy"] = policy
        own["_compute_np"] = dtypes.np_dtype(policy.compute_dtype)

    @property
    def dtype(self):
        """The dtype of the layer's weights (the policy's ``variable_dtype``), as a NumPy dtype."""
        return dtypes.np_dtype(self.dtype_policy.variable_dtype)

    @property
    def compute_dtype(self) -> str:
        """The dtype of the layer's computations and outputs (the policy's), as Keras 3 names it."""
        return self.dtype_policy.compute_dtype

    @property
    def variable_dtype(self) -> str:
        """The dtype of the layer's weights (the policy's), as Keras 3 names it."""
        return self.dtype_policy.variable_dtype

    @property
    def input_dtype(self) -> str:
        """The dtype floating inputs are cast to: the compute dtype."""
        return self.compute_dtype

    @property
    def autocast(self) -> bool:
        """Whether floating inputs are cast to the compute dtype and, under a mixed policy,
        weights read in it inside ``call`` (Keras 3's ``autocast`` argument)."""
        return self._autocast

    @autocast.setter
    def autocast(self, value):
        self._autocast = bool(value)

    @property
    def _dtype(self):
        # the weights' NumPy dtype (the name that earlier code of this library used)
        return self.dtype

    @_dtype.setter
    def _dtype(self, value):
        self.dtype_policy = value

    # -- weights --------------------------------------------------------------
    def add_variable(self, *args, **kwargs):
        """Keras 3's ``Layer.add_variable`` (and tf_keras' deprecated alias): :meth:`add_weight`."""
        return self.add_weight(*args, **kwargs)

    def add_weight(self, *args, shape=None, initializer=None, dtype=None, trainable=True, autocast=True,
                   regularizer=None, constraint=None, aggregation="none", overwrite_with_gradient=False,
                   name=None):
        """Create a weight (a ``wb.keras.Variable``: its ``path`` is ``"<layers>/<layer>/<name>"``)
        and track it: Keras 3's ``Layer.add_weight``.

        ``shape``: a tuple of ints (default ``()``). ``initializer``: a name, an initializer or a
        callable ``(shape, dtype)`` (default glorot_uniform for floating weights, zeros otherwise).
        ``dtype``: default the layer's. ``regularizer``: its penalty joins :attr:`losses`
        (evaluated when read). ``constraint``: a ``wb.keras.constraints`` constraint, its name
        (``"non_neg"``) or a callable, applied to the weight after each optimizer update
        (``w.assign(constraint(w))``). ``aggregation`` and ``autocast`` are
        Keras 3's (see ``wb.keras.Variable``). ``overwrite_with_gradient``: an optimizer assigns
        the weight its gradient instead of updating it. ``name``: default ``'variable'``,
        ``'variable_1'``, … (Keras 3 allows two weights of one name).

        At most three positional arguments, in Keras 3's order ``(shape, initializer, dtype)``;
        the Keras 2 order ``(name, shape, dtype)`` (a string first) is accepted too (Keras 3.15
        refuses a positional name). A layer that is built takes no new weights: create them in
        ``__init__`` or ``build``, as Keras 3 requires.
        """
        where = f"{type(self).__name__} '{self.name}'.add_weight"
        if args:
            if len(args) > 3:
                raise TypeError(f"{where}: add_weight() takes at most 3 positional arguments but "
                                f"{len(args)} were given (shape, initializer, dtype)")
            order = ("name", "shape", "dtype") if isinstance(args[0], str) else ("shape", "initializer", "dtype")
            given = {"name": name, "shape": shape, "initializer": initializer, "dtype": dtype}
            for key, value in zip(order, args):
                if given[key] is not None:
                    raise ValueError(f"{where}: `{key}` was passed both positionally and as a keyword "
                                     "argument")
                given[key] = value
            name, shape, initializer, dtype = given["name"], given["shape"], given["initializer"], given["dtype"]
        if self.__dict__.get("_state_locked"):
            raise ValueError(f"{where}: You cannot add new elements of state (variables or sub-layers) to a "
                             "layer that is already built. All state must be created in the `__init__()` "
                             "method or in the `build()` method.")
        if name is not None and (not isinstance(name, str) or not name):
            raise ValueError(f"{where}: name must be a non-empty string, got {name!r}")
        shape = _weight_shape(where, shape)
        dtype = np.dtype(dtype) if dtype is not None else self.dtype
        if initializer is None:
            initializer = "glorot_uniform" if dtype.kind == "f" else "zeros"
        init = initializers.get(initializer)
        try:
            constraint = constraints.get(constraint)
        except ValueError as exc:
            raise ValueError(f"{where}: constraint must be a constraint (wb.keras.constraints), its name or a "
                             f"callable of the weight, got {constraint!r}") from exc
        # inside build/call the layer's own scope is active; otherwise enter it for the path
        scopes = [] if _scope_stack and _scope_stack[-1] == self.name else [self.name_scope]
        # a name with '/' ('dense_0/kernel') names a group in the path; the variable's name is the last part
        group, _, short = (name or "").rpartition("/")
        if group:
            scopes.append(_NameScope(group))
        with contextlib.ExitStack() as stack:
            for scope in scopes:
                stack.enter_context(scope)
            var = KerasVariable(init, shape=shape, dtype=dtype, trainable=trainable, autocast=autocast,
                                aggregation=aggregation, name=short or None)
        var.constraint = constraint
        var.overwrite_with_gradient = bool(overwrite_with_gradient)
        self._weight_list.append((name or var.name, var))
        reg = regularizers.get(regularizer)
        if reg is not None:
            var.regularizer = reg
            self._loss_fns.append(lambda: reg(var))
        return var

    def _own_entries(self):
        # Weights first, in creation order (Keras' order: kernel before bias), each under the
        # attribute that holds it (TF's checkpoint key: Keras 3's Dense keeps its kernel in
        # `_kernel`), else under its weight name; then the other attributes. A weight held under
        # another name is also reached by its weight name, so a checkpoint keyed that way (as
        # earlier versions wrote them: 'dense/kernel') still restores it.
        # The other attributes in the order they were set (Keras 3 tracks sublayers so: a
        # subclassed model's `layers` and `weights` follow its assignments in `__init__`).
        d = self.__dict__
        order = {k: i for i, k in enumerate(d)}
        rest = sorted(super()._own_entries(), key=lambda kv: order[kv[0]])
        if not self._weight_list:
            return rest
        weights, renamed, keys = [], [], set()
        names = [name for name, _ in self._weight_list]
        shared = set() if len(set(names)) == len(names) else {n for n in names if names.count(n) > 1}
        for name, var in self._weight_list:
            if d.get(name) is var:      # `self.bias = add_weight(name="bias", ...)`
                key = name
            elif d.get("_" + name) is var:      # Keras 3's `self._kernel`
                key = "_" + name
            else:
                key = next((k for k, v in rest if v is var), None)
                if key is None:   # held by no attribute: its name, numbered when taken (Keras 3
                    key, n = name, 0   # allows two weights of one name)
                    while key in keys:
                        n += 1
                        key = f"{name}_{n}"
            weights.append((key, var))
            keys.add(key)
            if key != name and name not in shared:
                renamed.append((name, var))
        return weights + [(k, v) for k, v in rest if k not in keys] + renamed

    def _resolve_restores(self):
        # a value waiting under a weight's name (a checkpoint keyed by 'kernel') goes to the
        # attribute that holds that weight now ('_kernel')
        pending = self.__dict__.get("_pending_restores")
        if pending:
            held = {id(v): k for k, v in vars(self).items() if isinstance(v, Variable)}
            for name, var in self._weight_list:
                key = held.get(id(var), name)
                if key != name and name in pending and key not in pending:
                    pending[key] = pending.pop(name)
        super()._resolve_restores()

    # Keras 3 counts a layer's state from its own weights (made by add_weight), its seed
    # generators' states and its sublayers' weights: a raw wb.Variable or wb.Module held in an
    # attribute is not among them (a wb.train.Checkpoint, which walks every attribute, still
    # saves it, as TF's does).
    def _keras_variables(self):
        """``(variable, trainable)`` for this layer's and its sublayers' weights and seed
        generator states, in the order the attribute walk meets them; ``trainable`` is False
        below a frozen layer."""
        entries = [(obj, t) for _, obj, t in self._walk()
                   if isinstance(obj, (Variable, Layer, SeedGenerator))]
        owned = {id(v) for _, v in self._weight_list}
        for obj, _ in entries:
            if isinstance(obj, Layer):
                owned.update(id(v) for _, v in obj._weight_list)
            elif isinstance(obj, SeedGenerator):
                owned.add(id(obj.state))
        return [(obj, t) for obj, t in entries if isinstance(obj, Variable) and id(obj) in owned]

    @property
    def variables(self) -> list:
        """The weights of this layer and its sublayers (made by :meth:`add_weight`) and the
        states of their seed generators (``wb.keras.random.SeedGenerator``), each once. A
        ``wb.Variable`` assigned to an attribute is not a weight, as in Keras 3."""
        return [v for v, _ in self._keras_variables()]

    @property
    def trainable_variables(self) -> list:
        """The trainable weights whose enclosing layers are all trainable."""
        return [v for v, t in self._keras_variables() if t and v.trainable]

    @property
    def non_trainable_variables(self) -> list:
        return [v for v, t in self._keras_variables() if not (t and v.trainable)]

    @property
    def weights(self):
        return self.variables

    @property
    def trainable_weights(self):
        return self.trainable_variables

    @property
    def non_trainable_weights(self):
        return self.non_trainable_variables

    def get_weights(self):
        """The weights' values as NumPy arrays, in :attr:`weights` order."""
        return [v.numpy() for v in self.variables]

    def set_weights(self, weights):
        """Assign NumPy arrays (in :attr:`weights` order) to the weights."""
        own = self.variables
        weights = list(weights)
        if len(weights) != len(own):
            raise ValueError(f"{type(self).__name__} '{self.name}'.set_weights: got {len(weights)} "
                             f"arrays for {len(own)} weights")
        for v, w in zip(own, weights):
            w = np.asarray(w)
            if tuple(w.shape) != tuple(v.shape):
                raise ValueError(f"{type(self).__name__} '{self.name}'.set_weights: weight '{v.name}' has "
                                 f"shape {v.shape}, got an array of shape {w.shape}")
            v.assign(w.astype(v.dtype))

    # -- weights files (Keras 3's per-layer hooks, used by wb.keras.saving) ----------
    def _own_file_weights(self):
        """This layer's own weights (not its sublayers'), in Keras' file order: the ones created
        trainable first, then the rest, each in creation order."""
        own = [v for _, v in self._weight_list]
        return [v for v in own if v.trainable] + [v for v in own if not v.trainable]

    def save_own_variables(self, store):
        """Write this layer's own weights into ``store`` under the keys ``"0"``, ``"1"``, …"""
        for i, var in enumerate(self._own_file_weights()):
            store[str(i)] = var.numpy()

    def load_own_variables(self, store):
        """Assign the arrays :meth:`save_own_variables` wrote. Raises ``ValueError`` naming the
        layer when the number of arrays or a shape differs (nothing is assigned then)."""
        own = self._own_file_weights()
        if len(store) != len(own):
            raise ValueError(f"{type(self).__name__} '{self.name}' has {len(own)} weights "
                             f"{[v.name for v in own]}, but the file holds {len(store)} for it")
        values = [np.asarray(store[str(i)]) for i in range(len(own))]
        for var, value in zip(own, values):
            if tuple(value.shape) != tuple(var.shape):
                raise ValueError(f"{type(self).__name__} '{self.name}': weight '{var.name}' has shape "
                                 f"{tuple(var.shape)}, the file holds shape {tuple(value.shape)}")
        for var, value in zip(own, values):
            var.assign(value.astype(var.dtype))

    # -- losses ---------------------------------------------------------------
    def add_loss(self, loss):
        """Add a loss: a tensor (kept until the next call) or a zero-argument callable
        (evaluated each time :attr:`losses` is read)."""
        if callable(loss) and not isinstance(loss, Tensor):
            self._loss_fns.append(loss)
        else:
            self._call_losses.append(loss)

    @property
    def losses(self) -> list:
        """Losses of this layer and every layer below it: those added in the latest call and
        the weight regularization penalties (computed now, so a tape records them)."""
        out = []
        for layer in [self] + [m for m in self.submodules if isinstance(m, Layer)]:
            out.extend(layer._call_losses)
            out.extend(fn() for fn in layer._loss_fns)
        return out

    # -- configuration --------------------------------------------------------
    def get_config(self) -> dict:
        """The constructor arguments that rebuild this layer, JSON-ready (Keras' ``get_config``):
        initializers, regularizers and activations appear in their serialized forms.
        ``type(layer).from_config(config)`` makes a new layer with fresh weights.

        A subclass whose ``__init__`` takes arguments of its own must override this
        (calling ``super().get_config()`` and adding them), as in Keras.
        """
        _require_own_get_config(self, Layer)
        config = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype_policy.name}
        if self.activity_regularizer is not None:
            config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        return config

    @classmethod
    def from_config(cls, config):
        """A new layer from :meth:`get_config`'s output (serialized initializers and
        regularizers are accepted by the constructors)."""
        return cls(**config)

    # -- calling --------------------------------------------------------------
    # -- the layer's first call in a functional graph (Keras' layer.input / layer.output) --------
    def _first_call_tensors(self, which):
        node = self.__dict__.get("_first_call")
        if node is None:
            raise AttributeError(f"Layer '{self.name}' has never been called on symbolic inputs (wb.keras.Input), "
                                 f"so it has no {which}")
        values = [x for x in nest.flatten(node.outputs if which == "output" else node.inputs) if x is not None]
        return values[0] if len(values) == 1 else values

    @property
    def input(self):
        """The symbolic input(s) of the layer's first call in a functional graph."""
        return self._first_call_tensors("input")

    @property
    def output(self):
        """The symbolic output(s) of the layer's first call in a functional graph."""
        return self._first_call_tensors("output")

    def build(self, input_shape):
        """Create weights for inputs of ``input_shape`` (a tuple, a list of them for several
        inputs). Called once, before the first ``call``; the layer is ``built`` afterwards and
        takes no new weights (Keras 3's rule)."""
        self.built = True

    def call(self, inputs, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must implement call(inputs, ...)")

    def compute_mask(self, inputs, mask=None):
        """The mask of the output: layers that support masking pass the input's mask on."""
        return mask if self.supports_masking else None

    def _call_accepts(self, arg):
        key = (type(self), arg)
        hit = _accepts_cache.get(key)
        if hit is None:
            params = inspect.signature(self.call).parameters
            hit = arg in params or any(p.kind == p.VAR_KEYWORD for p in params.values())
            _accepts_cache[key] = hit
        return hit

    def _maybe_build(self, inputs):
        if self.built:
            return
        shape = _shapes(inputs)
        self._build_input_shape = shape
        with self.name_scope:
            self.build(shape)
        self.built = True
        self.__dict__["_state_locked"] = True   # Keras 3: a built layer takes no new weights

    def _check_inputs(self, inputs):
        spec = self.input_spec
        if spec is None:
            return
        if type(inputs) is Tensor and type(spec) is InputSpec:   # one tensor, one spec: no walk
            spec.check(inputs._data.shape, self, 0)
            return
        specs = spec if isinstance(spec, (list, tuple)) else [spec]
        leaves = nest.flatten(inputs)
        for i, (s, x) in enumerate(zip(specs, leaves)):
            shape = shape_of(x)
            if s is not None and shape is not None:
                s.check(shape, self, i)

    def _autocasts(self):
        return self._autocast and self._compute_np.kind in "fV"   # V: ml_dtypes' bfloat16

    def _cast_inputs(self, x):
        if not self._autocasts():
            return x
        return nest.map_structure(self._cast_leaf, x) if isinstance(x, (list, tuple, dict)) else self._cast_leaf(x)

    def _casts(self, dtype):
        """Whether an input of ``dtype`` is cast to the compute dtype: a floating one of another
        width, and an integer or boolean one where the layer promotes them."""
        kind = dtype.kind
        if kind == "f" or kind == "V":   # V: ml_dtypes' bfloat16
            return dtype != self._compute_np
        return self._promote_int_inputs and kind in "iub"

    def _cast_leaf(self, x):
        compute = self._compute_np
        if isinstance(x, Tensor):
            return cast(x, compute) if self._casts(x._data.dtype) else x
        if isinstance(x, SparseTensor):
            return x.with_values(cast(x.values, compute)) if self._casts(x.dtype) else x
        if is_ragged(x):
            if self._casts(x.dtype):
                return x.with_flat_values(cast(x.flat_values, compute))
            return x
        if isinstance(x, (np.ndarray, float, list)) or type(x).__module__.startswith("cupy"):
            t = convert_to_tensor(x)
            return self._cast_leaf(t)
        return x

    def _cast_floating(self, x):
        """A floating tensor or NumPy array of a keyword argument in the compute dtype; anything
        else as it is (Keras 3 converts only arrays and tensors there)."""
        if isinstance(x, np.ndarray) and x.dtype.kind == "f":
            x = convert_to_tensor(x)
        if isinstance(x, Tensor) and x._data.dtype.kind in "fV" and x._data.dtype != self._compute_np:
            return cast(x, self._compute_np)
        return x

    def __call__(self, *args, **kwargs):
        # tensors as the positional arguments and flags (or None) as the keyword ones: the
        # common call, which needs no walk of argument structures
        plain = _plain_call(args, kwargs)
        if not plain and _any_symbolic(args, kwargs):
            from ..functional import symbolic_call  # circular import with functional
            return symbolic_call(self, args, kwargs)
        if not args:
            if not kwargs:
                raise TypeError(f"{type(self).__name__} '{self.name}' was called without inputs")
            first = next(iter(kwargs))
            args, plain = (kwargs.pop(first),), False
        if not plain:
            args = tuple(self._cast_inputs(a) for a in args)
            if kwargs and self._autocasts():   # Keras 3 casts floating keyword tensors too
                kwargs = {k: nest.map_structure(self._cast_floating, v) if isinstance(v, (list, tuple, dict))
                          else self._cast_floating(v) for k, v in kwargs.items()}
        elif self._autocasts():   # _cast_inputs, for tensors
            dtype, casts = self._compute_np, self._casts
            args = tuple(cast(a, dtype) if casts(a._data.dtype) else a for a in args)
        inputs = args[0]
        training = kwargs.pop("training", None)
        if training is None:
            training = current_training()
        if self._call_accepts("training"):
            kwargs["training"] = training
        if "mask" in kwargs and not self._call_accepts("mask"):
            kwargs.pop("mask")
        if not self.built:
            self._maybe_build(inputs)
        self._check_inputs(inputs)
        own = self.__dict__   # bookkeeping attributes that Module.__setattr__ would only pass on
        own["_call_losses"] = []
        _training_stack.append(training)
        try:
            with self.name_scope:
                scope = _autocast_scope_of(self)
                if scope is _KEEP:
                    outputs = self.call(*args, **kwargs)
                else:
                    with _autocast_reads(self, scope):
                        outputs = self.call(*args, **kwargs)
        except Exception as e:
            if _stand_in_calls and _stand_in_calls[-1] is self:
                raise   # a call on symbolic inputs: functional.symbolic_call says what failed
            wrapped = _with_call_arguments(self, e, args, kwargs)
            if wrapped is e:
                raise
            raise wrapped.with_traceback(e.__traceback__) from None
        finally:
            _training_stack.pop()
        if self.activity_regularizer is not None:
            for out in nest.flatten(outputs):
                if isinstance(out, Tensor):
                    batch = cast(convert_to_tensor(out.shape[0] if out.ndim else 1), out.dtype)
                    self._call_losses.append(self.activity_regularizer(out) / batch)
        own["_last_output_shape"] = outputs._data.shape if type(outputs) is Tensor else _shapes(outputs)
        if own.get("_first_output_shape") is None and not _stand_in_calls:
            shape = own["_last_output_shape"]
            if _batch_free_first_calls:   # fit's first step stands for Keras 3's symbolic build
                shape = _shapes_batch_free(shape)
            own["_first_output_shape"] = shape
        return outputs

    def _summary_output_shape(self):
        # Keras 3 shows the shape its build saw: the first call's, batch size included, when
        # that call was on real inputs; None for the batch axis after symbolic ones
        if self._symbolic_output_shape is not None:
            return self._symbolic_output_shape
        first = self.__dict__.get("_first_output_shape")
        if first is not None:
            return [None if s is None else tuple(s) for s in first] if isinstance(first, list) else tuple(first)
        shape = self._last_output_shape
        if shape is None:
            return None
        if isinstance(shape, list):
            return [None if s is None else (None,) + tuple(s[1:]) for s in shape]
        return (None,) + tuple(shape[1:]) if shape else shape

    @property
    def name(self) -> str:
        name = self.__dict__.get("_name")
        return name if name is not None else super().name

    def __repr__(self):
        # Keras 3's: <Dense name=dense, built=False>
        return f"<{type(self).__name__} name={self.name}, built={bool(self.built)}>"


# while fit's first step builds a model (Keras 3 builds it on symbolic inputs there), the
# layers called for the first time keep their output shapes with the batch axis unknown
_batch_free_first_calls: list = []


@contextlib.contextmanager
def batch_free_first_calls(on=True):
    """Inside, a layer's first call records its output shape (for ``summary``) with the batch
    axis ``None``, as Keras 3's symbolic build of a model before training does."""
    if not on:
        yield
        return
    _batch_free_first_calls.append(True)
    try:
        yield
    finally:
        _batch_free_first_calls.pop()


def _shapes_batch_free(shape):
    if isinstance(shape, list):
        return [None if s is None else ((None,) + tuple(s[1:]) if len(s) else tuple(s)) for s in shape]
    return (None,) + tuple(shape[1:]) if len(shape) else tuple(shape)


# -- Keras 3's account of a failed call -----------------------------------------------------

# set on an exception once a layer's call has added its arguments to the message: the layer
# that raised it (the innermost one) speaks, the layers around it pass it on as it is
_CALL_INFO_ADDED = "_keras_call_info_injected"
# the layers whose call runs on stand-ins for symbolic inputs now (innermost last)
_stand_in_calls: list = []


def _with_call_arguments(layer, error, args, kwargs):
    """``error`` raised inside ``layer.call(*args, **kwargs)``, as Keras 3 re-raises it: an
    exception of the same class whose message is ::

        Exception encountered when calling <Class>.call().

        <the original message, in bold>

        Arguments received by <Class>.call():
          • <parameter>=<value>
          ...

    (one line per parameter of ``call``, tensors as ``wb.Tensor(shape=..., dtype=...)``).
    An exception that already carries this (raised by a nested layer) or whose arguments do not
    bind to ``call``'s signature comes back unchanged. A class that cannot be made from one
    message becomes ``RuntimeError``, as in Keras. The other attributes of the original are
    copied over, and it stays reachable as ``__context__``."""
    if getattr(error, _CALL_INFO_ADDED, False):
        return error
    try:
        signature = inspect.signature(layer.call)
        bound = signature.bind(*args, **kwargs).arguments
    except (TypeError, ValueError):
        return error
    lines = []
    for param in signature.parameters.values():
        if param.name in bound:
            value = _argument_text(bound[param.name])
        else:
            value = param.default   # Keras prints an unbound parameter's default with str()
        lines.append(f"  \u2022 {param.name}={value}")
    if not lines:
        return error
    return _call_error(layer, error, lines)


def symbolic_call_error(layer, error, args, kwargs):
    """``error`` raised while ``layer`` was called on symbolic inputs (``args``, ``kwargs``), as
    Keras 3 reports a call whose output it could not infer: the message above says the output
    shape / dtype could not be inferred and holds the original one; the arguments are listed as
    ``args=(...)`` and ``kwargs={...}``."""
    if getattr(error, _CALL_INFO_ADDED, False):
        return error
    name = type(layer).__name__
    text = (f"Could not automatically infer the output shape / dtype of '{layer.name}' (of type {name}). "
            f"Either the `{name}.call()` method is incorrect, or you need to implement the "
            f"`{name}.compute_output_spec() / compute_output_shape()` method. Error encountered:\n\n{error}")
    inner = _remade(error, text)
    lines = [f"  \u2022 args={tuple(_argument_text(a) for a in args)}",
             f"  \u2022 kwargs={ {k: _argument_text(v) for k, v in kwargs.items()} }"]
    return _call_error(layer, inner, lines, copy_from=error)


def _call_error(layer, error, lines, copy_from=None):
    """Keras 3's message around ``error``'s, ``lines`` listing the arguments; the attributes of
    ``copy_from`` (default ``error``) are carried over to the new exception."""
    if isinstance(error, OpError):
        original = error.message
    elif error.args:
        original = error.args[0]
    else:
        original = ""
    where = f"{type(layer).__name__}.call()"
    message = (f"Exception encountered when calling {where}.\n\n\x1b[1m{original}\x1b[0m\n\n"
               f"Arguments received by {where}:\n" + "\n".join(lines))
    new = _remade(error, message)
    error = error if copy_from is None else copy_from
    if type(new) is type(error):
        for key, value in vars(error).items():
            if key not in ("_message", "_node_def", "_op") and not key.startswith("__"):
                try:
                    setattr(new, key, value)
                except AttributeError:
                    pass
    setattr(new, _CALL_INFO_ADDED, True)
    return new


def _remade(error, message):
    """An exception of ``error``'s class with ``message`` (``RuntimeError`` for a class that
    cannot be made from one message, as in Keras)."""
    try:
        if isinstance(error, OpError):
            return type(error)(error.node_def, error.op, message, error.error_code)
        return type(error)(message)
    except Exception:  # a class with its own constructor arguments
        return RuntimeError(message)


def _argument_text(value):
    """A call argument as Keras 3 shows it: a tensor by its shape and dtype, anything else by
    ``repr``; lists, tuples and dicts keep their structure, holding those texts."""
    if isinstance(value, (list, tuple)) and not _tensor_like(value):
        items = [_argument_text(v) for v in value]
        return items if isinstance(value, list) else tuple(items)
    if isinstance(value, dict):
        return {k: _argument_text(v) for k, v in value.items()}
    if _tensor_like(value):
        return f"wb.Tensor(shape={tuple(value.shape)}, dtype={np.dtype(value.dtype).name})"
    return repr(value)


def _tensor_like(value):
    return isinstance(value, (Tensor, Variable, SparseTensor)) or is_ragged(value)


class _EmptyNameScope(_NameScope):
    """The name scope of a layer named ``''``: it adds nothing to the paths below it."""

    def __init__(self):
        super().__init__("")

    def __enter__(self):
        _scope_stack.append("")
        self._prev.append(core.name_scope_prefix())
        return self._prev[-1]


_BASE_INIT_ARGS = {"self", "trainable", "name", "dtype", "activity_regularizer", "autocast"}


def _marking_built(build):
    """``build`` as Keras 3 runs it: in the layer's name scope, and ``built`` afterwards, so a
    layer built by calling ``layer.build(shape)`` is not built again by its first call."""
    @functools.wraps(build)
    def wrapper(self, *args, **kwargs):
        if _scope_stack and _scope_stack[-1] == self.name:
            build(self, *args, **kwargs)
        else:
            with self.name_scope:
                build(self, *args, **kwargs)
        if self._build_input_shape is None and args:
            self._build_input_shape = args[0]
        self.built = True
        self.__dict__["_state_locked"] = True   # Keras 3: a built layer takes no new weights
    wrapper._marks_built = True
    return wrapper


def _input_shape_kwargs(where, kwargs):
    """Keras' ``input_shape`` / ``input_dim`` / ``batch_input_shape`` arguments, popped from
    ``kwargs``: the batch shape ``(None, ...)`` they give, or None. As the first layer of a
    ``Sequential`` they stand for an ``Input`` (with Keras' warning to use one instead)."""
    given = [k for k in ("input_shape", "input_dim", "batch_input_shape") if kwargs.get(k) is not None]
    for k in ("input_shape", "input_dim", "batch_input_shape"):
        if k in kwargs and kwargs[k] is None:
            del kwargs[k]
    if not given:
        return None
    if len(given) > 1:
        raise ValueError(f"{where}: give only one of input_shape, input_dim and batch_input_shape, got {given}")
    key = given[0]
    value = kwargs.pop(key)
    if key == "input_dim":
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{where}: input_dim must be a positive integer, got {value!r}")
        shape = (None, int(value))
    else:
        if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
            value = (value,)
        if not isinstance(value, (tuple, list)) or not all(
                d is None or (isinstance(d, (int, np.integer)) and not isinstance(d, bool) and d >= 0)
                for d in value):
            raise ValueError(f"{where}: {key} must be a tuple of sizes (None for any size), got {value!r}")
        dims = tuple(None if d is None else int(d) for d in value)
        if key == "batch_input_shape" and not dims:
            raise ValueError(f"{where}: batch_input_shape must include the batch dimension, got {value!r}")
        shape = dims if key == "batch_input_shape" else (None,) + dims
    if key != "batch_input_shape":
        warnings.warn("Do not pass an `input_shape`/`input_dim` argument to a layer. When using Sequential "
                      "models, prefer using an `Input(shape)` object as the first layer in the model "
                      "instead.", UserWarning, stacklevel=4)
    return shape


def _require_own_get_config(layer, base):
    """Keras' rule: the base ``get_config`` cannot know a subclass's own ``__init__`` arguments."""
    cls = type(layer)
    if cls.get_config is not base.get_config or cls.__init__ is base.__init__:
        return
    params = inspect.signature(cls.__init__).parameters.values()
    own = [p.name for p in params if p.name not in _BASE_INIT_ARGS
           and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    if own:
        raise NotImplementedError(f"{cls.__name__} '{layer.name}' takes the argument(s) {own} in __init__, "
                                  "so it must override get_config() (return super().get_config() plus them)")


# -- Keras' autocast scope ------------------------------------------------------------------
# The dtypes that the enclosing layer calls read autocast weights in (innermost last; None: as
# they are). Keras 3 opens such a scope for a mixed-policy layer's call; inside it, every
# floating weight made with autocast=True (its own or a sublayer's) reads as the compute dtype,
# and a sublayer called there opens a scope of its own compute dtype.
_autocast_stack: list = []
_KEEP = object()


def _autocast_scope_of(layer):
    """The dtype that ``layer``'s call reads autocast weights in (None: as they are), or
    ``_KEEP`` when its call leaves the reads as they are (Keras 3's rule)."""
    policy = layer.__dict__["_dtype_policy"]
    compute = layer._compute_np
    if _autocast_stack:   # (the same dtype again too: a sublayer built inside the scope joins it)
        if not layer._autocast or compute.kind != "f":
            return None
        return compute
    if policy.is_mixed and layer._autocast:
        return compute
    return _KEEP


def _held_weights(layer):
    """``(attribute, variable)`` for the layer's own autocast floating weights that its
    attributes hold (cached once the layer is built)."""
    own = layer.__dict__
    held = own.get("_autocast_held")
    if held is not None:
        return held
    weights = {id(v): v for _, v in layer._weight_list
               if isinstance(v, KerasVariable) and v.autocast and v.dtype.kind == "f"}
    held = [(k, weights[id(v)]) for k, v in own.items() if id(v) in weights] if weights else []
    if layer.built:
        own["_autocast_held"] = held
    return held


@contextlib.contextmanager
def _autocast_reads(layer, dtype):
    """Inside ``layer``'s call: the autocast weights of ``layer`` and its sublayers read as
    ``dtype`` (None: as they are), as Keras' AutoCastVariable does. The attributes that hold
    them hold the cast value meanwhile; the cast is an op, so tapes see the read and the
    gradient reaches the variable in its own dtype. A weight held only inside a list or dict
    is not cast."""
    saved = []
    for each in [layer] + [m for m in layer.submodules if isinstance(m, Layer)]:
        own = each.__dict__
        for key, var in _held_weights(each):
            current = own.get(key)
            want = var if dtype is None or var._data.dtype == dtype else cast(var, dtype)
            saved.append((own, key, current))
            own[key] = want
    _autocast_stack.append(dtype)
    try:
        yield
    finally:
        _autocast_stack.pop()
        for own, key, value in reversed(saved):
            own[key] = value


def _plain_call(args, kwargs):
    """Whether a call's positional arguments are all plain tensors (not variables, symbolic
    tensors or structures) and its keyword arguments all None or bools."""
    for a in args:
        if type(a) is not Tensor:
            return False
    for v in kwargs.values():
        if v is not None and type(v) is not bool:
            return False
    return True


def _any_symbolic(args, kwargs):
    for leaf in nest.flatten(list(args)) + nest.flatten(dict(kwargs)):
        if is_symbolic(leaf):
            return True
    return False

