"""Helpers for testing code that works with archlang spaces (see `strategies`)."""
