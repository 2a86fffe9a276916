"""``wb.function``: trace a Python function once per input signature and replay it.

The first call with a new signature (argument shapes, dtypes and devices, Python
values, variables by shape, dtype and ``trainable`` as TF keys them, other objects by
identity) runs the function eagerly while a tracer watches:
every op, random draw, stateful call (variable assignment, optimizer step,
summary write) and first-order reverse walk of a ``GradientTape`` becomes one
step of a program. Later calls with the same signature replay the program: each
op's forward runs straight on the arrays, with no conversion, dispatch, dtype
checks or tape bookkeeping; the reverse walk runs over the records the trace
kept; stateful calls run again; ops on constants were computed once, at trace
time. Results are the eager results, bit for bit (the same forward functions run
on the same arrays in the same order).

With ``autograph=True`` (the default, as in TF) the function runs as AutoGraph converts it
(``workbench.compiler.autograph``): ``if``/``while``/``for`` on tensors become ``wb.cond`` and
``wb.while_loop``, which a program replays as steps that choose on each call. What cannot be
replayed is run eagerly instead, with one warning that names the line: a Python read of a
computed value (``float(loss)``, ``x.numpy()``, ``if x > 0:`` with ``autograph=False``),
which makes the program depend on data. As in TF, Python side
effects in the function (printing, appending to a list) happen only while
tracing, and tensors created inside the function are valid only when returned.

>>> w = wb.Variable([[1.0], [2.0]])
>>> @wb.function
... def step(x):
...     with wb.GradientTape() as tape:
...         loss = wb.reduce_sum(wb.matmul(x, w) ** 2)
...     w.assign_sub(0.01 * tape.gradient(loss, w))
...     return loss
>>> float(step(wb.ones([3, 2])))
27.0
"""

from __future__ import annotations

import contextlib
import copy
import functools
import inspect
import sys
import threading
import types
import warnings
import weakref

import numpy as np

from .. import core, errors, nest
from .. import random as wbrandom
from ..config import _EAGER, functions_run_eagerly, run_functions_eagerly  # noqa: F401 (re-exported)
from .graphdef import FuncGraph, record
from .program import Program
from . import staged  # noqa: F401 (installs the tracing of wb.cond and wb.while_loop)
from ..ops.shape import identity
from ..tensor_shape import TensorShape, TensorSpec, _dtype_name
from .signature import (Placeholder, Printed, covers, describe, output_shapes, placeholder, plain, relax,
                        release_placeholders, repeats, signature, stand_in, stand_in_fill, stand_in_rounds)
from .trace import Deferrals, Tracer, raise_kernel_errors, random_state, tensor_leaves

__all__ = ["function", "Function", "ConcreteFunction", "run_functions_eagerly", "functions_run_eagerly",
           "RetracingWarning", "UnreplayableWarning"]

class _Arguments:
    """Where a kit module that binds a kind of argument tensor by tensor (``ExtensionType``)
    installs itself: ``expander`` offers ``takes(flat)``, ``expand_arguments(args, kwargs)``,
    ``restore(args, kwargs)``, ``flat_specs(signature)`` and ``example_of(spec)``."""

    expander = None

    def call(self, fn, args, kwargs):
        if self.expander is not None:
            args, kwargs = self.expander.restore(args, kwargs)
        return fn(*args, **kwargs)

    def flat_specs(self, signature):
        return nest.flatten(signature) if self.expander is None else self.expander.flat_specs(signature)


ARGUMENTS = _Arguments()
RETRACE_WARNING_AT = 5  # traces of one function before retracing is reported (as TF does)
TRACE_LOGS: list = []   # lists that collect the graph (graphdef.FuncGraph) of every new program


class RetracingWarning(UserWarning):
    """A ``wb.function`` traced again for a new signature many times."""


class UnreplayableWarning(UserWarning):
    """A ``wb.function`` whose trace depends on data runs eagerly for that signature."""


def function(func=None, input_signature=None, autograph=True, jit_compile=None,
             reduce_retracing=False, experimental_relax_shapes=None, name=None,
             experimental_autograph_options=None):
    """Trace ``func`` once per input signature and replay it (TF 2's ``tf.function``).

    Use as ``@wb.function`` or ``wb.function(f)``. ``input_signature`` (a list of
    ``wb.TensorSpec``/``wb.RaggedTensorSpec``, one per parameter) makes one concrete function
    serve every argument the specs allow (``None`` dimensions match any size); an argument
    that does not fit raises ``TypeError``. ``reduce_retracing=True`` (or
    ``experimental_relax_shapes``) generalizes shapes: after a second shape at a position,
    the next trace has ``None`` where the sizes differ and serves them all. ``autograph``
    (default True) converts Python control flow on tensors into ``wb.cond``/``wb.while_loop``
    (see ``wb.autograph``); ``experimental_autograph_options`` is accepted for TF compatibility.

    A variable argument counts by its shape, dtype and ``trainable`` (TF's ``VariableSpec``),
    not by its identity: one trace serves every variable of that spec, and each call reads
    and updates the variables it is given. A variable the function also reaches another way
    (a closure, a global, an attribute of an argument) gets a program of its own when passed,
    so that the two stay apart where it is not passed.

    A concrete function is a set of programs, one per concrete input shape (each program
    is specialized to its shapes): a new shape within a concrete function's specs records
    a new program, which runs the Python body again, but does not count as a trace. TF
    would not run the body there, nor on the later calls of a signature that runs eagerly:
    in those runs Python's ``print`` is silent (``wb.print`` is not); other Python side
    effects do repeat. While traced, tensor arguments print as TF's symbolic tensors
    (``Tensor("x:0", shape=(None,), dtype=int32)``). ``jit_compile`` is accepted for TF
    compatibility.
    """
    relax = bool(reduce_retracing or experimental_relax_shapes)

    def make(f):
        made = Function(f, name=name, input_signature=input_signature, reduce_retracing=relax,
                        autograph=autograph)
        made._jit_compile = jit_compile
        return made
    return make if func is None else make(func)


class Function:
    """A traced function: ``__call__`` replays the trace for the arguments' signature."""

    def __init__(self, python_function, name=None, input_signature=None, reduce_retracing=False,
                 autograph=True):
        if not callable(python_function):
            raise TypeError(f"wb.function: expected a callable, got {type(python_function).__name__}")
        functools.update_wrapper(self, python_function)
        self._fn = python_function
        self._autograph = bool(autograph)
        self._converted = None   # what traces run: the AutoGraph conversion of _fn (see _body)
        self._name = name or getattr(python_function, "__name__", "function")
        self._programs: dict = {}    # concrete signature -> Program
        self._concrete: dict = {}    # generalized signature -> ConcreteFunction
        self._random: dict = {}      # generalized signature -> its random ops' seeds and kernels
        self._traces = 0
        self._counted = False        # the next trace was counted already (see _trace)
        self._runs = 0               # runs of the Python body under a tracer
        self._warned_retrace = False
        self._tracing: set = set()   # signatures being traced now (a recursive call is refused)
        self._stood_in = False       # the last get_concrete_function trace gave a py_function stand-ins
        self._stand_ins_failed = None   # the specs of the stand-ins the last trace's error may come from
        self._ran_taped: set = set()   # signatures whose Python body ran under a tape (printed once)
        # signatures this function was called with inside another function's trace (TF traces a
        # concrete function for each; saved_model.save traces them, so a loaded module has them)
        self._nested: dict = {}
        # tensors the traces used as captured constants (id -> weak reference): passed as an
        # argument, such a tensor is the argument too (a tape sees one tensor, as in eager mode)
        self._captured: dict = {}
        self._instances = weakref.WeakKeyDictionary()  # a decorated method: instance -> its function
        self._relax = bool(reduce_retracing)
        self._jit_compile = None   # accepted, as TF's; kept for function_spec
        self._params = _parameters(python_function)
        self._defaults = _defaults(self._params)
        self._signature = None if input_signature is None else _input_signature(input_signature, self)

    @property
    def python_function(self):
        return self._fn

    @property
    def _body(self):
        """The Python code a trace runs: with ``autograph``, ``_fn`` with its control flow on
        tensors converted (``workbench.compiler.autograph``); ``_fn`` where it cannot be."""
        if self._converted is None:
            self._converted = self._fn
            if self._autograph:
                from .autograph import converted_call   # the conversion, loaded when first used
                self._converted = converted_call(self._fn)
        return self._converted

    @property
    def input_signature(self):
        return self._signature

    def experimental_get_tracing_count(self) -> int:
        """How many concrete functions have been traced."""
        return self._traces

    @property
    def function_spec(self) -> "FunctionSpec":
        """The Python signature the function binds its arguments with (TF's ``FunctionSpec``)."""
        return FunctionSpec(self._params, self._signature, self._jit_compile)

    def __get__(self, obj, objtype=None):
        # a decorated method: bind the instance as the first argument (part of the signature).
        # Each instance has a function of its own, as in TF: its traces, its tracing count and
        # its first call (where variables may be created) are its own
        if obj is None:
            return self
        try:
            own = self._instances.get(obj)
            if own is None:
                own = self._instances[obj] = Function(self._fn, name=self._name,
                                                      input_signature=self._signature,
                                                      reduce_retracing=self._relax,
                                                      autograph=self._autograph)
                own._jit_compile = self._jit_compile
        except TypeError:   # an instance that cannot be a weak key: the methods share a function
            own = self
        return _BoundFunction(own, obj)

    def _call_method(self, obj, *args, **kwargs):
        # the input_signature describes the arguments after the instance, as in TF
        if self._signature is not None:
            args, kwargs = self._bind(args, kwargs, skip=1)
        return self._call((obj,) + tuple(args), kwargs)

    def __call__(self, *args, **kwargs):
        if self._signature is not None:
            args, kwargs = self._bind(args, kwargs)
        return self._call(args, kwargs)

    def _positional(self, args, kwargs):
        """Keyword arguments that name the next positional parameters moved into ``args``
        (``f(x=t)`` and ``f(t)`` share a trace, as in TF)."""
        args, kwargs = list(args), dict(kwargs)
        for p in self._params[len(args):]:
            if p.kind is not p.POSITIONAL_OR_KEYWORD or p.name not in kwargs:
                break
            args.append(kwargs.pop(p.name))
        return tuple(args), kwargs

    def _with_defaults(self, args, kwargs):
        """The arguments with the defaults of the parameters not given filled in, as TF binds
        them (``f(x)``, ``f(x, 2)`` and ``f(x, n=2)`` share a trace where ``n`` defaults to 2)."""
        end, keyword = self._defaults
        if len(args) >= end and all(name in kwargs for name, _ in keyword):
            return args, kwargs   # every default given (the common call): nothing to copy
        kwargs = dict(kwargs)
        if len(args) < end:
            args = list(args)
            for p in self._params[len(args):end]:
                if p.name in kwargs:
                    args.append(kwargs.pop(p.name))
                elif p.default is not p.empty:
                    args.append(p.default)
                else:
                    break   # a required argument is missing: the call raises Python's TypeError
            args = tuple(args)
        for name, value in keyword:
            if name not in kwargs:
                kwargs[name] = value
        return args, kwargs

    def _call(self, args, kwargs):
        if kwargs:
            args, kwargs = self._positional(args, kwargs)
        if self._defaults is not None:
            args, kwargs = self._with_defaults(args, kwargs)
        st = core._state
        if _EAGER["on"]:
            return self._fn(*args, **kwargs)
        if st.tracer is not None or st.tapes or st.accumulators or st.observers:
            # inside another trace, or watched by a tape: run the Python code, so that the
            # enclosing trace or tape sees every op
            if self._tracing:
                self._check_recursion(args, kwargs)
            elif st.tracer is None:
                # watched by a tape: TF traces a signature once, so the body's prints show the
                # first time this signature runs (traced, or run under a tape), not again
                key = signature(args, kwargs, nest.flatten((args, kwargs)), self._captured)
                graph = wbrandom.function_graph(lambda: self._random_seeds(self._find(key)[1]))
                if key in self._programs or key in self._ran_taped:
                    with _python_prints_silenced(), graph:
                        return _as_outputs(self._body(*args, **kwargs))
                self._ran_taped.add(key)
                with graph:
                    return _as_outputs(self._body(*args, **kwargs))
            # inside another trace: the ops are the caller's, random ones with this graph's seeds
            key = signature(args, kwargs, nest.flatten((args, kwargs)), self._captured)
            if key not in self._nested:
                self._nested[key] = nest.map_structure(_spec_of_argument, (args, kwargs))
            with wbrandom.function_graph(lambda: self._random_seeds(self._find(key)[1])):
                return _as_outputs(self._body(*args, **kwargs))
        flat = nest.flatten((args, kwargs))
        if ARGUMENTS.expander is not None and ARGUMENTS.expander.takes(flat):
            args, kwargs = ARGUMENTS.expander.expand_arguments(args, kwargs)   # bound tensor by tensor
            flat = nest.flatten((args, kwargs))
        key = signature(args, kwargs, flat, self._captured)
        program = self._programs.get(key)
        if program is None:
            return self._trace(key, args, kwargs, flat)
        if program.eager:
            graph = wbrandom.function_graph(lambda: self._random_seeds(self._find(key)[1]))
            with _python_prints_silenced(), Deferrals(), graph:   # the trace printed; a TF function does not again
                result = ARGUMENTS.call(self._body, args, kwargs)
            raise_kernel_errors(result)
            return _as_outputs(result)
        return program.run(flat)

    def _check_recursion(self, args, kwargs):
        """A call of this function while it is being traced for the same signature: TF traces
        it again, and again, without end (its trace of a tensor condition takes both branches)."""
        key = plain(signature(args, kwargs, nest.flatten((args, kwargs))))
        if key in self._tracing:
            raise RecursionError(f"wb.function '{self._name}' calls itself with the signature "
                                 f"{describe(key)} while it is being traced for that signature: in TF "
                                 "such a trace never ends. Recurse on Python values (each one a trace "
                                 "of its own) or write the loop with wb.while_loop")

    def get_concrete_function(self, *args, **kwargs) -> "ConcreteFunction":
        """The concrete function for these arguments (tensors, or ``wb.TensorSpec`` for
        tensors of any size where a dimension is None), traced now if it was not. With an
        input_signature, no arguments are needed. As in TF, the trace runs nothing: variables
        keep their values, random streams do not advance, py_function bodies are not called."""
        return self._get_concrete((), args, kwargs)

    def _get_concrete(self, head, args, kwargs, stand_in=(1, 0, 0), printed=None):
        # head: a method's instance, which the input_signature does not describe; stand_in:
        # what a None size is traced at, what integer arguments hold and the rank a spec of
        # unknown rank stands in as (1, zeros and scalars, else the next of
        # signature.stand_in_rounds where the body cannot run on them: x[:, 1], top_k(x, 2));
        # printed: the first run's output, which runs on other stand-ins do not print again
        given_args, given_kwargs = args, kwargs
        example = _example if stand_in == (1, 0, 0) else functools.partial(
            _example, size=stand_in[0], fill=stand_in[1], rank=stand_in[2])
        if isinstance(stand_in[2], tuple):   # a rank for each spec of unknown rank, in turn
            example = _ranked_examples(stand_in)
        general = None
        if self._signature is not None:
            if not args and not kwargs or _specs_fit_signature(args, kwargs, self._signature):
                # specs that fit the input_signature name its concrete function, as in TF
                args, kwargs = tuple(nest.map_structure(example, s) for s in self._signature), {}
            args, kwargs = self._bind(args, kwargs, skip=len(head))
            args = head + tuple(args)
            flat = nest.flatten((args, kwargs))
        else:
            args, kwargs = self._positional(head + tuple(args), kwargs)
            if self._defaults is not None:
                args, kwargs = self._with_defaults(args, kwargs)
            specs = nest.flatten((args, kwargs))
            args, kwargs = nest.map_structure(example, (args, kwargs))
            flat = nest.flatten((args, kwargs))
            if ARGUMENTS.expander is not None and ARGUMENTS.expander.takes(flat):
                # an ExtensionType (or its Spec): bound tensor by tensor, as a call binds it, each
                # tensor field keyed by its spec (so later values of that spec fit)
                specs = ARGUMENTS.expander.flat_specs([getattr(s, "_type_spec", s) for s in specs])
                args, kwargs = ARGUMENTS.expander.expand_arguments(args, kwargs)
                flat = nest.flatten((args, kwargs))
                given = iter(specs)
                specs = [None if _is_static(leaf) else next(given) for leaf in flat]
            key = signature(args, kwargs, flat, self._captured)
            general = tuple(key[:2]) + tuple(_general_part(part, spec) for part, spec in zip(key[2:], specs))
            if general not in self._concrete:
                # TF returns a concrete function traced already whose specs admit these
                general = next((g for g in self._concrete if isinstance(g, tuple) and _admits(g, general)),
                               general)
        existed = general in self._concrete
        first = printed is None
        printed = Printed() if first else printed
        for _ in range(2):  # a first trace that creates variables is not kept: trace again
            key = signature(args, kwargs, flat, self._captured)
            found = self._concrete.get(general) if general is not None else self._find(key)[0]
            if found is not None and key in self._programs:
                break
            try:
                with printed.first() if first else contextlib.nullcontext():
                    self._trace(key, args, kwargs, flat, general, undo=True)
            except Exception as exc:  # noqa: BLE001 -- what a py_function's stand-in result cannot run
                if not self._stood_in:
                    if not first:
                        raise
                    # TF's trace runs nothing: stand-ins that the body can run on (an open size
                    # it can index into, an integer argument that reshape(x, [n, -1]) takes),
                    # varied where the error may come from them (the first error is raised)
                    specs = self._stand_ins_failed
                    if specs is None:
                        specs = nest.flatten((given_args, given_kwargs)) + (
                            nest.flatten(list(self._signature)) if self._signature is not None else [])
                    for other in stand_in_rounds(specs, exc):
                        try:
                            with printed.again():
                                concrete = self._get_concrete(head, given_args, given_kwargs, other, printed)
                        except Exception:  # noqa: BLE001 -- the next stand-ins; the first error is shown
                            continue
                        printed.show()
                        return concrete
                    raise
                self._trace(key, args, kwargs, flat, general, undo=True, stand_ins=False)
        key = signature(args, kwargs, flat, self._captured)
        concrete = self._concrete[general] if general is not None else self._find(key)[0]
        if general is not None and not existed:
            concrete._name_inputs(specs)
        program = self._programs[key]
        concrete._latest = getattr(program, "_wrapped", program)
        if self._stood_in:   # not a program to run (see _trace): the next call traces again
            del self._programs[key]
        return concrete

    def pretty_printed_concrete_signatures(self, verbose=True) -> str:
        """Each concrete function's inputs, output type and captures, as TF prints them."""
        return "\n\n".join(c.pretty_printed_signature(verbose) for c in self._concrete.values())

    # -- input_signature -----------------------------------------------------------
    def _bind(self, args, kwargs, skip=0):
        """The arguments as tensors that fit the input_signature (converted as TF converts
        them), or TF's TypeError naming the argument; ``skip``: leading parameters (a
        method's instance) the signature does not describe."""
        n = len(self._signature)
        names = [p.name for p in self._params][skip:]
        args = list(args)
        if kwargs:
            kwargs = dict(kwargs)
            for pname in names[len(args):n]:
                if pname not in kwargs:
                    break
                args.append(kwargs.pop(pname))
            if kwargs:
                raise TypeError(f"wb.function '{self._name}': got unexpected keyword arguments "
                                f"{sorted(kwargs)}; its input_signature covers {names[:n]}")
        if len(args) > n:
            raise TypeError(f"wb.function '{self._name}': too many positional arguments: its "
                            f"input_signature takes {n}, got {len(args)}")
        if len(args) < n:
            raise TypeError(f"wb.function '{self._name}': missing required arguments "
                            f"{names[len(args):n]} (its input_signature takes {n})")
        out = []
        for i, (value, spec) in enumerate(zip(args, self._signature)):
            what = names[i] if i < len(names) else f"args[{i}]"
            if _is_spec(spec):
                out.append(self._fit(value, spec, what, args, names))
                continue
            specs, values = nest.flatten(spec), nest.flatten(value)
            if len(values) != len(specs) or not isinstance(value, (list, tuple, dict)):
                raise TypeError(f"wb.function '{self._name}': argument {what} does not have the "
                                f"structure of its input_signature entry {spec!r}: got {value!r}")
            fitted = [self._fit(v, s, what, args, names) for v, s in zip(values, specs)]
            out.append(nest.pack_sequence_as(spec, fitted))
        return tuple(out), {}

    def _fit(self, value, spec, what, args, names):
        if isinstance(spec, TensorSpec):
            t = value
            if not isinstance(value, core.Tensor):
                try:
                    t = core.convert_to_tensor(value, dtype=spec.dtype)
                except (TypeError, ValueError):
                    t = None
            if t is not None and spec.is_compatible_with(t):
                return t
        elif spec.is_compatible_with(value):
            return value
        got = TensorSpec.from_tensor(value) if hasattr(value, "dtype") and not hasattr(value, "ragged_rank") \
            else (value._spec() if hasattr(value, "_spec") else repr(value))
        raise TypeError(f"Binding inputs to wb.function `{self._name}` failed due to `Can not cast "
                        f"{got} to {spec}` for argument {what!r}. Received args: {tuple(args)} for "
                        f"signature: ({self._describe_signature(names)}).")

    def _describe_signature(self, names):
        return ", ".join(f"{names[i] if i < len(names) else f'args_{i}'}: {s!r}"
                         for i, s in enumerate(self._signature))

    # -- tracing -------------------------------------------------------------------
    def _random_seeds(self, general):
        """The seeds and kernels of the random ops of the concrete function ``general`` (made
        with the global seed of its first trace; its later programs continue its streams)."""
        seeds = self._random.get(general)
        if seeds is None:
            seeds = self._random[general] = wbrandom.FunctionSeeds()
        return seeds

    def _find(self, key):
        """(the concrete function this signature belongs to, or None; the generalized
        signature a new trace gets)."""
        key = plain(key)
        if self._signature is not None:
            return self._concrete.get("input_signature"), "input_signature"
        if key in self._concrete:
            return self._concrete[key], key
        for general, concrete in self._concrete.items():
            if covers(general, key):
                return concrete, general
        if self._relax:
            for general in reversed(list(self._concrete)):
                wider = relax(general, key)
                if wider is not None:
                    return None, wider
        return None, key

    def _labels(self, args, kwargs, key, general):
        """Per flattened argument: (its name as TF names a placeholder, ``x:0`` / ``x_1:0``; the
        shape the trace serves)."""
        names, used = [], {}
        params = self._params
        for i, a in enumerate(args):
            p = params[i] if i < len(params) and params[i].kind is not params[i].VAR_POSITIONAL else None
            names.extend([p.name if p else f"args_{i}"] * len(nest.flatten(a)))
        for k in sorted(kwargs):
            names.extend([k] * len(nest.flatten(kwargs[k])))
        shapes = [part[1] if part[0] in "TA" else None for part in key[2:]]
        if isinstance(general, tuple):
            shapes = [g[1] if g[0] in "TA" else None for g in general[2:]]
        elif self._signature is not None:
            specs = [s.shape for s in ARGUMENTS.flat_specs(self._signature)]
            slots = [i for i, part in enumerate(key[2:]) if part[0] in "TA"]
            if len(specs) == len(slots):
                for i, shape in zip(slots, specs):
                    shapes[i] = None if shape.rank is None else tuple(shape)
        out = []
        for name, shape in zip(names, shapes):
            n = used.get(name, 0)
            used[name] = n + 1
            out.append((f"{name}:0" if n == 0 else f"{name}_{n}:0", shape))
        return out + [("x:0", None)] * (len(key) - 2 - len(out))

    def _composite_specs(self, general, flat):
        """Per flattened argument, the spec a composite one is traced for (the concrete
        function's, or the input signature's), else None."""
        if isinstance(general, tuple):
            return [g[1] if g[0] == "S" else None for g in general[2:]]
        if self._signature is not None:
            specs = list(ARGUMENTS.flat_specs(self._signature))
            if len(specs) <= len(flat):   # a method's instance comes first
                return [None] * (len(flat) - len(specs)) + [s if hasattr(s, "ragged_rank") else None for s in specs]
        return [None] * len(flat)

    @staticmethod
    def _open_shapes(tracer, inputs, labels, key, general):
        """id(tensor) -> its symbolic shape (``signature.output_shapes``) where the concrete
        function's inputs leave sizes open; None where every input's shape is fixed."""
        known = {}
        for i, t in enumerate(inputs):
            if t is None:
                continue
            if key[2 + i][0] in "TA":
                known[id(t)] = labels[i][1]
            elif isinstance(general, tuple) and general[2 + i] == key[2 + i]:
                known[id(t)] = tuple(t._data.shape)
            else:   # a composite argument of a more general spec: its flat values' size is open
                known[id(t)] = None
        if not tracer.static and all(s is not None and None not in s for s in known.values()):
            return None
        return output_shapes(tracer.events, known, tracer.arrays, tracer.static)

    def _trace(self, key, args, kwargs, flat, general=None, undo=False, stand_ins=True):
        """Trace the function for ``key`` (and run it once: the trace runs the body). ``undo``:
        a trace TF would not run (``get_concrete_function``): the variables it writes and the
        random state it draws from are put back when it ends, and py_function bodies are not
        called (their results stand in, of unknown shape) unless ``stand_ins`` is False (the
        code after them could not run on those: ``self._stood_in`` says so)."""
        concrete, found = self._find(key)
        if general is None:
            general = found
        else:
            concrete = self._concrete.get(general)
        inputs, traced_flat = [], []
        labels = self._labels(args, kwargs, key, general)
        again = repeats(key)
        for i, (leaf, part, label) in enumerate(zip(flat, key[2:], labels)):
            if i in again:   # the same tensor passed again: the trace sees one tensor, as eager does
                inputs.append(None)
                traced_flat.append(traced_flat[again[i]])
                continue
            pair = stand_in(leaf)
            if pair is not None and pair[0] is pair[1]:   # a tensor: it prints as TF's symbolic one
                t = placeholder(pair[0]._data, *label)
                if isinstance(leaf, core.Tensor):
                    # the argument's identity on the tapes: where the function also captures the
                    # argument, a tape sees one tensor, as in eager mode (see Tracer.arguments)
                    if not leaf._tid:
                        leaf._tid = core.new_id()
                    t._tid = leaf._tid
                inputs.append(t)
                traced_flat.append(t)
            elif pair is not None:
                inputs.append(pair[1])
                traced_flat.append(pair[0])
            else:
                inputs.append(None)
                traced_flat.append(part[1].placeholder_value(None) if part[0] == "K" else leaf)
        targs, tkwargs = nest.pack_sequence_as((args, kwargs), traced_flat)
        tracer = Tracer([t for t in inputs if t is not None])
        tracer.arguments = {id(leaf): leaf for leaf, t in zip(flat, inputs)
                            if t is not None and isinstance(leaf, core.Tensor)}
        tracer.undoes = undo
        tracer.stands_in = undo and stand_ins
        if tracer.stands_in:
            picked = [(t, shape) for t, (_, shape) in zip(inputs, labels) if t is not None and _chosen(t, shape)]
            tracer.chosen = {id(t): 1 << i for i, (t, _) in enumerate(picked)}
        self._stood_in = False
        self._stand_ins_failed = None
        restore_random = random_state() if undo else None
        prev = core.set_tracer(tracer)
        self._tracing.add(key)
        for value, spec in zip(traced_flat, self._composite_specs(general, flat)):
            if spec is not None and hasattr(type(value), "__wb_trace_as__"):
                value.__wb_trace_as__(spec)   # a ragged argument takes its spec's static shape (TF's)
        # a new program for a concrete function TF traced already (a new shape its specs allow):
        # TF would not run the Python body again, so its prints stay silent
        # (likewise after the body ran for this signature under a tape, which TF traced then)
        quiet = (_python_prints_silenced() if concrete is not None or key in self._ran_taped
                 else contextlib.nullcontext())
        try:
            with quiet, wbrandom.function_graph(lambda: self._random_seeds(general), undo=undo):
                result = ARGUMENTS.call(self._body, targs, tkwargs)
        except Exception as error:
            if tracer.chosen is not None:   # the specs of the stand-ins it may come from
                mask = tracer.failed_on_stand_ins(error)
                self._stand_ins_failed = [TensorSpec(shape, t.dtype) for i, (t, shape) in enumerate(picked)
                                          if mask >> i & 1]
            raise
        finally:
            self._tracing.discard(key)
            core.set_tracer(prev)
            if undo:
                tracer.undo()
                restore_random()
                self._stood_in = tracer.stood_in
            tracer.let_go()
            release_placeholders(inputs)
            release_placeholders(tracer.derived)
        raise_kernel_errors(result)   # a result an op's kernel error stands for raises it
        result = _as_outputs(result, variables=False)   # variables: read by each run's outputs
        self._runs += 1
        if concrete is None and not self._counted:
            self._traces += 1
        self._counted = False
        if self._traces >= RETRACE_WARNING_AT and not self._warned_retrace:
            self._warned_retrace = True
            warnings.warn(f"wb.function '{self._name}' has been traced {self._traces} times (the last "
                          f"for the signature {describe(key)}); each new shape, dtype or Python value "
                          "traces again. Pass tensors rather than Python numbers, and keep shapes "
                          "fixed (pad or bucket variable-length batches), or use "
                          "reduce_retracing=True or an input_signature.", RetracingWarning,
                          stacklevel=3)
        for leaf in tensor_leaves(result):
            tracer._resolve(leaf, "the function's result")
        leaf = None
        if tracer.created_variables:
            singleton = (f"wb.function '{self._name}': tf.function only supports singleton tf.Variables "
                         "created on the first call. Make sure the tf.Variable is only created once or "
                         "created outside tf.function.")
            if self._runs > 1:
                raise ValueError(singleton)
            # not kept: the next call traces again, with the variables built. TF traces that
            # second time at once, and raises if it creates variables again: so do we where
            # nothing kept the variables this run created (no later run could find them)
            created, result = tracer.created, _as_outputs(result)
            self._traces += 1   # TF's second trace, which the next call makes here
            self._counted = True
            del tracer, targs, tkwargs, traced_flat
            if all(ref() is None for ref in created):
                raise ValueError(singleton)
            return result
        slots = tuple((i, leaf) for i, leaf in enumerate(flat) if isinstance(leaf, core.Variable))
        # variable arguments the function also reaches another way (a closure, a global, an
        # attribute of an argument): replays may not run on other variables in their place
        shared = _reached_variables(self._fn, flat, {id(v) for _, v in slots}) if slots else []
        if tracer.constants or shared:
            # the captured tensors a later call may pass as arguments; this program serves the
            # calls whose arguments are these tensors where this call's are (its key says which)
            for t in list(tracer.constants.values()) + shared:
                self._captured[id(t)] = weakref.ref(t, functools.partial(_forget, self._captured, id(t)))
            key = signature(args, kwargs, flat, self._captured)
        if tracer.stood_in and tracer.why is None:
            # its steps hold what library code computed from the stand-in's shape: only its
            # specs serve (the next call traces again, calling the py_function's body)
            tracer.why = "a py_function's result stood in for its value while the trace ran"
        program = Program(self._name, key, tracer, inputs, result)
        program.graph_nodes = record(tracer.events, inputs, tracer.arrays, result)
        program.variable_arguments = frozenset(id(v) for _, v in slots)
        # the signature names objects by identity: keep them alive, so that no new object
        # can take an id a program was traced for
        program._pinned = [leaf for leaf, t in zip(flat, inputs)
                           if t is None and not isinstance(leaf, (core.Tensor, core.CompositeTensor))]
        program._pinned += [self._captured[m[2]]() for m in (key[-1][1] if plain(key) is not key else ())
                            if len(m) == 3]
        self._programs[key] = _VariableArguments(program, slots) if slots else program
        # objects keyed by their trace type whose replays run on the call's object (datasets)
        lent = tuple((i, traced_flat[i]) for i, part in enumerate(key[2:2 + len(flat)])
                     if part[0] == "K" and getattr(part[1], "rebinds", False))
        if lent and not program.eager:
            self._programs[key] = _LentArguments(self._programs[key], lent)
        if concrete is None:
            concrete = self._concrete[general] = ConcreteFunction(self, general, args, kwargs)
        concrete._add(program, result, self._open_shapes(tracer, inputs, labels, key, general))
        for log in TRACE_LOGS:   # wb.summary.trace_on: the graphs of new traces
            log.append(concrete._graph_of(program))
        if program.eager and not tracer.stood_in:
            warnings.warn(f"wb.function '{self._name}' runs eagerly for the signature {describe(key)}: "
                          f"{program.why}", UnreplayableWarning, stacklevel=3)
            return _as_outputs(result)
        out = program.outputs()
        program.release()
        return out


class _VariableArguments:
    """A program whose variable arguments are keyed by their spec (see ``signature``): a call
    with other variables of that spec runs the program on them. The steps hold the variables
    the trace saw; for the call, each takes the buffer (and the count of tapes holding it) of
    the variable passed in its place, and afterwards the variable passed takes the result
    and the traced one its own state back (TF feeds variables to a concrete function as
    resource inputs; this is that, for steps that close over the variables)."""

    __slots__ = ("_wrapped", "_slots", "_lock", "eager")

    def __init__(self, program, slots):
        self._wrapped = program
        self._slots = slots          # (flat index, the variable the trace saw there)
        self._lock = threading.Lock()
        self.eager = program.eager   # read by every call: a slot, not a lookup on the program

    def run(self, flat):
        program = self._wrapped
        for i, t in self._slots:
            if flat[i] is not t:
                break
        else:
            with self._lock:   # (another thread's call may have lent the variables out)
                return program.run(flat)
        moved = [(t, flat[i]) for i, t in self._slots if flat[i] is not t]
        if program.graph_why is None:
            # a CUDA graph reads the buffers it was captured with: each call on other variables
            # would capture it again, so this program runs step by step from now on
            program.graph_why = "it runs on other variables than it was traced with"
            program.cuda_graph = None
        with self._lock:
            saved = [(t._data, t._captures) for t, _ in moved]
            given = [(p._data, p._captures) for _, p in moved]
            for (t, _), (d, c) in zip(moved, given):
                t._data, t._captures = d, c
            try:
                return program.run(flat)
            finally:
                after = [(t._data, t._captures) for t, _ in moved]
                for (t, _), (d, c) in zip(moved, saved):
                    t._data, t._captures = d, c
                for (_, p), (d, c) in zip(moved, after):
                    p._data, p._captures = d, c

    def __getattr__(self, name):
        return getattr(self._wrapped, name)

    def __repr__(self):
        return repr(self._wrapped)


class _LentArguments:
    """A program traced on argument objects (datasets) that other objects of their trace type
    may stand in for: a replay on another object runs with the traced object lent that
    object's attributes (the trace's steps hold the traced object)."""

    __slots__ = ("_wrapped", "_objects", "_lock", "eager")

    def __init__(self, program, objects):
        self._wrapped = program
        self._objects = objects      # (flat index, the object the trace saw there)
        self._lock = threading.Lock()
        self.eager = program.eager

    def run(self, flat):
        moved = [(t, flat[i]) for i, t in self._objects if flat[i] is not t]
        with self._lock:
            saved = [(t.__dict__, t.__class__) for t, _ in moved]
            for t, given in moved:
                t.__dict__ = given.__dict__
                t.__class__ = given.__class__   # a dataset of another class with the same spec
            try:
                return self._wrapped.run(flat)
            finally:
                for (t, _), (d, c) in zip(moved, saved):
                    t.__dict__ = d
                    t.__class__ = c

    def __getattr__(self, name):
        return getattr(self._wrapped, name)

    def __repr__(self):
        return repr(self._wrapped)


_LIBRARIES = frozenset({"workbench", "gradients", "probability", "ragged", "numpy", "scipy",
                        "builtins", "functools", "collections"})


def _reached_variables(fn, flat, ids):
    """The variables among ``ids`` that ``fn`` reaches other than as its arguments, as far as
    a bounded walk shows: the functions it can call (its own closure, defaults, the globals its
    code names, its bound instance, and so on through every function found there), and the
    attributes (and list, tuple or dict items) of what those hold and of its non-tensor
    arguments, three levels deep; a module's ``variables`` all count. A variable reached only
    further away, or through a name computed at run time, is not seen."""
    found, seen = {}, set()
    budget = [20_000]   # objects looked at: a walk of a large program stays bounded

    def function_parts(obj):
        """What a Python function can reach when it runs."""
        base = inspect.unwrap(obj)
        parts = [getattr(base, "__self__", None), getattr(base, "__defaults__", None),
                 getattr(base, "__kwdefaults__", None), getattr(base, "python_function", None)]
        if isinstance(base, functools.partial):
            parts += [base.func, base.args, base.keywords]
        for cell in getattr(base, "__closure__", None) or ():
            try:
                parts.append(cell.cell_contents)
            except ValueError:   # an empty cell
                pass
        code, glob = getattr(base, "__code__", None), getattr(base, "__globals__", {})
        codes = [code] if code is not None else []
        while codes:   # its own code and the functions defined inside it name globals
            code = codes.pop()
            codes += [c for c in code.co_consts if isinstance(c, types.CodeType)]
            parts += [glob[name] for name in code.co_names if name in glob]
        func = getattr(base, "__func__", None)
        if func is not None:
            parts.append(func)
        return parts

    def look(obj, depth):
        if (id(obj) in seen or obj is None or budget[0] <= 0
                or isinstance(obj, (bool, int, float, complex, str, bytes, type, types.ModuleType))):
            return
        seen.add(id(obj))
        budget[0] -= 1
        if isinstance(obj, core.Variable):
            if id(obj) in ids:
                found[id(obj)] = obj
            return
        if isinstance(obj, core.Tensor):
            return
        if isinstance(obj, (types.FunctionType, types.MethodType, functools.partial)) or hasattr(obj, "python_function"):
            if (getattr(obj, "__module__", None) or "").partition(".")[0] in _LIBRARIES:
                return   # the library's own functions hold no user variables
            for part in function_parts(obj):
                look(part, 0)   # a function's reach starts afresh
            return
        if depth > 3:
            return
        if isinstance(obj, (list, tuple, set, frozenset)):
            items = list(obj)
        elif isinstance(obj, dict):
            items = list(obj.values())
        else:
            items = list(getattr(obj, "__dict__", {}).values())
            module_variables = getattr(type(obj), "variables", None)
            if isinstance(module_variables, property):
                try:
                    items += list(obj.variables)
                except Exception:  # noqa: BLE001 - a property that fails tells nothing
                    pass
            call = getattr(type(obj), "__call__", None)
            if isinstance(call, types.FunctionType):
                items.append(types.MethodType(call, obj))
        for item in items:
            look(item, depth + 1)

    look(fn, 0)
    for leaf in flat:
        if not isinstance(leaf, core.Tensor):
            look(leaf, 0)
    return list(found.values())


def _spec_of_argument(value):
    """A traced tensor as the spec of what it stands for (an argument of the trace: its static
    shape, None where the trace leaves a size open; another tensor: its shape); Python values as
    they are, other objects by weak reference."""
    if isinstance(value, core.Tensor):
        return TensorSpec(value._static_shape(), value.dtype)
    if value is None or isinstance(value, (int, float, str, bytes)):
        return value
    try:
        return weakref.ref(value)   # an object (a method's instance): the record does not keep it alive
    except TypeError:
        return value


class _BoundFunction:
    """A ``wb.function`` method bound to its instance (the instance is the first argument)."""

    __slots__ = ("_function", "_obj")

    def __init__(self, function, obj):
        self._function, self._obj = function, obj

    def __call__(self, *args, **kwargs):
        return self._function._call_method(self._obj, *args, **kwargs)

    def get_concrete_function(self, *args, **kwargs):
        concrete = self._function._get_concrete((self._obj,), args, kwargs)
        if self._function._signature is None:
            return concrete   # the instance is one of the values it was traced with
        # an input_signature leaves the instance out: this instance's view of the trace
        bound = copy.copy(concrete)
        bound._head = (self._obj,)
        return bound

    @property
    def function_spec(self) -> "FunctionSpec":
        """The method's ``FunctionSpec``, without the instance's parameter."""
        f = self._function
        return FunctionSpec(f._params[1:], f._signature, f._jit_compile)

    def __getattr__(self, name):
        return getattr(self._function, name)


class ConcreteFunction:
    """One trace of a ``wb.function`` for a (generalized) input signature: its programs,
    one per concrete input shape. Calling it checks the arguments against its signature."""

    def __init__(self, function, general, args, kwargs):
        self._function = function
        self._general = general
        self._programs: list = []
        self._latest = None
        self._outputs = None
        if function._signature is not None:
            self._inputs = (tuple(function._signature), {})
        else:
            flat = nest.flatten((args, kwargs))
            specs = [_spec(leaf, part) for leaf, part in zip(flat, general[2:])]
            self._inputs = _extension_specs(nest.pack_sequence_as((args, kwargs), specs))
            self._inputs = (tuple(self._inputs[0]), self._inputs[1])

    def _name_inputs(self, specs):
        """Take the names of the TensorSpecs ``get_concrete_function`` was given (``specs``: the
        flat arguments), as TF keeps them."""
        flat = nest.flatten(self._inputs)
        if len(flat) != len(specs):
            return
        named = [TensorSpec(s.shape, s.dtype, given.name) if isinstance(s, TensorSpec) and isinstance(
            given, TensorSpec) and given.name is not None and s.name is None else s for s, given in zip(flat, specs)]
        self._inputs = nest.pack_sequence_as(self._inputs, named)

    def _add(self, program, result, shapes=None):
        """A new program; ``shapes``: the symbolic shapes of its values where the inputs leave
        sizes open (``signature.output_shapes``), which the output specs take."""
        self._programs.append(program)

        def spec(v):
            if isinstance(v, core.Variable):   # a variable returns its value
                return TensorSpec(v.shape, v.dtype)
            s = _spec(v, None)
            if shapes is not None and isinstance(s, TensorSpec) and id(v) in shapes:
                return TensorSpec(shapes[id(v)], s.dtype)
            if shapes is not None and id(v) in shapes and hasattr(s, "_with_shape"):   # a SparseTensorSpec
                return s._with_shape(TensorShape(shapes[id(v)]))
            return s
        out = nest.map_structure(spec, result)
        self._outputs = out if self._outputs is None else _widen(self._outputs, out)

    @property
    def structured_input_signature(self):
        """(the positional specs, the keyword specs): ``TensorSpec`` for tensor arguments,
        the value itself for Python values. A spec without a name is named as TF names its
        placeholder: after its parameter, with the path into a nested argument (``pair_0``,
        ``d_b``)."""
        pos, kw = self._inputs
        params = self._parameters()
        names = [p[0] for p in params[:len(pos)]]
        return (tuple(_named(v, n) for v, n in zip(pos, names)) + tuple(pos[len(names):]),
                {k: _named(v, k) for k, v in kw.items()})

    @property
    def structured_outputs(self):
        return self._outputs

    @property
    def outputs(self) -> list:
        """The outputs' specs, flat (TF's output tensors of the graph, with their static shapes)."""
        return [s for s in nest.flatten(self._outputs) if isinstance(s, TensorSpec)]

    @property
    def variables(self) -> tuple:
        """The variables the function captures (not those passed as arguments), as TF's."""
        return tuple(self._captured_variables().values())

    @property
    def trainable_variables(self) -> tuple:
        return tuple(v for v in self.variables if v.trainable)

    def _captured_variables(self) -> dict:
        return {id(v): v for p in self._programs for v in getattr(p, "_variables", ())
                if id(v) not in getattr(p, "variable_arguments", ())}

    @property
    def output_shapes(self):
        """The outputs' static shapes (``TensorShape``), in the structure of the outputs."""
        return nest.map_structure(lambda s: s.shape if isinstance(s, TensorSpec) else s, self._outputs)

    @property
    def output_dtypes(self):
        """The outputs' dtypes, in the structure of the outputs."""
        return nest.map_structure(lambda s: s.dtype if isinstance(s, TensorSpec) else s, self._outputs)

    @property
    def inference_fn(self) -> "AtomicFunction":
        """The function of the flat tensor inputs alone (TF's ``AtomicFunction``)."""
        return AtomicFunction(self)

    @property
    def graph(self) -> FuncGraph:
        """The latest program's steps as TF's graph (``as_graph_def().node``; see ``graphdef``)."""
        if not self._programs:
            raise AttributeError("ConcreteFunction.graph: nothing was traced yet")
        return self._graph_of(self._latest or self._programs[-1])

    def _graph_of(self, program) -> FuncGraph:
        pos, kw = self._inputs
        params = self._function._params
        pnames = [params[i].name if i < len(params) else f"args_{i}" for i in range(len(pos))]
        named = (tuple(nest.map_structure(lambda _, n=n: n, v) for n, v in zip(pnames, pos)),
                 {k: nest.map_structure(lambda _, k=k: k, v) for k, v in kw.items()})
        return FuncGraph(self._function._name, program, nest.flatten(named))

    @property
    def function_type(self) -> "FunctionType":
        """The parameters and the output type, shown as TF shows them:
        ``(a: TensorSpec(...), b: Literal[2]) -> TensorSpec(...)``."""
        return FunctionType([(n, kind, s) for n, kind, s in self._parameters()], self._outputs)

    def __call__(self, *args, **kwargs):
        f = self._function
        if f._signature is not None:
            args, kwargs = f._bind(args, kwargs)
            head = getattr(self, "_head", ())
            if head:   # a method's, for the instance it was asked of
                return f._call_method(*head, *args, **kwargs)
        else:
            args, kwargs = self._complete(args, kwargs)
        return f(*args, **kwargs)

    def _complete(self, args, kwargs):
        """All the arguments of a call, as TF binds them: first against every parameter (the
        Python values it was traced with may be left out, and must be those values when given),
        else against the tensor parameters alone, the Python values filled in."""
        f = self._function
        params = self._parameters()
        full = self._fill(params, args, kwargs)
        if full is None:
            tensors = [p for p in params if _is_spec(p[2])]
            named = {n: v for n, v in kwargs.items()}
            if len(args) <= len(tensors) and all(n in {p[0] for p in tensors} for n in named):
                given = dict(zip((p[0] for p in tensors), args))
                if not set(given) & set(named):
                    given.update(named)
                    full = self._fill(params, (), given)
        if full is not None:
            args, kwargs = full
            flat = nest.flatten((args, kwargs))
            if ARGUMENTS.expander is not None and ARGUMENTS.expander.takes(flat):
                expanded = ARGUMENTS.expander.expand_arguments(args, kwargs)
                flat = nest.flatten(expanded)
                key = plain(signature(*expanded, flat))
            else:
                key = plain(signature(args, kwargs, flat))
            if covers(self._general, key):
                return args, kwargs
            values = dict(zip([p[0] for p in params], list(args))) | kwargs
            for i, (name, _, spec) in enumerate(params):
                value = values.get(name)
                if isinstance(spec, TensorSpec) and isinstance(value, core.Tensor) and value.dtype != spec.dtype:
                    # TF binds the tensors, then its kernel refuses the dtype
                    raise errors.InvalidArgumentError(
                        None, None, f"cannot compute {f._name} as input #{i}(zero-based) was expected to "
                        f"be a {_dtype_name(spec.dtype)} tensor but is a {_dtype_name(value.dtype)} tensor")
        shown = ", ".join([_short(a) for a in args] + [f"{k}={_short(v)}" for k, v in kwargs.items()])
        raise TypeError(f"ConcreteFunction '{f._name}': the arguments ({shown}) do not fit its "
                        f"input signature ({self._describe_inputs()})")

    def _fill(self, params, args, kwargs):
        """(args, kwargs) for the traced function with the traced Python values filled in, or
        None where the arguments do not bind (too many, unknown names, another Python value)."""
        if len(args) > len(params):
            return None
        values = dict(zip((p[0] for p in params), args))
        for name, value in kwargs.items():
            if name in values or name not in {p[0] for p in params}:
                return None
            values[name] = value
        pos, kw = [], {}
        for name, kind, spec in params:
            if name in values:
                value = values[name]
                if not _is_spec(spec) and not _same_value(value, spec):
                    return None
                if isinstance(spec, TensorSpec) and not isinstance(value, core.Tensor):
                    try:   # a Python value for a tensor parameter: converted as TF converts it
                        value = core.convert_to_tensor(value, dtype=spec.dtype)
                    except (TypeError, ValueError):
                        return None
            elif _is_spec(spec):
                return None   # a tensor argument is missing
            else:
                value = spec
            if kind == "KEYWORD_ONLY":
                kw[name] = value
            else:
                pos.append(value)
        return tuple(pos), kw

    def _describe_inputs(self):
        return ", ".join(f"{n}: {_show(s)}" for n, _, s in self._parameters())

    def _parameters(self):
        params = self._function._params
        pos, kw = self._inputs
        if self._function._signature is not None and params and params[0].name in ("self", "cls") \
                and len(params) > len(pos):
            params = params[1:]  # a method's instance: not described by the input_signature
        out = []
        for i, spec in enumerate(pos):
            p = params[i] if i < len(params) else None
            out.append((p.name if p else f"args_{i}", p.kind.name if p else "VAR_POSITIONAL", spec))
        for k, spec in kw.items():
            out.append((k, "KEYWORD_ONLY", spec))
        return out

    def pretty_printed_signature(self, verbose=True) -> str:
        lines = ["Input Parameters:"]
        lines += [f"  {n} ({kind}): {_show(s)}" for n, kind, s in self._parameters()]
        lines += ["Output Type:", f"  {_show(self._outputs)}", "Captures:"]
        variables = self._captured_variables()
        if variables:
            lines += [f"  {v.path}: TensorSpec(shape={v.shape}, dtype=wb.resource, name=None)"
                      for v in variables.values()]
        else:
            lines.append("  None")
        return "\n".join(lines)

    def __getattr__(self, name):
        # the program of the latest concrete shape asked for (ops, steps, fusion, graph, eager, why)
        if name in ("_latest", "_programs") or not self._programs:
            raise AttributeError(f"'ConcreteFunction' object has no attribute {name!r}")
        return getattr(self._latest or self._programs[-1], name)

    def __repr__(self):
        return f"<ConcreteFunction {self.function_type} at 0x{id(self):X}>"

    def __str__(self):
        return "ConcreteFunction " + self.pretty_printed_signature()


class _SilentStdout:
    """``sys.stdout`` while a function's Python body runs again where TF would not run it:
    Python's ``print`` on this thread writes nothing; ``wb.print`` (which writes to
    ``unsilenced``) and other threads write as usual."""

    def __init__(self, real):
        self.unsilenced = real
        self._thread = threading.get_ident()

    def write(self, text):
        if threading.get_ident() != self._thread:
            return self.unsilenced.write(text)
        return len(text)

    def flush(self):
        self.unsilenced.flush()

    def __getattr__(self, name):
        return getattr(self.unsilenced, name)


@contextlib.contextmanager
def _python_prints_silenced():
    real = sys.stdout
    sys.stdout = _SilentStdout(real)
    try:
        yield
    finally:
        sys.stdout = real


_PYTHON_VALUES = (bool, int, float, complex, str, bytes)


def _as_outputs(result, variables=True):
    """The function's result as TF returns it: Python numbers, bools and strings become
    tensors, a variable its value (``None`` and other objects stay what they are)."""
    if result is None or type(result) is core.Tensor:
        return result
    if isinstance(result, _PYTHON_VALUES):
        return core.convert_to_tensor(result)
    kinds = _PYTHON_VALUES + (core.Variable, Placeholder) if variables else _PYTHON_VALUES
    if isinstance(result, (core.Variable, Placeholder)):
        return _value_of(result) if variables else result
    flat = nest.flatten(result)
    if not any(isinstance(v, kinds) for v in flat):
        return result
    return nest.pack_sequence_as(result, [core.convert_to_tensor(v) if isinstance(v, _PYTHON_VALUES)
                                          else _value_of(v) if isinstance(v, kinds) else v
                                          for v in flat])


def _value_of(var):
    """A variable's current value, as a tensor of its own (later assignments leave it be),
    read by an op so that a tape or an enclosing trace sees the read; a placeholder's value
    as a plain tensor."""
    if isinstance(var, Placeholder):
        return core.wrap(var._data)
    return identity(var)


class AtomicFunction:
    """A concrete function called with its tensor inputs only, flat, in order (TF's
    ``AtomicFunction``); the Python values it was traced with are fixed."""

    def __init__(self, concrete):
        self._concrete = concrete
        self.name = concrete._function._name

    def __call__(self, *tensors):
        c = self._concrete
        structure = (c._inputs[0], c._inputs[1])
        leaves = nest.flatten(structure)
        slots = [i for i, leaf in enumerate(leaves) if _is_spec(leaf)]
        if len(tensors) != len(slots):
            raise TypeError(f"AtomicFunction '{self.name}': expected {len(slots)} tensor inputs, got {len(tensors)}")
        for i, t in zip(slots, tensors):
            leaves[i] = t
        args, kwargs = nest.pack_sequence_as(structure, leaves)
        return c(*args, **kwargs)

    def __repr__(self):
        return f"<AtomicFunction {self.name}>"


class FunctionSpec:
    """How a ``wb.function`` binds its arguments (TF's ``FunctionSpec``): ``fullargspec``,
    ``arg_names``, ``default_values``, ``input_signature`` and ``signature_summary()``. With
    an input_signature, the parameters it covers are positional-only and ``*args``/``**kwargs``
    are not taken, as in TF."""

    def __init__(self, params, input_signature, jit_compile=None):
        self.input_signature = input_signature
        self.jit_compile = jit_compile
        self.is_pure = False
        if input_signature is not None:
            params = [p for p in params if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
        self._params = params
        positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        keyword = [p for p in params if p.kind is p.KEYWORD_ONLY]
        var = {p.kind: p.name for p in params if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}
        defaults = tuple(p.default for p in positional if p.default is not p.empty)
        kwdefaults = {p.name: p.default for p in keyword if p.default is not p.empty}
        self.fullargspec = inspect.FullArgSpec(
            args=[p.name for p in positional], varargs=var.get(inspect.Parameter.VAR_POSITIONAL),
            varkw=var.get(inspect.Parameter.VAR_KEYWORD), defaults=defaults or None, kwonlyargs=[p.name for p in keyword],
            kwonlydefaults=kwdefaults or None, annotations={})
        self.arg_names = [p.name for p in positional]
        self.default_values = {p.name: p.default for p in params if p.default is not p.empty}

    @property
    def flat_input_signature(self):
        return (None,) if self.input_signature is None else tuple(nest.flatten(self.input_signature))

    def signature_summary(self, default_values=False) -> str:
        """The parameters as TF prints them, each with its spec (None where none is given)."""
        lines = ["Input Parameters:"]
        specs = list(self.input_signature or ())
        for i, p in enumerate(self._params):
            kind = p.kind.name
            if self.input_signature is not None:
                kind = "POSITIONAL_ONLY" if p.kind is not p.KEYWORD_ONLY else kind
                shown = _show(specs[i]) if i < len(specs) else (
                    _show(p.default) if p.default is not p.empty else "None")
            else:
                shown = "None"
            lines.append(f"  {p.name} ({kind}): {shown}")
        lines += ["Output Type:", "  None", "Captures:", "  None"]
        if default_values and self.default_values:
            lines.append("Defaults:")
            lines += [f"  {k}: {v!r}" for k, v in self.default_values.items()]
        return "\n".join(lines)

    def __repr__(self):
        return f"FunctionSpec(fullargspec={self.fullargspec}, input_signature={self.input_signature})"


class FunctionType:
    """A concrete function's parameters (name, kind, spec or traced Python value) and output
    type (TF's ``FunctionType``, as far as printing and reading them go)."""

    def __init__(self, parameters, output):
        self.parameters = tuple(parameters)
        self.output = output

    def __repr__(self):
        inputs = ", ".join(f"{n}: {_show(s)}" for n, _, s in self.parameters)
        return f"({inputs}) -> {_show(self.output)}"


def _forget(captured, key, ref):
    """A captured tensor was freed: its id may name another object now."""
    if captured.get(key) is ref:
        del captured[key]


def _same_value(a, b) -> bool:
    """Whether a Python argument is the value a concrete function was traced with."""
    if a is b:
        return True
    if isinstance(a, _PYTHON_VALUES + (type(None),)) and isinstance(b, _PYTHON_VALUES + (type(None),)):
        return type(a) is type(b) and a == b
    return False


def _short(value) -> str:
    if isinstance(value, core.Tensor) and not isinstance(value, core.Variable):
        return repr(TensorSpec.from_tensor(value))
    return repr(value)


def _parameters(fn):
    try:
        return list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return []


def _admits(general, narrower) -> bool:
    """Whether the generalized signature ``general`` admits every call ``narrower`` (another
    generalized signature) admits."""
    if len(general) != len(narrower) or general[:2] != narrower[:2]:
        return False
    for g, n in zip(general[2:], narrower[2:]):
        if g[0] in "TA" and n[0] in "TA":
            if g[2:] != n[2:] or g[1] is not None and (n[1] is None or len(g[1]) != len(n[1]) or any(
                    a is not None and a != b for a, b in zip(g[1], n[1]))):
                return False
        elif g != n:
            return False
    return True


def _named(spec, name):
    """``spec`` with unnamed TensorSpecs named ``name`` (with the path into a nested value)."""
    if isinstance(spec, TensorSpec):
        return spec if spec.name is not None else TensorSpec(spec.shape, spec.dtype, name)
    if isinstance(spec, dict):
        return {k: _named(v, f"{name}_{k}") for k, v in spec.items()}
    if isinstance(spec, (list, tuple)) and not hasattr(spec, "_fields"):
        return type(spec)(_named(v, f"{name}_{i}") for i, v in enumerate(spec))
    return spec


def _defaults(params):
    """(how far positional defaults reach, the keyword-only defaults) of a function's parameters,
    or None where it has no defaults."""
    end, keyword = 0, []
    for i, p in enumerate(params):
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is not p.empty:
            end = i + 1
        elif p.kind is p.KEYWORD_ONLY and p.default is not p.empty:
            keyword.append((p.name, p.default))
    return None if not end and not keyword else (end, tuple(keyword))


def _is_spec(s) -> bool:
    return isinstance(s, (TensorSpec, VariableSpec)) or hasattr(s, "ragged_rank") and hasattr(
        s, "is_compatible_with") or hasattr(s, "_wb_expanded_spec") or _is_sparse_spec(s)


def _is_sparse_spec(s) -> bool:
    """A ``SparseTensorSpec`` (the compiler sits below the sparse package: by its name)."""
    return type(s).__name__ == "SparseTensorSpec" and hasattr(s, "value_type")


def _input_signature(sig, function):
    if not isinstance(sig, (list, tuple)):
        raise TypeError(f"wb.function '{function._name}': input_signature must be a list or tuple of "
                        f"wb.TensorSpec, got {type(sig).__name__}")
    for i, entry in enumerate(sig):
        for leaf in nest.flatten(entry):
            if not _is_spec(leaf):
                raise TypeError(f"wb.function '{function._name}': input_signature[{i}] must hold "
                                f"wb.TensorSpec or wb.RaggedTensorSpec, got {leaf!r}")
    params = [p for p in function._params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    has_var = any(p.kind == p.VAR_POSITIONAL for p in function._params)
    if function._params and not has_var and len(sig) > len(params):
        raise TypeError(f"wb.function '{function._name}': input_signature has {len(sig)} entries but "
                        f"the function takes {len(params)} positional parameters")
    return tuple(sig)


def _zeros(shape, dtype):
    """Zeros of ``dtype``; for strings, empty byte strings (NumPy's object zeros are ints)."""
    dt = np.dtype(dtype)
    if dt == object:
        return np.full(shape, b"", dtype=object)
    return np.zeros(shape, dt)


def _chosen(t, shape) -> bool:
    """Whether the stand-in ``t`` for an argument the trace serves at ``shape`` is one choice
    of several (see ``signature.stand_in_rounds``): an open size or rank, an integer tensor,
    a floating scalar or matrix."""
    if shape is None or None in shape:
        return True
    kind, ndim = t._data.dtype.kind, t._data.ndim
    return kind in "iu" or kind == "f" and ndim == 0 or kind in "fc" and ndim >= 2


def _specs_fit_signature(args, kwargs, input_signature):
    """Whether ``args`` are TensorSpecs, one per input_signature entry, that each fit it."""
    if kwargs or len(args) != len(input_signature):
        return False
    for given, spec in zip(args, input_signature):
        given, spec = nest.flatten(given), nest.flatten(spec)
        if len(given) != len(spec) or not all(isinstance(g, TensorSpec) and isinstance(s, TensorSpec)
                                              and s.is_compatible_with(g) for g, s in zip(given, spec)):
            return False
    return True


def _ranked_examples(stand_in):
    """``_example`` for stand-ins whose specs of unknown rank take the ranks ``stand_in[2]`` in
    turn (the last for any after them): labels of rank r beside logits of rank r + 1."""
    size, fill, ranks = stand_in
    seen = [0]

    def example(spec):
        if isinstance(spec, TensorSpec) and spec.shape.rank is None:
            rank = ranks[min(seen[0], len(ranks) - 1)]
            seen[0] += 1
            return _example(spec, size, fill, rank)
        return _example(spec, size, fill, 0)
    return example


def _example(spec, size=1, fill=0, rank=0):
    """A tensor of ``spec`` (zeros, or empty strings; ``size`` where a dimension is None;
    ``rank`` sizes ``size`` where the rank is unknown; integer scalars and shape vectors as
    ``fill`` says: ``signature.stand_in_fill``) to trace with."""
    if isinstance(spec, TensorSpec):
        if spec.shape.rank is None:  # any rank: trace with a scalar, else the rank given
            shape = (size,) * rank
        else:
            shape = tuple(size if d is None else d for d in spec.shape)
        filled = stand_in_fill(spec, shape, fill)
        return core.convert_to_tensor(_zeros(shape, spec.dtype) if filled is None else filled)
    if hasattr(spec, "_wb_expanded_spec"):   # an ExtensionType's spec
        return ARGUMENTS.expander.example_of(spec)
    if _is_sparse_spec(spec):   # no entries, in a dense shape of size 1 where it is open
        if spec.shape.rank is None:
            raise TypeError(f"get_concrete_function: {spec!r} has an unknown rank; give its rank")
        dense = [size if d is None else d for d in spec.shape.as_list()]
        return spec.value_type(np.zeros((0, len(dense)), np.int64), _zeros((0,), spec.dtype), dense)
    if _is_spec(spec):
        return _ragged_example(spec)
    return spec


def _ragged_example(spec):
    """A ragged value of ``spec`` (a ``RaggedTensorSpec``) to trace with: zeros, one row where
    the number of rows is not known, rows of length 1 where their length is not known."""
    rr = spec.ragged_rank
    shape = spec.shape.as_list() if spec.shape.rank is not None else [None] * (rr + 1)
    if rr < 1:
        raise TypeError(f"get_concrete_function: {spec!r} has ragged_rank 0; pass a tensor or a TensorSpec")
    rows = 1 if shape[0] is None else shape[0]
    lengths = []
    for d in shape[1:rr + 1]:
        size = 1 if d is None else d
        lengths.append(np.full(rows, size, dtype=np.dtype(spec.row_splits_dtype)))
        rows *= size
    inner = tuple(1 if d is None else d for d in shape[rr + 1:])
    values = core.convert_to_tensor(_zeros((rows,) + inner, spec.dtype))
    return spec.value_type.from_nested_row_lengths(values, lengths)


def _is_static(leaf) -> bool:
    """The non-tensor part of an ExtensionType argument bound tensor by tensor."""
    return hasattr(leaf, "like") and hasattr(leaf, "key") and hasattr(leaf, "placeholder_value")


def _extension_specs(structure):
    """``structure`` with each ExtensionType argument bound tensor by tensor (its static part,
    then its tensor fields' specs) shown as the type's Spec, as TF shows it."""
    if (_is_static(getattr(structure, "static", None)) and isinstance(structure, tuple)
            and hasattr(structure.static.like, "_type_spec")):     # not a StructuredTensor's
        like = structure.static.like
        leaves = iter([leaf for leaf in nest.flatten(structure.parts) if not _is_static(leaf)])
        return _refill_spec(like._type_spec, leaves)
    if isinstance(structure, dict):
        return {k: _extension_specs(v) for k, v in structure.items()}
    if isinstance(structure, (list, tuple)) and not hasattr(structure, "_fields"):
        return type(structure)(_extension_specs(v) for v in structure)
    return structure


def _refill_spec(spec, leaves):
    """``spec`` (an ExtensionType's Spec) with its tensor specs taken in turn from ``leaves``."""
    if hasattr(spec, "_field_values") and hasattr(type(spec), "_wb_from_fields"):
        return type(spec)._wb_from_fields({k: _refill_spec(v, leaves) for k, v in spec._field_values()})
    if isinstance(spec, TensorSpec) or hasattr(spec, "ragged_rank"):
        return next(leaves)
    if isinstance(spec, tuple) and not isinstance(spec, TensorShape):
        return tuple(_refill_spec(v, leaves) for v in spec)
    if isinstance(spec, dict) or type(spec).__name__ == "ImmutableDict":
        refilled = {k: _refill_spec(spec[k], leaves) for k in sorted(spec)}
        return type(spec)({k: refilled[k] for k in spec})
    return spec


def _general_part(part, spec):
    """A get_concrete_function argument's part of the concrete function's signature: a
    TensorSpec's shape (None where any size fits); a RaggedTensorSpec, or a ragged value's
    spec, as it is (``signature.covers`` fits ragged arguments to it)."""
    if isinstance(spec, TensorSpec):
        return (part[0], None if spec.shape.rank is None else tuple(spec.shape)) + part[2:]
    if part[0] == "C" and _is_spec(spec):
        return ("S", spec)
    if part[0] == "C" and hasattr(spec, "_spec"):
        return ("S", spec._spec())
    return part


class VariableSpec:
    """How a concrete function sees a variable argument (TF's ``VariableSpec``): its shape,
    dtype, ``trainable`` and alias number (which earlier variable argument it is, counted
    from 0 in the order the arguments flatten)."""

    __slots__ = ("shape", "dtype", "trainable", "alias_id")

    def __init__(self, shape, dtype, trainable=True, alias_id=None):
        self.shape = TensorShape(shape)
        self.dtype = dtype
        self.trainable = bool(trainable)
        self.alias_id = alias_id

    def __eq__(self, other):
        return isinstance(other, VariableSpec) and (self.shape, self.dtype, self.trainable, self.alias_id) == (
            other.shape, other.dtype, other.trainable, other.alias_id)

    def __hash__(self):
        return hash((VariableSpec, tuple(self.shape.as_list()) if self.shape.rank is not None else None,
                     self.trainable, self.alias_id))

    def __repr__(self):
        return (f"VariableSpec(shape={self.shape}, dtype=wb.{_dtype_name(self.dtype)}, "
                f"trainable={self.trainable}, alias_id={self.alias_id})")


def _spec(leaf, part):
    if part is not None and part[0] == "S":
        return part[1]
    if isinstance(leaf, core.Variable):
        return VariableSpec(leaf.shape, leaf.dtype, leaf.trainable, part[4] if part is not None else None)
    if isinstance(leaf, core.Tensor) and not isinstance(leaf, core.Variable):
        shape = part[1] if part is not None and part[0] in "TA" else leaf.shape
        return TensorSpec(shape, leaf.dtype)
    if isinstance(leaf, core.CompositeTensor) and hasattr(leaf, "_spec"):
        return leaf._spec()
    return leaf


def _widen(a, b):
    fa, fb = nest.flatten(a), nest.flatten(b)
    out = [x.most_specific_common_supertype([y]) or x if isinstance(x, TensorSpec) else x
           for x, y in zip(fa, fb)]
    return nest.pack_sequence_as(a, out)


def _show(value):
    """An input or output type as TF prints it: specs as they are, Python values as
    ``Literal[v]``, containers as ``List[...]``, ``Tuple[...]``, ``Dict[['k', ...], ...]``."""
    if _is_spec(value) or type(value).__name__.endswith("Spec") and hasattr(value, "is_compatible_with"):
        return repr(value)   # (a SparseTensorSpec too)
    if isinstance(value, list):
        return "List[" + ", ".join(_show(v) for v in value) + "]"
    if isinstance(value, tuple):
        return "Tuple[" + ", ".join(_show(v) for v in value) + "]"
    if isinstance(value, dict):
        return "Dict[" + ", ".join(f"[{k!r}, {_show(v)}]" for k, v in value.items()) + "]"
    return f"Literal[{value!r}]"
