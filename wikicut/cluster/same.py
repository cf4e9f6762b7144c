"""The code a result depends on, compared between the client and each worker: a worker with
another wikicut, or another numpy, Numba, shapely, SciPy or ezdxf, may place parts
differently, and the byte-identical promise (docs/cluster.md) would break without a word.
Dask compares only its own packages. Versions, as loaded: a worker started before an upgrade
runs the old code until it is restarted. (Not the sources: a checkout's edits keep its
version, and hashing the files on disk would tell what they say now, not what was loaded.)

A cluster at an address is asked first (`check_cluster`, with probe.py's function sent by
value): a scheduler or worker without wikicut, or with another one, cannot even read a task,
so the check inside each task (`check_same`) would never run."""

from __future__ import annotations

import functools
from importlib import metadata

from ..errors import InputError

__all__ = ["check_cluster", "check_same", "environment"]

PACKAGES = ("numpy", "numba", "shapely", "scipy", "ezdxf")


@functools.cache
def environment() -> dict[str, str]:
    """wikicut's version here and its packages'."""
    from .. import __version__

    env = {"wikicut": __version__}
    for name in PACKAGES:
        try:
            env[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            env[name] = "missing"
    return env


def check_same(expected: dict[str, str], where: str) -> None:
    """A one-line refusal naming what differs, when this process's versions are not the
    client's (`expected`)."""
    here = environment()
    diff = [f"{k} {here.get(k, 'missing')} (the client: {v})" for k, v in expected.items()
            if here.get(k) != v]
    if diff:
        raise InputError(f"the Dask worker {where} runs other code than this client: "
                         + "; ".join(diff) + ": install the same wikicut and packages on"
                         " every worker, and restart them after an upgrade (docs/cluster.md)")


def check_cluster(client, address: str) -> None:
    """A one-line refusal, before any task is sent, naming each process of the cluster at
    `address` (the scheduler, each worker) that runs other code than this client."""
    import cloudpickle

    from ..nest.workers import SearchSpec
    from . import probe
    from .search import search_task
    from .task import JobTask, prepare

    if probe.__name__ not in cloudpickle.list_registry_pickle_by_value():
        cloudpickle.register_pickle_by_value(probe)
    names = tuple((f.__module__, f.__qualname__) for f in (search_task, prepare, SearchSpec,
                                                             JobTask))
    try:
        found = [("the scheduler", client.run_on_scheduler(probe.loaded, PACKAGES, names))]
        found += sorted(client.run(probe.loaded, PACKAGES, names).items())
    except Exception as exc:  # noqa: BLE001 - Dask's own error, one line of it
        first = (str(exc).strip().splitlines() or [""])[0]
        raise InputError(f"the Dask cluster at {address} could not say what code it runs"
                         f" ({type(exc).__name__}: {first}): install the same wikicut and"
                         " packages on the scheduler and every worker (docs/cluster.md)"
                         ) from None
    here = environment()
    sides: dict[str, list[str]] = {}  # what differs -> the processes it differs on
    for who, (env, lacking) in found:
        # the scheduler only reads the tasks (wikicut's classes); the workers compute
        want = {"wikicut": here["wikicut"]} if who == "the scheduler" else here
        if differs := _differences(want, env, lacking):
            sides.setdefault(differs, []).append(who)
    if sides:
        raise InputError(f"the Dask cluster at {address} runs other code than this client: "
                         + "; ".join(f"{_named(who)}: {d}" for d, who in sides.items())
                         + ": install the same wikicut and packages on the scheduler and every"
                         " worker, and restart them after an upgrade (docs/cluster.md)")


def _differences(here: dict[str, str], env: dict[str, str], lacking: list[str]) -> str:
    if env.get("wikicut") == "missing":
        return f"no wikicut (the client: {here['wikicut']})"
    diff = [f"{k} {env.get(k, 'missing')} (the client: {v})" for k, v in here.items()
            if env.get(k) != v]
    if not diff and lacking:
        more = f" and {len(lacking) - 1} more" if len(lacking) > 1 else ""
        diff = [f"wikicut {env['wikicut']} without {lacking[0]}{more} (other code under the"
                " same version)"]
    return ", ".join(diff)


def _named(who: list[str]) -> str:
    """"the scheduler", "worker tcp://...", "workers tcp://..., tcp://... and 3 more"."""
    workers = [w for w in who if w != "the scheduler"]
    shown = ", ".join(workers[:3]) + (f" and {len(workers) - 3} more" if len(workers) > 3 else "")
    said = [f"worker{'s' if len(workers) > 1 else ''} {shown}"] if workers else []
    return " and ".join(["the scheduler"] * (len(workers) < len(who)) + said)
