// Both top-level objects: with OpenSCAD's lazy unions on (--enable=lazy-union), its DXF
// export writes one whole DXF document for each, one after the other.
include <plate.scad>
include <disc.scad>
