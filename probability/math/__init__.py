"""Mathematical building blocks with TFP's API (``tfp.math``): positive-semidefinite kernels."""

from . import psd_kernels

__all__ = ["psd_kernels"]
