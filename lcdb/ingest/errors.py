"""Why a file could not be ingested: each error names the file and the reason."""

from __future__ import annotations

from pathlib import Path

from lcdb.errors import LcdbError


class IngestError(LcdbError):
    """A file could not be ingested; nothing of it was written."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class UnreadableFile(IngestError):
    """Not a readable FITS file: missing, truncated or corrupt."""


class NotALightcurve(IngestError):
    """A FITS file, but not a lightcurve product we know (telescope, origin, extensions)."""


class WrongKind(IngestError):
    """A lightcurve of another pipeline than the one the command was asked to load."""


class MissingColumn(IngestError):
    """A lightcurve table without a column the archive stores."""


class InvalidValue(IngestError):
    """A header keyword or column holds a value the archive cannot store."""


class NotSPOCFFI(IngestError):
    """Not a SPOC full-frame image: wrong file name, telescope or extensions."""


class MissingKeyword(IngestError):
    """A header without a keyword the archive stores."""


class BadCatalog(IngestError):
    """An FFI catalogue that cannot be read or holds a row the archive cannot store."""
