"""``wb.Experiment``: one run in MLflow and in TensorBoard, under one name.

>>> import workbench as wb
>>> with wb.Experiment("digits", params={"lr": 0.1, "layers": 2}) as exp:     # doctest: +SKIP
...     manager = exp.checkpoint_manager(wb.Checkpoint(model=model, optimizer=opt))
...     for epoch in exp.progress(range(10), desc="epoch"):
...         for x, y in data:
...             loss = train_step(x, y)
...             exp.log_metric("loss", loss, step=int(opt.iterations))
...         exp.log_metrics({"val/loss": val_loss, "val/accuracy": val_acc})
...         manager.save()
>>> exp                                     # in Jupyter: the run's name, id and where to see it

Entering the block opens an MLflow run (a local SQLite store ``mlflow.db`` in
the working folder by default, or the server named by ``tracking_uri``,
``WORKBENCH_TRACKING_URI`` or ``MLFLOW_TRACKING_URI``) and a TensorBoard writer
in ``<logdir>/<run_name>``; the writer is also the default writer inside the
block, so plain ``wb.summary.scalar(...)`` calls land in the same run.
Params (with the git commit of the working folder), metrics (to both sinks),
system metrics (CPU, memory, GPU) and checkpoints are logged; at the end the
final and best value of every metric go to MLflow (``best_<metric>``) and to
TensorBoard's HParams dashboard. Metrics reach MLflow from a background thread
(:mod:`workbench.tracking`); if the store is away, nothing logged is lost.

``Experiment(resume=run_id)`` reopens a run: its params, its step counter, its
TensorBoard folder, and (through :meth:`Experiment.checkpoint_manager`) its
latest checkpoint.

When a remote tracking server cannot be reached as the run starts, the run
starts *offline* (one warning names the server and the journal file): it gets a
provisional id ``offline-<hex>``, and everything it logs is journaled in its
folder. The sender keeps trying; when the server answers, the MLflow run is
created, the journal replayed, and the run goes on online (:attr:`run_id` is
then MLflow's id). If the server never comes back during the run, ``workbench
sync`` creates the run and uploads everything later.
"""

from .facade import Experiment, active

__all__ = ["Experiment", "active"]
