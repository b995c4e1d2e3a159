#!/usr/bin/env python3
"""Runs a command; prints its wall time and the CPU time of it and of every process it started.

Usage: bench-rusage.py COMMAND [ARG...]
The command's output passes through; the last line on stderr is "rusage WALL USER SYS" (seconds).
Wall time ends when the command exits. CPU counts the processes that outlive it too (ssh's
ControlPersist masters, which detach): this process is their child subreaper, so they are handed
to it; it ends them (SIGTERM) once the command has exited and reaps them, so that their CPU time
is added to its children's. Linux only.
"""

import ctypes
import os
import signal
import subprocess
import sys
import time

PR_SET_CHILD_SUBREAPER = 36


def adopted():
    """The ids of this process's children (those handed to it included)."""
    me = str(os.getpid())
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[1] == me and fields[0] != "Z":
            pids.append(int(entry))
    return pids


def signal_all(sig):
    for pid in adopted():
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")
    started = time.monotonic()
    child = subprocess.Popen(sys.argv[1:])
    code = child.wait()
    wall = time.monotonic() - started

    def force(*_):
        signal_all(signal.SIGKILL)
        signal.alarm(2)

    signal.signal(signal.SIGALRM, force)
    signal.alarm(10)
    signal_all(signal.SIGTERM)
    while True:
        try:
            os.wait()
        except ChildProcessError:
            break
    signal.alarm(0)
    times = os.times()
    print(f"rusage {wall:.3f} {times.children_user:.3f} {times.children_system:.3f}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
