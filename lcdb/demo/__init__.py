"""The demo archive: real TESS lightcurves from PyPI plus a synthetic, realistic population.

`lcdb-tap demo` builds it once and loads it through the ordinary ingest path, so what a
first-time user queries is what an operator's archive would hold. Modules, from the sky down
to the command: `sky` (stars on real CCD footprints, tess-point), `sectors` (cadences, gaps,
spacecraft events, quality bits), `signals` (transits, flares, variability), `synthetic`
(SPOC and QLP lightcurves with noise), `fits_cards` and `fits_writer` (real-format files),
`real` (the real files), `population` (which stars get which products), `archive` (the file
tree) and `background` (generation in a child process). Loading the files and what
`lcdb-tap demo` does before it serves is `tap_service.demo`'s, above `lcdb` and `obscore`.
"""
