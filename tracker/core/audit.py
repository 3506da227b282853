"""The hook through which core rules write the audit record: the audit feature plugs its writer in at start."""
from collections.abc import Callable

_writer: list[Callable] = []


def use(writer: Callable) -> None:
    """Make `writer(actor, action, entity, before=, after=, summary=)` the one that records changes."""
    _writer[:] = [writer]


def record(actor, action: str, entity, *, before: dict | None = None, after: dict | None = None,
           summary: str = ""):
    """Add an audit entry for a change to the current transaction."""
    if not _writer:
        raise RuntimeError("No audit writer is installed: create the app before changing data.")
    return _writer[0](actor, action, entity, before=before, after=after, summary=summary)


class Ref:
    """Stands for a record without an `id` column of its own (a year, an outcome's responsibles) in the audit."""

    def __init__(self, table: str, ident: int):
        self.__tablename__ = table
        self.id = ident
