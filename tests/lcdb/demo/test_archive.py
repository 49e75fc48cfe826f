"""The demo archive: built once and reused, then loaded through the ingest API (real database)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lcdb.demo.archive import CATALOGUE, Request, generate, reusable
from lcdb.demo.background import GenerationError, generated_chunks
from lcdb.demo.real import REAL_FILES
from tests.lcdb.demo.support import TINY, catalogue_ids, seeded_root


@pytest.fixture(scope="module")
def tiny_root(real_files: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = seeded_root(tmp_path_factory.mktemp("demo"), real_files)
    generate(root, TINY)
    return root


def test_files_are_reused_for_the_same_request_only(tiny_root: Path) -> None:
    synthetic = reusable(tiny_root, TINY)
    assert synthetic is not None
    spoc = [p for p in synthetic if p.name.endswith("-s_lc.fits")]
    qlp = [p for p in synthetic if p.name.endswith("_llc.fits")]
    assert len(spoc) >= TINY.counts.spoc and len(qlp) >= TINY.counts.qlp
    assert len(synthetic) == len(spoc) + len(qlp)
    assert reusable(tiny_root, Request(size=0.01)) is None
    assert reusable(tiny_root, Request(size=0.005, seed=1)) is None
    ids = catalogue_ids(tiny_root)
    assert len(ids) == len(set(ids)) and not {real.tic_id for real in REAL_FILES} & set(ids)
    for path in synthetic:
        assert int(path.name.split("-")[2 if path in spoc else 1][:16]) in ids


def test_a_bigger_size_keeps_the_smaller_demos_stars_and_chunks_cover_every_file(
    tiny_root: Path, tmp_path: Path
) -> None:
    chunks: list[tuple[Path, ...]] = []
    files = generate(tmp_path, Request(size=0.01), chunks.append, chunk=5)
    assert sorted(p for chunk in chunks for p in chunk) == sorted(files)
    assert all(5 <= len(chunk) <= 6 for chunk in chunks[:-1])  # a star adds one or two
    assert set(catalogue_ids(tiny_root)) <= set(catalogue_ids(tmp_path))
    assert reusable(tmp_path, Request(size=0.01)) == files


def test_the_child_process_hands_over_every_file(tmp_path: Path) -> None:
    chunks = list(generated_chunks(tmp_path, TINY))
    assert sorted(p for chunk in chunks for p in chunk) == list(reusable(tmp_path, TINY) or ())


def test_a_failing_child_process_is_reported(tmp_path: Path) -> None:
    not_a_directory = tmp_path / "file"
    not_a_directory.write_text("")
    with pytest.raises(GenerationError, match=r"generating the demo files failed: .*Error"):
        list(generated_chunks(not_a_directory, TINY))


def test_equal_requests_write_equal_files(tiny_root: Path, tmp_path: Path) -> None:
    again = generate(tmp_path, TINY)
    first = reusable(tiny_root, TINY) or ()
    assert [p.relative_to(tmp_path) for p in again] == [p.relative_to(tiny_root) for p in first]
    assert (tmp_path / CATALOGUE).read_bytes() == (tiny_root / CATALOGUE).read_bytes()
    for one, other in zip(first, again, strict=True):
        assert undated(one.read_bytes()) == undated(other.read_bytes()), one.name


def undated(data: bytes) -> bytes:
    """The file without its creation date (the DATE card), which is the day it was written."""
    return re.sub(rb"DATE    = '\d{4}-\d\d-\d\d'", b"", data)
