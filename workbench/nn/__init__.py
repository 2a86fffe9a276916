"""``wb.nn``: activations, losses and other neural-network ops under TF's ``tf.nn`` names."""

from ..ops.dropout import *  # noqa: F401,F403
from ..ops.elementwise import log_sigmoid, sigmoid, softplus, tanh  # noqa: F401
from ..ops.nn import *  # noqa: F401,F403
from . import experimental  # noqa: F401,E402
from .module import Module  # noqa: F401,E402
from . import initializers, regularizers, serialization  # noqa: F401,E402
from .serialization import register_serializable  # noqa: F401,E402
from . import layers  # noqa: F401,E402
from .layers import Layer  # noqa: F401,E402
from .functional import Input, Model, Sequential  # noqa: F401,E402
from . import losses, metrics  # noqa: F401,E402
