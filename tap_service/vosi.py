"""VOSI documents: capabilities (with TAPRegExt), availability, tables.

Built with lxml from the same sources as everything else: the output-format registry, the
ADQL function table and the published schema, so a capability is declared exactly when it is
implemented. Element order and qualification follow the XSDs (see shared/standards.md §3);
child elements of the VOSI roots are unqualified.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

from lxml import etree

import adql
from adql.functions import LanguageFeature
from lcdb.published import PublishedTable
from tap_service import formats
from tap_service.dialect import Dialect
from tap_service.endpoints import TAP
from tap_service.tap_schema import Publication, adql_identifier

if TYPE_CHECKING:
    from tap_service.service import Service

XSI = "http://www.w3.org/2001/XMLSchema-instance"
VR = "http://www.ivoa.net/xml/VOResource/v1.0"
VS = "http://www.ivoa.net/xml/VODataService/v1.1"
TR = "http://www.ivoa.net/xml/TAPRegExt/v1.0"
VOSI_CAPABILITIES = "http://www.ivoa.net/xml/VOSICapabilities/v1.0"
VOSI_AVAILABILITY = "http://www.ivoa.net/xml/VOSIAvailability/v1.0"
VOSI_TABLES = "http://www.ivoa.net/xml/VOSITables/v1.0"
XSI_TYPE = f"{{{XSI}}}type"


def _sub(
    parent: etree._Element, tag: str, text: str | None = None, **attributes: str
) -> etree._Element:
    element = etree.SubElement(parent, tag, {k.replace("_", "-"): v for k, v in attributes.items()})
    if text is not None:
        element.text = text
    return element


def _serialise(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def capabilities(base_url: str, service: Service) -> bytes:
    """Every endpoint that declares a capability, in the service's order; TAP's with TAPRegExt."""
    root = etree.Element(
        f"{{{VOSI_CAPABILITIES}}}capabilities",
        nsmap={"vosi": VOSI_CAPABILITIES, "xsi": XSI, "vr": VR, "vs": VS, "tr": TR},
    )
    for endpoint in service.endpoints:
        declared = endpoint.capability
        if declared is None:
            continue
        capability = _sub(root, "capability", standardID=declared.standard_id)
        attributes = {"role": declared.role} if declared.role else {}
        if declared.version:
            attributes["version"] = declared.version
        interface = _sub(capability, "interface", **attributes)
        interface.set(XSI_TYPE, declared.interface)
        _sub(interface, "accessURL", base_url + endpoint.path, use=declared.use)
        if declared.standard_id == TAP:
            capability.set(XSI_TYPE, "tr:TableAccess")
            _table_access(capability, service)
    return _serialise(root)


def _table_access(tap: etree._Element, service: Service) -> None:
    """TAPRegExt: language, output formats, limits (after the interface, as the XSD orders)."""
    settings = service.settings
    for table in service.publication.tables:  # TAPRegExt: data models come first
        if table.data_model is not None:
            name, ivo_id = table.data_model
            _sub(tap, "dataModel", name, ivo_id=ivo_id)
    _language(tap, service.dialect)
    for output in formats.FORMATS:
        element = _sub(
            tap, "outputFormat", **({"ivo_id": output.tapregext_id} if output.tapregext_id else {})
        )
        _sub(element, "mime", output.mime)
        for alias in output.aliases:
            _sub(element, "alias", alias)
    # TAP_UPLOAD tables: parts of the request, and http(s) URLs the service fetches
    for method in ("inline", "http", "https"):
        _sub(tap, "uploadMethod", ivo_id=f"ivo://ivoa.net/std/TAPRegExt#upload-{method}")
    # A job's execution duration (UWS): async jobs get LCDB_ASYNC_TIMEOUT by default and at
    # most. Sync queries stop earlier (LCDB_SYNC_TIMEOUT), with a message that says so.
    duration = _sub(tap, "executionDuration")
    _sub(duration, "default", f"{settings.async_timeout:g}")
    _sub(duration, "hard", f"{settings.async_timeout:g}")
    limit = _sub(tap, "outputLimit")
    _sub(limit, "default", str(settings.maxrec_default), unit="row")
    _sub(limit, "hard", str(settings.maxrec_limit), unit="row")
    uploads = _sub(tap, "uploadLimit")
    _sub(uploads, "default", str(settings.upload_limit), unit="byte")
    _sub(uploads, "hard", str(settings.upload_limit), unit="byte")


def _language(capability: etree._Element, dialect: Dialect) -> None:
    language = _sub(capability, "language")
    _sub(language, "name", "ADQL")
    for version in adql.VERSIONS:
        _sub(language, "version", version.number, ivo_id=version.ivo_id)
    numbers = [version.number for version in adql.VERSIONS]
    _sub(language, "description", f"ADQL {' and '.join(numbers)}, translated to PostgreSQL")
    by_type: dict[str, list[LanguageFeature]] = {}
    for feature in dialect.features():
        by_type.setdefault(str(feature.type.value), []).append(feature)
    for feature_type, features in by_type.items():
        group = _sub(language, "languageFeatures", type=feature_type)
        for feature in features:
            element = _sub(group, "feature")
            _sub(element, "form", feature.form)
            _sub(element, "description", feature.description)


def availability(available: bool, up_since: dt.datetime, note: str) -> bytes:
    root = etree.Element(f"{{{VOSI_AVAILABILITY}}}availability", nsmap={"vosi": VOSI_AVAILABILITY})
    _sub(root, f"{{{VOSI_AVAILABILITY}}}available", "true" if available else "false")
    if available:
        _sub(root, f"{{{VOSI_AVAILABILITY}}}upSince", up_since.strftime("%Y-%m-%dT%H:%M:%SZ"))
    _sub(root, f"{{{VOSI_AVAILABILITY}}}note", note)
    return _serialise(root)


def tableset(publication: Publication, *, detail: bool) -> bytes:
    root = etree.Element(
        f"{{{VOSI_TABLES}}}tableset", nsmap={"vosi": VOSI_TABLES, "vs": VS, "xsi": XSI}
    )
    for schema in publication.schemas:
        element = _sub(root, "schema")
        _sub(element, "name", schema.name)
        if schema.description:
            _sub(element, "description", schema.description)
        if schema.utype:
            _sub(element, "utype", schema.utype)
        for table in schema.tables:
            _table(element, table, detail=detail)
    return _serialise(root)


def table(published: PublishedTable) -> bytes:
    root = etree.Element(
        f"{{{VOSI_TABLES}}}table", nsmap={"vosi": VOSI_TABLES, "vs": VS, "xsi": XSI}
    )
    root.set("type", "base_table")
    _table_content(root, published, detail=True)
    return _serialise(root)


def _table(parent: etree._Element, published: PublishedTable, *, detail: bool) -> None:
    element = _sub(parent, "table", type="base_table")
    _table_content(element, published, detail=detail)


def _table_content(element: etree._Element, published: PublishedTable, *, detail: bool) -> None:
    _sub(element, "name", published.qualified_name)
    if published.description:
        _sub(element, "description", published.description)
    if published.utype:
        _sub(element, "utype", published.utype)
    if not detail:
        return
    for column in published.columns:
        col = _sub(element, "column", std="true" if published.standard else "false")
        _sub(col, "name", adql_identifier(column.name))
        for tag, value in (
            ("description", column.description),
            ("unit", column.unit),
            ("ucd", column.ucd),
            ("utype", column.utype),
        ):
            if value:
                _sub(col, tag, value)
        attributes = {"arraysize": column.arraysize} if column.arraysize else {}
        if column.xtype:
            attributes["extendedType"] = column.xtype
        data_type = _sub(col, "dataType", column.datatype, **attributes)
        data_type.set(XSI_TYPE, "vs:VOTableType")
        for flag in _flags(column.indexed, column.nullable):
            _sub(col, "flag", flag)
    for key in published.keys:
        foreign = _sub(element, "foreignKey")
        _sub(foreign, "targetTable", key.target_table)
        for source, target in key.columns:
            pair = _sub(foreign, "fkColumn")
            _sub(pair, "fromColumn", adql_identifier(source))
            _sub(pair, "targetColumn", adql_identifier(target))
        _sub(foreign, "description", key.description)


def _flags(indexed: bool, nullable: bool) -> Iterable[str]:
    if indexed:
        yield "indexed"
    if nullable:
        yield "nullable"
