"""A start URL with credentials (issue 14, item 9) is refused at start: exit 3, a clear line that does not
echo the password, nothing contacted and nothing written."""

from __future__ import annotations

import subprocess
import sys

import pytest

from govaudit import urls
from govaudit.profile import ConfigError, check_start_url
from tests.siteserver import SiteServer, html
from tests.testdb import db_at, store_exists

SECRET = "s3cr3t-pw"


@pytest.mark.parametrize(("url", "has", "without"), [
    ("http://user:pw@host/", True, "http://host/"),
    ("https://user@host:8443/a?b=c", True, "https://host:8443/a?b=c"),
    ("http://@host/", True, "http://host/"),
    ("http://host/a@b", False, "http://host/a@b"),
    ("http://host/?mail=a:b@c", False, "http://host/?mail=a:b@c"),
    ("http://host#@evil", False, "http://host#@evil"),
    ("mailto:a@b.tw", False, "mailto:a@b.tw"),
])
def test_credentials_in_urls(url, has, without):
    assert urls.has_credentials(url) is has
    assert urls.without_credentials(url) == without


def test_check_start_url_refuses_credentials_without_echoing_them():
    with pytest.raises(ConfigError) as refused:
        check_start_url(f"http://officer:{SECRET}@127.0.0.1:9/")
    assert "credentials in URLs are refused" in str(refused.value)
    assert SECRET not in str(refused.value) and "officer" not in str(refused.value)
    assert "http://127.0.0.1:9/" in str(refused.value)


def test_run_with_credentials_in_the_start_url_exits_3_and_writes_nothing(tmp_path):
    profile = tmp_path / "p.yaml"
    with SiteServer({"/": html("<p>home</p>")}) as server:
        with_secret = server.url.replace("http://", f"http://officer:{SECRET}@")
        profile.write_text(f"site:\n  start_url: {with_secret}\n", encoding="utf-8")
        db, out = ["--db", str(db_at(tmp_path / "a.sqlite"))], ["--out", str(tmp_path / "out"), "--offline"]
        for args in (["run", with_secret, *db, *out], ["run", "--profile", str(profile), *db, *out],
                     ["a11y", with_secret, *out]):
            proc = subprocess.run([sys.executable, "-m", "govaudit", *args], capture_output=True, text=True,
                                  timeout=240)
            assert proc.returncode == 3, (args, proc.stderr)
            assert "credentials in URLs are refused" in proc.stderr
            assert SECRET not in proc.stdout + proc.stderr
            assert "Traceback" not in proc.stderr
    assert server.hits == []  # nothing contacted
    assert not store_exists(db_at(tmp_path / "a.sqlite")) and not (tmp_path / "out").exists()
