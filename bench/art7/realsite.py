"""The Art. 7 audit on the real agency pages in ../shared/realsite/, served unchanged from 127.0.0.1.

    .venv/bin/python -m bench.art7.realsite [--root /work/shared/realsite]

Prints each category's status, evidence and reason next to the hand-labelled truth: moda-adi's
truth.json, and for moda-acs the "Article 7 coverage" section of its MANIFEST.md (written down below).
Item 5 is one category in both truths: it is met when any of 5a / 5b / 5c is found or stale.
"""

from __future__ import annotations

import argparse
import functools
import json
import subprocess
import sys
import tempfile
from http.server import SimpleHTTPRequestHandler
from pathlib import Path

from bench.art7.evaluate import OTHER_CHECKS
from bench.loopback import serving

# moda-acs MANIFEST.md, "Article 7 coverage": items 1, 3, 5, 6, 9, 10 shown; no 採購 entry in the site tree.
# 行政規則 (2) is linked from the hub but its page is not in the set; 4 and 7 appear nowhere.
ACS_TRUTH = {"art7-1": "found", "art7-3": "found", "art7-4": "missing", "art7-5": "found", "art7-6": "found",
             "art7-7": "missing", "art7-8": "missing", "art7-9": "found", "art7-10": "found"}
SITES = {"moda-acs": ("ACS/index.html", None), "moda-adi": ("ADI/index.html", "truth.json")}


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def run(root: Path, name: str, work: Path, govaudit: str) -> dict[str, dict]:
    start, _ = SITES[name]
    checks = "\n".join(f"  {c}: null" for c in OTHER_CHECKS)
    profile = work / f"{name}.yaml"
    profile.write_text(f"site:\n  name: {name}\ncrawl:\n  sitemap: false\nlinks:\n  timeout: 5\n  retries: 0\n"
                       f"  check_external: false\n  attachments: false\n  soft404: false\nchecks:\n{checks}\n",
                       encoding="utf-8")
    with serving(functools.partial(_Quiet, directory=str(root / name))) as server:
        subprocess.run([govaudit, "run", f"http://127.0.0.1:{server.server_port}/{start}", "--offline",
                        "--profile", str(profile), "--db", str(work / f"{name}.sqlite"), "--out",
                        str(work / name), "--format", "json"], capture_output=True, text=True, timeout=900)
    results = json.loads((work / name / "results.json").read_text(encoding="utf-8"))
    return {c["id"]: c for c in results["disclosure"]["categories"]}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", type=Path, default=Path("/work/shared/realsite"))
    ap.add_argument("--govaudit", default=str(Path(sys.executable).with_name("govaudit")))
    args = ap.parse_args(argv)
    agree = total = 0
    with tempfile.TemporaryDirectory(prefix="art7-real-") as tmp:
        for name, (_, truth_file) in SITES.items():
            truth = (json.loads((args.root / name / truth_file).read_text(encoding="utf-8"))["categories"]
                     if truth_file else ACS_TRUTH)
            cats = run(args.root, name, Path(tmp), args.govaudit)
            print(f"\n## {name}\n\n| category | truth | govaudit | evidence | reason |\n|---|---|---|---|---|")
            for cid, cat in cats.items():
                key = "art7-5" if cid.startswith("art7-5") else cid
                want = truth.get(key, "?")
                got = cat["status"]
                if key == "art7-5":
                    got5 = {c["status"] for k, c in cats.items() if k.startswith("art7-5")}
                    ok = (want == "found") == bool(got5 & {"found", "stale"})
                else:
                    ok = want == "?" or (want == "found" and got in ("found", "stale")) or want == got
                if want != "?" and (key != "art7-5" or cid == "art7-5a"):
                    total += 1
                    agree += ok
                evidence = ", ".join(e.split("/", 3)[-1] for e in cat["evidence"][:2])
                print(f"| {cid} | {want} | {got}{'' if ok else ' ✗'} | {evidence} | {cat['reason'][:90]} |")
    print(f"\nagreement with the truth: {agree}/{total} categories (item 5 counted once per site)")


if __name__ == "__main__":
    main()
