"""Error types under TF's names (``tf.errors``).

Every error an op raises for a bad value is an :class:`OpError` with TF's ``message``, ``op``,
``node_def`` and ``error_code``. Each class takes either TF's arguments
``(node_def, op, message)`` or just ``(message)``:

>>> try:
...     raise InvalidArgumentError(None, None, "x must be positive")
... except OpError as e:
...     e.message, e.error_code
('x must be positive', 3)

A few classes also derive from the Python error that plain Python code would raise for the same
problem (``InvalidArgumentError`` is a ``ValueError``, ``NotFoundError`` a ``LookupError``,
``UnimplementedError`` a ``NotImplementedError``, ``ResourceExhaustedError`` a ``MemoryError``,
``DeadlineExceededError`` a ``TimeoutError``, ``PermissionDeniedError`` a ``PermissionError``),
so that code written against either catches them.
"""

# TF's error codes (``tf.errors.OK`` … ``tf.errors.UNAUTHENTICATED``)
OK = 0
CANCELLED = 1
UNKNOWN = 2
INVALID_ARGUMENT = 3
DEADLINE_EXCEEDED = 4
NOT_FOUND = 5
ALREADY_EXISTS = 6
PERMISSION_DENIED = 7
RESOURCE_EXHAUSTED = 8
FAILED_PRECONDITION = 9
ABORTED = 10
OUT_OF_RANGE = 11
UNIMPLEMENTED = 12
INTERNAL = 13
UNAVAILABLE = 14
DATA_LOSS = 15
UNAUTHENTICATED = 16


class OpError(Exception):
    """The base of the errors an op raises (TF's ``tf.errors.OpError``).

    ``OpError(node_def, op, message, error_code)`` as in TF, or ``OpError(message)``;
    ``message`` is what went wrong, ``op`` the op that failed (or None) and ``error_code`` one of
    this module's codes.
    """

    error_code = UNKNOWN

    def __init__(self, *args, **kwargs):
        names = ("node_def", "op", "message", "error_code")
        if len(args) == 1 and not kwargs:
            values = {"message": args[0]}
        else:
            if len(args) > 4:
                raise TypeError(f"{type(self).__name__}: expected (node_def, op, message[, error_code]) "
                                f"or (message), got {len(args)} positional arguments")
            values = dict(zip(names, args))
            for key, value in kwargs.items():
                if key not in names:
                    raise TypeError(f"{type(self).__name__}: unexpected keyword argument {key!r}")
                if key in values:
                    raise TypeError(f"{type(self).__name__}: {key} given twice")
                values[key] = value
            if "message" not in values:
                raise TypeError(f"{type(self).__name__}: message must be given")
        self._node_def = values.get("node_def")
        self._op = values.get("op")
        self._message = str(values["message"])
        if values.get("error_code") is not None:
            self.error_code = int(values["error_code"])
        super().__init__(self._message)

    @property
    def message(self) -> str:
        """What went wrong."""
        return self._message

    @property
    def op(self):
        """The op that failed, or None (eager ops are not graph nodes)."""
        return self._op

    @property
    def node_def(self):
        return self._node_def

    def __str__(self):
        return self._message

    def __reduce__(self):
        return type(self), (self._node_def, self._op, self._message, self.error_code)


class CancelledError(OpError):
    """An operation was cancelled."""
    error_code = CANCELLED


class UnknownError(OpError):
    """An error with no better class."""
    error_code = UNKNOWN


class InvalidArgumentError(OpError, ValueError):
    """An op received a value it cannot accept (TF's ``tf.errors.InvalidArgumentError``)."""
    error_code = INVALID_ARGUMENT


class DeadlineExceededError(OpError, TimeoutError):
    """A deadline passed before the operation finished."""
    error_code = DEADLINE_EXCEEDED


class NotFoundError(OpError, LookupError):
    """A requested entity (a file, a checkpoint key) was not found."""
    error_code = NOT_FOUND


class AlreadyExistsError(OpError):
    """An entity that an operation tried to create already exists."""
    error_code = ALREADY_EXISTS


class PermissionDeniedError(OpError, PermissionError):
    """The caller may not run the operation."""
    error_code = PERMISSION_DENIED


class UnauthenticatedError(OpError):
    """The request has no valid credentials."""
    error_code = UNAUTHENTICATED


class ResourceExhaustedError(OpError, MemoryError):
    """A resource (memory, a quota) ran out."""
    error_code = RESOURCE_EXHAUSTED


class FailedPreconditionError(OpError):
    """The system is not in a state the operation needs (an uninitialized value)."""
    error_code = FAILED_PRECONDITION


class AbortedError(OpError):
    """The operation was aborted (typically by a concurrent action)."""
    error_code = ABORTED


class OutOfRangeError(OpError):
    """An operation went past the valid range (an iterator's ``get_next()`` at the end)."""
    error_code = OUT_OF_RANGE


class UnimplementedError(OpError, NotImplementedError):
    """The operation is not implemented or not supported."""
    error_code = UNIMPLEMENTED


class InternalError(OpError):
    """An invariant of the system broke."""
    error_code = INTERNAL


class UnavailableError(OpError):
    """A service is not available now (a retry may succeed)."""
    error_code = UNAVAILABLE


class DataLossError(OpError):
    """Data was lost or corrupted (a truncated file)."""
    error_code = DATA_LOSS


class OperatorNotAllowedInGraphError(TypeError):
    """A Python operation on a tensor that a graph cannot run (TF's error of that name): inside a
    ``wb.function`` trace, unpacking a tensor (``a, b = t``) or ``bool(t)`` called on it, which
    TF refuses even with AutoGraph (a ``for`` loop over a tensor and ``if t:`` are fine)."""


_BY_CODE = {cls.error_code: cls for cls in (
    CancelledError, UnknownError, InvalidArgumentError, DeadlineExceededError, NotFoundError,
    AlreadyExistsError, PermissionDeniedError, ResourceExhaustedError, FailedPreconditionError,
    AbortedError, OutOfRangeError, UnimplementedError, InternalError, UnavailableError,
    DataLossError, UnauthenticatedError)}


def exception_type_from_error_code(error_code):
    """The class for a TF error code (TF's ``tf.errors.exception_type_from_error_code``)."""
    try:
        return _BY_CODE[int(error_code)]
    except (KeyError, TypeError, ValueError):
        raise KeyError(f"exception_type_from_error_code: unknown error code {error_code!r}; "
                       f"expected one of {sorted(_BY_CODE)}") from None


def error_code_from_exception_type(cls):
    """The TF error code of an :class:`OpError` class."""
    if not (isinstance(cls, type) and issubclass(cls, OpError)):
        raise KeyError(f"error_code_from_exception_type: expected an OpError class, got {cls!r}")
    return cls.error_code


def eager_op_message(op_type, message, device=None, name=None, kernel=None):
    """``message`` worded as TF 2 words the error of an eager op's kernel: TF runs each eager op
    as a one-op function, whose name and device lead the text, and names the op's type at the
    end. ``device``: the device the op ran on (a ``workbench.backend.Device``; None: the CPU).
    ``name``: None for the ops TF calls without a name; a string (``""`` eagerly, where TF's name
    scopes are empty) for those called with one, whose text TF ends with ``" name: "`` and it.
    ``kernel``: the name of the kernel's function where it is not ``op_type`` (TF's x86 CPU
    builds run float32 products as oneDNN ops, ``_MklMatMul``).

    >>> eager_op_message("Reshape", "Input to reshape is a tensor with 6 values, but the requested shape has 4")[:62]
    '{{function_node __wrapped__Reshape_device_/job:localhost/repli'
    """
    kind = "GPU" if getattr(device, "kind", "cpu") == "gpu" else "CPU"
    index = getattr(device, "index", 0) if kind == "GPU" else 0
    return (f"{{{{function_node __wrapped__{kernel or op_type}_device_/job:localhost/replica:0/task:0/device:{kind}:{index}}}}} "
            f"{message} [Op:{op_type}]" + ("" if name is None else f" name: {name}"))


class UnconnectedGradientWarning(UserWarning):
    """``GradientTape.gradient`` returned None for a source, and says why."""
