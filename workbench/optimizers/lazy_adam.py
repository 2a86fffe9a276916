"""LazyAdam: Adam whose sparse (``IndexedSlices``) updates touch only the gradient's rows."""

from __future__ import annotations

from .adam import Adam


class LazyAdam(Adam):
    """Adam that updates the moments and weights of only the rows an ``IndexedSlices``
    gradient names (TF Addons' ``LazyAdam``; PyTorch's ``SparseAdam`` rule): for large
    embeddings looked up by a few ids per step it costs the rows, not the table. With
    gradient rows ``g`` at (deduplicated) ``indices``, at step ``t``::

        m[indices] = beta_1 * m[indices] + (1 - beta_1) * g
        v[indices] = beta_2 * v[indices] + (1 - beta_2) * g**2
        w[indices] -= lr * sqrt(1 - beta_2**t) / (1 - beta_1**t) * m[indices] / (sqrt(v[indices]) + epsilon)

    Rows no gradient names keep their moments (they do not decay), so the result differs
    from ``Adam``'s wherever a row is skipped. A dense gradient gets ``Adam``'s update.

    >>> opt = wb.optimizers.LazyAdam(learning_rate=1e-3)
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None, name="LazyAdam",
                 **kwargs):
        super().__init__(learning_rate, beta_1, beta_2, epsilon, amsgrad, weight_decay=weight_decay,
                         clipnorm=clipnorm, clipvalue=clipvalue, global_clipnorm=global_clipnorm,
                         name=name, **kwargs)

    def _sparse_update_step(self, xp, w, grad, slots, hyper):
        values, indices = grad.summed()
        alpha = self._alpha(xp, w, hyper)
        m_rows = slots["m"][indices]
        m_rows *= self.beta_1
        m_rows += (1 - self.beta_1) * values
        v_rows = slots["v"][indices]
        v_rows *= self.beta_2
        v_rows += (1 - self.beta_2) * xp.square(values)
        slots["m"][indices] = m_rows
        slots["v"][indices] = v_rows
        if self.amsgrad:
            v_rows = xp.maximum(slots["vhat"][indices], v_rows)
            slots["vhat"][indices] = v_rows
        step = xp.sqrt(v_rows)
        step += self.epsilon
        xp.divide(m_rows, step, out=step)
        step *= alpha
        w[indices] -= step
        return True
