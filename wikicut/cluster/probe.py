"""What a scheduler or worker process runs, asked before any task is sent to it.

`loaded` travels by value (cloudpickle, registered by same.py), not as a reference to
wikicut's code: it runs where wikicut is missing or another version, where a task cannot
even be read (the scheduler would answer with Dask's multi-line "Error during
deserialization of the task graph", a worker would die reading it while the run waits). So
it imports nothing at the top, and nothing of wikicut's but what it checks."""

from __future__ import annotations


def loaded(packages: tuple[str, ...], names: tuple[tuple[str, str], ...]
           ) -> tuple[dict[str, str], list[str]]:
    """wikicut's version in this process, as loaded ("missing": it cannot be imported), and
    each of `packages`' as installed; and which of `names` ((module, qualified name): what
    the tasks refer to) cannot be loaded here (older code under the same version)."""
    import importlib
    from importlib import metadata

    env: dict[str, str] = {}
    try:
        env["wikicut"] = str(importlib.import_module("wikicut").__version__)
    except Exception:  # noqa: BLE001 - not installed, broken, or too old to say
        env["wikicut"] = "missing"
    for name in packages:
        try:
            env[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            env[name] = "missing"
    lacking = []
    if env["wikicut"] != "missing":
        for module, qualname in names:
            try:
                obj = importlib.import_module(module)
                for attr in qualname.split("."):
                    obj = getattr(obj, attr)
            except Exception:  # noqa: BLE001 - whatever stops it, the task would stop too
                lacking.append(f"{module}.{qualname}")
    return env, lacking
