"""Fuzz the readers with mutated real files: any outcome but a clear refusal is a bug.

Mutations are seeded (deterministic in CI) and bounded in number so the run stays short.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from wikicut.errors import WikicutError

ROOT = Path(__file__).resolve().parent.parent
N = 60


def mutations(data: bytes, seed: int, n: int):
    """Byte flips, deleted/duplicated/swapped lines, truncation, numbers made absurd."""
    rng = random.Random(seed)
    lines = data.split(b"\n")
    for k in range(n):
        kind = k % 6
        if kind == 0:
            b = bytearray(data)
            for _ in range(rng.randint(1, 8)):
                b[rng.randrange(len(b))] = rng.randrange(256)
            yield bytes(b)
        elif kind == 1:
            ls = list(lines)
            del ls[rng.randrange(len(ls))]
            yield b"\n".join(ls)
        elif kind == 2:
            ls = list(lines)
            i = rng.randrange(len(ls))
            ls.insert(i, ls[rng.randrange(len(ls))])
            yield b"\n".join(ls)
        elif kind == 3:
            yield data[: rng.randrange(1, len(data))]
        elif kind == 4:
            ls = list(lines)
            i, j = rng.randrange(len(ls)), rng.randrange(len(ls))
            ls[i], ls[j] = ls[j], ls[i]
            yield b"\n".join(ls)
        else:
            ls = list(lines)
            idx = [i for i, ln in enumerate(ls) if ln.strip()[:1].isdigit() or ln.strip()[:1] == b"-"]
            if idx:
                i = rng.choice(idx)
                ls[i] = rng.choice([b"1e308", b"-1e9", b"nan", b"0", b"inf", b"99999999999"])
            yield b"\n".join(ls)


def _dxf_sources() -> list[Path]:
    found = sorted((ROOT / "examples" / "dxf-parts").glob("*.dxf"))
    return found[:3]


@pytest.mark.parametrize("src", _dxf_sources(), ids=lambda p: p.name)
def test_dxf_reader_refuses_cleanly(src, tmp_path):
    from wikicut.dxfio import read_dxf_parts

    data = src.read_bytes()
    for k, mutated in enumerate(mutations(data, seed=hash(src.name) & 0xFFFF, n=N)):
        f = tmp_path / f"m{k}.dxf"
        f.write_bytes(mutated)
        try:
            read_dxf_parts(f, display=f.name)
        except WikicutError as exc:
            msg = str(exc)
            assert "\n" not in msg and f.name in msg, msg


def _toml_sources() -> list[Path]:
    return sorted((ROOT / "parts").glob("*.toml"))[:4] + [ROOT / "examples" / "house" / "job.toml"]


@pytest.mark.parametrize("src", _toml_sources(), ids=lambda p: p.name)
def test_toml_readers_refuse_cleanly(src, tmp_path):
    from wikicut.job import job_items, load_job
    from wikicut.parts import load_part

    is_job = src.name == "job.toml"
    if is_job:  # the job's relative part paths (../../parts/...) must resolve from tmp_path
        (tmp_path / "parts").symlink_to(ROOT / "parts")
        (tmp_path / "x" / "y").mkdir(parents=True)
        f = tmp_path / "x" / "y" / "job.toml"
    else:
        f = tmp_path / src.name
    data = src.read_bytes()
    for mutated in mutations(data, seed=len(data), n=N):
        f.write_bytes(mutated)
        try:
            if is_job:
                job_items(load_job(f))
            else:
                load_part(f, thickness=18.0, display=f.name)
        except WikicutError as exc:
            assert "\n" not in str(exc)


def test_profile_reader_refuses_cleanly(tmp_path):
    from wikicut.profiles import PROFILE_DIR, load_profile

    data = (PROFILE_DIR / "grbl.toml").read_bytes()
    for k, mutated in enumerate(mutations(data, seed=7, n=N)):
        f = tmp_path / "p.toml"
        f.write_bytes(mutated)
        try:
            load_profile(f)
        except WikicutError as exc:
            assert "\n" not in str(exc)
