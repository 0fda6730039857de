"""Web connectors: Open Forms submissions and web-chat transcripts."""
