"""Summarise a py-spy raw (collapsed stacks) profile: the functions with the most samples, by
self time and by inclusive time, idle threads (waiting on a lock, a socket, a queue) left out.

    .venv/bin/python bench/profile_top.py PROFILE.txt [top]
"""
from __future__ import annotations

import sys
from collections import Counter

IDLE = ("wait (threading.py", "_wait_for_tstate_lock", "select (selectors.py", "poll (", "get (queue.py",
        "_worker (concurrent/futures/thread.py", "accept (socket.py", "handler_thread (waitress/task.py",
        "readinto (socket.py", "sleep")


def main() -> None:
    path, top = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 25
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in open(path, encoding="utf-8", errors="replace"):
        stack, _, count = line.rstrip().rpartition(" ")
        if not count.isdigit():
            continue
        frames = stack.split(";")
        if any(marker in frames[-1] for marker in IDLE):
            continue
        n = int(count)
        total += n
        own[frames[-1]] += n
        for frame in set(frames):
            inclusive[frame] += n
    print(f"{total} busy samples")
    print("\n-- self --")
    for frame, n in own.most_common(top):
        print(f"{100 * n / total:5.1f}%  {frame}")
    print("\n-- inclusive --")
    for frame, n in inclusive.most_common(top):
        print(f"{100 * n / total:5.1f}%  {frame}")


if __name__ == "__main__":
    main()
