"""The page for people at the site root: an ADQL editor, results, lightcurves and a sky view.

The page is static: built from the sources in the repository's ``web/`` directory (npm, once,
by developers) into ``static/``, which ships as package data, so the installed service needs
neither node nor a network. It speaks only to the service's public endpoints, as any client.
"""
