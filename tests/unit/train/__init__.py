"""Unit tests of the training core (interosight_core.train)."""
