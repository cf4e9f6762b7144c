"""The code a result depends on, compared between the client and each worker: a worker with
another wikicut, or another numpy, Numba, shapely, SciPy or ezdxf, may place parts
differently, and the byte-identical promise (docs/cluster.md) would break without a word.
Dask compares only its own packages. Versions, as loaded: a worker started before an upgrade
runs the old code until it is restarted. (Not the sources: a checkout's edits keep its
version, and hashing the files on disk would tell what they say now, not what was loaded.)"""

from __future__ import annotations

import functools
from importlib import metadata

from ..errors import InputError

__all__ = ["check_same", "environment"]

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
