"""The backup feature's one error, shared by its services and its encryption."""


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""
