"""Runnable experiments shipped with the package (``workbench examples`` lists them)."""
