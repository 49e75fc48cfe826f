"""DataLink: what there is for each dataset, and the lightcurve documents behind the links."""
