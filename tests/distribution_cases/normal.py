import numpy as np
import scipy.stats as st

from probability.distributions import Normal

from . import DistCase

CASES = [
    DistCase("Normal", Normal, {"loc": np.array([0.0, 1.5, -2.0]), "scale": np.array([1.0, 0.5, 3.0])},
             points=np.array([0.3, 1.2, -7.0]),
             scipy=lambda loc, scale: st.norm(loc, scale),
             invalid={"loc": 0.0, "scale": -1.0}),
    DistCase("Normal broadcast", Normal, {"loc": np.array([[0.0], [1.0]]), "scale": np.array([0.5, 2.0])},
             points=np.array([0.25, -1.0]), scipy=lambda loc, scale: st.norm(loc, scale)),
]
