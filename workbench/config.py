"""Process-wide switches (TF's ``tf.config`` names)."""

from .traced import functions_run_eagerly, run_functions_eagerly

__all__ = ["run_functions_eagerly", "functions_run_eagerly"]
