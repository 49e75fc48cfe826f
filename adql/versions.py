"""The ADQL versions this translator accepts, named as TAP and the registry name them.

The service derives both its LANG check and the ``<language><version ivo-id=...>``
elements of /capabilities from :data:`VERSIONS`, so it cannot announce a version it
refuses or refuse one it announces. One translator serves every version: it implements
ADQL 2.1, which keeps the syntax of 2.0 and adds to it (the 2.0 coordinate-system
arguments it deprecates are still accepted), so a 2.0 query means the same under it.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The language name, also the LANG value that asks for the latest version.
LANGUAGE = "ADQL"


@dataclass(frozen=True, slots=True)
class Version:
    """One ADQL version: its number (``"2.1"``) and the names derived from it."""

    number: str

    @property
    def ivo_id(self) -> str:
        """The version's IVOA identifier, as TAPRegExt ``<version ivo-id=...>`` gives it."""
        return f"ivo://ivoa.net/std/ADQL#v{self.number}"

    @property
    def lang(self) -> str:
        """The TAP LANG value asking for exactly this version (``ADQL-2.1``)."""
        return f"{LANGUAGE}-{self.number}"


#: The supported versions, oldest first; the last is what a bare ``LANG=ADQL`` means.
VERSIONS: tuple[Version, ...] = (Version("2.0"), Version("2.1"))

#: Every LANG value that selects this translator: ``ADQL`` and ``ADQL-<number>``.
LANG_VALUES: tuple[str, ...] = (LANGUAGE, *(v.lang for v in VERSIONS))


def version_for_lang(lang: str) -> Version | None:
    """The version a TAP LANG value asks for, or None if it names none of :data:`VERSIONS`.

    Matched ignoring case and surrounding blanks, as the service has always done;
    ``ADQL`` alone means the latest version.
    """
    wanted = lang.strip().upper()
    if wanted == LANGUAGE:
        return VERSIONS[-1]
    return next((v for v in VERSIONS if v.lang == wanted), None)
