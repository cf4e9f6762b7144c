// A 120 x 60 plate with a 30 x 20 slot.
difference() {
    square([120, 60]);
    translate([45, 20]) square([30, 20]);
}
