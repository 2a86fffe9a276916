"""Ordinal and multivariate families (second group): OrderedLogistic, StoppingRatioLogistic, ...

SciPy has none of the ordinal families: their references are TFP 0.25's values (printed by TFP
0.25 in float64, pinned here as literals)."""

import numpy as np

from probability.distributions import OrderedLogistic, StoppingRatioLogistic

from . import DistCase

# shared ordinal parameters: batch [3, 2], K = 3 cutpoints (4 classes)
ORD_CUTPOINTS = np.array([[-1.0, 0.5, 2.0], [-0.3, 0.0, 0.9]])
ORD_LOC = np.array([[0.3], [-0.7], [1.2]])
ORD_POINTS = np.array([[1.0, 2.0]])

# TFP 0.25: OrderedLogistic(ORD_CUTPOINTS, ORD_LOC).categorical_log_probs()
ORDERED_LOGISTIC_CLP = np.array([
    [[-1.5410084538329922, -1.0916297821400378, -1.2184073576933119, -1.8677860293862658],
     [-1.0374879504858856, -2.642068807769259, -1.5136786378631348, -1.0374879504858856]],
    [[-0.8543552444685272, -1.0701201707320123, -1.7808084880400756, -2.7650435617765905],
     [-0.5130152523999526, -2.6664269141002572, -1.8089222326825192, -1.7839007408883387]],
    [[-2.3050833197686957, -1.4607518275796079, -1.0267691737586895, -1.1711006659477778],
     [-1.7014132779827524, -3.01492135813563, -1.6394731547152805, -0.5543552444685271]]])
# TFP 0.25: StoppingRatioLogistic(ORD_CUTPOINTS, ORD_LOC).categorical_log_probs()
STOPPING_RATIO_CLP = np.array([
    [[-1.5410084538329922, -0.8391473232145841, -1.2069333526008497, -2.90693335260085],
     [-1.0374879504858854, -1.291843194954413, -1.4293311454402982, -2.0293311454402985]],
    [[-0.8543552444685272, -0.8176377118065582, -2.082681273583149, -4.782681273583149],
     [-0.5130152523999526, -1.3162013012854104, -2.200102042173749, -3.8001020421737493]],
    [[-2.3050833197686957, -1.208269368654154, -0.8793700346019314, -1.6793700346019313],
     [-1.7014132779827524, -1.6646957453207836, -1.3190509897893108, -1.0190509897893107]]])


def _pick(table):
    """A log_prob ref: ``table[..., x]`` per batch member."""
    def ref(params, x):
        x = np.broadcast_to(x, table.shape[:-1]).astype(int)
        return np.take_along_axis(table, x[..., None], axis=-1)[..., 0]
    return ref


CASES = [
    DistCase("OrderedLogistic", OrderedLogistic, {"cutpoints": ORD_CUTPOINTS, "loc": ORD_LOC},
             points=ORD_POINTS,
             ref={"log_prob": _pick(ORDERED_LOGISTIC_CLP),
                  # TFP 0.25's cdf at [[1, 2]] and entropy
                  "cdf": np.array([[0.549833997312478, 0.6456563062257955], [0.7685247834990176, 0.8320183851339245],
                                   [0.33181222783183384, 0.42555748318834097]]),
                  "entropy": np.array([[1.3452483760633505, 1.2565652435875474],
                                       [1.2047871096068024, 1.0884722357826435],
                                       [1.2997388500439433, 1.0949000624425702]])},
             checks=("log_prob", "cdf", "entropy"), discrete=True, sample_test=None,
             invalid={"cutpoints": [1.0, 0.0], "loc": 0.0}),
    DistCase("OrderedLogistic float dtype", OrderedLogistic, {"cutpoints": np.array([-2.0, 0.0, 2.0]),
                                                             "loc": np.array([0.0, 2.5])},
             fixed={"dtype": np.float64}, points=np.array([[0.0], [3.0]]),
             # TFP 0.25's example probabilities 0.11920292202211755, 0.3807970779778824 (loc 0) and
             # at loc 2.5, sigmoid(-4.5) and sigmoid(0.5)
             ref={"log_prob": np.log([[0.11920292202211755, 0.01098694263059318],
                                      [0.11920292202211755, 0.6224593312018546]])},
             checks=("log_prob",), discrete=True, sample_test=None),
    DistCase("StoppingRatioLogistic", StoppingRatioLogistic, {"cutpoints": ORD_CUTPOINTS, "loc": ORD_LOC},
             points=ORD_POINTS,
             ref={"log_prob": _pick(STOPPING_RATIO_CLP),
                  "cdf": np.array([[0.6462438069117146, 0.8685766051052342], [0.8670307940536521, 0.9776315107895581],
                                   [0.39846428492940117, 0.6390626891158195]])},
             checks=("log_prob", "cdf"), discrete=True, sample_test=None,
             invalid={"cutpoints": [[0.0, 1.0], [2.0, 1.0]], "loc": 0.0}),
]
