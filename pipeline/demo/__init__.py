"""``samenspel demo`` and ``samenspel tail``: the whole pipeline on simulated traffic, shown live.

Pure parts (the traffic model, payload shapes, rendering) are free of Kafka; the orchestration
starts the real worker, webhook receiver and connectors as child processes and feeds them through
local stand-ins of the sources (a fake Mastodon API, a fake Decidim GraphQL endpoint, a growing
Asterisk ``Master.csv`` and signed webhook POSTs).
"""
