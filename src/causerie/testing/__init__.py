"""Reusable test helpers: contract suites that every implementation of a seam must pass."""
