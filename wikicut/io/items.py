"""A job's parts, rendered, and its nest items: each part file read at the job's measured
thickness (DXFs with the job's reading, slots fitted and said), then expanded into one item
per copy, with its rotations, lock, mirroring and filler role checked against the stock."""

from __future__ import annotations

import warnings
from dataclasses import replace

from ..errors import InputError, InputWarning, UnsafeJobError
from ..model import ANY, NestItem, Part, edge_directions, free_angles
from ..model.nesting import turned_away
from . import limits as lim
from .job import DXF_SUFFIXES, Job, JobPart
from .locks import check_locks
from .toml import TomlFile

__all__ = ["job_items", "load_job_parts"]


def load_job_parts(job: Job) -> list[tuple[JobPart, Part]]:
    """Render every part file of the job at the job's measured thickness. An entry of the
    job's [layers] naming no layer of any of its DXFs is warned of (a misspelt name leaves
    its layer read with the default operation)."""
    out: list[tuple[JobPart, Part]] = []
    layers_seen = list(job.outline_layers)  # offcuts drawn in DXFs read [layers] too
    fitted: list = []  # io.dxf SlotFit records of every DXF, said once for the job
    for jp in job.parts:
        display = jp.shown
        mine = len(fitted)  # this file's records follow
        if jp.path.suffix.lower() in DXF_SUFFIXES:
            from .dxf import read_dxf_parts

            rule = job.reading.slot_rule(jp.drawn_thickness, jp.slots, jp.key)
            found = read_dxf_parts(jp.path, display=display, thickness=job.thickness,
                                   layers_seen=layers_seen, slots=rule, fitted=fitted,
                                   **job.reading.dxf_keywords(jp.units))
            if not found:
                raise InputError("no closed part outlines found", display)
        else:
            from .parts import ParamError, load_part

            try:
                found = [load_part(jp.path, jp.params, thickness=job.thickness,
                                   display=display)]
            except ParamError as exc:  # named where the job sets it, and where it is declared
                at = f"{display}, {exc.origin}" if exc.origin else display
                raise TomlFile.load(job.path).error(f"{jp.key}.params.{exc.param}",
                                                    f"{exc.why} ({at})", exc.part) from None
            except InputError as exc:
                if not jp.params:
                    raise
                # a feature the job's parameters make invalid: the job is where to look too
                given = ", ".join(f"{k} = {v:g}" for k, v in jp.params.items())
                where = TomlFile.load(job.path).where(f"{jp.key}.params")
                raise InputError(f"{exc.detail} (with {given}: {job.path}, {where})",
                                 exc.file, exc.part) from None
        drawn_names = [p.name for p in found]
        if jp.name:
            found = ([replace(found[0], name=jp.name)] if len(found) == 1 else
                     [replace(p, name=f"{jp.name}-{k + 1}") for k, p in enumerate(found)])
            renamed = dict(zip(drawn_names, (p.name for p in found)))  # said by the job's names
            fitted[mine:] = [replace(f, part=renamed.get(f.part, f.part)) for f in fitted[mine:]]
        if jp.label:
            found = [replace(p, label=jp.label) for p in found]
        if jp.locks and len(found) > 1:
            raise InputError(f"key '{jp.key}.lock': the file holds {len(found)} parts; a lock"
                             " places one (give it a file of its own)", job.path, found[0].name)
        out.extend((jp, p) for p in found)
    _unused_layers(job, layers_seen)
    _said_slots(job, fitted)
    return out


def _said_slots(job: Job, fitted: list) -> None:
    """One warning line for the job's slots fitted to its stock, one for slots left as
    drawn for want of the ply they were drawn for (io/dxf/fitting.py)."""
    from .dxf import slot_warnings

    for line in slot_warnings(fitted, job.reading.slot_rule()):
        warnings.warn(f"{job.path}: {line}", InputWarning, stacklevel=3)


def _unused_layers(job: Job, names: list[str]) -> None:
    """One warning line per [layers] key that matches no layer of the job's DXFs."""
    from .dxf.layers import unmatched_layers, unused_entry

    keys = unmatched_layers(job.reading.layer_map, names)
    if not keys:
        return
    try:
        tf: TomlFile | None = TomlFile.load(job.path)
    except InputError:
        tf = None
    dxfs = (any(jp.path.suffix.lower() in DXF_SUFFIXES for jp in job.parts)
            or bool(job.outline_layers))
    for key in keys:
        where = tf.where(f"layers.{key}") if tf is not None else f"key 'layers.{key}'"
        what = (unused_entry(key, names, "the job's DXFs") if dxfs else
                "is not used: the job reads no DXF")
        warnings.warn(f"{job.path}: {where} {what}", InputWarning, stacklevel=3)


def job_items(job: Job) -> list[NestItem]:
    """Expand quantities into nest items with unique, stable instance ids (name#k)."""
    items: list[NestItem] = []
    counts: dict[str, int] = {}
    copies = {False: 0, True: 0}  # parts, filler copies
    # a part turned freely is also laid along an irregular offcut's long edge
    along = tuple(dict.fromkeys([0.0, *(a for st in job.stocks if st.outline is not None
                                        for a in edge_directions(st.outline))]))
    for jp, part in load_job_parts(job):
        rots = jp.rotations or job.settings.rotations
        if rots == ANY:
            rots = free_angles(part.outline, along, job.stocks)
        elif len(jp.locks) < jp.quantity and not jp.filler and (
                why := turned_away(part, rots, job.stocks)):  # before the search: the key
            raise UnsafeJobError(f"{_turns_key(job, jp)}: {why}", job.path, part.name)
        mirror = _may_mirror(job, jp, part)
        for q in range(jp.quantity):
            k = counts.get(part.name, 0) + 1
            counts[part.name] = k
            lock = jp.locks[q] if q < len(jp.locks) else None
            if lock is not None and lock.mirrored and jp.mirror is False:
                raise InputError(f"{lock.where('.mirror')}: the part says mirror = false (never"
                                 " face down): drop one of the two", job.path, part.name)
            if lock is not None and lock.mirrored:
                why = part.one_sided(job.thickness)
                if why:  # the lock is the user's word for this copy, but not against this
                    raise InputError(f"{lock.where('.mirror')}: cannot be cut face down,"
                                     f" {why}: drop mirror = true from the lock", job.path,
                                     part.name)
            own = rots
            if lock is not None and (jp.rotations or job.settings.rotations) == ANY:
                # turned freely, a copy may be locked at any angle: its own is one it may take
                own = tuple(dict.fromkeys((*rots, float(lock.rotation) % 360.0)))
            items.append(NestItem(instance=f"{part.name}#{k}", part=part, rotations=own,
                                  lock=lock, filler=jp.filler,
                                  mirror=mirror and lock is None))
            copies[jp.filler] += 1
            _check_count(copies, job)
    check_locks(items, job.stocks, job.settings.spacing, job.path)
    return items


def _check_count(copies: dict[bool, int], job: Job) -> None:
    """Refuse a job of more parts than MAX_PARTS, or more filler copies than MAX_FILLERS
    (a DXF of many parts multiplies its quantity). Fillers count apart: they never add a
    sheet, and only as many as the room left could hold are searched (nest/fillers.py)."""
    if copies[False] > lim.MAX_PARTS:
        raise InputError(f"more than {lim.MAX_PARTS} parts after quantities (a whole"
                         " house is about 1,500): split the job", job.path)
    if copies[True] > lim.MAX_FILLERS:
        raise InputError(f"more than the {lim.MAX_FILLERS} filler copies a job may offer (a"
                         f" cap apart from its {lim.MAX_PARTS} parts) after quantities:"
                         " lower the fillers' quantity", job.path)


def _turns_key(job: Job, jp: JobPart) -> str:
    """Where the job gives a part's rotations, with its line: the part's own `rotations`,
    its `grain` (half turns), or else [nest] rotations; where no one set them (the default
    quarter turns), the part's own entry, as a key the job does not have is nowhere to look."""
    try:
        tf: TomlFile | None = TomlFile.load(job.path)
    except InputError:
        tf = None
    nest_t = tf.data.get("nest") if tf is not None else None
    key = ("nest.rotations" if isinstance(nest_t, dict) and "rotations" in nest_t
           else jp.key)
    if jp.rotations is not None:
        head, _, n = jp.key.rstrip("]").partition("[")
        tables = tf.data.get(head) if tf is not None else None
        table = tables[int(n) - 1] if isinstance(tables, list) and n.isdigit() else {}
        grain = "rotations" not in table and table.get("grain") is True
        key = f"{jp.key}.{'grain' if grain else 'rotations'}"
    return tf.where(key) if tf is not None else f"key '{key}'"


def _may_mirror(job: Job, jp: JobPart, part: Part) -> bool:
    """Whether copies of `part` may be cut face down: where the part's `mirror` or else the
    job's says so, and its machining is the same from either face (`Part.one_sided`). A
    part's own `mirror = true` on a part machined into one face is refused; the job's
    [nest] mirror leaves such parts as drawn. Grain does not stand in the way: the mirror
    turns the part over about its own y axis, so a grain along x stays along x."""
    if jp.mirror is False or (jp.mirror is None and not job.settings.mirror):
        return False
    why = part.one_sided(job.thickness)
    if why and jp.mirror:
        raise InputError(f"key '{jp.key}.mirror': cannot be cut face down, {why}: drop"
                         " mirror = true for this part", job.path, part.name)
    return not why
