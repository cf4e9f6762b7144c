"""Ctrl-C during a compiled kernel call would surface as a SystemError; `DeferCtrlC` holds it
until the kernel returns (milliseconds later), where `check` raises KeyboardInterrupt."""

from __future__ import annotations

import signal
import threading
from typing import Self

STOPS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)  # SIGTERM, SIGHUP end a run as Ctrl-C
_pending = False  # set by the SIGINT handler: a signal handler can only reach module state


def check() -> None:
    """Raise KeyboardInterrupt if Ctrl-C came during the last kernel call."""
    if _pending:
        raise KeyboardInterrupt


class DeferCtrlC:
    """While active (in the main thread), Ctrl-C (or SIGTERM, SIGHUP) only marks itself
    pending for `check`."""

    def __enter__(self) -> Self:
        global _pending
        _pending = False
        self.old = None
        if threading.current_thread() is threading.main_thread():
            # an ignored signal (`nohup`, a background job's SIGINT) stays ignored
            self.old = {sig: signal.signal(sig, self._on_sigint) for sig in STOPS
                        if signal.getsignal(sig) is not signal.SIG_IGN}
        return self

    @staticmethod
    def _on_sigint(signum, frame) -> None:
        global _pending
        _pending = True

    def __exit__(self, exc_type, *exc) -> bool:
        global _pending
        came = _pending
        if self.old is not None:
            for sig, handler in self.old.items():
                signal.signal(sig, handler)
        _pending = False
        if came and exc_type is None:  # after the last check: raised here, never dropped
            raise KeyboardInterrupt
        return False
