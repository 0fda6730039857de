"""Runs the connector conformance suite over every registered connector."""

from connectors.testing.conformance import *  # noqa: F403
