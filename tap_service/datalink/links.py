"""DataLink 1.1 links: what there is for each ID, as the rows of a {links} document.

For a lightcurve: the lightcurve itself (``#this``) as VOTable time series, SPOC-layout FITS
and CSV; a plot (``#preview``); its times and quality flags (``#auxiliary``, a TAP query); the
datasets it was derived from and the frames of its observation (``#progenitor``), the datasets
derived from it (``#derivation``) and the other processings of the same target and
observation (``#coderived``), each as that product's own links document; and a time cutout
(``#cutout``, a SODA service descriptor with the lightcurve's time range). For a frame: the
FITS file (``#this``) when it is under the data root. Every ID gets at least one row, in the
order asked, an error row when there is nothing (DataLink §3.4).
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from tap_service.datalink.products import Product, Unresolved

DATALINK = "application/x-votable+xml;content=datalink"
VOTABLE = "application/x-votable+xml"
FITS = "application/fits"
CSV = "text/csv"
PNG = "image/png"
#: The formats of a lightcurve (RESPONSEFORMAT of /datalink/lightcurve), in link order.
LIGHTCURVE_FORMATS = (
    ("votable", VOTABLE, "VOTable 1.4 time series (TIMESYS: the mission's time system)"),
    ("fits", FITS, "FITS in the SPOC layout (lightkurve.read and astropy's tess.fits read it)"),
    ("csv", CSV, "CSV"),
)


@dataclass(frozen=True, slots=True)
class Link:
    """One row of a links document, with the columns DataLink 1.1 §3.2 defines."""

    id: str
    access_url: str | None = None
    service_def: str | None = None
    error_message: str | None = None
    semantics: str = "#this"
    description: str | None = None
    content_type: str | None = None
    content_length: int | None = None
    content_qualifier: str | None = None
    local_semantics: str | None = None


@dataclass(frozen=True, slots=True)
class Cutout:
    """A SODA service descriptor for a lightcurve's time cutout (its RESOURCE's ID is `id`)."""

    id: str
    did: str
    t_min: float | None
    t_max: float | None


@dataclass(frozen=True, slots=True)
class Links:
    rows: tuple[Link, ...]
    cutouts: tuple[Cutout, ...]


def url(base: str, path: str, **params: str) -> str:
    return f"{base}{path}?{urllib.parse.urlencode(params)}"


def links(
    connection: sa.Connection,
    base: str,
    products: Sequence[Product | Unresolved],
    data_root: Path | None,
) -> Links:
    """The links of every product, in order (`base`: the service's URL, …/tap)."""
    rows: list[Link] = []
    cutouts: list[Cutout] = []
    for product in products:
        if isinstance(product, Unresolved):
            rows.append(Link(product.did, error_message=product.error, semantics="#this"))
        elif product.table == "dataset":
            cutout = Cutout(f"soda-{len(cutouts) + 1}", product.did, product.t_min, product.t_max)
            cutouts.append(cutout)
            rows += lightcurve_links(connection, base, product, cutout)
        else:
            rows += frame_links(connection, base, product, data_root)
    return Links(tuple(rows), tuple(cutouts))


def lightcurve_links(
    connection: sa.Connection, base: str, product: Product, cutout: Cutout
) -> Iterable[Link]:
    did = product.did
    size = None if product.estsize is None else product.estsize * 1024
    for name, content_type, description in LIGHTCURVE_FORMATS:
        yield Link(
            did,
            url(base, "/datalink/lightcurve", ID=did, RESPONSEFORMAT=name),
            description=f"The lightcurve: {description}",
            content_type=content_type,
            content_length=size if name == "votable" else None,
            content_qualifier="timeseries",
            local_semantics=name,
        )
    yield Link(
        did,
        url(base, "/datalink/preview", ID=did),
        semantics="#preview",
        description="A plot of the lightcurve (flux against time; flagged cadences in grey)",
        content_type=PNG,
    )
    context = connection.execute(
        sa.text(
            "SELECT d.target_id, d.observation_id, "
            "(SELECT count(*) FROM lcdb.fits_frame AS f WHERE f.observation_id = d.observation_id)"
            " FROM lcdb.dataset AS d WHERE d.id = :id"
        ),
        {"id": product.id},
    ).one()
    target_id, observation_id, frames = context
    auxiliary = (
        "SELECT tt.barycentric_julian_dates, q.type AS flags_type, q.quality_flags\n"
        "FROM lcdb.target_specific_time AS tt\n"
        "LEFT OUTER JOIN lcdb.quality_flag_array AS q\n"
        "  ON q.target_id = tt.target_id AND q.observation_id = tt.observation_id\n"
        f"WHERE tt.target_id = {int(target_id)} AND tt.observation_id = {int(observation_id)}"
    )
    yield Link(
        did,
        url(base, "/sync", LANG="ADQL", RESPONSEFORMAT="votable", QUERY=auxiliary),
        semantics="#auxiliary",
        description="The target's barycentric times and quality flags in this observation "
        "(a TAP query)",
        content_type=VOTABLE,
    )
    related = connection.execute(
        sa.text(
            "SELECT 'progenitor', r.obs_publisher_did, r.obs_title FROM lcdb.datasethierarchy h "
            "JOIN ivoa.obscore_rows r ON r.lcdb_table = 'dataset' "
            "AND r.lcdb_id = h.source_dataset_id WHERE h.child_dataset_id = :id "
            "UNION ALL "
            "SELECT 'derivation', r.obs_publisher_did, r.obs_title FROM lcdb.datasethierarchy h "
            "JOIN ivoa.obscore_rows r ON r.lcdb_table = 'dataset' "
            "AND r.lcdb_id = h.child_dataset_id WHERE h.source_dataset_id = :id "
            "UNION ALL "
            "SELECT 'coderived', r.obs_publisher_did, r.obs_title FROM lcdb.dataset AS d2 "
            "JOIN ivoa.obscore_rows r ON r.lcdb_table = 'dataset' AND r.lcdb_id = d2.id "
            "WHERE d2.target_id = :target AND d2.observation_id = :observation AND d2.id <> :id "
            "AND d2.id NOT IN (SELECT source_dataset_id FROM lcdb.datasethierarchy "
            "WHERE child_dataset_id = :id UNION SELECT child_dataset_id "
            "FROM lcdb.datasethierarchy WHERE source_dataset_id = :id) "
            "ORDER BY 1, 2"
        ),
        {"id": product.id, "target": target_id, "observation": observation_id},
    )
    semantics = {
        "progenitor": "#progenitor",
        "derivation": "#derivation",
        "coderived": "#coderived",
    }
    for relation, other, title in related:
        yield Link(
            did,
            url(base, "/datalink", ID=other),
            semantics=semantics[relation],
            description=f"{title}: its links",
            content_type=DATALINK,
            content_qualifier="timeseries",
        )
    if frames:
        query = (
            "SELECT o.* FROM ivoa.obscore AS o\n"
            "JOIN lcdb.fits_frame AS f ON f.id = o.lcdb_id AND o.lcdb_table = 'fits_frame'\n"
            f"WHERE f.observation_id = {int(observation_id)}\n"
            "ORDER BY o.t_min"
        )
        yield Link(
            did,
            url(base, "/sync", LANG="ADQL", RESPONSEFORMAT="votable", QUERY=query),
            semantics="#progenitor",
            description=f"The {frames} full-frame images of this observation (their ObsCore "
            "rows, each with its own links)",
            content_type=VOTABLE,
            content_qualifier="image",
        )
    yield Link(
        did,
        service_def=cutout.id,
        semantics="#cutout",
        description="The lightcurve between two times (SODA TIME, MJD)",
        content_type=VOTABLE,
        content_qualifier="timeseries",
    )


def frame_links(
    connection: sa.Connection, base: str, product: Product, data_root: Path | None
) -> Iterable[Link]:
    found = frame_file(connection, product, data_root)
    if isinstance(found, str):
        yield Link(product.did, error_message=f"NotFoundFault: {found}")
        return
    yield Link(
        product.did,
        url(base, "/datalink/frame", ID=product.did),
        description="The FITS file of the frame",
        content_type=FITS,
        content_length=found.stat().st_size,
        content_qualifier="image",
    )


def frame_file(connection: sa.Connection, product: Product, data_root: Path | None) -> Path | str:
    """The frame's file under `data_root`, or why there is none. A path that would leave the
    data root (``..``, an absolute path, a symbolic link pointing out) is never followed."""
    file_path: str | None = connection.execute(
        sa.text("SELECT file_path FROM lcdb.fits_frame WHERE id = :id"), {"id": product.id}
    ).scalar_one_or_none()
    if data_root is None:
        return "this service has no data root for frame files (LCDB_DATA_ROOT)"
    if not file_path:
        return "the frame record has no file path"
    root = data_root.resolve()
    candidate = (root / file_path.lstrip("/")).resolve()
    if not candidate.is_relative_to(root):
        return f"the frame's path {file_path!r} is outside the data root"
    if not candidate.is_file():
        return f"the frame's file {file_path} is not in the archive's data root"
    return candidate
