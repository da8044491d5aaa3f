"""User-facing errors.

Every mistake a reader can make with the library (an unknown dataset name, an
impossible number of labels, a corrupt checkpoint, images in the wrong range)
raises :class:`VaesslError` with a message that says what to do.  The command
line prints that message on one line and exits with status 2 instead of a
traceback.
"""


class VaesslError(ValueError):
    """A problem with the user's input, explained in plain words."""
