"""``wb.optimizers``: Keras 3's optimizers and learning-rate schedules on NumPy/CuPy.

>>> w = wb.Variable([1.0, -2.0])
>>> opt = wb.optimizers.Adam(learning_rate=0.1)
>>> for _ in range(3):
...     opt.minimize(lambda: wb.reduce_sum(w * w), [w])
"""

from . import schedules
from .adagrad import Adagrad
from .adam import Adam
from .adamw import AdamW
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "schedules"]
