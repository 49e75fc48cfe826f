"""VOTable metadata elements as text: FIELD from an `OutputColumn`, INFO, and escaping.

Written as strings rather than through an XML library because the document head is a few
hundred bytes built once per response, and the row data that follows is streamed as text
anyway; the escaping below is the one place that keeps both well-formed.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from adql import OutputColumn

#: The FIELD attributes copied from `OutputColumn`, in the order they are written.
FIELD_ATTRIBUTES = ("name", "datatype", "arraysize", "unit", "ucd", "utype", "xtype")

#: Characters XML 1.0 forbids even when escaped; they would make the document unparsable.
_ILLEGAL_XML = dict.fromkeys(
    [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0xFFFE, 0xFFFF], "?"
)


@dataclass(frozen=True, slots=True)
class Info:
    """An INFO element: `name` and `value` attributes, optional text content."""

    name: str
    value: str
    text: str | None = None


def xml_text(text: str) -> str:
    """`text` as XML character data: markup escaped, XML-illegal control characters as '?'."""
    return escape(text.translate(_ILLEGAL_XML))


def xml_attr(text: str) -> str:
    """`text` as a quoted XML attribute value (quotes, markup and newlines escaped)."""
    return quoteattr(text.translate(_ILLEGAL_XML), {"\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})


def field_element(column: OutputColumn, field_id: str | None = None) -> str:
    """The FIELD element for `column`; absent attributes are omitted, never written empty.
    `field_id` is its XML ID, for a service descriptor's PARAM to refer to."""
    attributes = "".join(
        f" {key}={xml_attr(value)}"
        for key in FIELD_ATTRIBUTES
        if (value := getattr(column, key)) is not None and value != ""
    )
    if field_id is not None:
        attributes = f" ID={xml_attr(field_id)}" + attributes
    if not column.description:
        return f"<FIELD{attributes}/>"
    return f"<FIELD{attributes}><DESCRIPTION>{xml_text(column.description)}</DESCRIPTION></FIELD>"


def info_element(info: Info | tuple[str, str, str | None]) -> str:
    """An INFO element; accepts an `Info` or a plain (name, value, text) tuple."""
    name, value, text = (info.name, info.value, info.text) if isinstance(info, Info) else info
    head = f"<INFO name={xml_attr(name)} value={xml_attr(value)}"
    if text is None:
        return head + "/>"
    return f"{head}>{xml_text(text)}</INFO>"
