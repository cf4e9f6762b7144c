// A 30 mm disc beside the plate.
translate([160, 30]) circle(d = 30, $fn = 64);
