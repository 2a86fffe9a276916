"""``wb.keras.callbacks``: Keras 3's callbacks, called by ``Model.fit``, ``evaluate`` and ``predict``.

>>> model.fit(x, y, epochs=50, validation_split=0.2,                     # doctest: +SKIP
...           callbacks=[wb.keras.callbacks.EarlyStopping(patience=3, restore_best_weights=True)])

``Callback`` (the hooks), ``CallbackList`` (many as one), ``History`` and ``ProgbarLogger``
(added by ``fit`` itself).
"""

from .callback import Callback
from .callback_list import CallbackList
from .history import History
from .progbar import Progbar
from .progbar_logger import ProgbarLogger

__all__ = ["Callback", "CallbackList", "History", "Progbar", "ProgbarLogger"]
