"""Routing public ops to user types (TF's ``tf.experimental.dispatch_for_api`` and friends).

A dispatch target is registered for an API with a signature: a dict from the API's parameter
names to types (a type, ``typing.Union`` of types, ``typing.List[T]`` / ``Sequence[T]`` for a
list of them), or the target's own annotations. A call whose arguments fit one registered
signature runs that target instead of the op; two fitting targets raise TF's ValueError. Only
the APIs that take composite arguments (``core.dispatchable`` and the elementwise op table) can
be dispatched; the elementwise API lists follow TF 2.21's.

>>> @wb.experimental.dispatch_for_unary_elementwise_apis(MaskedTensor)
... def masked_unary(api_func, x):
...     return MaskedTensor(api_func(x.values), x.mask)
"""

from __future__ import annotations

import collections.abc
import functools
import inspect
import typing

from . import core
from .ops import nn

__all__ = ["dispatch_for_api", "dispatch_for_binary_elementwise_apis",
           "dispatch_for_binary_elementwise_assert_apis", "dispatch_for_unary_elementwise_apis",
           "unregister_dispatch_for"]

# TF 2.21's elementwise API lists (tensorflow/python/util/dispatch.py registrations), by name;
# those this project has are resolved on wb.
UNARY_ELEMENTWISE_APIS = (
    "bitwise.invert", "cast", "clip_by_value", "debugging.check_numerics", "dtypes.saturate_cast",
    "image.adjust_brightness", "image.adjust_gamma", "image.convert_image_dtype", "io.decode_base64",
    "io.encode_base64", "math.abs", "math.acos", "math.acosh", "math.angle", "math.asin", "math.asinh",
    "math.atan", "math.atanh", "math.bessel_i0", "math.bessel_i0e", "math.bessel_i1", "math.bessel_i1e",
    "math.ceil", "math.conj", "math.cos", "math.cosh", "math.digamma", "math.erf", "math.erfc",
    "math.erfcinv", "math.erfinv", "math.exp", "math.expm1", "math.floor", "math.imag", "math.is_finite",
    "math.is_inf", "math.is_nan", "math.lgamma", "math.log", "math.log1p", "math.log_sigmoid",
    "math.logical_not", "math.ndtri", "math.negative", "math.nextafter", "math.real", "math.reciprocal",
    "math.reciprocal_no_nan", "math.rint", "math.round", "math.rsqrt", "math.sigmoid", "math.sign",
    "math.sin", "math.sinh", "math.softplus", "math.special.bessel_j0", "math.special.bessel_j1",
    "math.special.bessel_k0", "math.special.bessel_k0e", "math.special.bessel_k1",
    "math.special.bessel_k1e", "math.special.bessel_y0", "math.special.bessel_y1", "math.special.dawsn",
    "math.special.expint", "math.special.fresnel_cos", "math.special.fresnel_sin", "math.special.spence",
    "math.sqrt", "math.square", "math.tan", "math.tanh", "nn.elu", "nn.gelu", "nn.leaky_relu", "nn.relu",
    "nn.relu6", "nn.selu", "nn.silu", "nn.softsign", "ones_like", "strings.as_string", "strings.length",
    "strings.lower", "strings.regex_full_match", "strings.regex_replace", "strings.strip",
    "strings.substr", "strings.to_hash_bucket", "strings.to_hash_bucket_fast",
    "strings.to_hash_bucket_strong", "strings.to_number", "strings.unicode_script",
    "strings.unicode_transcode", "strings.upper", "zeros_like")
BINARY_ELEMENTWISE_APIS = (
    "bitwise.bitwise_and", "bitwise.bitwise_or", "bitwise.bitwise_xor", "bitwise.left_shift",
    "bitwise.right_shift", "dtypes.complex", "math.add", "math.atan2", "math.divide", "math.divide_no_nan",
    "math.equal", "math.floordiv", "math.floormod", "math.greater", "math.greater_equal", "math.less",
    "math.less_equal", "math.logical_and", "math.logical_or", "math.logical_xor", "math.maximum",
    "math.minimum", "math.multiply", "math.multiply_no_nan", "math.not_equal", "math.pow",
    "math.scalar_mul", "math.squared_difference", "math.subtract", "math.truediv", "math.xdivy",
    "math.xlog1py", "math.xlogy", "math.zeta", "nn.sigmoid_cross_entropy_with_logits", "realdiv",
    "truncatediv", "truncatemod")
BINARY_ELEMENTWISE_ASSERT_APIS = (
    "debugging.assert_equal", "debugging.assert_greater", "debugging.assert_greater_equal",
    "debugging.assert_less", "debugging.assert_less_equal", "debugging.assert_near",
    "debugging.assert_none_equal")

_DISPATCHABLE_CODE = core.dispatchable(lambda: None).__code__

# api -> [(target, checks: {param name: predicate})]; target -> [api, ...]
_TARGETS: dict = {}
_APIS_OF: dict = {}
_BUILT_IN: dict = {}   # api -> the handler dispatch had before user targets (None: none)


def _resolve(name):
    import workbench as wb   # (circular: the package imports this module)
    obj = wb
    for part in name.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def _apis(names):
    out = []
    for n in names:
        fn = _resolve(n)
        if fn is not None and supports_dispatch(fn) and fn not in out:
            out.append(fn)
    return out


# public functions that hand their tensor, unchanged and first, to one elementwise op: their
# dispatch happens in that op
_THROUGH = {"nn.relu": "_relu", "nn.relu6": "_relu6", "nn.elu": "_elu", "nn.selu": "_selu",
            "nn.softsign": "_softsign"}


def _entry(api):
    """The function whose dispatch serves ``api`` (``api`` itself, or the op it hands its tensor
    to); None when composite arguments never reach dispatch."""
    if (getattr(api, "__code__", None) is _DISPATCHABLE_CODE or getattr(api, "elementwise", False)
            or api in core.DISPATCH or api in _BUILT_IN):
        return api
    for name, inner in _THROUGH.items():
        if _resolve(name) is api:
            return getattr(nn, inner)
    return None


def supports_dispatch(api) -> bool:
    """Whether ``api`` hands composite arguments to dispatch (so that user targets can serve it)."""
    return _entry(api) is not None


def _type_check(tp):
    """A predicate for a signature's type: a class, ``Union`` of them, ``List[T]``/``Sequence[T]``."""
    origin = typing.get_origin(tp)
    if origin is typing.Union:
        checks = [_type_check(a) for a in typing.get_args(tp)]
        return lambda v: any(c(v) for c in checks)
    if origin in (list, collections.abc.Sequence, tuple, typing.List):
        (item,) = typing.get_args(tp)[:1] or (object,)
        check = _type_check(item)
        return lambda v: isinstance(v, (list, tuple)) and all(check(x) for x in v)
    if tp is None or tp is type(None):
        return lambda v: v is None
    if isinstance(tp, type):
        return lambda v: isinstance(v, tp)
    raise TypeError(f"Unsupported type annotation in dispatch signature: {tp!r}")


def _serve(api, args, kwargs):
    """The one fitting target's result for ``api(*args, **kwargs)``, else NotImplemented."""
    entries = _TARGETS.get(api)
    if not entries:
        return NotImplemented
    try:
        bound = inspect.signature(api).bind(*args, **kwargs).arguments
    except TypeError:
        return NotImplemented
    found = [target for target, checks in entries
             if all(name in bound and check(bound[name]) for name, check in checks.items())]
    if len(found) > 1:
        raise ValueError(f"Multiple dispatch targets that were registered with tf.dispatch_for ({found[0]} "
                         f"and {found[1]}) match the arguments to {api.__name__}")
    if not found:
        return NotImplemented
    return found[0](*args, **kwargs)


def _install(api):
    """Let ``api``'s dispatch consult the user targets before its built-in handler (a
    RaggedTensor's), which is put back when the last target goes."""
    entry = _entry(api)
    if entry in _BUILT_IN:
        return
    built_in = core.DISPATCH.get(entry)
    _BUILT_IN[entry] = built_in

    def handler(*args, **kwargs):
        out = _serve(api, args, kwargs)
        if out is not NotImplemented:
            return out
        values = (*args, *kwargs.values())
        for a in values:
            for v in (a if isinstance(a, (list, tuple)) else (a,)):
                if getattr(v, "__wb_extension__", False):
                    _not_convertible(v)
        if built_in is not None:
            return built_in(*args, **kwargs)
        for a in values:
            generic = getattr(type(a), "__wb_elementwise__", None)
            if generic is not None and getattr(entry, "elementwise", False):
                return generic(entry, args, kwargs)
        composite = next((a for a in values if core._composite(a)), values[0] if values else None)
        raise TypeError(f"{api.__name__} does not support {type(composite).__name__} arguments")
    core.DISPATCH[entry] = handler


def _uninstall(api):
    entry = _entry(api)
    built_in = _BUILT_IN.pop(entry, None)
    if built_in is None:
        core.DISPATCH.pop(entry, None)
    else:
        core.DISPATCH[entry] = built_in


def _not_convertible(v):
    raise ValueError(f"Attempt to convert a value ({v!r}) with an unsupported type ({type(v)}) to a Tensor.")


def _register(api, target, signature, call=None):
    """Register ``target`` for ``api`` (``call``, when given, is what runs in its place)."""
    if not supports_dispatch(api):
        raise ValueError(f"{api} does not support dispatch.")
    api_sig = inspect.signature(api)
    params = api_sig.parameters
    for name in signature:
        if name not in params:
            raise ValueError(f"signature includes annotation for unknown parameter {name!r}.")
    checks = {name: _type_check(tp) for name, tp in signature.items()}
    _TARGETS.setdefault(api, []).append((call or target, checks))
    _APIS_OF.setdefault(target, []).append(api)
    _install(api)


def _without_name(api, target):
    """``target`` called with ``api``'s arguments less ``name`` (a target may leave it out, as TF's)."""
    api_sig = inspect.signature(api)

    def call(*args, **kwargs):
        bound = api_sig.bind(*args, **kwargs)
        bound.arguments.pop("name", None)
        return target(*bound.args, **bound.kwargs)
    call.__name__ = call.__qualname__ = getattr(target, "__name__", "dispatch_target")
    call.__wrapped_handler__ = target
    return call


def dispatch_for_api(api, *signatures):
    """Decorator: run the decorated function instead of ``api`` when the arguments fit one of
    ``signatures`` (dicts from parameter names to types), or, with none given, the function's
    own parameter annotations. The function must take the API's parameters (it may leave out a
    last ``name``, as TF allows).

    >>> @wb.experimental.dispatch_for_api(wb.math.add, {"x": MaskedTensor, "y": MaskedTensor})
    ... def masked_add(x, y, name=None):
    ...     return MaskedTensor(x.values + y.values, x.mask & y.mask)
    """
    if not supports_dispatch(api):
        raise ValueError(f"{api} does not support dispatch.")

    def decorator(target):
        api_sig, target_sig = inspect.signature(api), inspect.signature(target)
        api_params = list(api_sig.parameters)
        target_params = list(target_sig.parameters)
        call = None
        if api_params and api_params[-1] == "name" and target_params == api_params[:-1]:
            call = _without_name(api, target)   # TF lets a target leave out the API's ``name``
        elif api_params != target_params:
            raise ValueError(f"Dispatch function's signature {target_sig} does not match API's signature "
                             f"{api_sig}.")
        sigs = signatures
        if not sigs:
            sigs = ({name: p.annotation for name, p in target_sig.parameters.items()
                     if p.annotation is not inspect.Parameter.empty},)
            try:
                hints = typing.get_type_hints(target)
                sigs = ({k: hints.get(k, v) for k, v in sigs[0].items()},)
            except Exception:   # noqa: BLE001 (unresolvable annotations: take them as written)
                pass
        for sig in sigs:
            _register(api, target, sig, call)
        return target
    return decorator


def _bind_other(api, x_names, args, kwargs):
    """(the API's tensor arguments by ``x_names``, a function of them that calls ``api`` with the
    other arguments of this call)."""
    bound = inspect.signature(api).bind(*args, **kwargs)
    values = [bound.arguments.pop(n) for n in x_names]
    rest = dict(bound.arguments)

    def tensor_api(*xs):
        return api(**dict(zip(x_names, xs)), **rest)
    tensor_api.__name__ = api.__name__
    return values, tensor_api


def _elementwise(names, types, handler):
    apis = _apis(names)
    for api in apis:
        params = list(inspect.signature(api).parameters)
        x_names = params[:len(types)]

        def target(*args, api=api, x_names=x_names, **kwargs):
            xs, tensor_api = _bind_other(api, x_names, args, kwargs)
            return handler(tensor_api, *xs)
        target.__name__ = f"elementwise_dispatch_target_for_{api.__name__}"
        target.__qualname__ = target.__name__
        target.__wrapped_handler__ = handler
        _TARGETS.setdefault(api, []).append((target, {n: _type_check(t) for n, t in zip(x_names, types)}))
        _APIS_OF.setdefault(handler, []).append(api)
        _install(api)
    return handler


def dispatch_for_unary_elementwise_apis(x_type):
    """Decorator: ``handler(api_func, x)`` serves every unary elementwise API (TF's list:
    ``wb.math.abs``, ``wb.exp``, ``wb.nn.relu``, ``wb.cast`` ...) when ``x`` is an ``x_type``;
    ``api_func`` is the API with its other arguments bound."""
    return lambda handler: _elementwise(UNARY_ELEMENTWISE_APIS, (x_type,), handler)


def dispatch_for_binary_elementwise_apis(x_type, y_type):
    """Decorator: ``handler(api_func, x, y)`` serves every binary elementwise API (TF's list:
    ``wb.math.add``, ``wb.maximum`` ...) when ``x`` and ``y`` fit ``x_type`` and ``y_type``."""
    return lambda handler: _elementwise(BINARY_ELEMENTWISE_APIS, (x_type, y_type), handler)


def dispatch_for_binary_elementwise_assert_apis(x_type, y_type):
    """Decorator: ``handler(assert_func, x, y)`` serves the elementwise assertions
    (``wb.debugging.assert_equal`` ...) when ``x`` and ``y`` fit ``x_type`` and ``y_type``."""
    return lambda handler: _elementwise(BINARY_ELEMENTWISE_ASSERT_APIS, (x_type, y_type), handler)


def unregister_dispatch_for(dispatch_target):
    """Remove every registration of ``dispatch_target`` (a function given to a ``dispatch_for_*``
    decorator); ValueError if it has none."""
    apis = _APIS_OF.pop(dispatch_target, None)
    if apis is None:
        raise ValueError(f"Function {dispatch_target} was not registered using a `@dispatch_for_*` decorator.")
    for api in set(apis):
        entries = [(t, c) for t, c in _TARGETS.get(api, [])
                   if t is not dispatch_target and getattr(t, "__wrapped_handler__", None) is not dispatch_target]
        _TARGETS[api] = entries
        if not entries:
            _TARGETS.pop(api, None)
            _uninstall(api)
