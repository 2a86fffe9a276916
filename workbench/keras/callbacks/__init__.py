"""``wb.keras.callbacks``: Keras 3's callbacks, called by ``Model.fit``, ``evaluate`` and ``predict``.

>>> model.fit(x, y, epochs=50, validation_split=0.2,                     # doctest: +SKIP
...           callbacks=[wb.keras.callbacks.EarlyStopping(patience=3, restore_best_weights=True)])

    callback                 Callback, the hooks
    callback_list            CallbackList, many callbacks as one (what fit drives)
    history, progbar_logger  History and ProgbarLogger (added by fit itself), Progbar
    early_stopping           EarlyStopping
    reduce_lr_on_plateau     ReduceLROnPlateau
    learning_rate_scheduler  LearningRateScheduler
    model_checkpoint         ModelCheckpoint
    backup_and_restore       BackupAndRestore (resume a killed fit)
    csv_logger               CSVLogger
    tensorboard              TensorBoard (through wb.summary)
    experiment_logger        ExperimentLogger (to a wb.Experiment; fit adds it when one is open)
    terminate_on_nan         TerminateOnNaN
    lambda_callback          LambdaCallback
    monitor                  which way a monitored metric improves (shared)
"""

from .backup_and_restore import BackupAndRestore
from .callback import Callback
from .callback_list import CallbackList
from .csv_logger import CSVLogger
from .early_stopping import EarlyStopping
from .experiment_logger import ExperimentLogger
from .history import History
from .lambda_callback import LambdaCallback
from .learning_rate_scheduler import LearningRateScheduler
from .model_checkpoint import ModelCheckpoint
from .progbar import Progbar
from .progbar_logger import ProgbarLogger
from .reduce_lr_on_plateau import ReduceLROnPlateau
from .tensorboard import TensorBoard
from .terminate_on_nan import TerminateOnNaN

__all__ = ["BackupAndRestore", "CSVLogger", "Callback", "CallbackList", "EarlyStopping", "ExperimentLogger",
           "History", "LambdaCallback", "LearningRateScheduler", "ModelCheckpoint", "Progbar", "ProgbarLogger",
           "ReduceLROnPlateau", "TensorBoard", "TerminateOnNaN"]
