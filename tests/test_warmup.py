"""load_kernels' `meanwhile` (nest/warmup.py): a caller's own first work runs while the
overlap kernels' second process compiles, and the pipeline plans a job's parts there. The
second process is a stand-in here (the real one: test_kernel_cache.py); the kernels are
in the disk cache already, so the warm-up's two small jobs only load them."""

from __future__ import annotations

from pathlib import Path

import pytest

import wikicut
import wikicut.post.arcfit as arcfit
from wikicut.nest import warmup

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


class _Helper:
    """A stand-in for the overlap kernels' process: records what happened to it."""

    def __init__(self, log: list[str]) -> None:
        self.log = log
        self.running = True

    def wait(self, timeout=None) -> int:
        if self.running:  # not the reaping after a kill
            self.log.append("helper waited for")
        self.running = False
        return 0

    def poll(self):
        return None if self.running else 0

    def kill(self) -> None:
        self.log.append("helper killed")
        self.running = False


@pytest.fixture
def cold(monkeypatch):
    """load_kernels as on a first run after an install (a second process started); the
    log of what happened, in order."""
    import wikicut.nest as nest_mod

    log: list[str] = []
    real = nest_mod.nest

    def nest(items, stocks, settings, *a, **k):
        log.append("strip job" if stocks[0].strip else "sheet job")
        return real(items, stocks, settings, *a, **k)

    monkeypatch.setattr(warmup, "_ready", False)
    monkeypatch.setattr(warmup, "_overlap_helper", lambda: _Helper(log))
    monkeypatch.setattr(nest_mod, "nest", nest)
    return log


def test_meanwhile_runs_first_while_the_second_process_compiles(cold):
    """Before the sheet job (an uncuttable part is refused in seconds), after the second
    process started."""
    warmup.load_kernels(meanwhile=lambda: cold.append("meanwhile"))
    assert cold == ["meanwhile", "sheet job", "helper waited for", "strip job"]
    assert warmup._ready
    cold.clear()
    warmup.load_kernels(meanwhile=lambda: cold.append("meanwhile"))  # ready: at once
    assert cold == ["meanwhile"]


def test_a_failing_meanwhile_stops_the_second_process_and_the_next_call_starts_again(cold):
    def fail() -> None:
        raise wikicut.UnsafeJobError("a slot narrower than the tool")

    with pytest.raises(wikicut.UnsafeJobError, match="narrower"):
        warmup.load_kernels(meanwhile=fail)
    assert cold == ["helper killed"]
    assert not warmup._ready and not warmup._loading
    warmup.load_kernels()
    assert cold == ["helper killed", "sheet job", "helper waited for", "strip job"]
    assert warmup._ready


def test_the_pipeline_plans_the_parts_while_the_kernels_get_ready(monkeypatch, tmp_path):
    """run_nest's part planning (the refusal of an uncuttable part) and the arc kernel run
    inside load_kernels' `meanwhile`, before the nest starts."""
    import wikicut.nest as nest_mod
    import wikicut.pipeline.job as pipeline  # where run_nest looks the preflight up

    nest_mod.load_kernels()  # ready before: only run_nest's own calls are recorded
    order: list[str] = []
    real_load, real_nest = nest_mod.load_kernels, nest_mod.nest
    real_preflight, real_arc = pipeline.preflight_toolpaths, arcfit.load_kernel

    def load(meanwhile=None):
        order.append("load_kernels")
        return real_load(meanwhile=meanwhile)

    def preflight(*a, **k):
        order.append("preflight")
        return real_preflight(*a, **k)

    def arc():
        order.append("arc kernel")
        return real_arc()

    def nest(*a, **k):
        order.append("nest")
        return real_nest(*a, **k)

    monkeypatch.setattr(nest_mod, "load_kernels", load)
    monkeypatch.setattr(nest_mod, "nest", nest)
    monkeypatch.setattr(pipeline, "preflight_toolpaths", preflight)
    monkeypatch.setattr(arcfit, "load_kernel", arc)
    job = wikicut.load_job(EXAMPLES / "remnants" / "job-a.toml")
    wikicut.run_job(job, tmp_path / "out", force=True)
    # the last: nest's own call, which finds the kernels ready
    assert order == ["load_kernels", "preflight", "arc kernel", "nest", "load_kernels"]


def test_parts_planned_alone_before_the_nest_engrave_no_labels(monkeypatch):
    """The preflight proves each part cuttable; a label never fails a job, so its strokes are
    not planned there (they were a third of the preflight's time on the microhouse), and the
    sheets planned after the nest still engrave them."""
    import shapely

    import wikicut.cam.labels as labels
    from wikicut.cam import Proofs, plan_sheet
    from wikicut.io.profiles import load_profile
    from wikicut.model import NestItem, Part, Placement, SheetLayout, Stock
    from wikicut.pipeline import preflight_toolpaths

    calls = []
    real = labels.place_label
    monkeypatch.setattr(labels, "place_label", lambda *a, **k: calls.append(1) or real(*a, **k))
    part = Part("panel", shapely.box(0, 0, 600, 300), label="PANEL-1")
    prof = load_profile("grbl")
    stock = Stock(1220, 610, 18, 15)
    preflight_toolpaths([NestItem("panel#1", part)], prof, (stock,), Proofs())
    assert calls == []
    program = plan_sheet(SheetLayout(1, stock, [Placement("panel#1", part, 100, 100)]), prof)
    assert calls and any(op.kind == "label" for op in program.operations)
