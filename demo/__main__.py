"""`python -m demo`: serve the demo agency site in the foreground until Ctrl-C."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import threading

from govaudit.demo.server import DEFAULT_PORT, DemoServer, PortInUse
from govaudit.demo.site import VARIANTS


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m demo", description="Serve the govaudit demo agency site."
    )
    parser.add_argument("--today", type=dt.date.fromisoformat, help="date the site is built for (YYYY-MM-DD)")
    parser.add_argument("--truth", metavar="PATH", help="write the ground truth JSON to PATH")
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    parser.add_argument("--variant", default="default", choices=VARIANTS,
                        help="arrangement of the Art. 7 pages (see demo/variants.py)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT,
                        help=f"port of every host (127.0.0.1-9), default {DEFAULT_PORT}; 0: ephemeral")
    args = parser.parse_args(argv)
    try:
        server = DemoServer(today=args.today, verbose=args.verbose, variant=args.variant, port=args.port).start()
    except PortInUse as exc:
        parser.exit(3, f"python -m govaudit.demo: {exc}\n")
    with server:
        try:
            if args.truth:
                server.write_ground_truth(args.truth)
            print(server.start_url, flush=True)
            hosts = ", ".join(f"{key} {url}" for key, url in server.ground_truth["external_hosts"].items())
            print(f"{len(server.ground_truth['html_pages'])} pages; external hosts: {hosts}", file=sys.stderr)
            print("Press Ctrl-C to stop.", file=sys.stderr, flush=True)
            threading.Event().wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
