"""How fast is the bench server? `python -m bench.loadtest --variant heavy --seconds 5 --connections 16`.

A keep-alive asyncio client fetches the site's pages round-robin for a few seconds and reports requests/s,
plus the server's own CPU time per request (read from /proc), which bounds what the server can deliver
on one core whatever the client manages.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

CLK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK  # utime, stime


async def _client(host: str, port: int, paths: list[str], until: float, counts: list[int], nbytes: list[int]):
    reader, writer = await asyncio.open_connection(host, port)
    i = 0
    while time.monotonic() < until:
        path = paths[i % len(paths)]
        i += 1
        writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        head = await reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        await reader.readexactly(length)
        counts[0] += 1
        nbytes[0] += length
    writer.close()


async def _load(pages: list[str], seconds: float, connections: int) -> tuple[int, int]:
    parts = urlsplit(pages[0])
    paths = [urlsplit(p).path for p in pages]
    counts, nbytes = [0], [0]
    until = time.monotonic() + seconds
    await asyncio.gather(*(_client(parts.hostname, parts.port, paths[k::connections] or paths, until, counts, nbytes)
                           for k in range(connections)))
    return counts[0], nbytes[0]


def measure(variant: str, seconds: float, connections: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        truth_file = Path(tmp, "truth.json")
        server = subprocess.Popen([sys.executable, "-m", "bench.server", "--variant", variant, "--truth",
                                   str(truth_file)], stdout=subprocess.PIPE, text=True)
        try:
            ready = json.loads(server.stdout.readline())
            pages = json.loads(truth_file.read_text())["pages"]
            before, t0 = cpu_seconds(ready["pid"]), time.monotonic()
            count, nbytes = asyncio.run(_load(pages, seconds, connections))
            wall, cpu = time.monotonic() - t0, cpu_seconds(ready["pid"]) - before
        finally:
            server.terminate()
            server.wait(10)
    return {"variant": variant, "requests": count, "req_per_s": round(count / wall), "MB_per_s": round(nbytes / wall / 2**20, 1),
            "server_cpu_share": round(cpu / wall, 2),
            "server_cpu_us_per_request": round(cpu / count * 1e6) if count else None,
            "server_capacity_req_per_s_one_core": round(count / cpu) if cpu else None}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.loadtest")
    parser.add_argument("--variant", default="heavy")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.variant, args.seconds, args.connections)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
