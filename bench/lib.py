"""Helpers shared by the benchmarks: percentiles, the machine's load, a process's resident memory,
a light keep-alive load generator for signed slash commands, and the bare Bolt app to compare with.

The load generator is asyncio over raw HTTP/1.1 keep-alive connections (one per concurrent
client): it costs the shared 2-core machine far less CPU per request than a thread pool of httpx
clients, so more of the machine is left to the server being measured — the bot or the bare app,
driven by exactly the same code."""
from __future__ import annotations

import asyncio
import http.server
import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import BOT_TOKEN, SECRET, free_port  # noqa: E402
from tests.fakes import sign  # noqa: E402

# The loopback fakes (tests.fakes) are ThreadingHTTPServers, whose listen backlog is 5: a burst of
# new connections beyond that waits out a TCP SYN retransmission (1 s), which would be charged to
# the bot. Slack's own servers do not do that; the fakes in a benchmark must not either.
http.server.ThreadingHTTPServer.request_queue_size = 1024


def pct(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def load() -> str:
    """The 1-, 5- and 15-minute load averages, as `uptime` prints them."""
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f}"


def rss_mb(pid: int) -> float:
    """VmRSS of a process, in MB (MiB), from /proc/<pid>/status."""
    with open(f"/proc/{pid}/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def cpu_s(pid: int) -> float:
    """CPU time (user + system) a process has used so far, from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
        fields = handle.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class RssSampler:
    """The peak VmRSS of a process while the `with` block runs (sampled every 20 ms)."""

    def __init__(self, pid: int):
        self.pid, self.peak, self._stop = pid, 0.0, threading.Event()

    def __enter__(self) -> "RssSampler":
        self.peak = rss_mb(self.pid)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, rss_mb(self.pid))

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_mb(self.pid))


def command_body(text: str, response_url: str, user: str = "U123") -> str:
    return urlencode({"command": "/occ", "text": text, "user_id": user, "user_name": "dana", "channel_id": "C123",
                      "team_id": "T1", "trigger_id": "13345224609.738474920.8088930838d88f008e0",
                      "response_url": response_url})


@dataclass
class Result:
    sent_at: float  # monotonic, when the request was written
    acked_at: float  # monotonic, when the whole acknowledgement was read
    status: int
    body: bytes


@dataclass
class Burst:
    results: dict[str, Result] = field(default_factory=dict)  # request name → result
    started: float = 0.0
    finished: float = 0.0


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    body = await reader.readexactly(length) if length else b""
    return status, body


def burst(port: int, bodies: list[tuple[str, str]], concurrency: int) -> Burst:
    """Send `bodies` ((name, form body) each, signed now) to 127.0.0.1:port/slack/events over
    `concurrency` keep-alive connections, each sending its next request when the previous one
    was answered. Every request is signed just before it is sent, as Slack does."""
    out = Burst()
    queue = list(reversed(bodies))

    async def client() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while queue:
                name, body = queue.pop()
                raw = body.encode()
                headers = sign(SECRET, body)
                request = (f"POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                           f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(raw)}\r\n"
                           f"X-Slack-Request-Timestamp: {headers['X-Slack-Request-Timestamp']}\r\n"
                           f"X-Slack-Signature: {headers['X-Slack-Signature']}\r\n\r\n").encode() + raw
                sent = time.monotonic()
                writer.write(request)
                await writer.drain()
                status, payload = await _read_response(reader)
                out.results[name] = Result(sent, time.monotonic(), status, payload)
        finally:
            writer.close()

    async def run() -> None:
        out.started = time.monotonic()
        await asyncio.gather(*(client() for _ in range(concurrency)))
        out.finished = time.monotonic()

    asyncio.run(run())
    return out


def wait_healthy(url: str, proc: subprocess.Popen, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{what} exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"{what} did not start")


def start_bare(threads: int, api_url: str, *, sync: bool = False) -> tuple[subprocess.Popen, int]:
    """bench/bare_bolt.py in its own process, like the bot: a minimal Bolt App on waitress
    (`sync`: with process_before_response, as the bot's listeners run)."""
    port = free_port()
    env = {**os.environ, "PORT": str(port), "OCC_HTTP_THREADS": str(threads), "SLACK_API_URL": api_url,
           "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SECRET,
           "BARE_PROCESS_BEFORE_RESPONSE": "1" if sync else "0"}
    proc = subprocess.Popen([sys.executable, str(ROOT / "bench" / "bare_bolt.py")], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    wait_healthy(f"http://127.0.0.1:{port}/healthz", proc, "the bare Bolt app")
    return proc, port


def ack_text(body: bytes) -> str:
    try:
        return str(json.loads(body).get("text") or "")
    except ValueError:
        return body.decode("utf-8", "replace")
