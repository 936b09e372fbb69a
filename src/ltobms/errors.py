"""Errors a user can cause: the CLI prints them as one line, never a traceback."""


class UserError(Exception):
    """A mistake in what the user asked for (bad value, missing file, no device)."""
