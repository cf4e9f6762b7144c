"""ShopBot's native OpenSBP: comma-separated commands (J2/M3/CG...), speeds per second,
a units guard, no line numbers and no helical arcs (those are written as lines)."""

from __future__ import annotations

from ..model import Move, ToolUse
from .writer import Writer, fmt_down, fmt_number, tool_label


class OpenSbpWriter(Writer):
    comment_style = "apostrophe"
    helical_arcs = False
    stop_line = "PAUSE"
    speed_line = "TR,{rpm}"  # a control driving its spindle's VFD sets it; others stop for it
    feed_unit = "/s"  # MS and JS

    def rate(self, mm_per_min: float) -> str:
        """Per second, as MS and JS take it, rounded down: 7000 mm/min to the nearest 4
        decimals of in/s is 7000.04, above a machine's 7000."""
        v = min(mm_per_min, self.p.feeds.max) * self.scale / 60.0
        return fmt_down(v, max(self.p.decimals, 1))

    def start(self, spindle: bool = True) -> None:
        """Absolute mode, a units guard (a file read in the wrong units would scale every move
        by 25.4), jog speeds, clearance, spindle on and wait."""
        p = self.p
        self.raw("SA")
        metric = 1 if p.units == "mm" else 0
        self.raw(f"IF %(25)={1 - metric} THEN GOTO UNIT_ERROR")
        for line in p.header:
            self.raw(self.fill(line))
        rapid = fmt_down(p.feeds.rapid * self.scale / 60.0, max(p.decimals, 1))
        self.raw(f"JS,{rapid},{rapid}")
        self.raw(f"JZ,{self.num(p.heights.clearance + self.z0)}")
        self.last["Z"] = self.num(p.heights.clearance + self.z0)
        if spindle:
            self.spindle_on()

    def stop(self, message: str) -> None:
        """PAUSE without a time shows the comment line just above it in its dialog, that line
        only: the message is written on it whole, never wrapped (the operator would read only
        its end, without the tool to fit)."""
        self.raw("' " + self.plain(message), number=False)
        self.raw("PAUSE")

    def dwell(self, seconds: float) -> None:
        self.raw(f"PAUSE {fmt_number(seconds, 1)}")

    def change_tool(self, tool: ToolUse, first: bool) -> None:
        """ShopBot's ATC macro (C9 with &Tool), or a PAUSE for a change by hand; the
        spindle's speed is the operator's where C6 cannot set it."""
        mode = self.p.changer.mode
        rpm = "" if "{speed}" in self.p.spindle.on else f", spindle at {tool.rpm:g} rpm"
        if mode == "m6":
            self.comment(f"tool change: {tool_label(tool)}{rpm}")
            self.raw(f"&Tool = {tool.number}")
            self.raw("C9")
        elif mode == "pause" and not first:
            self.stop(f"tool change: fit {tool_label(tool)}{rpm}, re-zero Z on"
                      f" {self.zero_surface} (C2), then continue")
        else:
            self.comment(f"fit {tool_label(tool)}{rpm} and zero Z on {self.zero_surface}"
                         " before starting")

    def end(self) -> None:
        p = self.p
        units = "inches" if p.units == "inch" else "millimetres"
        self.raw(f"JZ,{self.num(p.heights.clearance + self.z0)}")
        if p.spindle.off:
            self.raw(self.fill(p.spindle.off))
        for line in p.footer:
            self.raw(self.fill(line))
        self.raw("END")
        self.raw("")
        self.raw("UNIT_ERROR:")
        self.stop(f"This file is in {units}: set the ShopBot to {units} and run again")
        self.raw("END")

    def rapid(self, words: dict[str, str], x, y, z) -> None:
        if set(words) == {"Z"}:
            self.raw(f"JZ,{words['Z']}")
        elif "Z" not in words:
            self.raw("J2," + ",".join(self._full(x, y)))
        else:
            self.raw("J3," + ",".join(self._full(x, y, z)))

    def feed(self, words: dict[str, str], x: float, y: float, z: float, rate: str) -> None:
        self._speed(rate)
        if set(words) == {"Z"}:
            self.raw(f"MZ,{words['Z']}")
        elif "Z" not in words:
            self.raw("M2," + ",".join(self._full(x, y)))
        else:
            self.raw("M3," + ",".join(self._full(x, y, z)))

    def arc(self, m: Move, i: str, j: str, rate: str, ccw: bool) -> None:
        self._speed(rate)
        xs, ys = self._full(m.x, m.y)
        self.raw(f"CG,,{xs},{ys},{i},{j},T,{-1 if ccw else 1}")

    def _speed(self, rate: str) -> None:
        """MS when the speed changes (it is modal)."""
        if rate != self.feed_word:
            self.raw(f"MS,{rate},{rate}")
            self.feed_word = rate

    def _full(self, x, y, z=None) -> list[str]:
        """Every axis word of a command (OpenSBP has no modal axes), remembered as written."""
        vals = [self.num(x), self.num(y)] + ([] if z is None else [self.num(z + self.z0)])
        self.last.update({"X": vals[0], "Y": vals[1]})
        if z is not None:
            self.last["Z"] = vals[2]
        return vals
