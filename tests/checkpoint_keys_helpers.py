"""A small model trained deterministically, for the tests of optimizer checkpoint keys (and the
fixture in tests/fixtures/checkpoint_v1, written with these helpers by the code before the
optimizers' state was keyed as Keras 3 keys it)."""

import numpy as np

import workbench as wb


class Net(wb.keras.Model):
    def __init__(self):
        super().__init__()
        self.l1 = wb.keras.layers.Dense(4)
        self.l2 = wb.keras.layers.Dense(2)

    def call(self, x):
        return self.l2(wb.nn.relu(self.l1(x)))


def batch(i):
    x = np.linspace(-1.0, 1.0, 6, dtype=np.float32).reshape(2, 3) * (i + 1)
    return wb.constant(x), wb.constant(np.array([[1.0, -1.0], [0.5, 2.0]], np.float32))


def make_net():
    net = Net()
    net(batch(0)[0])
    for k, v in enumerate(net.trainable_variables):
        v.assign(np.linspace(-0.5, 0.5, int(np.prod(v.shape)), dtype=np.float32).reshape(v.shape) * (k + 1))
    return net


def train(net, opt, steps, start=0):
    for i in range(start, start + steps):
        x, y = batch(i)
        with wb.GradientTape() as tape:
            loss = wb.reduce_mean((net(x) - y) ** 2)
        grads = tape.gradient(loss, net.trainable_variables)
        opt.apply_gradients(zip(grads, net.trainable_variables))


def make_and_train(steps=3):
    net, opt = make_net(), wb.keras.optimizers.Adam(0.05)
    train(net, opt, steps)
    return net, opt, wb.Variable(steps, dtype=wb.int64)
