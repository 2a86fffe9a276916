"""Cases for the elementwise ops, generated from the op table's domains."""

import numpy as np

import workbench as wb
from workbench.ops import elementwise as ew

from . import DOMAINS, Case, uniform

# binary domains: samplers for (x, y)
BINARY = {
    "real": (DOMAINS["real"], DOMAINS["real"]),
    "ties": (DOMAINS["real"], lambda shape, s: uniform(-2, 2, shape, s + 100)),
    "positive_x": (DOMAINS["positive"], DOMAINS["real"]),
    "positive_y": (DOMAINS["real"], DOMAINS["positive"]),
    "nonzero_y": (DOMAINS["real"], DOMAINS["nonzero"]),
    "nonzero": (DOMAINS["nonzero"], DOMAINS["nonzero"]),
    "mod": (lambda shape, s: np.array([0.3, 1.7, -0.6, 2.2, -1.3, 0.9]).reshape(2, 3)[:, :shape[-1]]
            if len(shape) == 2 else np.array([0.3, 1.7, -0.6])[:shape[0]],
            lambda shape, s: np.full(shape, 0.7)),
}


def _cases():
    cases = []
    for name in sorted(dir(ew)):
        fn = getattr(ew, name)
        op = getattr(fn, "op", None)
        if op is None or op.vjp is None or op.name != name:
            continue
        if name == "polygamma":  # the order is not differentiable: keep it out of the arguments
            cases.append(Case("polygamma", lambda x: ew.polygamma(wb.constant([[0.0], [2.0]], wb.float64), x),
                              [DOMAINS["positive"]((2, 3), 1)]))
        elif op.broadcasts:
            sx, sy = BINARY[op.domain]
            # (2, 3) against (3,): exercises the central un-broadcasting
            x, y = sx((2, 3), 1), sy((3,), 2)
            cases.append(Case(f"{name}[(2,3),(3,)]", fn, [x, y]))
        else:
            cases.append(Case(name, fn, [DOMAINS[op.domain]((2, 3), 1)]))
    cases += [
        Case("where", lambda x, y: wb.where(x > y, x, y), [uniform(-1, 1, (2, 3), 3), uniform(-1, 1, (3,), 4)]),
        Case("cast", lambda x: wb.cast(wb.cast(x, wb.float32), wb.float64) * x, [uniform(-1, 1, (3,), 5)],
             eps=1e-3, atol=1e-3, rtol=1e-3),
        Case("clip_by_value", lambda x: wb.clip_by_value(x, -0.5, 0.5), [np.array([-0.9, -0.2, 0.3, 0.8])]),
    ]
    return cases


CASES = _cases()
