"""``wb.nn``: TF's ``tf.nn``: activations, cross-entropies, convolutions, pooling, dropout and
other neural-network ops. The Keras objects (layers, models, losses, metrics) live in
``wb.keras``."""

from ..ops.conv import *  # noqa: F401,F403
from ..ops.dropout import *  # noqa: F401,F403
from ..ops.elementwise import log_sigmoid, sigmoid, softplus, tanh  # noqa: F401
from ..ops.nn import *  # noqa: F401,F403
from . import experimental  # noqa: F401,E402
from ..ops.loss_scaling import compute_average_loss, scale_regularization_loss  # noqa: F401,E402
from .ctc import (  # noqa: F401,E402
    collapse_repeated, ctc_beam_search_decoder, ctc_greedy_decoder, ctc_loss, ctc_unique_labels,
)
from ..ops.indexing import top_k  # noqa: F401,E402  (tf.nn.top_k, tf.math's too)
from ..ops.tf_extra import in_top_k, zero_fraction  # noqa: F401,E402  (tf.math's too)
from ..ops.pooling import max_pool_with_argmax  # noqa: F401,E402
from ..ops.space_batch import with_space_to_batch  # noqa: F401,E402
from ..ops.conv_more import depthwise_conv2d_backprop_filter, depthwise_conv2d_backprop_input  # noqa: F401,E402
from ..ops.candidate_sampling import (  # noqa: F401,E402
    all_candidate_sampler, fixed_unigram_candidate_sampler, learned_unigram_candidate_sampler,
)
from ..ops.fractional_pool import fractional_avg_pool, fractional_max_pool  # noqa: F401,E402
