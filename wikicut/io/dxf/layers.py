"""What a DXF layer means for the router, from its name.

A layer's name says what it is (WikiHouse convention, matched by pattern because real files
vary: any case, `<d>mmDEEP`, `HALF_MILL_<d>MM`, and R12's 26-character truncations such as
`4_ANYTOOL_CUTTHROUGH_OUTSI` or `5_ANYTOOL_HALF_MILL_9MM_IN`). Other cutting files' names
that say plainly what they are read alike, by the words in them (camelCase split, any case):
AtFAB's `CUT_THRU`, `CUT_THRU-INSIDE`, `000_NOTES`; `TOP-POCKET-INSIDE_10.0MM` (the depth
last); `back_labelLayer`. Other layers go through a layer map, and unknown layers are
outline-or-hole by nesting (`guessed`) so that plain DXFs work.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from ...errors import InputError

__all__ = ["DEFAULT_LAYER_MAP", "ENGRAVE_MAX_DEPTH", "LayerOp", "classify_layer",
           "is_wikihouse_name", "named_thickness", "names_label", "on_back", "sheet_material",
           "sheet_thickness", "unmatched_layers", "unused_entry"]

ENGRAVE_MAX_DEPTH = 1.5  # mm: shallower "mmDEEP" layers are engravings, not pockets
DEFAULT_THICKNESS = 18.0

# Layer names that are not WikiHouse-style: value syntax is a kind, "kind:depth", or a
# WikiHouse layer name.  "auto" = outline or hole by nesting (outermost loop is the outline).
DEFAULT_LAYER_MAP: dict[str, str] = {
    "0": "auto",
    "defpoints": "ignore",
    "outline": "outside",
    "outlines": "outside",
    "outside": "outside",
    "cut": "auto",
    "cutting": "auto",
    "holes": "inside",
    "hole": "inside",
    "inside": "inside",
    "pocket": "pocket:9",
    "engrave": "engrave:1",
    "engraving": "engrave:1",
    "drill": "drill",
    "drills": "drill",
    "notes": "ignore",
    "dimensions": "ignore",
}

_KINDS = ("outside", "inside", "pocket", "engrave", "sheet", "ignore", "drill", "auto")
_DEPTH_RE = re.compile(r"(\d+(?:[.,]\d+)?)\s*mm\s*_?\s*DEEP", re.IGNORECASE)
_SIZE_RE = re.compile(r"(\d+(?:\.\d+)?)\s*[x×]\s*(\d+(?:\.\d+)?)\s*[x×]\s*(\d+(?:\.\d+)?)",
                      re.IGNORECASE)
_THICK_RE = re.compile(r"(\d+(?:\.\d+)?)\s*mm", re.IGNORECASE)
# a thickness in inches: '0.75in', '3/4in', '23-32 INCH' (a fraction with a denominator
# of 2 to 64, a '-' standing for the '/' no layer name holds)
_INCH_RE = re.compile(r"(?<![\d.])(?:(\d{1,2})\s*[/-]\s*(2|4|8|16|32|64)|(\d+(?:\.\d+)?))"
                      r"\s*in(?:ch(?:es)?)?(?![a-z])", re.IGNORECASE)
# the unit a size's thickness is given in ('2440x1220x18mm', '96x48x0.75in')
_UNIT_AFTER_RE = re.compile(r"\s*(?:mm|(in(?:ch(?:es)?)?))(?![a-z])", re.IGNORECASE)
INCH = 25.4  # mm
MAX_SHEET = 10_000.0  # mm: no sheet is longer; a size read as longer is not in those units
_HALF_MILL_RE = re.compile(r"HALF_?\s*MILL\D*?(\d+(?:[.,]\d+)?)\s*MM", re.IGNORECASE)
# "9mmDEE" / "9MMD": a depth cut short by R12's 26-character limit
_CUT_DEPTH_RE = re.compile(r"(\d+(?:[.,]\d+)?)\s*mm_?D(?:E(?:E)?)?$", re.IGNORECASE)
_SIZE_TAIL_RE = re.compile(r"[\s_-]*\d+(?:\.\d+)?(?:\s*[x×]\s*\d*(?:\.\d+)?)*\s*(?:mm)?$",
                           re.IGNORECASE)
R12_NAME_LENGTH = 26  # AutoCAD R12 cuts layer names here
# A sheet-metal flat pattern's bend lines and the edges of its bend zones (Fusion 360: BEND,
# BEND_EXTENT; Inventor: IV_BEND, IV_BEND_DOWN): marks for the press brake, never cuts
_BEND_RE = re.compile(r"^(IV_)?BEND(S|_?LINES?)?(_?EXTENTS?)?(_(UP|DOWN))?$", re.IGNORECASE)
_BEND_LINES = ("bend marks of a sheet-metal flat pattern (its bend lines and the edges of its "
               "bend zones, as Fusion 360 and Inventor export them), for the press brake")
# Words a layer's name is read by (`_words`): a through cut (AtFAB's CUT_THRU), its side, a
# pocket (AtFAB's CUT_PCKT_375), and layers not cut (AtFAB's 000_NOTES and 000_NO-PLOT)
_THROUGH = {"THRU", "CUTTHRU", "THROUGH", "CUTTHROUGH"}
_IN = {"INSIDE", "IN", "INNER"}
_OUT = {"OUTSIDE", "OUT", "OUTER"}
_POCKET = {"POCKET", "POCKETS", "PCKT"}
_NOTES = {"NOTE", "NOTES", "NOPLOT", "NOPRINT", "NONPLOT", "NONPRINT"}
# Letters and marks drawn as lines (a 19-inch rack box's `front_labelLayer`, AtFAB's
# 000_TEXT): engraved where they lie on a part, never parts or holes
_LETTERING = {"LABEL", "LABELS", "TEXT", "TEXTS", "LETTERING", "LETTERS", "MARKING",
              "MARKINGS", "ENGRAVING", "ENGRAVINGS", "ETCH", "ETCHING"}
# A chamfer along the line (a V-bit's, `TOP-CHAMFER-ONLINE_8.0MM`): a router bit wikicut
# does not drive; the part is whole without it
_CHAMFER_LINES = ("a chamfer along the line (a V-bit's), which wikicut does not cut: the "
                  "parts are cut without it")
# `TOP-POCKET-INSIDE_10.0MM`, `POCKET-INSIDE_T6MM_20.00MM`: the depth last, after the tool.
# R12 writers put '_' for every '.' in a layer name (OpenDesk's `TOP-POCKET-INSIDE_9_000MM`,
# 9 mm): between digits, in a name not in WikiHouse's '<n>_...' style, it is the decimal point
# where the digits after it are three (a writer's "%.3f") or zeros; `POCKET_6_12MM` is a
# tool 6 and a depth of 12, as a shop's own names put them, not 6.12 mm
_TAIL_DEPTH_RE = re.compile(r"(?<![A-Z\d.])(\d+(?:[.,]\d+)?)\s*MM\s*$", re.IGNORECASE)
_R12_NUMBER = r"\d+(?:[.,]\d+|_\d{3}(?!\d)|_0+(?!\d))?"
_TAIL_DEPTH_R12_RE = re.compile(rf"(?<![A-Z\d.])({_R12_NUMBER})\s*MM\s*$", re.IGNORECASE)
# `2MM_POCKET_1MM_CUTTER` (OpenDesk): the depth first, before POCKET; the size after it
# names the cutter, which wikicut does not take from a layer (the profile's tool cuts it)
_LEAD_DEPTH_RE = re.compile(rf"(?<![A-Z\d.])({_R12_NUMBER})\s*MM[\s_\-]*(?:POCKETS?|PCKT)"
                            r"(?![A-Z])", re.IGNORECASE)
# `TOP-POCKET-OUTSIDE_1.000MM` (OpenDesk): the tool clears outside the line, as on a
# CUT-OUTSIDE layer. OpenDesk draws it as the inner edge of a pocket whose outer edge is a
# POCKET-INSIDE contour of the same depth (a ring: the counterbore round a 9 mm hole, r 4.5
# in r 7; the rebate round an opening): an island of that pocket, never cleared. Alone it
# would be a groove a tool wide round its outside, whose width a layer does not give: such
# a contour is refused (`back`, said by `on_back`), never its area cleared
_TOOL_OUTSIDE = ("clears outside its line (OpenDesk's tool side, as on a CUT-OUTSIDE layer): "
                 "the inner edge of a pocket whose outer edge, a POCKET-INSIDE contour as "
                 "deep, is not drawn round it")
# `TOP-HOLE-6.0MM-DIAM_12.0MM`: a hole of that diameter, the depth last
_DIAM_RE = re.compile(rf"({_R12_NUMBER})\s*MM[\s_\-]*(DIAMETER|DIAM|DIA)(?![A-Z])",
                      re.IGNORECASE)
# the depth after a diameter in mm, its own MM left off or cut off at R12's 26 characters
# (`TOP-HOLE-6_000MM-DIAM_14_0`, `TOP-HOLE-6.000MM-DIAM_14.0`): the number, the digits after
# its decimal point (None: it has none)
_BARE_DEPTH_RE = re.compile(r"(?<![A-Z\d.,])(\d+)(?:[.,_](\d*))?\s*$", re.IGNORECASE)
# The back face (OpenDesk's `REV-POCKET-INSIDE_5.000MM`, `REV-HOLE-14.763MM-DIAM_4.000MM`):
# machined after the sheet is turned over, which wikicut does not do
_BACK_RE = re.compile(r"^\s*REV[\s_\-]", re.IGNORECASE)
# A board of stock drawn round the parts (OpenDesk's `BOARD_$TH-NOMINAL`, `$TH` standing for
# the thickness): the sheet, where the name says it is stock; a PCB's `BOARD` or
# `Board_Outline` is a part's outline
_BOARD_RE = re.compile(r"(^|[^A-Z])BOARDS?([^A-Z]|$)", re.IGNORECASE)
_STOCK_WORDS = re.compile(r"\$TH|NOMINAL", re.IGNORECASE)
_SHEET_MATERIAL_RE = re.compile(r"PLY|MDF|OSB|BIRCH|SPRUCE|PINE|CHIPBOARD|PARTICLE", re.IGNORECASE)


@dataclass(frozen=True)
class LayerOp:
    """What a layer means for the router.

    kind: "outside" | "inside" | "pocket" | "engrave" | "sheet" | "ignore", plus "drill"
    (CIRCLEs are drilled) and "auto" (outline or hole by nesting, for plain CAD layers).
    """

    kind: str
    depth: float | None  # mm for pocket/engrave (and blind drills); None = through
    material: str | None = None  # for sheet layers, e.g. "BirchPly"
    # "auto" only because nothing else matched (not the user's map, nor a known name): such a
    # layer's contours inside parts are refused in a file that follows WikiHouse names
    guessed: bool = field(default=False, compare=False)
    # why an "ignore" layer that no one would think of as notes is not cut, said in one
    # warning with its entities ("" = a layer of notes, dropped without a word)
    unseen: str = field(default="", compare=False)
    # an "engrave" layer named for letters (LABEL, TEXT, MARKING): what lies on no part is
    # not cut, said in one warning, where an ENGRAVE layer's stroke there is refused
    lettering: bool = field(default=False, compare=False)
    # an "auto" layer whose name says what it is but not enough to cut it (a pocket without
    # its depth): its contours are refused, saying this, never cut through
    unsure: str = field(default="", compare=False)
    # an "ignore" layer of notes whose closed polylines may be the sheets drawn round the
    # parts (AtFAB's 000_NOTES, 000_NO-PLOT): never cut, but read as sheets (containment)
    frames: bool = field(default=False, compare=False)
    # a layer wikicut does not machine as drawn, the back face (`REV-POCKET-...`) or a
    # pocket with the tool outside its line (`TOP-POCKET-OUTSIDE_...`): what it holds inside
    # a part is refused, saying why (`on_back`), never cut on the top nor cleared
    back: bool = field(default=False, compare=False)


def _num(text: str) -> float:
    return float(text.replace(",", "."))


def sheet_material(name: str) -> str:
    """'0_SHEET_BirchPly 2440x1220x18' -> 'BirchPly': the name less prefix, sizes, thickness."""
    rest = re.sub(r"^.*?(SHEET|BOARD)", "", name, count=1, flags=re.IGNORECASE)
    rest = _STOCK_WORDS.sub("", rest)  # `BOARD_$TH-NOMINAL`: the board, no material named
    rest = re.sub(_SIZE_RE.pattern + _UNIT_AFTER_RE.pattern + "?", "", rest,
                  flags=re.IGNORECASE)
    rest = _THICK_RE.sub("", rest)
    rest = _INCH_RE.sub("", rest)  # a thickness in inches ('_3-4in'), as named_thickness reads it
    rest = _SIZE_TAIL_RE.sub("", rest.strip(" _-"))  # "SPRUCEPLY_2440X122" (truncated size)
    rest = rest.strip(" _-")
    return rest or "Plywood"


def sheet_thickness(name: str, scale: float = 1.0) -> float:
    """The stock thickness (mm) a sheet layer's name gives ('..._2440x1220x18', '..._18mm'),
    else DEFAULT_THICKNESS; `scale` as for named_thickness."""
    t = named_thickness(name, scale)
    return DEFAULT_THICKNESS if t is None else t


def named_thickness(name: str, scale: float = 1.0) -> float | None:
    """The thickness (mm) a sheet layer's name gives, or None when it names none.

    A number with its own unit is read in it ('_18mm', '_0.75in', '_23-32in': a fraction,
    as '/' is no character of a layer name); the last of a size without one
    ('96x48x0.703') is in the drawing's units, `scale` mm each, as the sheet drawn beside
    it is, unless the size read so is no sheet at all (a WikiHouse name's 2440x1220x18 in
    a drawing in inches): then the name is in mm, as those names are."""
    m = _SIZE_RE.search(name)
    if m:
        t = float(m.group(3))
        unit = _UNIT_AFTER_RE.match(name, m.end())
        if unit:
            return round(t * (INCH if unit.group(1) else 1.0), 6)
        if max(float(m.group(1)), float(m.group(2))) * scale > MAX_SHEET:
            return t
        return round(t * scale, 6)
    t = _THICK_RE.search(name)
    if t:
        return float(t.group(1))
    inch = _INCH_RE.search(name)
    if inch:
        if inch.group(3) is not None:
            return round(float(inch.group(3)) * INCH, 6)
        return round(float(inch.group(1)) / float(inch.group(2)) * INCH, 6)
    return None


def _depth_layer(up: str, depth: float | None) -> LayerOp | None:
    """Drills, engravings and pockets: the layers named by what the tool does below the top."""
    if depth is not None and depth <= 0:  # nothing to cut, or a depth misread: never guessed
        return LayerOp("auto", None, guessed=True,
                       unsure=f"gives a depth of {depth:g} mm")
    if "DRILL" in up:
        return LayerOp("drill", depth)
    if depth is not None and (_truncated(up, "CENTRE") or _truncated(up, "CENTER")
                              or _words(up) & {"ONLINE"} or "ON-LINE" in up
                              or "ON_LINE" in up):
        # the tool on the line (WikiHouse's `1_3mmTOOL_2mmDEEP_CENTRE`, OpenDesk's
        # `TOP-POCKET-ONLINE-2MM`): a groove along it at that depth, whatever the depth;
        # never the area inside a closed one cleared
        return LayerOp("engrave", depth)
    if "ENGRAVE" in up:
        return LayerOp("engrave", depth if depth is not None else 1.0)
    if "POCKET" in up or _POCKET & _words(up):
        if depth is None:
            return LayerOp("auto", None, guessed=True,
                           unsure="names a pocket but not its depth in mm")
        # an island of the pocket round it (features.add_pockets groups one depth's
        # contours even-odd): only one that is no pocket's island is refused
        return LayerOp("pocket", depth, back=_tool_outside(up))
    if depth is not None:
        return LayerOp("engrave" if depth <= ENGRAVE_MAX_DEPTH else "pocket", depth)
    return None


def _tool_outside(up: str) -> bool:
    """A pocket layer's name puts the tool outside its line (`TOP-POCKET-OUTSIDE_9.000MM`,
    cut at R12's 26 characters `..._OUTSI`)."""
    return bool(_words(up) & _OUT) or _truncated(up, "OUTSIDE")


def _words(name: str) -> set[str]:
    """The words of a layer name, upper case: split at anything not a letter or digit, at
    letters meeting digits and at camelCase ('back_labelLayer' -> BACK, LABEL, LAYER)."""
    return {w.upper() for w in re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+", name)}


def _tail_depth(name: str) -> float | None:
    """The depth a name gives last (`TOP-POCKET-INSIDE_10.0MM`), for the layers whose name
    says what the tool does below the top: never a tool's size (`_T6MM`)."""
    rx = _TAIL_DEPTH_RE if is_wikihouse_name(name) else _TAIL_DEPTH_R12_RE
    m = rx.search(name.strip())
    return _num(m.group(1).replace("_", ".")) if m else None


def _lead_depth(name: str) -> float | None:
    """The depth a pocket's name gives first (`2MM_POCKET_1MM_CUTTER`): never the cutter's."""
    m = _LEAD_DEPTH_RE.search(name)
    return _num(m.group(1).replace("_", ".")) if m else None


def _hole_depth(name: str) -> tuple[float | None, str]:
    """The depth a blind hole's name gives after its diameter in mm (`TOP-HOLE-6.0MM-DIAM_12.0MM`)
    and, when its depth cannot be told, why: R12's 26-character limit may cut off the
    trailing MM (`TOP-HOLE-6.000MM-DIAM_14.0`, `TOP-HOLE-6_000MM-DIAM_14_0`: 14 mm, the
    diameter being in mm) and the number's own digits with it."""
    rest = _DIAM_RE.sub("", name).strip()
    depth = _tail_depth(rest)
    if depth is not None:
        return depth, ""
    m = _BARE_DEPTH_RE.search(rest)
    if m is None:
        return None, ""
    whole, frac = m.group(1), m.group(2)
    if len(name.strip()) >= R12_NAME_LENGTH and not frac:
        # '14' or '14.' at the cut: the number may have lost digits
        return None, "names a blind hole but its depth is cut short at 26 characters"
    return float(f"{whole}.{frac}" if frac else whole), ""


def _truncated(up: str, word: str) -> bool:
    """The name ends in `word` or, cut at R12's length, in a start of it ('_OUTSI', '_IN')."""
    last = re.split(r"[\s_\-]", up)[-1]
    if last == word or up.endswith(word):
        return True
    least = 1 if len(up) == R12_NAME_LENGTH else 3
    return len(last) >= least and word.startswith(last) and len(last) < len(word)


def _depth_of(name: str) -> float | None:
    for rx in (_DEPTH_RE, _HALF_MILL_RE):
        m = rx.search(name)
        if m:
            return _num(m.group(1))
    if len(name) == R12_NAME_LENGTH:
        m = _CUT_DEPTH_RE.search(name)
        if m:
            return _num(m.group(1))
    return None


def _by_pattern(name: str) -> LayerOp | None:
    """The WikiHouse meaning of a layer name, or None when the name follows no convention."""
    up = name.upper().strip()
    if "DONOTCUT" in up or "DO_NOT_CUT" in up or "DO NOT CUT" in up:
        return LayerOp("ignore", None)
    if re.search(r"(^|[^A-Z])SHEET", up) or (_BOARD_RE.search(up) and _says_stock(name)):
        return LayerOp("sheet", None, sheet_material(name))
    words = _words(name)
    if words & _NOTES or _says_no_plot(up):  # notes, and what is not to be plotted
        return LayerOp("ignore", None, frames=True)
    depth = _depth_of(name)
    if depth is None and ("ENGRAVE" in up or "POCKET" in up or words & _POCKET):
        depth = _tail_depth(name)
        depth = _lead_depth(name) if depth is None else depth
    if depth is None and words & {"HOLE", "DRILL"} and _DIAM_RE.search(name):
        depth, unsure = _hole_depth(name)  # the diameter said, the depth last
        if unsure:
            return _back(name, LayerOp("auto", None, guessed=True, unsure=unsure))
        if depth is not None and depth > 0 and "DRILL" not in up:
            # a blind hole of its drawn size, cleared
            return _back(name, LayerOp("pocket", depth))
    if "DRILL" in up or "ENGRAVE" in up or "POCKET" in up or words & _POCKET or depth is not None:
        op = _depth_layer(up, depth)
        return op if op is None else _back(name, op)
    if "MILL" in up:  # a mill-out without its depth: never guessed into a through cut
        return LayerOp("auto", None, guessed=True,
                       unsure="names a mill-out but not its depth in mm")
    if "CHAMFER" in words:
        return LayerOp("ignore", None, unseen=_CHAMFER_LINES)
    if words & _LETTERING:
        return LayerOp("engrave", 1.0, lettering=True)
    through = "THROUGH" in up or bool(words & _THROUGH)
    if "OUTSIDE" in up or (through and (words & _OUT or _truncated(up, "OUTSIDE"))):
        return LayerOp("outside", None)
    if "INSIDE" in up or (through and (words & _IN or _truncated(up, "INSIDE"))):
        return LayerOp("inside", None)
    if through:
        return LayerOp("auto", None)
    return None


def _back(name: str, op: LayerOp) -> LayerOp:
    """A pocket, engraving or drill layer of the back face (`REV-...`), so marked."""
    if _BACK_RE.match(name) and op.kind in ("pocket", "engrave", "drill", "auto"):
        return replace(op, back=True)
    return op


def on_back(what: str, where: str, layer: str) -> str:
    """What to say of a pocket, drill or engraving on a layer wikicut does not machine as
    drawn (`op.back`): the back face, or a pocket with the tool outside its line."""
    up = layer.upper()
    if not _BACK_RE.match(layer) and ("POCKET" in up or _POCKET & _words(up)) \
            and _tool_outside(up):
        return (f"{what} {where} {_TOOL_OUTSIDE}: draw that edge, or give --layer "
                f"'{layer}=ignore' (a job's [layers]) to cut the part without it")
    return (f"{what} {where} is on the back face, which wikicut does not machine: give "
            f"--layer '{layer}=ignore' (a job's [layers]) to cut the front only, then turn "
            "the part over to cut it")


def _says_stock(name: str) -> bool:
    """A BOARD layer's name says it is the stock: `$TH` (the thickness) or NOMINAL in it,
    a size (`2440x1220x18`), or a thickness of 3 mm or more with a sheet material
    (`0_BOARD_18mmPLY`): a PCB's `BOARD_1.6MM` or a layer of parts `BOARD_18MM` stays cut."""
    if _STOCK_WORDS.search(name) or _SIZE_RE.search(name):
        return True
    t = _THICK_RE.search(name)
    return bool(t and float(t.group(1)) >= 3.0 and _SHEET_MATERIAL_RE.search(name))


def _says_no_plot(up: str) -> bool:
    """NO-PLOT, NON_PRINT, DO NOT PRINT: the words of NOPLOT apart."""
    return bool(re.search(r"(^|[^A-Z])(NO|NON|DO[\s_\-]*NOT)[\s_\-]*(PLOT|PRINT)", up))


def _from_value(value: str, name: str) -> LayerOp:
    """Parse a layer-map value: 'outside', 'pocket:9', 'engrave', or a WikiHouse layer name."""
    kind, _, depth_s = value.strip().partition(":")
    kind = kind.strip().lower()
    if kind in _KINDS:
        depth: float | None = None
        if depth_s.strip():
            try:
                depth = float(depth_s)
            except ValueError:
                raise InputError(f"layer map for '{name}': bad depth '{depth_s}'") from None
            if not depth > 0:
                raise InputError(f"layer map for '{name}': depth must be > 0, got {depth_s}")
        elif kind == "pocket":
            raise InputError(f"layer map for '{name}': a pocket needs a depth, e.g. 'pocket:9'")
        elif kind == "engrave":
            depth = 1.0
        return LayerOp(kind, depth, sheet_material(name) if kind == "sheet" else None)
    op = _by_pattern(value)
    if op is None:
        raise InputError(f"layer map for '{name}': '{value}' is not one of {', '.join(_KINDS)} "
                         "(optionally ':depth') nor a WikiHouse layer name")
    return op


def classify_layer(name: str, layer_map: dict[str, str] | None = None) -> LayerOp:
    """What layer `name` means: the user's map first, then the WikiHouse patterns, then the
    default map; anything else is "auto" so plain DXFs from any CAD cut as drawn."""
    low = name.strip().lower()
    for key, value in (layer_map or {}).items():
        if key.strip().lower() == low:
            return _from_value(value, name)
    op = _by_pattern(name)
    if op is not None:
        return op
    if _BEND_RE.match(name.strip()):
        return LayerOp("ignore", None, unseen=_BEND_LINES)
    if low in DEFAULT_LAYER_MAP:
        return _from_value(DEFAULT_LAYER_MAP[low], name)
    return LayerOp("auto", None, guessed=True)


def is_wikihouse_name(name: str) -> bool:
    """A name in WikiHouse's '<n>_anyTOOL_...' style: such a file names every cut it wants."""
    return bool(re.match(r"^\s*\d+_(ANY|\d+MM)?TOOL", name, re.IGNORECASE))


def names_label(name: str) -> bool:
    """A layer whose name says it holds the parts' labels (a word LABEL or LABELS:
    WikiHouse's `1_ANYTOOL_1MMDEEP_LABELS_S...`, `front_labelLayer`): what it engraves is
    the part's label."""
    return bool(_words(name) & {"LABEL", "LABELS"})


def unmatched_layers(layer_map: dict[str, str] | None, names) -> list[str]:
    """The keys of a layer map that name no layer in `names` (matched as classify_layer
    matches them: any case, spaces round them ignored): a misspelt name would otherwise
    leave its layer read with the default operation, without a word."""
    have = {str(n).strip().lower() for n in names}
    return [k for k in (layer_map or {}) if k.strip().lower() not in have]


def unused_entry(key: str, names, whose: str = "the file") -> str:
    """"matches no layer of the file (did you mean 'Holes'?), so it is not used; the layers
    there: 'A', 'B' and 3 more": what to say of a layer map entry that matches no layer of
    `whose` (the file, the job's DXFs); `names` those layers, the ones in use first."""
    import difflib

    names = [str(n) for n in names]
    by_low = {n.strip().lower(): n for n in names}
    near = difflib.get_close_matches(key.strip().lower(), sorted(by_low), n=1, cutoff=0.6)
    hint = f" (did you mean '{by_low[near[0]]}'?)" if near else ""
    most = 6
    listed = ", ".join(repr(n) for n in names[:most])
    more = f" and {len(names) - most} more" if len(names) > most else ""
    have = f"the layers there: {listed}{more}" if names else "it has no layers"
    return f"matches no layer of {whose}{hint}, so it is not used; {have}"
