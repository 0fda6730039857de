"""Connectors: parse what channel systems say into raw events; the runtime does the producing."""
