"""Tests of the prepare stage core: cleaning rules and safety detectors."""
