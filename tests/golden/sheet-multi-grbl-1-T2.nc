(wikicut: multi [1])
(program 1 of 2 for this sheet: run them in order)
(sheet 1: 500 x 400 x 18 mm Plywood)
(parts [2]: rib#1, cleat#1)
(machine: GRBL [grbl], program units mm)
(tool: T2 3 mm "3 mm upcut", 20000 rpm, feed up to 3000 mm/min, 3)
(operations, 0 min 26 s)
(depth: through 18.3 mm; entry ramp, climb; tabs on)
(estimated time 0 min 26 s, cut 0.42 m, rapid 0.36 m)
(Z0 = stock top, X0 Y0 = sheet lower-left corner)
G90 G94 G17
G21
G0 Z20
(fit T2 3 mm "3 mm upcut" and zero Z on the stock top before starting)
M3 S20000
G4 P4
(rib#1 engrave)
G0 X50 Y110
G0 Z5
G1 Z0 F600
G1 X61.43 Z-1 F1500
G1 X100 F3000
G1 X50
G1 Z0
G0 Z5
(rib#1 drill)
G0 X60 Y160
G1 Z0 F600
G1 Z-18.3
G1 Z0 F3000
G0 Z5
(rib#1 drill)
G0 X173 Y70
G1 Z0 F600
G3 X167 Y70 Z-0.825 I-3 J0 F1500
G3 X173 Y70 Z-1.649 I3 J0
G3 X167 Y70 Z-2.474 I-3 J0
G3 X173 Y70 Z-3.298 I3 J0
G3 X167 Y70 Z-4.123 I-3 J0
G3 X173 Y70 Z-4.947 I3 J0
G3 X167 Y70 Z-5.772 I-3 J0
G3 X173 Y70 Z-6.596 I3 J0
G3 X167 Y70 Z-7.421 I-3 J0
G3 X173 Y70 Z-8.246 I3 J0
G3 X167 Y70 Z-9.07 I-3 J0
G3 X173 Y70 Z-9.895 I3 J0
G3 X167 Y70 Z-10.719 I-3 J0
G3 X173 Y70 Z-11.544 I3 J0
G3 X167 Y70 Z-12.368 I-3 J0
G3 X173 Y70 Z-13.193 I3 J0
G3 X167 Y70 Z-14.018 I-3 J0
G3 X173 Y70 Z-14.842 I3 J0
G3 X167 Y70 Z-15.667 I-3 J0
G3 X173 Y70 Z-16.491 I3 J0
G3 X167 Y70 Z-17.316 I-3 J0
G3 X173 Y70 Z-18.14 I3 J0
G3 X167 Y70 Z-18.22 I-3 J0
G3 X173 Y70 Z-18.3 I3 J0
G3 X167 Y70 I-3 J0 F3000
G3 X173 Y70 I3 J0
G1 Z0
G0 Z5
G0 Z20
M5
M2
