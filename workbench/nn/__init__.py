"""``wb.nn``: activations, losses and other neural-network ops under TF's ``tf.nn`` names."""

from ..ops.dropout import *  # noqa: F401,F403
from ..ops.elementwise import log_sigmoid, sigmoid, softplus, tanh  # noqa: F401
from ..ops.nn import *  # noqa: F401,F403
from . import experimental  # noqa: F401,E402
