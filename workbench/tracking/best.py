"""Which value of a metric is its best: one rule for ``best_<metric>`` (``wb.Experiment``) and for
``workbench runs --sort`` (the order of the table)."""

import re

__all__ = ["mode"]

# Metric names whose best value is the largest; every other metric is best when smallest (losses, errors).
_MAXIMIZED = re.compile(r"acc|auc|precision|recall|f1|score|reward|return|iou|map|r2|psnr|ssim|elbo|cosine",
                        re.IGNORECASE)


def mode(metric: str) -> str:
    """``"max"`` for accuracies, AUCs, scores, rewards… (by the last part of the name), else ``"min"``.

    >>> mode("val/accuracy"), mode("train/loss"), mode("elbo"), mode("val_cosine_similarity")
    ('max', 'min', 'max', 'max')
    """
    return "max" if _MAXIMIZED.search(metric.rsplit("/", 1)[-1]) else "min"
