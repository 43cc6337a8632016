"""Errors that are the user's to fix: the command line shows their message and exits with 2."""


class UserError(ValueError):
    """Bad input, options or files; never a bug in segmentasi."""


class InputError(UserError):
    """A file or option the user gave cannot be used."""
