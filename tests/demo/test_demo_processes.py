"""Children are stopped completely: SIGTERM first, SIGKILL for stragglers, grandchildren too."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from pipeline.demo.processes import Children, group_alive

IGNORES_TERM = (
    "import signal, subprocess, sys, time\n"
    "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
    "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
    "print('up', flush=True)\n"
    "time.sleep(60)\n"
)


def test_stop_all_terminates_polite_children_and_kills_stubborn_ones(tmp_path: Path) -> None:
    """A child that obeys SIGTERM stops; one that ignores it is killed with its grandchild."""
    children = Children(tmp_path)
    polite = children.spawn(
        "polite", [sys.executable, "-c", "import time; time.sleep(60)"], os.environ
    )
    stubborn = children.spawn("stubborn", [sys.executable, "-c", IGNORES_TERM], os.environ)
    deadline = time.monotonic() + 30
    while "up" not in stubborn.log_path.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "up" in stubborn.log_path.read_text(), "the stubborn child did not start"
    killed = children.stop_all(grace_s=1.0)
    assert killed == ["stubborn"]
    assert not polite.running() and not stubborn.running()
    assert not group_alive(polite.pid) and not group_alive(stubborn.pid)
    assert children.stop_all(grace_s=0.1) == []


def test_exited_children_are_reported_with_their_output(tmp_path: Path) -> None:
    """A child that dies is listed by exited() and its log tail explains why."""
    children = Children(tmp_path)
    child = children.spawn(
        "broken", [sys.executable, "-c", "raise SystemExit('kaput')"], os.environ
    )
    child.process.wait(10)
    assert children.exited() == [child]
    assert "kaput" in child.log_tail()
