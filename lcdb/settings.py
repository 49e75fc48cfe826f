"""Where the database is: an external server named by URL, or the embedded one under LCDB_HOME."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import platformdirs

ENV_DATABASE_URL = "LCDB_DATABASE_URL"
ENV_HOME = "LCDB_HOME"


def default_home() -> Path:
    """Per-user data directory; for root a system directory the server's own user can reach.

    PostgreSQL refuses to run as root, so as root the embedded server runs as a dedicated
    system user, which cannot enter root's home directory (mode 700).
    """
    if os.name == "posix" and os.geteuid() == 0:
        return Path("/var/lib/lcdb-tap")
    return Path(platformdirs.user_data_dir("lcdb-tap", appauthor=False))


@dataclass(frozen=True)
class DatabaseSettings:
    """`url` set: use that server. `url` None: use (and start on demand) the embedded server."""

    url: str | None
    home: Path

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, *, url: str | None = None
    ) -> DatabaseSettings:
        env = os.environ if environ is None else environ
        chosen = url if url is not None else env.get(ENV_DATABASE_URL) or None
        home = Path(env[ENV_HOME]).expanduser() if env.get(ENV_HOME) else default_home()
        return cls(url=chosen, home=home)

    @property
    def embedded(self) -> bool:
        return self.url is None
