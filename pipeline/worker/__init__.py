"""The faust-streaming worker: thin agents around the pure chain, plus its web surface."""
