"""Lists sorted by their columns: `?sort=<column>&dir=asc|desc`, read against a whitelist, with a stable order."""
from dataclasses import dataclass

ASC, DESC = "asc", "desc"


@dataclass(frozen=True)
class Sort:
    """The column a list is sorted by and its direction; `first` says which way each column sorts first."""

    key: str
    descending: bool
    first: tuple = ()  # the columns that sort descending on the first click (dates: newest first)

    @property
    def dir(self) -> str:
        """The direction as the query string writes it."""
        return DESC if self.descending else ASC

    def aria(self, key: str) -> str | None:
        """The `aria-sort` of a column header: set on the sorted column only."""
        if key != self.key:
            return None
        return "descending" if self.descending else "ascending"

    def next_args(self, key: str) -> dict:
        """The query arguments a click on a column header asks for: the other direction, or the column's first."""
        if key == self.key:
            return {"sort": key, "dir": ASC if self.descending else DESC}
        return {"sort": key, "dir": DESC if key in self.first else ASC}

    def args(self) -> dict:
        """The query arguments that keep this order (in page links and filter forms)."""
        return {"sort": self.key, "dir": self.dir}


def read_sort(args, keys, default: str, *, first_descending=()) -> Sort:
    """The order asked for in `args`; an unknown column or direction falls back to the default, never an error."""
    key = args.get("sort", "")
    if key not in keys:
        key = default
    direction = args.get("dir", "")
    if direction not in (ASC, DESC):
        direction = DESC if key in first_descending else ASC
    return Sort(key, direction == DESC, tuple(first_descending))


def order_clauses(sort: Sort, columns: dict, tiebreak) -> list:
    """ORDER BY clauses: the chosen column (empty values last), then the tie-breakers in the same direction."""
    column = columns[sort.key]
    first = (column.desc() if sort.descending else column.asc()).nulls_last()
    return [first, *[(c.desc() if sort.descending else c.asc()) for c in tiebreak]]


def sorted_rows(rows: list, sort: Sort, keys: dict) -> list:
    """Rows already in memory in the chosen order (empty values last), the original order breaking ties."""
    key_of = keys[sort.key]
    present = [r for r in rows if key_of(r) is not None]
    missing = [r for r in rows if key_of(r) is None]
    return sorted(present, key=key_of, reverse=sort.descending) + missing
