"""LightcurveDB: the data model, database access and embedded server behind lcdb-tap.

Nothing here knows about HTTP or ADQL: `tap_service` and `obscore` build on this package,
never the other way round.
"""
