"""The {links} document: a VOTable 1.4 with DataLink 1.1's columns, and SODA descriptors.

Written as text, like the service's result heads (`tap_service.votable.document`): a links
document is small, and the service descriptors (``RESOURCE type="meta"
utype="adhoc:service"``) must follow the results resource, which astropy's writer cannot order
as DataLink wants without a detour through its object model.
"""

from __future__ import annotations

from collections.abc import Iterable

from tap_service.datalink.links import LIGHTCURVE_FORMATS, Cutout, Link, Links
from tap_service.votable.document import XML_DECLARATION
from tap_service.votable.fields import xml_attr, xml_text

LINKS_STANDARD = "ivo://ivoa.net/std/DataLink#links-1.1"
SODA_SYNC = "ivo://ivoa.net/std/SODA#sync-1.0"
VOTABLE_OPEN = (
    '<VOTABLE version="1.4" xmlns="http://www.ivoa.net/xml/VOTable/v1.3" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
)
#: (name, datatype, ucd, unit, description): DataLink 1.1 §3.2, in its order.
COLUMNS = (
    ("ID", "char", "meta.id;meta.main", None, "Identifier of the product the link is for"),
    ("access_url", "char", "meta.ref.url", None, "URL of the linked resource"),
    ("service_def", "char", "meta.ref", None, "ID of the service descriptor to use instead"),
    ("error_message", "char", "meta.code.error", None, "Why there is no link"),
    ("semantics", "char", "meta.code", None, "What the linked resource is to the product"),
    ("description", "char", "meta.note", None, "The linked resource, for people"),
    ("content_type", "char", "meta.code.mime", None, "Media type of the linked resource"),
    ("content_length", "long", "phys.size;meta.file", "byte", "Size of the linked resource"),
    ("content_qualifier", "char", "meta.code.class", None, "What kind of product it is"),
    ("local_semantics", "char", "meta.code", None, "The service's own name for the link"),
)
_FIELDS = ("id", *(name for name, *_ in COLUMNS[1:]))


def links_document(
    links: Links, base: str, *, overflow: bool = False, id_datatype: str = "char"
) -> bytes:
    """The document; `id_datatype` "long" for IDs that are lcdb.dataset ids (/datalink/dataset),
    so that a client matching rows to the IDs it sent (pyvo's iter_datalinks) finds them."""
    parts = [
        XML_DECLARATION,
        VOTABLE_OPEN,
        '<RESOURCE type="results">\n',
        f'<INFO name="standardID" value="{LINKS_STANDARD}"/>\n',
        '<INFO name="QUERY_STATUS" value="OK"/>\n',
        "<TABLE>\n",
    ]
    for name, datatype, ucd, unit, description in COLUMNS:
        if name == "ID":
            datatype = id_datatype
        size = ' arraysize="*"' if datatype == "char" else ""
        units = f' unit="{unit}"' if unit else ""
        parts.append(
            f'<FIELD name="{name}" ID="dl_{name}" datatype="{datatype}"{size} ucd="{ucd}"'
            f"{units}><DESCRIPTION>{description}</DESCRIPTION></FIELD>\n"
        )
    parts.append("<DATA><TABLEDATA>\n")
    parts += [_row(link) for link in links.rows]
    parts.append("</TABLEDATA></DATA>\n</TABLE>\n")
    if overflow:
        parts.append('<INFO name="QUERY_STATUS" value="OVERFLOW"/>\n')
    parts.append("</RESOURCE>\n")
    parts += [_cutout(cutout, base) for cutout in links.cutouts]
    parts.append("</VOTABLE>\n")
    return "".join(parts).encode("utf-8")


def _row(link: Link) -> str:
    cells = []
    for name in _FIELDS:
        value = getattr(link, name)
        cells.append("<TD/>" if value is None else f"<TD>{xml_text(str(value))}</TD>")
    return "<TR>" + "".join(cells) + "</TR>\n"


def _cutout(cutout: Cutout, base: str) -> str:
    limits = ""
    if cutout.t_min is not None and cutout.t_max is not None:
        limits = f'<VALUES><MIN value="{cutout.t_min!r}"/><MAX value="{cutout.t_max!r}"/></VALUES>'
    options = "".join(f'<OPTION value="{name}"/>' for name, *_ in LIGHTCURVE_FORMATS)
    return "".join(
        (
            f'<RESOURCE type="meta" utype="adhoc:service" ID={xml_attr(cutout.id)}>\n',
            f'<PARAM name="standardID" datatype="char" arraysize="*" value="{SODA_SYNC}"/>\n',
            f'<PARAM name="accessURL" datatype="char" arraysize="*" '
            f"value={xml_attr(base + '/datalink/lightcurve')}/>\n",
            '<GROUP name="inputParams">\n',
            f'<PARAM name="ID" datatype="char" arraysize="*" ucd="meta.id;meta.dataset" '
            f"value={xml_attr(cutout.did)}/>\n",
            '<PARAM name="TIME" datatype="double" arraysize="2" xtype="interval" unit="d" '
            'ucd="time.interval;obs.exposure" value="">'
            "<DESCRIPTION>Keep the cadences between these times (MJD, TDB)</DESCRIPTION>"
            f"{limits}</PARAM>\n",
            '<PARAM name="RESPONSEFORMAT" datatype="char" arraysize="*" ucd="meta.code.mime" '
            f'value="votable"><VALUES>{options}</VALUES></PARAM>\n',
            "</GROUP>\n</RESOURCE>\n",
        )
    )


def descriptor(base: str, ref: str, path: str = "/datalink") -> str:
    """The DataLink service descriptor a TAP result carries when one of its columns (FIELD ID
    `ref`) holds publisher DIDs (or, with `path` /datalink/dataset, lcdb.dataset ids): TOPCAT
    and pyvo then find each row's links."""
    return "".join(
        (
            '<RESOURCE type="meta" utype="adhoc:service" ID="datalink">\n',
            f'<PARAM name="standardID" datatype="char" arraysize="*" value="{LINKS_STANDARD}"/>\n',
            f'<PARAM name="accessURL" datatype="char" arraysize="*" '
            f"value={xml_attr(base + path)}/>\n",
            '<GROUP name="inputParams">\n',
            f'<PARAM name="ID" datatype="char" arraysize="*" ucd="meta.id;meta.main" value="" '
            f"ref={xml_attr(ref)}/>\n",
            "</GROUP>\n</RESOURCE>\n",
        )
    )


def rows_of(links: Iterable[Link]) -> list[tuple[object, ...]]:
    """The rows as tuples, in column order (for tests and other writers)."""
    return [tuple(getattr(link, name) for name in _FIELDS) for link in links]
