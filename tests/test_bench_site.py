"""The benchmark's generated site answers as its ground truth says (bench/site.py, bench/server.py)."""

import json
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

from bench import site as bench_site

ROOT = Path(__file__).resolve().parents[1]


def _status(url: str, method: str = "GET") -> int | str:
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, method=method), timeout=5) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except urllib.error.URLError as exc:
        return type(exc.reason).__name__


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_served_site_matches_its_truth(tmp_path):
    truth_file = tmp_path / "truth.json"
    server = subprocess.Popen([sys.executable, "-m", "bench.server", "--variant", "tiny", "--truth", str(truth_file)],
                              cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        json.loads(server.stdout.readline())
        doc = json.loads(truth_file.read_text(encoding="utf-8"))
        truth = doc["truth"]
        assert len(doc["pages"]) == bench_site.VARIANTS["tiny"][0]
        expected = {"rate_limited": {429}, "bot_blocked": {403}, "redirected": {301}, "dead": {"ConnectionRefusedError"}}
        seen = set()
        for url, cls in truth.items():
            if "#" in url:
                continue
            status = _status(url)
            seen.add(cls)
            if cls == "broken":
                assert status in (404, 410, 302), url  # 302: a redirect loop
            elif cls in expected:
                assert status in expected[cls], (url, status)
            elif cls == "head_refused":
                assert status == 200 and _status(url, "HEAD") == 405
            else:
                assert status == 200, (url, cls, status)
        assert {"broken", "ok", "rate_limited", "bot_blocked", "head_refused", "dead", "redirected"} <= seen
        # a missing fragment really is missing, a found one is there
        for url, cls in truth.items():
            if "#" in url:
                page, frag = url.split("#")
                body = urllib.request.urlopen(page, timeout=5).read().decode()
                assert (f'id="{frag}"' in body) == (cls == "fragment_ok"), url
    finally:
        server.terminate()
        server.wait(10)
