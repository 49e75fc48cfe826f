"""The DALI examples page: real queries against the published schema, for people and clients.

TOPCAT shows these in its examples menu and pyvo reads them (DALI 1.1 §2.3, XHTML+RDFa). The
test suite runs every query here against the database, so an example can never rot. They are
written in the ADQL 2.0 subset (ORDER BY names an output column, not a qualified one;
geometry constructors with their coordinate-system argument, 'ICRS') so that older clients'
validators (taplint's) accept them too.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape


@dataclass(frozen=True)
class Example:
    id: str
    name: str
    description: str
    query: str
    tables: tuple[str, ...]


EXAMPLES = (
    Example(
        "lightcurves-of-a-target",
        "Lightcurves of a target",
        "Every lightcurve of one star, named by its TIC id, with the sector it was observed in "
        "and how it was processed (no processing method: raw aperture photometry).",
        'SELECT d.id, t.name AS tic_id, o.sector, m.name AS processing, d."values", d.errors\n'
        "FROM lcdb.dataset AS d\n"
        "JOIN lcdb.target AS t ON t.id = d.target_id\n"
        "JOIN lcdb.observation AS o ON o.id = d.observation_id\n"
        "LEFT OUTER JOIN lcdb.processing_method AS m ON m.id = d.processing_method_id\n"
        "WHERE t.name = 358108509",
        ("lcdb.dataset", "lcdb.target", "lcdb.observation", "lcdb.processing_method"),
    ),
    Example(
        "times-and-quality",
        "Times and quality flags of a target",
        "The barycentric times (BTJD) and the quality bits of a star in each sector: join them "
        "with the flux values element by element to build a lightcurve.",
        "SELECT o.sector, tt.barycentric_julian_dates, q.quality_flags\n"
        "FROM lcdb.target_specific_time AS tt\n"
        "JOIN lcdb.target AS t ON t.id = tt.target_id\n"
        "JOIN lcdb.observation AS o ON o.id = tt.observation_id\n"
        "LEFT OUTER JOIN lcdb.quality_flag_array AS q\n"
        "  ON q.observation_id = tt.observation_id AND q.target_id = tt.target_id\n"
        "WHERE t.name = 358108509",
        ("lcdb.target_specific_time", "lcdb.quality_flag_array"),
    ),
    Example(
        "lineage",
        "What was derived from what",
        "Lineage between datasets: for each derived lightcurve, the dataset it was made from "
        "and the processing that made it.",
        "SELECT h.source_dataset_id, h.child_dataset_id, m.name AS processing\n"
        "FROM lcdb.datasethierarchy AS h\n"
        "JOIN lcdb.dataset AS child ON child.id = h.child_dataset_id\n"
        "LEFT OUTER JOIN lcdb.processing_method AS m ON m.id = child.processing_method_id",
        ("lcdb.datasethierarchy", "lcdb.dataset"),
    ),
    Example(
        "datasets-per-sector",
        "How many lightcurves per sector",
        "Counts of lightcurves and of distinct targets per TESS sector and cadence.",
        "SELECT o.sector AS sector, o.cadence_seconds AS cadence, COUNT(*) AS lightcurves,\n"
        "       COUNT(DISTINCT d.target_id) AS targets\n"
        "FROM lcdb.dataset AS d JOIN lcdb.observation AS o ON o.id = d.observation_id\n"
        "GROUP BY o.sector, o.cadence_seconds\n"
        "ORDER BY sector, cadence",
        ("lcdb.dataset", "lcdb.observation"),
    ),
    Example(
        "frames-of-a-sector",
        "Full-frame images of a sector",
        "FITS frames taken during sector 1, in cadence order, with their image size and file.",
        "SELECT TOP 100 f.cadence AS cadence, f.naxis_values, f.file_path, i.name AS instrument\n"
        "FROM lcdb.fits_frame AS f\n"
        "JOIN lcdb.observation AS o ON o.id = f.observation_id\n"
        "JOIN lcdb.instrument AS i ON i.id = o.instrument_id\n"
        "WHERE o.sector = 1\n"
        "ORDER BY cadence",
        ("lcdb.fits_frame", "lcdb.instrument"),
    ),
    Example(
        "cone-search",
        "Stars around a position (cone search)",
        "Targets within half a degree of a position, nearest first, with their TESS "
        "magnitude. CONTAINS of a POINT in a CIRCLE uses the position index.",
        "SELECT TOP 100 name AS tic_id, ra, dec, magnitude,\n"
        "       DISTANCE(POINT('ICRS', ra, dec), POINT('ICRS', 55.0, -65.0)) AS dist\n"
        "FROM lcdb.target\n"
        "WHERE 1 = CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', 55.0, -65.0, 0.5))\n"
        "ORDER BY dist",
        ("lcdb.target",),
    ),
    Example(
        "nearest-target",
        "The catalogued object nearest to a position",
        "The target closest to a position, whatever the distance (a nearest-neighbour index scan).",
        "SELECT TOP 1 name AS tic_id, ra, dec,\n"
        "       DISTANCE(POINT('ICRS', ra, dec), POINT('ICRS', 55.0, -65.0)) AS dist\n"
        "FROM lcdb.target\n"
        "ORDER BY dist",
        ("lcdb.target",),
    ),
    Example(
        "close-pairs",
        "Pairs of targets closer than 10 arcseconds (crossmatch)",
        "A self-crossmatch: every pair of catalogued objects within 10 arcsec of each other, "
        "as a crossmatch of an uploaded list with the catalogue is written.",
        "SELECT TOP 100 a.name AS tic_a, b.name AS tic_b,\n"
        "       DISTANCE(POINT('ICRS', a.ra, a.dec), POINT('ICRS', b.ra, b.dec)) * 3600\n"
        "         AS sep_arcsec\n"
        "FROM lcdb.target AS a\n"
        "JOIN lcdb.target AS b\n"
        "  ON 1 = CONTAINS(POINT('ICRS', a.ra, a.dec), CIRCLE('ICRS', b.ra, b.dec, 10.0 / 3600))\n"
        "WHERE a.id < b.id",
        ("lcdb.target",),
    ),
    Example(
        "frames-covering-a-position",
        "Which frames cover my target",
        "Full-frame images whose sky footprint contains a position (the footprint index).",
        "SELECT f.file_path, f.start_time, f.stop_time, o.sector\n"
        "FROM lcdb.fits_frame AS f\n"
        "JOIN lcdb.observation AS o ON o.id = f.observation_id\n"
        "WHERE 1 = CONTAINS(POINT('ICRS', 55.0, -65.0), f.footprint)",
        ("lcdb.fits_frame", "lcdb.observation"),
    ),
    Example(
        "data-at-a-position",
        "Everything the archive has at a position (ObsCore)",
        "The ObsCore table lists every product: lightcurves (timeseries) of targets at the "
        "position and full-frame images (image) whose footprint covers it, with their time "
        "span (MJD) and DataLink URL. The same query works on any ObsCore service.",
        "SELECT obs_id, dataproduct_type, obs_collection, calib_level, t_min, t_max, access_url\n"
        "FROM ivoa.obscore\n"
        "WHERE 1 = CONTAINS(POINT('ICRS', 51.1119, -77.4515), s_region)\n"
        "ORDER BY dataproduct_type DESC, t_min",
        ("ivoa.obscore",),
    ),
    Example(
        "columns-of-a-table",
        "What the lightcurve table contains",
        "TAP_SCHEMA describes every published column: name, type, unit and UCD.",
        "SELECT column_name, datatype, arraysize, unit, ucd, description\n"
        "FROM TAP_SCHEMA.columns\n"
        "WHERE table_name = 'lcdb.dataset'\n"
        "ORDER BY column_index",
        ("TAP_SCHEMA.columns",),
    ),
)


def render(base_url: str) -> bytes:
    """The examples document (XHTML with the RDFa vocabulary of DALI examples)."""
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en">\n'
        "<head><title>lcdb-tap: example queries</title>"
        '<meta http-equiv="Content-Type" content="application/xhtml+xml; charset=UTF-8"/></head>\n'
        '<body vocab="http://www.ivoa.net/rdf/examples#">\n'
        "<h1>Example queries</h1>\n"
        f"<p>Run them with any TAP client against <code>{escape(base_url)}</code>.</p>\n"
    ]
    for example in EXAMPLES:
        tables = "".join(
            f'<span property="table">{escape(name)}</span> ' for name in example.tables
        )
        parts.append(
            f'<div typeof="example" id="{example.id}" resource="#{example.id}">\n'
            f'<h2 property="name">{escape(example.name)}</h2>\n'
            f"<p>{escape(example.description)}</p>\n"
            f'<pre class="dali-example" property="query">{escape(example.query)}</pre>\n'
            f"<p>Tables: {tables}</p>\n"
            "</div>\n"
        )
    parts.append("</body>\n</html>\n")
    return "".join(parts).encode()
