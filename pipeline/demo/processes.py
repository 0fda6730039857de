"""Child processes of the demo, each in its own process group, stopped so that none is left.

Each child gets a new session: Ctrl-C in the terminal reaches only the demo, which then stops the
children in order (SIGTERM to every group, a grace period, SIGKILL for stragglers, reap all).
A process group also catches grandchildren that a child may have started.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Child:
    """One started process and where its output goes."""

    name: str
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def running(self) -> bool:
        return self.process.poll() is None

    def log_tail(self, lines: int = 8) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.strip().splitlines()[-lines:])


@dataclass
class Children:
    """The demo's children; ``stop_all`` is safe to call more than once."""

    log_dir: Path
    children: list[Child] = field(default_factory=list)

    def spawn(self, name: str, argv: Sequence[str], env: Mapping[str, str]) -> Child:
        log_path = self.log_dir / f"{name}.log"
        with log_path.open("ab") as log:
            process = subprocess.Popen(
                list(argv),
                env=dict(env),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        child = Child(name, process, log_path)
        self.children.append(child)
        return child

    def exited(self) -> list[Child]:
        """Children that stopped by themselves (the demo treats that as a failure)."""
        return [child for child in self.children if not child.running()]

    def stop_all(self, grace_s: float = 10.0) -> list[str]:
        """SIGTERM every group, wait up to ``grace_s``, SIGKILL what is left; names of killed."""
        for child in self.children:
            _signal_group(child.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace_s
        while time.monotonic() < deadline and any(c.running() for c in self.children):
            time.sleep(0.1)
        killed = []
        for child in self.children:
            if child.running():
                killed.append(child.name)
            _signal_group(child.pid, signal.SIGKILL)  # also grandchildren left in the group
            child.process.wait()
        return killed


def _signal_group(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


def group_alive(pgid: int) -> bool:
    """Whether any process of group ``pgid`` still exists (zombies excepted)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] != "Z" and int(fields[2]) == pgid:
            return True
    return False
