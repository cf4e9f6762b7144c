"""A part that fits no sheet at the rotations a job never set is refused naming the part's
own entry, never a `nest.rotations` the job does not have."""

from __future__ import annotations

import pytest

from wikicut.errors import UnsafeJobError
from wikicut.io.items import job_items
from wikicut.io.job import load_job

JOB = """name = "turn"
[sheet]
width = 700
height = 500
thickness = 18
margin = 0.5
material = "plywood"
[nest]
iterations = 20
{rotations}
[[part]]
file = "spacer"
quantity = 1
"""


def _refusal(tmp_path, rotations: str) -> str:
    job = tmp_path / f"job{len(rotations)}.toml"
    job.write_text(JOB.format(rotations=rotations))
    with pytest.raises(UnsafeJobError) as err:
        job_items(load_job(job))
    return str(err.value)


def test_unset_rotations_name_the_part_entry(tmp_path):
    # spacer is 716 x 200 mm: no quarter turn fits 699 x 499, a slanted one does
    said = _refusal(tmp_path, "")
    assert "key 'part[1]' (line 11)" in said
    assert "nest.rotations" not in said
    assert "would fit turned" in said
    # rotations the job does set are where to look
    said = _refusal(tmp_path, "rotations = [0, 90]")
    assert "key 'nest.rotations' (line 10)" in said
