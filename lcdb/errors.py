"""Errors that reach a user of `lcdb`: each says what went wrong and what to do about it."""

from __future__ import annotations


class LcdbError(Exception):
    """Base of every error `lcdb` raises on purpose (never for internal bugs)."""


class DatabaseConfigError(LcdbError):
    """The database setting itself is wrong (not a URL, not PostgreSQL...)."""


class DatabaseUnavailable(LcdbError):
    """The database server could not be reached or refused the connection."""


class UnsupportedServer(LcdbError):
    """The server is reachable but too old or otherwise unfit."""


class EmbeddedServerError(LcdbError):
    """The embedded PostgreSQL could not be initialised, started or stopped."""


class MigrationError(LcdbError):
    """A migration could not be applied (unknown revision, failing step)."""
