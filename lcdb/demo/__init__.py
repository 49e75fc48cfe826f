"""The demo archive: real TESS lightcurves from PyPI plus a synthetic, realistic population.

`lcdb-tap demo` builds it once (`archive.py`) and loads it through the ordinary ingest path, so
what a first-time user queries is what an operator's archive would hold. Modules: `real.py`
(the real files), `sky.py` (targets on real CCD footprints), `synthetic.py` (lightcurves),
`fits_writer.py` (real-format files), `archive.py` (the file tree, catalogue and loading).
"""
