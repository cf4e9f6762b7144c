"""The toolpath stage: a placed sheet of parts -> machine-independent moves, in cutting order."""
