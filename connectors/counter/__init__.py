"""Counter connectors: queue and appointment events."""
