"""Loading mission products into LightcurveDB (`lcdb-tap ingest ...`).

`spoc` reads a SPOC lightcurve file into an immutable in-memory product, `load` writes one
product per transaction with binary COPY and set-based upserts, `run` walks paths and reports
per file, `cli` adds the command line.

TESS full-frame images become frame records: `ffi` reads an FFI's headers, `ffi_catalog` a
catalogue of many FFIs, `ffi_name` derives the archive path and cadence number both share,
`footprint` the sky outline, `frames` writes them set-based and `ffi_run` runs and reports.
"""
