"""Why some heavy libraries are imported where they are first used, not with the service.

The service's resident memory is part of what it is measured on (bench/stream_http.py holds
the server to 200 MB while it streams a large result), and a third of what it held before
a query was libraries that most requests never touch (measured with VmRSS after each
import, on this machine kind):

* matplotlib, 29 MB: only DataLink #preview plots (`datalink.preview`);
* pyarrow, 30 MB: only VOParquet results (`votable.parquet`, through the wrappers in
  `tap_service.votable`) and lightcurve CSV (`datalink.documents.to_csv`);
* astropy's VOTable reader and units, 15 MB: only TAP uploads (`uploads.table`);
* astropy's FITS cards: only lightcurves as FITS (`datalink.documents`).

And given a numpy array (or a list), `pyarrow.array` imports pandas, if it is installed, to
check for pandas types: 50 MB more; the VOParquet writer fed by COPY builds its arrays from
buffers instead (`votable.parquet._from_numpy`), so only the cursor fallback pays that.

The first request that needs one pays its import once (matplotlib ~0.3 s, pyarrow ~0.1 s);
`tests/test_layout.py` checks that importing the app loads none of them.
"""

from __future__ import annotations

#: Top-level packages the app must not import until a request needs them.
DEFERRED = ("matplotlib", "pyarrow", "astropy.io.votable", "astropy.io.fits")
