"""Documented size limits of the wire formats (docs/feed-contract.md lists them)."""

MAX_ID = 200
MAX_SOURCE = 100
MAX_SUBJECT = 500
MAX_TEXT = 20_000
MAX_LANGUAGE = 35
MAX_PARTY = 320
MAX_LOCATION_TEXT = 500
MAX_REASONS = 20
MAX_REASON = 300
MAX_ERROR_MESSAGE = 2_000
