"""W12: a data-parallel training step on 2 processes (W2's MLP, global batch 256).

Every competitor runs in both processes of one ``mpiexec -n 2`` job at once (the harness
starts it: ``PROCESSES``), each process on its half of the batch, the gradients summed
across the processes before the SGD update. Run in one process (the smoke tests) it is the
same step on the whole batch, with nothing to sum.
"""

from __future__ import annotations

import functools
import os

import numpy as np

from .w2_mlp_step import PARAMS
from .w2_mlp_step import make_inputs as _w2_inputs

KEY = "W12"
TITLE = "data-parallel MLP step, 2 processes"
PROCESSES = 2
DESCRIPTION = (
    "W2's 784-512-512-10 MLP trained data-parallel on 2 processes (`mpiexec -n 2`, one BLAS "
    "thread each), global batch 256, 128 per process, SGD: workbench runs TF's custom loop "
    "(`MultiWorkerMirroredStrategy`, `strategy.run` of a step with a `GradientTape`, "
    "`compute_average_loss`, `optimizer.apply_gradients`, which sums the gradients over MPI in "
    "fused buckets, and `strategy.reduce` of the loss); the limit is W2's hand-written step "
    "writing its gradients and its share of the loss into one buffer, one raw mpi4py "
    "`Allreduce` in place, and the update in place; PyTorch `DistributedDataParallel` over "
    "gloo with `torch.optim.SGD` and an `all_reduce` of the loss. The compared results are "
    "the global loss and the weights after the first step.")

CONFIGS = {
    "full": {"sizes": (784, 512, 512, 10), "batch": 256, "lr": 0.01},
    "quick": {"sizes": (20, 16, 16, 5), "batch": 16, "lr": 0.01},
}
UNIT = ("ms/step", 1e3)
TARGET = ("torch", 1.0)
RTOL, ATOL = 1e-5, 1e-6


def make_inputs(cfg, rng):
    return _w2_inputs(cfg, rng)


def _shard(inputs, cfg, env):
    """This process's rows of the batch."""
    per = cfg["batch"] // env.size
    rows = slice(env.rank * per, (env.rank + 1) * per)
    return inputs["x"][rows], inputs["labels"][rows]


def build_limit(inputs, cfg, env):
    """W2's backward pass by hand into one buffer (the gradients and this process's share of
    the loss), one in-place ``Allreduce``, the update in place."""
    xp, mm = env.xp, env.matmul
    x, labels = (xp.asarray(a) for a in _shard(inputs, cfg, env))
    params = [xp.array(inputs[k]) for k in PARAMS]
    sizes = [p.size for p in params]
    buf = xp.empty(sum(sizes) + 1, np.float32)
    views, at = [], 0
    for p, n in zip(params, sizes):
        views.append(buf[at:at + n].reshape(p.shape))
        at += n
    rows = xp.arange(x.shape[0])
    inv_batch = np.float32(1.0 / cfg["batch"])
    lr = np.float32(cfg["lr"])
    W1, b1, W2, b2, W3, b3 = params
    gW1, gb1, gW2, gb2, gW3, gb3 = views
    into = mm is np.matmul
    comm = env.comm
    if comm is not None:
        from mpi4py import MPI
        in_place, total = MPI.IN_PLACE, MPI.SUM

    def product(a, b, out):
        if into:
            np.matmul(a, b, out=out)
        else:
            out[...] = mm(a, b)

    def step():
        z1 = mm(x, W1) + b1
        h1 = xp.maximum(z1, 0)
        z2 = mm(h1, W2) + b2
        h2 = xp.maximum(z2, 0)
        logits = mm(h2, W3) + b3
        m = logits.max(axis=1, keepdims=True)
        e = xp.exp(logits - m)
        s = e.sum(axis=1, keepdims=True)
        buf[-1] = xp.sum(m[:, 0] + xp.log(s[:, 0]) - logits[rows, labels]) * inv_batch
        d3 = e / s
        d3[rows, labels] -= 1
        d3 *= inv_batch
        d2 = mm(d3, W3.T) * (z2 > 0)
        d1 = mm(d2, W2.T) * (z1 > 0)
        product(x.T, d1, gW1)
        d1.sum(axis=0, out=gb1)
        product(h1.T, d2, gW2)
        d2.sum(axis=0, out=gb2)
        product(h2.T, d3, gW3)
        d3.sum(axis=0, out=gb3)
        if comm is not None:
            comm.Allreduce(in_place, buf, op=total)
        for p, g in zip(params, views):
            p -= lr * g
        return (buf[-1], *params)
    return step


_STRATEGY = []


def _strategy(env):
    """One strategy per process: MultiWorkerMirroredStrategy over the job's processes."""
    import workbench as wb
    if not _STRATEGY:
        _STRATEGY.append(wb.distribute.MultiWorkerMirroredStrategy() if env.comm is not None
                         else wb.distribute.get_strategy())
    return _STRATEGY[0]


def _workbench_step(inputs, cfg, env):
    import workbench as wb
    strategy = _strategy(env)
    x, labels = _shard(inputs, cfg, env)
    with strategy.scope():
        params = [wb.Variable(inputs[k], name=k) for k in PARAMS]
        opt = wb.optimizers.SGD(cfg["lr"])
    W1, b1, W2, b2, W3, b3 = params
    batch = cfg["batch"]

    def replica(xb, yb):
        with wb.GradientTape() as tape:
            h1 = wb.nn.relu(wb.matmul(xb, W1) + b1)
            h2 = wb.nn.relu(wb.matmul(h1, W2) + b2)
            per = wb.nn.sparse_softmax_cross_entropy_with_logits(labels=yb, logits=wb.matmul(h2, W3) + b3)
            loss = wb.nn.compute_average_loss(per, global_batch_size=batch)
        grads = tape.gradient(loss, params)
        opt.apply_gradients(zip(grads, params))
        return loss

    def step(xb, yb):
        loss = strategy.reduce("SUM", strategy.run(replica, args=(xb, yb)), axis=None)
        return (loss, *params)
    return step, (wb.constant(x), wb.constant(labels))


def build_workbench(inputs, cfg, env):
    step, args = _workbench_step(inputs, cfg, env)
    return functools.partial(step, *args)


def build_workbench_fn(inputs, cfg, env):
    import workbench as wb
    step, args = _workbench_step(inputs, cfg, env)
    return functools.partial(wb.function(step), *args)


def _torch_group(env):
    """The gloo process group of the job (created once per process), or None in one process."""
    import torch.distributed as dist
    if env.comm is None:
        return None
    if not dist.is_initialized():
        port = env.comm.bcast(int(os.environ.get("WB_BENCH_GLOO_PORT", 0)) or _free_port()
                              if env.rank == 0 else None, root=0)
        dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=env.rank,
                                world_size=env.size)
    return dist


def _free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build_torch(inputs, cfg, env):
    import torch
    import torch.nn.functional as F
    dist = _torch_group(env)
    sizes = cfg["sizes"]
    layers = []
    for i, (m, n) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        lin = torch.nn.Linear(m, n)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(inputs[f"W{i}"].T.copy()))
            lin.bias.copy_(torch.from_numpy(inputs[f"b{i}"]))
        layers += [lin, torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers[:-1])
    net = torch.nn.parallel.DistributedDataParallel(model) if dist is not None else model
    opt = torch.optim.SGD(net.parameters(), lr=cfg["lr"])
    x, labels = (torch.from_numpy(np.ascontiguousarray(a)) for a in _shard(inputs, cfg, env))
    share = x.shape[0] / cfg["batch"]
    lins = [layer for layer in model if isinstance(layer, torch.nn.Linear)]

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(net(x), labels)
        loss.backward()
        opt.step()
        total = loss.detach() * share
        if dist is not None:
            dist.all_reduce(total)
        out = [total]
        for lin in lins:
            out += [lin.weight.detach().T, lin.bias.detach()]
        return tuple(out)
    return step
