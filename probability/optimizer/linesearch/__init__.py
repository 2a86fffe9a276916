"""Line searches of ``tfp.optimizer.linesearch``: ``hager_zhang``."""

from .hager_zhang import HagerZhangLineSearchResults, hager_zhang

__all__ = ["hager_zhang", "HagerZhangLineSearchResults"]
