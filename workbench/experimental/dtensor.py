"""``wb.experimental.dtensor``: TF's DTensor API in one process (``tf.experimental.dtensor``).

A ``Mesh`` names the devices (logical CPUs from ``wb.config.set_logical_device_configuration``,
or GPUs) as a grid of named dimensions; a ``Layout`` says, per tensor dimension, which mesh
dimension shards it (or ``UNSHARDED``). ``pack`` puts one component per device together into a
DTensor, ``unpack`` takes it apart again, ``call_with_layout`` and ``relayout`` give a tensor a
layout, and ``DVariable`` is a variable that keeps its layout.

>>> mesh = dtensor.create_mesh([("batch", 2)], devices=["CPU:0", "CPU:1"])           # doctest: +SKIP
>>> x = dtensor.pack([wb.ones([1, 3]), wb.zeros([1, 3])], dtensor.Layout(["batch", dtensor.UNSHARDED], mesh))
>>> dtensor.unpack(x)[1]                                                                 # doctest: +SKIP

Differences from TF, by design: a DTensor here holds the global value (what DTensor's SPMD
programs compute is the global computation), with its layout recorded beside it; ops run on
that value on one device, and their results take the layout TF's expansion would give in the
common cases (products, transposes, elementwise ops; other results replicated). Components
from ``unpack`` live on the one CPU (TF's report their logical device), a DTensor mixes with
plain tensors of any size (TF asks for ``copy_to_mesh`` first), and inside a ``wb.function``
arguments are traced as plain tensors.
"""

from __future__ import annotations

import contextlib
import threading
import weakref

import numpy as np

from .. import backend, config, core, errors

__all__ = ["UNSHARDED", "MATCH", "Mesh", "Layout", "create_mesh", "call_with_layout", "pack", "unpack",
           "relayout", "copy_to_mesh", "fetch_layout", "is_dtensor", "DVariable", "num_clients", "client_id",
           "local_devices", "num_global_devices", "num_local_devices", "default_mesh"]

UNSHARDED = "unsharded"
MATCH = "match"
_JOB = "/job:localhost/replica:0/task:0"


class Mesh:
    """Devices as a grid of named dimensions (TF's ``dtensor.Mesh``), all local here."""

    def __init__(self, dim_names, global_device_ids, local_device_ids, local_devices, mesh_name="",
                 global_devices=None, use_xla_spmd=False):
        self._dim_names = [str(n) for n in dim_names]
        ids = np.asarray(global_device_ids)
        if ids.ndim != len(self._dim_names):
            raise ValueError(f"Mesh: global_device_ids must have one axis per mesh dimension "
                             f"({len(self._dim_names)}), got shape {ids.shape}")
        if len(set(self._dim_names)) != len(self._dim_names) or UNSHARDED in self._dim_names \
                or MATCH in self._dim_names:
            raise ValueError(f"Mesh: dim_names must be distinct and not '{UNSHARDED}' or '{MATCH}', "
                             f"got {self._dim_names}")
        self._shape = [int(d) for d in ids.shape]
        self._global_ids = ids
        self._local_ids = [int(i) for i in local_device_ids]
        self._local_devices = [_full_name(d) for d in local_devices]
        if len(self._local_ids) != len(self._local_devices):
            raise ValueError(f"Mesh: {len(self._local_ids)} local_device_ids for {len(self._local_devices)} "
                             "local_devices")
        self._name = mesh_name
        self._use_xla_spmd = bool(use_xla_spmd)

    @property
    def dim_names(self):
        return list(self._dim_names)

    @property
    def name(self):
        return self._name

    @property
    def size(self):
        return int(np.prod(self._shape, dtype=np.int64))

    def shape(self):
        return list(self._shape)

    def dim_size(self, dim_name):
        if dim_name not in self._dim_names:
            raise ValueError(f"Mesh: no dimension {dim_name!r} (dimensions {self._dim_names})")
        return self._shape[self._dim_names.index(dim_name)]

    def local_devices(self):
        return list(self._local_devices)

    def local_device_ids(self):
        return list(self._local_ids)

    def global_device_ids(self):
        return self._global_ids.copy()

    def num_local_devices(self):
        return len(self._local_devices)

    def device_type(self):
        return self._local_devices[0].rsplit(":", 2)[-2] if self._local_devices else "CPU"

    def use_xla_spmd(self):
        return self._use_xla_spmd

    def local_device_locations(self):
        """Each local device's place in the grid, ``{dimension name: index}``, in device order."""
        out = []
        for device_id in self._local_ids:
            where = np.argwhere(self._global_ids == device_id)[0]
            out.append({n: int(i) for n, i in zip(self._dim_names, where)})
        return out

    def to_string(self):
        dims = ",".join(f"{n}={s}" for n, s in zip(self._dim_names, self._shape))
        ids = ",".join(str(int(i)) for i in self._global_ids.reshape(-1))
        local = ",".join(str(i) for i in self._local_ids)
        return f"{self._name}|{dims}|{ids}|{local}|{','.join(self._local_devices)}"

    def __eq__(self, other):
        return isinstance(other, Mesh) and self.to_string() == other.to_string()

    def __hash__(self):
        return hash(self.to_string())

    def __repr__(self):
        return f"Mesh.from_string({self.to_string()})"


def _full_name(device):
    name = str(getattr(device, "name", device))
    if name.startswith("/job:"):
        return name
    name = name.lstrip("/")
    if name.startswith("device:"):
        name = name[len("device:"):]
    kind, _, index = name.rpartition(":")
    if not kind or not index.isdigit():
        raise ValueError(f"create_mesh: a device must be named like 'CPU:0' or '/device:GPU:1', got {device!r}")
    return f"{_JOB}/device:{kind.upper()}:{int(index)}"


def create_mesh(mesh_dims=None, mesh_name="", devices=None, device_type=None, use_xla_spmd=False):
    """A mesh of the local devices (TF's ``dtensor.create_mesh``): ``mesh_dims`` a list of
    ``(name, size)`` pairs or a dict (default one dimension ``'x'`` over every device);
    ``devices`` their names (``'CPU:0'``, ...), by default the logical devices of
    ``device_type`` (``'CPU'`` unless a GPU is there)."""
    if devices is None:
        if device_type is None:
            device_type = "GPU" if config.list_logical_devices("GPU") else "CPU"
        devices = [d.name for d in config.list_logical_devices(device_type.upper())]
    devices = [_full_name(d) for d in devices]
    if mesh_dims is None:
        mesh_dims = [("x", len(devices))]
    if isinstance(mesh_dims, dict):
        mesh_dims = list(mesh_dims.items())
    try:
        names, sizes = zip(*[(str(n), int(s)) for n, s in mesh_dims]) if mesh_dims else ((), ())
    except (TypeError, ValueError):
        raise ValueError(f"create_mesh: mesh_dims must be (name, size) pairs, got {mesh_dims!r}") from None
    if int(np.prod(sizes, dtype=np.int64)) != len(devices):
        raise ValueError(f"create_mesh: the mesh {dict(zip(names, sizes))} has {int(np.prod(sizes))} places for "
                         f"{len(devices)} devices")
    kinds = {d.rsplit(":", 2)[-2] for d in devices}
    if len(kinds) > 1:
        raise ValueError(f"create_mesh: devices must be of one type, got {sorted(kinds)}")
    ids = np.arange(len(devices)).reshape(sizes)
    return Mesh(names, ids, list(range(len(devices))), devices, mesh_name, use_xla_spmd=use_xla_spmd)


class Layout:
    """How a tensor's dimensions are split over a mesh (TF's ``dtensor.Layout``): one sharding
    spec per dimension, a mesh dimension's name or ``UNSHARDED``."""

    def __init__(self, sharding_specs, mesh):
        if not isinstance(mesh, Mesh):
            raise ValueError(f"Layout: mesh must be a dtensor.Mesh, got {type(mesh).__name__}")
        specs = [str(s) for s in sharding_specs]
        used = [s for s in specs if s != UNSHARDED]
        for s in used:
            if s not in mesh.dim_names:
                raise ValueError(f"Layout: sharding spec {s!r} is not a dimension of the mesh "
                                 f"({mesh.dim_names}) nor '{UNSHARDED}'")
        if len(set(used)) != len(used):
            raise ValueError(f"Layout: a mesh dimension shards at most one tensor dimension, got {specs}")
        self._specs, self._mesh = specs, mesh

    @classmethod
    def replicated(cls, mesh, rank):
        return cls([UNSHARDED] * rank, mesh)

    @classmethod
    def batch_sharded(cls, mesh, batch_dim, rank, axis=0):
        specs = [UNSHARDED] * rank
        specs[axis] = batch_dim
        return cls(specs, mesh)

    @property
    def sharding_specs(self):
        return list(self._specs)

    @property
    def mesh(self):
        return self._mesh

    @property
    def rank(self):
        return len(self._specs)

    @property
    def shape(self):
        """The mesh's shape, as TF's ``Layout.shape`` gives it."""
        return self._mesh.shape()

    def num_shards(self, idx):
        spec = self._specs[idx]
        return 1 if spec == UNSHARDED else self._mesh.dim_size(spec)

    def is_fully_replicated(self):
        return all(s == UNSHARDED for s in self._specs)

    def delete(self, dims):
        """The layout without the tensor dimensions ``dims``."""
        dims = {d % self.rank if self.rank else d for d in dims}
        return Layout([s for i, s in enumerate(self._specs) if i not in dims], self._mesh)

    def to_string(self):
        return f"sharding_specs:{','.join(self._specs)}, mesh:{self._mesh.to_string()}"

    def __eq__(self, other):
        return isinstance(other, Layout) and self._specs == other._specs and self._mesh == other._mesh

    def __hash__(self):
        return hash((tuple(self._specs), self._mesh))

    def __repr__(self):
        return f"Layout.from_string({self.to_string()})"


# id(tensor) -> (weak reference to it, its layout): tensors have fixed slots, the layout sits beside them
_LAYOUTS: dict = {}


class DTensor(core.Tensor):
    """What ``pack``, ``relayout``, ``copy_to_mesh`` and ``call_with_layout`` return: the global
    value with its layout. It prints as TF's DTensor (the value when replicated, else each
    device's component), and ``numpy()`` of a sharded one is TF's UnimplementedError (``unpack``
    gives its components)."""

    __slots__ = ()

    def _layout_text(self):
        layout = fetch_layout(self)
        return "" if layout is None else f'layout="{layout.to_string()}", '

    def __str__(self):
        layout = fetch_layout(self)
        if layout is None or layout.is_fully_replicated():
            text = core.Tensor.__str__(self)
            at = text.rindex(", shape=")
            return text[:at + 2] + self._layout_text() + text[at + 2:]
        names = [d.rsplit("device:", 1)[-1] for d in layout.mesh.local_devices()]
        parts = ", ".join(f'"{n}": {np.asarray(core.to_array(c))}' for n, c in zip(names, unpack(self)))
        return f"wb.Tensor({{{parts}}}, {self._layout_text()}shape={self.shape}, dtype={self.dtype.name})"

    __repr__ = __str__

    def numpy(self):
        layout = fetch_layout(self)
        if layout is not None and not layout.is_fully_replicated():
            raise errors.UnimplementedError(None, None, "DTensor: numpy() of a sharded DTensor (layout "
                                            f"{layout.to_string()}); unpack it, or relayout it to a "
                                            "replicated layout first")
        return core.Tensor.numpy(self)


def _dtensor(tensor):
    """``tensor``'s value as a :class:`DTensor`."""
    data = tensor._data
    if isinstance(tensor, core.Variable):   # its value now, not its buffer
        data = backend.xp_of(data).array(data, copy=True)
    out = object.__new__(DTensor)
    out._data = data
    out._tid = 0
    return out


class _LayoutObserver(core.Listener):
    """Gives an op's result a layout when a DTensor goes in (TF's SPMD expansion picks one): a
    product ``[m, k] @ [k, n]`` keeps ``m``'s sharding of ``a`` and ``n``'s of ``b`` (the
    contracted ``k`` is summed over its shards), a transpose permutes the specs, an op whose
    result has an input DTensor's shape keeps that layout, and any other result is replicated
    on the input's mesh."""

    kind = "obs"

    def on_op(self, op, args, params, res):
        if not isinstance(res, core.Tensor) or not _LAYOUTS:
            return
        given = [(a, fetch_layout(a)) for a in args if isinstance(a, core.Tensor)]
        given = [(a, layout) for a, layout in given if layout is not None]
        if not given:
            return
        layout = _result_layout(op.name, given, params, tuple(res.shape))
        if type(res) is core.Tensor:   # a fresh result: it prints (and refuses numpy()) as a DTensor
            res.__class__ = DTensor
        try:
            _attach(res, layout, op.name)
        except ValueError:   # a sharding the result's sizes do not split: replicated
            _attach(res, Layout.replicated(layout.mesh, len(res.shape)), op.name)


def _result_layout(name, given, params, shape):
    first, mesh = given[0][1], given[0][1].mesh
    if name == "matmul" and len(given) == 2 and given[0][1].rank == given[1][1].rank == len(shape) >= 2:
        a, b = given[0][1].sharding_specs, given[1][1].sharding_specs
        specs = list(a[:-1]) + [b[-1]]
        if specs[-1] != UNSHARDED and specs[-1] in specs[:-1]:
            specs[-1] = UNSHARDED   # one mesh dimension shards one tensor dimension
        return Layout(specs, mesh)
    if name == "transpose" and params.get("perm") is not None and len(params["perm"]) == first.rank:
        return Layout([first.sharding_specs[p] for p in params["perm"]], mesh)
    for tensor, layout in given:
        if tuple(tensor.shape) == shape:
            return layout
    return Layout.replicated(mesh, len(shape))


_OBSERVING = threading.local()


def _observe():
    # results of ops on DTensors get layouts: the observer is pushed (on this thread) once a DTensor
    # exists, and stays (removing a listener while ops run could make another miss an op)
    if getattr(_OBSERVING, "observer", None) is None:
        _OBSERVING.observer = _LayoutObserver()
        core.push("obs", _OBSERVING.observer)


def _stop_observing():
    """Take this thread's layout observer away (tests that made DTensors, between ops)."""
    observer = getattr(_OBSERVING, "observer", None)
    if observer is not None:
        core.pop("obs", observer)
        _OBSERVING.observer = None


def _attach(tensor, layout, where):
    if not isinstance(layout, Layout):
        raise ValueError(f"{where}: layout must be a dtensor.Layout, got {type(layout).__name__}")
    shape = tuple(tensor.shape)
    if len(shape) != layout.rank:
        raise ValueError(f"{where}: the layout has rank {layout.rank}, the tensor {tensor.shape}")
    for i, d in enumerate(shape):
        n = layout.num_shards(i)
        if d is not None and d % n:
            raise ValueError(f"{where}: dimension {i} of size {d} does not split into {n} shards "
                             f"('{layout.sharding_specs[i]}')")
    key = id(tensor)
    _LAYOUTS[key] = (weakref.ref(tensor, lambda _, k=key: _LAYOUTS.pop(k, None)), layout)
    _observe()
    return tensor


def fetch_layout(tensor):
    """The layout of a DTensor (or DVariable), None for another tensor."""
    if isinstance(tensor, DVariable):
        return tensor.layout
    entry = _LAYOUTS.get(id(tensor))
    return entry[1] if entry is not None and entry[0]() is tensor else None


def is_dtensor(tensor):
    return fetch_layout(tensor) is not None


def call_with_layout(fn, layout, *args, **kwargs):
    """``fn(*args, **kwargs)`` as a DTensor of ``layout`` (TF runs ``fn`` sharded on the mesh;
    the value is the same)."""
    result = fn(*args, **kwargs)
    if not isinstance(result, core.Tensor):
        result = core.convert_to_tensor(result)
    return _attach(_dtensor(result), layout, "call_with_layout")


def relayout(tensor, layout, name=None):
    """The tensor with another layout (its value unchanged)."""
    return _attach(_dtensor(core.convert_to_tensor(tensor)), layout, "relayout")


def copy_to_mesh(tensor, layout, source_layout=None):
    """A plain tensor as a DTensor of ``layout`` (each device holds its part)."""
    return _attach(_dtensor(core.convert_to_tensor(tensor)), layout, "copy_to_mesh")


def _locations(layout):
    mesh = layout.mesh
    return mesh.local_device_locations()


def pack(tensors, layout):
    """One component per local device of the mesh (in ``local_devices()`` order) put together
    as a DTensor of ``layout``: components are the blocks of the sharded dimensions, equal
    copies along the mesh dimensions the layout does not use."""
    if not isinstance(layout, Layout):
        raise ValueError(f"pack: layout must be a dtensor.Layout, got {type(layout).__name__}")
    tensors = list(tensors)
    places = _locations(layout)
    if len(tensors) != len(places):
        raise ValueError(f"pack: the mesh has {len(places)} local devices, got {len(tensors)} components")
    parts = [np.asarray(core.to_array(t)) for t in tensors]
    shapes = {p.shape for p in parts}
    dtypes = {p.dtype for p in parts}
    if len(shapes) != 1 or len(dtypes) != 1:
        raise ValueError(f"pack: components must share one shape and dtype, got shapes {sorted(shapes)} and "
                         f"dtypes {sorted(str(d) for d in dtypes)}")
    (shape,) = shapes
    if len(shape) != layout.rank:
        raise ValueError(f"pack: the layout has rank {layout.rank}, the components shape {shape}")
    full = np.empty([d * layout.num_shards(i) for i, d in enumerate(shape)], parts[0].dtype)
    for part, place in zip(parts, places):
        block = tuple(slice(None) if s == UNSHARDED else slice(place[s] * shape[i], (place[s] + 1) * shape[i])
                      for i, s in enumerate(layout.sharding_specs))
        full[block] = part
    return _attach(_dtensor(core.convert_to_tensor(full)), layout, "pack")


def unpack(tensor):
    """A DTensor's components, one per local device of its mesh (see :func:`pack`)."""
    layout = fetch_layout(tensor)
    if layout is None:
        raise ValueError("unpack: the tensor is not a DTensor (made by pack, call_with_layout, relayout "
                         "or copy_to_mesh)")
    value = np.asarray(core.to_array(tensor))
    out = []
    for place in _locations(layout):
        block = []
        for i, s in enumerate(layout.sharding_specs):
            n = value.shape[i] // layout.num_shards(i)
            block.append(slice(None) if s == UNSHARDED else slice(place[s] * n, (place[s] + 1) * n))
        out.append(core.convert_to_tensor(value[tuple(block)]))
    return out


class DVariable(core.Variable):
    """A variable of a DTensor (TF's ``dtensor.DVariable``): ``layout`` is its initial value's
    (or the one given)."""

    __slots__ = ("_layout",)

    def __init__(self, initial_value, *args, layout=None, **kwargs):
        if callable(initial_value) and not isinstance(initial_value, core.Tensor):
            initial_value = initial_value()
        found = fetch_layout(initial_value)
        layout = layout if layout is not None else found
        if layout is None:
            raise ValueError("DVariable: initial_value must be a DTensor (made by pack, call_with_layout, "
                             "relayout or copy_to_mesh), or give layout")
        super().__init__(initial_value, *args, **kwargs)
        if len(tuple(self.shape)) != layout.rank:
            raise ValueError(f"DVariable: the layout has rank {layout.rank}, the value shape {tuple(self.shape)}")
        self._layout = layout

    @property
    def layout(self):
        return self._layout

    @property
    def handle(self):
        """What refers to the variable (TF's resource handle, a scalar DTensor of its layout)."""
        return VariableHandle(self)

    def assign(self, value, use_locking=False, name=None, read_value=True):
        """Assign ``value``; a DTensor of another layout is refused (a DVariable's layout is
        fixed, as TF's)."""
        found = fetch_layout(value)
        if found is not None and found != self._layout:
            raise ValueError(f"DVariable.assign: the variable's layout is {self._layout.to_string()}; the value's "
                             f"is {found.to_string()} (relayout it first)")
        return super().assign(value, use_locking=use_locking, name=name, read_value=read_value)


class VariableHandle:
    """A DVariable's handle: the variable it refers to, with its device, dtype, shape and layout."""

    __slots__ = ("variable",)

    def __init__(self, variable):
        self.variable = variable

    @property
    def layout(self):
        return self.variable.layout

    def __repr__(self):
        v = self.variable
        return (f"wb.Tensor(<ResourceHandle(name=\"{v._name}\", device=\"{v.device}\", type=\"Variable\", "
                f"dtype and shapes : \"[ {v.dtype.name}, {list(v.shape)} ]\")>, "
                f"layout=\"{v.layout.to_string()}\", shape=(), dtype=resource)")


def num_clients():
    return 1


def client_id():
    return 0


def num_global_devices(device_type):
    return len(config.list_logical_devices(device_type.upper()))


def num_local_devices(device_type):
    return num_global_devices(device_type)


def local_devices(device_type, for_client_id=None):
    return [f"{_JOB}/device:{device_type.upper()}:{i}" for i in range(num_local_devices(device_type))]


_DEFAULT = {"mesh": None}


def default_mesh(mesh):
    """A context in which ``mesh`` is the default (recorded; ops here run on one device)."""
    @contextlib.contextmanager
    def scope():
        previous, _DEFAULT["mesh"] = _DEFAULT["mesh"], mesh
        try:
            yield
        finally:
            _DEFAULT["mesh"] = previous
    return scope()

