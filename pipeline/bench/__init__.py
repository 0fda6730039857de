"""``samenspel bench``: how fast the pipeline is next to what Python on this broker can do at all.

Modules: ``events`` (realistic input), ``measure`` (percentiles, rates), ``baseline`` (bare aiokafka
loop), ``worker_run`` (the faust worker as a subprocess), ``chain_run`` (the pure chain),
``webhook_run`` (the webhook receiver), ``results`` (machine details, files), ``runner`` (one run).
"""
