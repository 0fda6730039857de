"""Test helpers for connector authors: an in-memory sink, harnesses and the conformance suite."""
