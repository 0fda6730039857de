"""The connector runtime: producing, resume positions, retries, dead letters, health and metrics.

Only ``pipeline.connect.kafka`` talks to Kafka; everything else works against the small
:class:`pipeline.connect.sink.Sink` interface so that it is testable without a broker.
"""
