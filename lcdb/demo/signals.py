"""What a demo star does: transits, flares and stellar variability, deterministic per star.

A star's model is drawn from a generator seeded with (seed, TIC id), so the same planet
transits at the same times in its QLP and SPOC lightcurves and in every sector; flares are
drawn per (star, sector). Fluxes are relative: 0 is the quiescent star, -0.01 a 1 % dip.
Long exposures (30-min FFIs) average the model over the exposure, which smears flares and
transit ingress as real co-added frames do.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from lcdb.demo.sky import Star

SUPERSAMPLE = 9  # model points averaged per long exposure


@dataclass(frozen=True, slots=True)
class Transit:
    """A planet on a circular orbit, as a trapezoid (box with linear ingress and egress)."""

    period: float  # d
    epoch: float  # BTJD of one mid-transit
    depth: float  # fraction of the flux blocked at mid-transit
    duration: float  # d, first to fourth contact
    ingress: float  # d, first to second contact

    def flux(self, times: np.ndarray) -> np.ndarray:
        phase = np.abs((times - self.epoch + 0.5 * self.period) % self.period - 0.5 * self.period)
        half = self.duration / 2.0
        shape = np.clip((half - phase) / self.ingress, 0.0, 1.0)
        return -self.depth * shape


@dataclass(frozen=True, slots=True)
class Sinusoid:
    """Spots and pulsations, one frequency at a time."""

    period: float  # d
    amplitude: float  # fraction
    phase: float  # rad

    def flux(self, times: np.ndarray) -> np.ndarray:
        return self.amplitude * np.sin(2.0 * np.pi * times / self.period + self.phase)


@dataclass(frozen=True, slots=True)
class Flare:
    """Fast (linear) rise to the peak, exponential decay after it."""

    peak: float  # BTJD
    amplitude: float  # fraction at the peak
    rise: float  # d
    decay: float  # d, e-folding time

    def flux(self, times: np.ndarray) -> np.ndarray:
        dt = times - self.peak
        rising = (dt > -self.rise) & (dt <= 0.0)
        out = np.zeros(times.shape)
        out[rising] = self.amplitude * (1.0 + dt[rising] / self.rise)
        after = dt > 0.0
        out[after] = self.amplitude * np.exp(-dt[after] / self.decay)
        return out


@dataclass(frozen=True, slots=True)
class StarModel:
    transit: Transit | None
    variability: tuple[Sinusoid, ...]
    flare_rate: float  # flares per day
    flare_amplitudes: tuple[float, float]  # log-uniform range
    seed: int
    tic_id: int

    def flares(self, sector: int, start: float, stop: float) -> tuple[Flare, ...]:
        """This star's flares in one sector (the same in all its lightcurves of that sector)."""
        if self.flare_rate <= 0.0:
            return ()
        rng = np.random.default_rng([self.seed, self.tic_id, sector, 1])
        count = int(rng.poisson(self.flare_rate * (stop - start)))
        low, high = np.log(self.flare_amplitudes[0]), np.log(self.flare_amplitudes[1])
        return tuple(
            Flare(
                peak=float(rng.uniform(start, stop)),
                amplitude=float(np.exp(rng.uniform(low, high))),
                rise=float(rng.uniform(1.0, 8.0)) / 1440.0,
                decay=float(rng.uniform(5.0, 60.0)) / 1440.0,
            )
            for _ in range(count)
        )

    def flux(
        self, times: np.ndarray, flares: tuple[Flare, ...], *, detrended: bool = False
    ) -> np.ndarray:
        """Relative flux at `times` (BTJD); `detrended` drops variability slower than a day,
        as QLP's KSP spline does, and keeps transits and flares."""
        out = np.zeros(times.shape)
        for wave in self.variability:
            if not detrended or wave.period < 1.0:
                out += wave.flux(times)
        if self.transit is not None:
            out += self.transit.flux(times)
        for flare in flares:
            out += flare.flux(times)
        return out

    def exposed_flux(
        self,
        times: np.ndarray,
        exposure: float,
        flares: tuple[Flare, ...],
        *,
        detrended: bool = False,
    ) -> np.ndarray:
        """The flux averaged over exposures of `exposure` days centred on `times`."""
        offsets = (np.arange(SUPERSAMPLE) + 0.5) / SUPERSAMPLE - 0.5
        fine = (times[:, None] + offsets[None, :] * exposure).ravel()
        flux = self.flux(fine, flares, detrended=detrended).reshape(times.size, SUPERSAMPLE)
        return np.asarray(flux.mean(axis=1))


def star_model(star: Star, seed: int, *, transit_fraction: float) -> StarModel:
    """Draw a star's behaviour; M dwarfs flare often, giants vary slowly."""
    rng = np.random.default_rng([seed, star.tic_id, 0])
    transit = _transit(rng, star) if rng.random() < transit_fraction else None
    waves: list[Sinusoid] = []
    if rng.random() < 0.3:
        slow = star.logg < 3.8
        period = math.exp(
            rng.uniform(math.log(5.0 if slow else 0.3), math.log(40.0 if slow else 20.0))
        )
        amplitude = math.exp(rng.uniform(math.log(2e-4), math.log(2e-2)))
        waves.append(Sinusoid(period, amplitude, float(rng.uniform(0, 2 * math.pi))))
        if rng.random() < 0.3:
            waves.append(
                Sinusoid(period / 2.0, amplitude / 3.0, float(rng.uniform(0, 2 * math.pi)))
            )
    m_dwarf = star.teff < 3900.0 and star.logg > 4.5
    if m_dwarf and rng.random() < 0.4:
        rate, amplitudes = float(rng.uniform(0.1, 1.0)), (3e-3, 0.3)
    elif rng.random() < 0.03:
        rate, amplitudes = float(rng.uniform(0.02, 0.1)), (5e-4, 1e-2)
    else:
        rate, amplitudes = 0.0, (0.0, 0.0)
    return StarModel(transit, tuple(waves), rate, amplitudes, seed, star.tic_id)


def _transit(rng: np.random.Generator, star: Star) -> Transit:
    period = math.exp(rng.uniform(math.log(0.7), math.log(15.0)))
    ratio = rng.uniform(0.02, 0.16)  # planet / star radius
    duration = min(0.35, 0.1 * (period / 3.0) ** (1.0 / 3.0) * max(star.radius, 0.3) ** 0.5)
    duration *= rng.uniform(0.5, 1.0)  # impact parameter
    return Transit(
        period=period,
        epoch=float(rng.uniform(1325.0, 1325.0 + period)),
        depth=float(ratio**2),
        duration=float(duration),
        ingress=float(duration * rng.uniform(0.08, 0.3)),
    )
