"""Social connectors: Mastodon (polling) and Meta page webhooks."""
