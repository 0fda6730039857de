"""Errors that the CLI turns into one readable line instead of a traceback."""


class SamenspelError(Exception):
    """A problem the user can fix: bad input, bad config, a missing tool or service."""
