"""Probability distributions, bijectors, KL, MCMC and VI. Not yet built: see the probability issue."""
