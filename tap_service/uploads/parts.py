"""The file parts of a request: inline uploads (``UPLOAD=name,param:part``).

A sync query reads them from the request; an async job keeps them in its directory until it
runs (also across a restart of the service), under file names that encode the part names.
"""

from __future__ import annotations

from pathlib import Path

from starlette.datastructures import FormData, UploadFile

from tap_service.errors import BadParameter

DIRECTORY = "uploads"


async def file_parts(form: FormData, max_bytes: int) -> dict[str, bytes]:
    """Every file part of `form` by its name, refusing more than `max_bytes` in all; the parts'
    spooled files are closed (they hold temporary files)."""
    parts: dict[str, bytes] = {}
    total = 0
    for name, value in form.multi_items():
        if not isinstance(value, UploadFile):
            continue
        try:
            data = await value.read(max_bytes - total + 1)
        finally:
            await value.close()
        total += len(data)
        if total > max_bytes:
            raise BadParameter(
                f"the uploaded part {name!r} makes the uploads larger than this service takes "
                f"({max_bytes:,} bytes in all, LCDB_UPLOAD_LIMIT)"
            )
        parts[name] = data
    return parts


def save_parts(job_directory: Path, parts: dict[str, bytes]) -> None:
    directory = job_directory / DIRECTORY
    directory.mkdir(parents=True, exist_ok=True)
    for name, data in parts.items():
        (directory / name.encode("utf-8").hex()).write_bytes(data)


def load_parts(job_directory: Path) -> dict[str, bytes]:
    directory = job_directory / DIRECTORY
    if not directory.is_dir():
        return {}
    return {
        bytes.fromhex(path.name).decode("utf-8"): path.read_bytes()
        for path in directory.iterdir()
        if path.is_file()
    }
