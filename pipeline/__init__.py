"""samenspel's processing side: settings, logging, pure processing steps, Kafka workers and CLI."""
