"""How this service speaks ADQL: the geometry translator, and the features it declares.

One object answers both questions that must never disagree: how a query is translated
(`compile`, used by sync queries and async jobs alike) and what /capabilities declares
(`features`). A geometry translator plugged in here is therefore declared exactly when it is
used; without one, geometry is parsed and type-checked but refused with a clear message.
"""

from __future__ import annotations

from dataclasses import dataclass

import adql
from adql.functions import LanguageFeature
from tap_service.errors import QueryError


@dataclass(frozen=True)
class Dialect:
    #: Renders ADQL geometry as PostgreSQL; None refuses geometry ("not supported yet").
    geometry: adql.GeometryTranslator | None = None

    def features(self) -> tuple[LanguageFeature, ...]:
        """TAPRegExt language features: everything optional that `compile` accepts."""
        return adql.language_features(include_geometry=self.geometry is not None)

    def compile(self, query: str, catalog: adql.Catalog, *, maxrec: int) -> adql.Compiled:
        """The checked, translated query; ADQL mistakes become a `QueryError` (400)."""
        try:
            return adql.compile(query, catalog, maxrec=maxrec, geometry=self.geometry)
        except adql.ADQLError as exc:
            raise QueryError.from_adql(exc) from exc
