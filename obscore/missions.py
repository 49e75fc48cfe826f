"""What ObsCore needs to know about a mission that the lcdb tables do not say.

The derivation (`obscore.refresh`) is the same for every mission; a `MissionMapping` supplies
what differs: the facility and its band, pixel scale and aperture size, which pipelines made
the lightcurves (named by their PhotometricSource), and how the mission spells observation
identifiers (SQL over the aliases the derivation uses: ``d`` dataset, ``f`` fits_frame, ``o``
observation, ``t`` target, ``ccd`` the observation's instrument, ``pipe`` the pipeline row,
``ps``/``pm`` the photometric source and processing method). A new mission is a new mapping
in `MISSIONS`, not an edit of the SQL.

Identifiers follow what TESS users know from MAST: frames by sector, camera and CCD
(``tess-s0001-4-2``), lightcurves by sector, TIC number and cadence
(``tess-s0001-0000000025155310-120``, ``hlsp_qlp-s0001-0000000025155310-1800``); a
lightcurve's raw and processed fluxes share their obs_id and differ in obs_publisher_did.
Only URL-safe characters are used (the DID is the DataLink ID in access_url).
"""

from __future__ import annotations

from dataclasses import dataclass

from lcdb.missions.tess import TESS_FFI


@dataclass(frozen=True, slots=True)
class Pipeline:
    """Who made a lightcurve, told by its PhotometricSource name and its cadence."""

    source_prefix: str  # PhotometricSource names starting with this
    from_ffis: bool | None  # made from full-frame images (True), target pixels (False), either
    collection: str  # obs_collection
    obs_prefix: str  # how its obs_ids begin
    creator: str  # obs_creator_name
    label: str  # in obs_title
    #: o_calib_status of its fluxes (ObsCore: absolute, relative, normalized, any).
    flux_calibration: str


@dataclass(frozen=True, slots=True)
class MissionMapping:
    mission: str  # lcdb.mission.name
    facility: str  # facility_name
    instrument_root: str  # name of the top of its instrument tree (frames find it there)
    em_min: float  # m, vacuum wavelength
    em_max: float
    o_ucd: str
    pixel_scale: float  # arcsec
    resolution: float  # arcsec, s_resolution
    #: Typical radius of a lightcurve's extraction aperture (deg): its s_region is that circle.
    aperture_radius: float
    #: Fraction of a cadence spent integrating (TESS: DEADC 0.792), for t_exptime.
    exposure_fraction: float
    #: Observations with a cadence this long or longer (s) are full-frame-image cadences.
    ffi_cadence: float
    pipelines: tuple[Pipeline, ...]  # the first that matches a dataset is its pipeline
    frame_type: str  # lcdb.fits_frame.type of its frames
    frame_collection: str
    frame_creator: str
    sequence: str  # SQL: the observation's sequence number (the custom `sector` column)
    lightcurve_obs_id: str  # SQL
    frame_obs_id: str  # SQL
    lightcurve_title: str  # SQL
    frame_title: str  # SQL


_SECTOR = "'-s' || lpad(o.sector::text, 4, '0')"
_TIC = "lpad(t.name::text, 16, '0')"

TESS = MissionMapping(
    mission="TESS",
    facility="TESS",
    instrument_root="TESS",
    em_min=6.0e-7,  # the TESS band, 600-1000 nm
    em_max=1.0e-6,
    o_ucd="phot.flux;em.opt.I",
    pixel_scale=21.0,
    resolution=21.0,
    aperture_radius=2 * 21.0 / 3600,  # SPOC and QLP apertures: a few 21" pixels across
    exposure_fraction=0.792,
    ffi_cadence=200.0,  # FFIs every 1800, 600 or 200 s; target pixels every 120 or 20 s
    pipelines=(
        Pipeline(
            "spoc-",
            True,
            "HLSP/TESS-SPOC",
            "hlsp_tess-spoc",
            "TESS Science Processing Operations Center (TESS-SPOC, from FFIs)",
            "TESS-SPOC",
            "relative",
        ),
        Pipeline(
            "spoc-",
            False,
            "TESS",
            "tess",
            "TESS Science Processing Operations Center (SPOC)",
            "SPOC",
            "relative",
        ),
        Pipeline(
            "qlp-",
            None,
            "HLSP/QLP",
            "hlsp_qlp",
            "MIT Quick-Look Pipeline (QLP)",
            "QLP",
            "normalized",
        ),
    ),
    frame_type=TESS_FFI,
    frame_collection="TESS",
    frame_creator="TESS Science Processing Operations Center (SPOC)",
    sequence="o.sector",
    lightcurve_obs_id=(
        f"pipe.obs_prefix || {_SECTOR} || '-' || {_TIC} || '-' || round(o.cadence_seconds)::text"
    ),
    frame_obs_id=(
        f"'tess' || {_SECTOR} || '-' || (ccd.properties ->> 'camera') || '-' "
        "|| (ccd.properties ->> 'ccd')"
    ),
    lightcurve_title=(
        "'TESS sector ' || o.sector || ' ' || pipe.label || ' ' || round(o.cadence_seconds) "
        "|| ' s lightcurve of TIC ' || t.name || ' (' || ps.name "
        "|| coalesce(', ' || pm.name, ', raw') || ')'"
    ),
    frame_title=(
        "'TESS sector ' || o.sector || ' camera ' || (ccd.properties ->> 'camera') "
        "|| ' CCD ' || (ccd.properties ->> 'ccd') || ' full-frame image, cadence ' || f.cadence"
    ),
)

#: Every mission ObsCore knows, by lcdb.mission.name.
MISSIONS: dict[str, MissionMapping] = {TESS.mission: TESS}
