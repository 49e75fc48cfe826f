"""Sector timelines for the demo: cadence grids, the downlink gap, and spacecraft events.

The demo uses sectors 1 and 2, the sectors of its real files, and takes each sector's shape
from those files: start time (TSTART), first CADENCENO, number of 2-minute rows and the rows of
the downlink gap, plus the product timestamp and spacecraft configuration of the file names.
So synthetic and real lightcurves of a CCD share their cadences, as real products do. The FFI
cadences come from the sector's real FFIs (tess-cloud's catalogue, `lcdb.demo.frames`): the
first FFI's file name stamp, the span of cadence numbers and the ones the downlink gap lacks.
QLP lightcurves are numbered by SPOC's FFIINDEX as `lcdb.ingest.ffi_name` derives it from
those names, so they share their observation's cadences with the demo's frame records.
Momentum dumps come every 2.5 d as in both files. Events that happen to the spacecraft or a
camera (dumps, manual excludes, scattered light near perigee) are drawn once per sector or
camera, so every target on that camera shares them. Quality bits have their SPOC meanings
(`/work/shared/tess.md` section 2.4).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import numpy as np

from lcdb.ingest.ffi_name import cadence_numbers, stamp_seconds

BTJD_EPOCH = 2457000.0
TWO_MINUTES = 120.0  # s, target cadence in sectors 1-26
FFI_CADENCE = 1800.0  # s, full-frame images in sectors 1-26
DAY = 86400.0
DUMP_PERIOD = 2.5  # d, momentum dumps in sectors 1 and 2
FIRST_DUMP_AFTER = 2.53  # d after an orbit starts (another one opens the orbit)
DUMP_LENGTH = 16.0 / 1440.0  # d, the 8 two-minute rows a dump flags

# SPOC quality bits (value, as in the QUALITY column)
ATTITUDE_TWEAK = 1
COARSE_POINT = 4
EARTH_POINT = 8
ARGABRIGHTENING = 16
DESAT = 32  # reaction-wheel desaturation (momentum dump)
MANUAL_EXCLUDE = 128
IMPULSIVE_OUTLIER = 512
STRAY_LIGHT = 2048  # Earth/Moon in the field (set by MIT; QLP too)
SCATTERED_LIGHT = 4096  # SPOC: scattered-light exclude. QLP uses 4096 for "low precision".
PDC_GAPPED = COARSE_POINT | EARTH_POINT | ARGABRIGHTENING | DESAT | MANUAL_EXCLUDE | SCATTERED_LIGHT
"""Bits where SPOC leaves PDCSAP_FLUX NaN (as the real sector 1 file does)."""

SCATTER_MAX_DAYS = {1: 2.0, 2: 1.2, 3: 0.6, 4: 0.4}  # camera 1 looks closest to the ecliptic


@dataclass(frozen=True, slots=True)
class SectorSpec:
    """Facts of a real sector, read from its SPOC products (names and 2-min lightcurves)."""

    sector: int
    product_stamp: str  # the YYYYDDDHHMMSS in SPOC product names
    scconfig: int  # spacecraft configuration id in SPOC product names
    tstart: float  # TJD: start of the first 2-min exposure (primary TSTART)
    first_cadence: int  # its CADENCENO
    two_minute_rows: int
    gap_rows: tuple[int, int]  # first and last row of the downlink gap (TIME NaN)
    ffi_stamp: str  # the YYYYDDDHHMMSS of the sector's first FFI file names
    ffi_cadences: int  # FFI cadence numbers from the first to the last FFI, the gap's included
    ffi_gap: tuple[int, int]  # first and last FFI cadence number of the gap (no FFIs taken)

    @property
    def first_orbit(self) -> int:
        return 2 * self.sector + 7  # POC orbit numbering, sectors 1-29

    @property
    def first_ffi_cadence(self) -> int:
        """SPOC's FFIINDEX of the first FFI, from its name as `lcdb.ingest.ffi_name` reads it."""
        stamp = np.array([int(self.ffi_stamp)])
        return int(cadence_numbers(stamp, np.array([self.sector]))[0])

    @property
    def ffi_start(self) -> float:
        """TJD at which the first FFI's exposure starts (its name stamp is that instant in UTC)."""
        from astropy.time import Time

        seconds = int(stamp_seconds(np.array([int(self.ffi_stamp)]))[0])
        utc = datetime.datetime.fromtimestamp(seconds, tz=datetime.UTC)
        return float(Time(utc, scale="utc").tdb.jd) - BTJD_EPOCH


SECTOR_SPECS = {  # 2-min: the real files in `real.py` (altaipony S1, eleanor S2); FFIs: tess-cloud
    1: SectorSpec(
        sector=1,
        product_stamp="2018206045859",
        scconfig=120,
        tstart=1325.293656167129,
        first_cadence=70444,
        two_minute_rows=20076,
        gap_rows=(9524, 10338),
        ffi_stamp="2018206192942",
        ffi_cadences=1337,  # FFIINDEX 4697 .. 6033
        ffi_gap=(5331, 5385),
    ),
    2: SectorSpec(
        sector=2,
        product_stamp="2018234235059",
        scconfig=121,
        tstart=1354.101978098092,
        first_cadence=91186,
        two_minute_rows=19737,
        gap_rows=(9397, 10434),
        ffi_stamp="2018235142941",
        ffi_cadences=1315,  # FFIINDEX 6079 .. 7393
        ffi_gap=(6705, 6774),
    ),
}
DEMO_SECTORS = tuple(SECTOR_SPECS)


@dataclass(frozen=True, slots=True)
class Interval:
    start: float  # TJD
    stop: float

    def contains(self, times: np.ndarray) -> np.ndarray:
        return (times >= self.start) & (times < self.stop)


@dataclass(frozen=True, slots=True)
class CameraEvents:
    """What happens to one camera in one sector."""

    scattered: tuple[Interval, ...]  # stray light near the start and end of each orbit
    argabrightening: tuple[Interval, ...]


@dataclass(frozen=True, slots=True)
class Sector:
    """One sector's timeline (TJD: spacecraft days since BJD 2457000, before barycentring)."""

    spec: SectorSpec
    start: float
    stop: float
    gap: Interval
    ffi_start: float  # TJD: start of the first FFI exposure
    dumps: tuple[float, ...]
    coarse_dumps: tuple[float, ...]  # dumps that begin with a coarse-pointing cadence
    manual_exclude: Interval | None
    excluded_rows: np.ndarray  # 2-min rows flagged one by one (about 1 %, as in sector 1)
    attitude_tweak: float
    cameras: dict[int, CameraEvents]
    date_obs: str  # `start` and `stop` as UTC calendar dates, for headers
    date_end: str
    earth_au: np.ndarray  # (3, n) barycentric Earth position on `earth_times`
    earth_times: np.ndarray

    @property
    def number(self) -> int:
        return self.spec.sector

    @property
    def orbits(self) -> tuple[Interval, Interval]:
        return Interval(self.start, self.gap.start), Interval(self.gap.stop, self.stop)

    def two_minute_grid(self) -> tuple[np.ndarray, np.ndarray]:
        """(CADENCENO, mid-exposure TJD) of every 2-min row, the gap's rows included."""
        rows = np.arange(self.spec.two_minute_rows)
        step = TWO_MINUTES / DAY
        return (self.spec.first_cadence + rows).astype(np.int64), self.start + (rows + 0.5) * step

    def ffi_grid(self) -> tuple[np.ndarray, np.ndarray]:
        """(cadence number, mid-exposure TJD) of every FFI the sector has; none in the gap.

        The numbers are SPOC's FFIINDEX (they grow across sectors), the cadences those of the
        sector's real FFIs, every 1800 s from the first one's start."""
        spec = self.spec
        index = np.arange(spec.ffi_cadences)
        cadences = spec.first_ffi_cadence + index
        keep = (cadences < spec.ffi_gap[0]) | (cadences > spec.ffi_gap[1])
        mid = self.ffi_start + (index + 0.5) * (FFI_CADENCE / DAY)
        return cadences[keep].astype(np.int64), mid[keep]

    def orbit_ids(self, times: np.ndarray) -> np.ndarray:
        return np.where(times < self.gap.start, self.spec.first_orbit, self.spec.first_orbit + 1)

    def barycentric_correction(self, times: np.ndarray, ra: float, dec: float) -> np.ndarray:
        """BJD - JD (days) for a star: the light travel time along its direction (Roemer delay)."""
        a, d = np.radians(ra), np.radians(dec)
        direction = np.array([np.cos(d) * np.cos(a), np.cos(d) * np.sin(a), np.sin(d)])
        projected = direction @ self.earth_au  # AU along the line of sight
        light_day_per_au = 499.004784 / DAY
        return np.asarray(np.interp(times, self.earth_times, projected) * light_day_per_au)


def build_sector(spec: SectorSpec, seed: int) -> Sector:
    """The timeline of a sector, deterministic in (`seed`, sector)."""
    rng = np.random.default_rng([seed, spec.sector, 0])
    step = TWO_MINUTES / DAY
    start = spec.tstart
    stop = start + spec.two_minute_rows * step
    gap = Interval(start + spec.gap_rows[0] * step, start + (spec.gap_rows[1] + 1) * step)
    orbits = (Interval(start, gap.start), Interval(gap.stop, stop))
    dumps: list[float] = []
    for orbit in orbits:
        dumps.append(orbit.start)
        dumps += list(np.arange(orbit.start + FIRST_DUMP_AFTER, orbit.stop, DUMP_PERIOD))
    dumps.sort()
    coarse = tuple(float(t) for t in dumps if rng.random() < 0.3)
    excluded = None
    if rng.random() < 0.7:
        begin = rng.uniform(start + 1.0, stop - 3.0)
        excluded = Interval(begin, begin + rng.uniform(0.3, 2.0))
    excluded_rows = np.flatnonzero(rng.random(spec.two_minute_rows) < 0.01)
    cameras = {camera: _camera_events(rng, orbits, camera) for camera in range(1, 5)}
    earth_times = np.arange(start - 1.0, stop + 1.0, 0.25)
    return Sector(
        spec=spec,
        start=start,
        stop=stop,
        gap=gap,
        ffi_start=spec.ffi_start,
        dumps=tuple(float(t) for t in dumps),
        coarse_dumps=coarse,
        manual_exclude=excluded,
        excluded_rows=excluded_rows,
        attitude_tweak=float(rng.uniform(start, stop)),
        cameras=cameras,
        date_obs=_utc(start),
        date_end=_utc(stop),
        earth_au=_earth_positions(earth_times),
        earth_times=earth_times,
    )


def _camera_events(
    rng: np.random.Generator, orbits: tuple[Interval, Interval], camera: int
) -> CameraEvents:
    longest = SCATTER_MAX_DAYS[camera]
    scattered = []
    for orbit in orbits:  # perigee is at the orbit ends: Earth light in the baffles
        scattered.append(Interval(orbit.start, orbit.start + rng.uniform(0.1, longest)))
        scattered.append(Interval(orbit.stop - rng.uniform(0.1, longest), orbit.stop))
    flashes = []
    for _ in range(int(rng.integers(0, 3))):
        begin = rng.uniform(orbits[0].start, orbits[1].stop)
        flashes.append(Interval(begin, begin + rng.uniform(0.01, 0.04)))
    return CameraEvents(tuple(scattered), tuple(flashes))


def _earth_positions(times: np.ndarray) -> np.ndarray:
    from astropy.coordinates import get_body_barycentric
    from astropy.time import Time

    # The built-in ephemeris (ERFA's epv00): offline, and far better than the 1 s we need.
    where = get_body_barycentric("earth", Time(times + BTJD_EPOCH, format="jd", scale="tdb"))
    return np.asarray(where.xyz.to_value("AU"))


def _utc(tjd: float) -> str:
    from astropy.time import Time

    return str(Time(tjd + BTJD_EPOCH, format="jd", scale="tdb").utc.isot) + "Z"


def spoc_quality(sector: Sector, camera: int) -> np.ndarray:
    """SPOC QUALITY of the 2-min grid on `camera`: the spacecraft and camera events' bits."""
    _, times = sector.two_minute_grid()
    quality = np.zeros(times.shape, dtype=np.int32)
    quality[sector.excluded_rows] |= MANUAL_EXCLUDE
    quality[sector.gap.contains(times)] |= EARTH_POINT | MANUAL_EXCLUDE
    half = TWO_MINUTES / DAY / 2.0
    for dump in sector.dumps:
        quality[(times + half > dump) & (times - half < dump + DUMP_LENGTH)] |= (
            DESAT | MANUAL_EXCLUDE
        )
    for dump in sector.coarse_dumps:
        before = int(np.searchsorted(times, dump)) - 1
        if before >= 0:
            quality[before] |= COARSE_POINT | MANUAL_EXCLUDE
    if sector.manual_exclude is not None:
        quality[sector.manual_exclude.contains(times)] |= MANUAL_EXCLUDE
    quality[np.argmin(np.abs(times - sector.attitude_tweak))] |= ATTITUDE_TWEAK
    events = sector.cameras[camera]
    for interval in events.scattered:
        quality[interval.contains(times)] |= STRAY_LIGHT
        worst = _worst_half(interval, sector)
        quality[worst.contains(times)] |= SCATTERED_LIGHT
    for interval in events.argabrightening:
        quality[interval.contains(times)] |= ARGABRIGHTENING | MANUAL_EXCLUDE
    return quality


def qlp_quality(sector: Sector, camera: int) -> np.ndarray:
    """QLP QUALITY of the FFI grid: dumps, exclusions, stray light; 4096 = low precision."""
    _, times = sector.ffi_grid()
    quality = np.zeros(times.shape, dtype=np.int32)
    half = FFI_CADENCE / DAY / 2.0
    for dump in sector.dumps:
        quality[(times - half <= dump) & (times + half > dump)] |= DESAT
    if sector.manual_exclude is not None:
        quality[sector.manual_exclude.contains(times)] |= MANUAL_EXCLUDE
    events = sector.cameras[camera]
    for interval in events.scattered:
        quality[interval.contains(times)] |= STRAY_LIGHT
        quality[_worst_half(interval, sector).contains(times)] |= SCATTERED_LIGHT  # low precision
    for interval in events.argabrightening:
        quality[interval.contains(times)] |= ARGABRIGHTENING
    return quality


def scattered_light(sector: Sector, camera: int, times: np.ndarray) -> np.ndarray:
    """Extra background, in units of the normal sky level: steep towards the orbit ends."""
    extra = np.zeros(times.shape)
    for interval in sector.cameras[camera].scattered:
        length = interval.stop - interval.start
        edge = interval.start if _at_orbit_start(interval, sector) else interval.stop
        inside = interval.contains(times)
        extra[inside] += 20.0 * np.exp(-np.abs(times[inside] - edge) / (length / 3.0))
    return extra


def _worst_half(interval: Interval, sector: Sector) -> Interval:
    middle = (interval.start + interval.stop) / 2.0
    if _at_orbit_start(interval, sector):
        return Interval(interval.start, middle)
    return Interval(middle, interval.stop)


def _at_orbit_start(interval: Interval, sector: Sector) -> bool:
    return any(interval.start == orbit.start for orbit in sector.orbits)
