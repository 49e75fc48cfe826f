"""The HTTP service: TAP, UWS, VOSI and DataLink over the LightcurveDB archive."""
