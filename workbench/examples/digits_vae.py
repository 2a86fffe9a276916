"""A variational autoencoder on the 8x8 digits, written with probability distributions.

Run it with ``workbench run digits_vae``. The encoder gives a diagonal Normal posterior
``q(z|x)`` (``Independent(Normal)``), ``z`` is drawn by reparameterization (``loc + scale *
eps``, so gradients reach the encoder), the decoder gives a Bernoulli likelihood over the
64 pixels (grey levels in [0, 1] are used as soft targets: the usual cross-entropy
reconstruction), and the loss is the negative ELBO ``-(E_q[log p(x|z)] - KL(q || p(z)))``
with a standard Normal prior. The run logs the training and validation ELBO, its two terms,
a grid of digits decoded from prior samples and validation reconstructions next to their
originals.
"""

from __future__ import annotations

import time

import numpy as np

import probability
import workbench as wb
from workbench.examples._common import (epochs_for, image_grid, one_blas_thread, progress_line,
                                        report, run_as_script, split)
from workbench.examples.data import load_digits

tfd = probability.distributions

PARAMS = {
    "latent_dim": 8,
    "hidden": 128,
    "epochs": 100,
    "batch_size": 64,
    "learning_rate": 2e-3,
    "validation_fraction": 0.1,
    "seed": 0,
    "image_every": 20,            # epochs between sample grids (the last epoch always logs one)
    "checkpoint_every": 20,
}
FAST_EPOCHS = 8


class VAE(wb.Module):
    """Encoder ``[batch, 64] -> q(z|x)``, decoder ``z -> p(x|z)`` over 64 pixels."""

    def __init__(self, latent_dim, hidden):
        super().__init__(name="vae")
        L = wb.keras.layers
        self.latent_dim = int(latent_dim)
        self.encoder = wb.keras.Sequential([L.Dense(hidden, activation="relu"), L.Dense(2 * self.latent_dim)])
        self.decoder = wb.keras.Sequential([L.Dense(hidden, activation="relu"), L.Dense(64)])
        self.prior = tfd.Independent(tfd.Normal(np.zeros(self.latent_dim, np.float32), 1.0), 1)

    def posterior(self, x):
        """``q(z|x)``: batch shape ``[batch]``, event shape ``[latent_dim]``."""
        h = self.encoder(x)
        loc, raw_scale = h[:, :self.latent_dim], h[:, self.latent_dim:]
        # softplus keeps the scale positive; the floor keeps log_prob finite early in training
        return tfd.Independent(tfd.Normal(loc, wb.nn.softplus(raw_scale) + 1e-4), 1)

    def likelihood(self, z):
        """``p(x|z)``: independent Bernoulli pixels, batch shape ``[batch]``, event ``[64]``."""
        return tfd.Independent(tfd.Bernoulli(logits=self.decoder(z)), 1)

    def elbo_terms(self, x, seed):
        """Per-example reconstruction log-likelihood and KL, each ``[batch]``."""
        q = self.posterior(x)
        z = q.sample(seed=seed)  # reparameterized: gradients flow through loc and scale
        return self.likelihood(z).log_prob(x), tfd.kl_divergence(q, self.prior)


@one_blas_thread
def main(exp, params):
    """Fit the VAE; returns the per-epoch history (lists) of ELBO, reconstruction and KL."""
    seed = int(params["seed"])
    wb.random.set_seed(seed)
    images, _ = load_digits()
    pixels = images.reshape(len(images), 64)
    train, val = split(len(pixels), params["validation_fraction"], seed)
    data = (wb.data.Dataset.from_tensor_slices(pixels[train])
            .shuffle(len(train), seed=seed).batch(int(params["batch_size"])))

    vae = VAE(params["latent_dim"], params["hidden"])
    vae.elbo_terms(wb.constant(pixels[:1]), seed=[seed, 0])  # create the variables before a restore
    optimizer = wb.optimizers.Adam(learning_rate=params["learning_rate"])
    step = wb.Variable(0, trainable=False, dtype=wb.int64, name="step")
    manager = exp.checkpoint_manager(wb.Checkpoint(model=vae, optimizer=optimizer, step=step), max_to_keep=3)
    steps_per_epoch = -(-len(train) // int(params["batch_size"]))

    epochs = epochs_for(params, FAST_EPOCHS)
    start = int(step.numpy()) // steps_per_epoch
    history = {"elbo": [], "reconstruction": [], "kl": [], "val_elbo": []}
    bar = exp.progress(range(start, epochs), desc="epoch", total=epochs - start)
    for epoch in bar:
        began = time.perf_counter()
        sums = np.zeros(3)
        for x in data:
            with wb.GradientTape() as tape:
                # a fresh stateless seed per step: a resumed run draws the same noise
                reconstruction, kl = vae.elbo_terms(x, seed=[seed, int(step.numpy()) + 1])
                elbo = wb.reduce_mean(reconstruction - kl)
                loss = -elbo
            grads = tape.gradient(loss, vae.trainable_variables)
            optimizer.apply_gradients(zip(grads, vae.trainable_variables))
            step.assign_add(1)
            n = int(x.shape[0])
            sums += n * np.array([float(elbo), float(wb.reduce_mean(reconstruction)), float(wb.reduce_mean(kl))])
        now = int(step.numpy())
        mean_elbo, mean_rec, mean_kl = sums / len(train)
        val_rec, val_kl = vae.elbo_terms(wb.constant(pixels[val]), seed=[seed, -1])
        val_elbo = float(wb.reduce_mean(val_rec - val_kl))
        exp.log_metrics({"elbo": mean_elbo, "reconstruction_log_prob": mean_rec, "kl": mean_kl,
                         "val/elbo": val_elbo}, step=now)
        for key, value in (("elbo", mean_elbo), ("reconstruction", mean_rec), ("kl", mean_kl),
                           ("val_elbo", val_elbo)):
            history[key].append(float(value))
        last = epoch + 1 == epochs
        if (epoch + 1) % params["image_every"] == 0 or last:
            log_pictures(exp, vae, pixels[val[:16]], seed, now)
        if (epoch + 1) % params["checkpoint_every"] == 0 or last:
            manager.save()
        report(bar, progress_line("epoch", epoch, epochs, {"elbo": mean_elbo, "kl": mean_kl,
                                                           "val/elbo": val_elbo},
                                  time.perf_counter() - began))
    return history


def log_pictures(exp, vae, originals, seed, step):
    """Digits decoded from 32 prior draws, and 16 validation digits above their reconstructions
    (the likelihood's mean: pixel probabilities)."""
    z = vae.prior.sample(32, seed=[seed, 7])
    samples = vae.likelihood(z).mean().numpy().reshape(-1, 8, 8)
    exp.log_image("samples", image_grid(samples, columns=8), step=step)
    z = vae.posterior(wb.constant(originals)).mean()
    recon = vae.likelihood(z).mean().numpy().reshape(-1, 8, 8)
    pairs = np.concatenate([originals.reshape(-1, 8, 8), recon])
    exp.log_image("reconstructions", image_grid(pairs, columns=len(originals)), step=step)


if __name__ == "__main__":
    run_as_script("digits_vae")
