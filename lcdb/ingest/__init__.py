"""Loading mission products into LightcurveDB (`lcdb-tap ingest ...`).

`spoc` reads a SPOC lightcurve file into an immutable in-memory product, `load` writes one
product per transaction with binary COPY and set-based upserts, `run` walks paths and reports
per file, `cli` adds the command line.
"""
