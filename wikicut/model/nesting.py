"""What the nester is asked: instances to place and how to search."""

from __future__ import annotations

from dataclasses import dataclass

from .geometry import Part


@dataclass(frozen=True)
class NestItem:
    """One instance to nest, with the rotations it may take (grain-locked: 0/180)."""

    instance: str
    part: Part
    rotations: tuple[float, ...] = (0.0, 90.0, 180.0, 270.0)


@dataclass(frozen=True)
class NestSettings:
    spacing: float = 12.0
    rotations: tuple[float, ...] = (0.0, 90.0, 180.0, 270.0)
    seed: int = 1
    time_limit: float = 30.0
    workers: int = 2
    # Search budget per worker (layouts decoded + overlap moves). With it set, the result
    # depends only on inputs and seed (byte-identical on any machine, for CI); time_limit
    # still caps the run.
    iterations: int | None = None
