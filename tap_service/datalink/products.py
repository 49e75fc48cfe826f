"""What a DataLink ID names: a lightcurve or a frame, found through ivoa.obscore.

IDs are ObsCore's obs_publisher_did (``ivo://AUTHORITY/tess?...``), so the one table that
issues them also resolves them: a lookup on its primary key gives the lcdb row behind it. An ID
that is not an ``ivo://`` URI is a usage error; one that is not in the table is not found.
Both are reported per ID, in the links document (DataLink §3.4), never as an HTTP error.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa

#: An IVOA identifier: ivo://authority[/path][?query][#fragment] (IVOA Identifiers 2.0).
_IVOID = re.compile(r"ivo://[A-Za-z0-9][A-Za-z0-9._~-]{2,}(/[^?#]*)?(\?[^#]*)?(#.*)?")
#: What a `Product` is read from (in its field order).
_SELECT = (
    "SELECT obs_publisher_did, lcdb_table, lcdb_id, obs_id, dataproduct_type, access_estsize, "
    "t_min, t_max FROM ivoa.obscore_rows"
)


@dataclass(frozen=True, slots=True)
class Product:
    did: str
    table: str  # 'dataset' or 'fits_frame'
    id: int
    obs_id: str
    dataproduct_type: str
    estsize: int | None  # kB
    t_min: float | None  # MJD
    t_max: float | None


@dataclass(frozen=True, slots=True)
class Unresolved:
    did: str
    fault: str  # DataLink fault: UsageFault, NotFoundFault
    message: str

    @property
    def error(self) -> str:
        return f"{self.fault}: {self.message}"


def well_formed(did: str) -> bool:
    return _IVOID.fullmatch(did) is not None


def resolve(connection: sa.Connection, dids: Sequence[str]) -> list[Product | Unresolved]:
    """Each ID's product (or why there is none), in the order given."""
    wanted = [did for did in dids if well_formed(did)]
    found: dict[str, Product] = {}
    if wanted:
        rows = connection.execute(
            sa.text(f"{_SELECT} WHERE obs_publisher_did = ANY(:dids)"), {"dids": wanted}
        )
        found = {row[0]: Product(*row) for row in rows}
    return list(_each(dids, found))


def resolve_datasets(connection: sa.Connection, ids: Sequence[str]) -> list[Product | Unresolved]:
    """Each lcdb.dataset id's product, for results of the dataset table (whose descriptor sends
    ``lcdb.dataset.id`` values): the same products as their ObsCore DIDs name, in order."""
    numbers = {text: int(text) for text in ids if text.strip().isdigit()}
    found: dict[int, Product] = {}
    if numbers:
        rows = connection.execute(
            sa.text(f"{_SELECT} WHERE lcdb_table = 'dataset' AND lcdb_id = ANY(:ids)"),
            {"ids": list(numbers.values())},
        )
        found = {row[2]: Product(*row) for row in rows}
    result: list[Product | Unresolved] = []
    for text in ids:
        if text not in numbers:
            result.append(Unresolved(text, "UsageFault", f"{text!r} is not a dataset id"))
        elif numbers[text] in found:
            result.append(found[numbers[text]])
        else:
            result.append(
                Unresolved(text, "NotFoundFault", f"no lightcurve with lcdb.dataset.id {text}")
            )
    return result


def _each(dids: Iterable[str], found: dict[str, Product]) -> Iterable[Product | Unresolved]:
    for did in dids:
        if not well_formed(did):
            yield Unresolved(did, "UsageFault", f"{did!r} is not an IVOA identifier (ivo://...)")
        elif did in found:
            yield found[did]
        else:
            yield Unresolved(
                did, "NotFoundFault", f"no product with ID {did}: see ivoa.obscore's identifiers"
            )
