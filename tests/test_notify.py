"""Notifications after a run, against a real SMTP server (aiosmtpd) and a real HTTP server on 127.0.0.1,
and the rule that no secret of the profile reaches a report, a log or the store."""

import json
import os
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pytest
import yaml
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from govaudit import notify
from govaudit.profile import ConfigError, _validate
from tests.siteserver import SiteServer, html
from tests.testdb import contents, db_at, query

GOVAUDIT = [sys.executable, "-m", "govaudit"]
SMTP_PASSWORD = "smtp-pw-Zq81x"
HOOK_TOKEN = "Bearer hook-tok-77Kp"
STATIC_HEADER = "static-hdr-4Tg9"
URL_SECRET = "T0PSECRETPATH42"
SECRETS = (SMTP_PASSWORD, HOOK_TOKEN, "hook-tok-77Kp", STATIC_HEADER, URL_SECRET)


class _Mailbox:
    def __init__(self):
        self.messages, self.logins = [], []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append({"from": envelope.mail_from, "to": list(envelope.rcpt_tos),
                              "data": envelope.content.decode("utf-8", "replace")})
        return "250 OK"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        self.logins.append((auth_data.login.decode(), auth_data.password.decode()))
        return AuthResult(success=auth_data.password.decode() == SMTP_PASSWORD)


class _LoopbackSMTP(Controller):
    """aiosmtpd on 127.0.0.1 with an ephemeral port (the controller's readiness probe needs the real port)."""

    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


@pytest.fixture
def smtp():
    box = _Mailbox()
    controller = _LoopbackSMTP(box, hostname="127.0.0.1", port=0, authenticator=box.authenticate,
                               auth_require_tls=False)
    controller.start()
    try:
        yield controller, box
    finally:
        controller.stop()


class _Hook(BaseHTTPRequestHandler):
    received: list = []
    status = 204

    def do_POST(self):  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        self.received.append({"path": self.path, "headers": dict(self.headers),
                              "json": json.loads(self.rfile.read(length))})
        self.send_response(self.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def hook():
    handler = type("Hook", (_Hook,), {"received": [], "status": 204})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server, handler
    finally:
        server.shutdown()
        server.server_close()


def _profile(tmp_path, notify_section):
    path = tmp_path / "site.yaml"
    path.write_text(yaml.safe_dump({"site": {"name": "通知測試機關"}, "checks": {"accessibility": None},
                                    "notify": notify_section}, allow_unicode=True), encoding="utf-8")
    return path


def _run(tmp_path, url, profile, *extra, env=None):
    env = {**os.environ, "GOVAUDIT_SMTP_PASSWORD": SMTP_PASSWORD, "GOVAUDIT_HOOK_AUTH": HOOK_TOKEN, **(env or {})}
    return subprocess.run([*GOVAUDIT, "run", url, "--profile", str(profile), "--db", str(db_at(tmp_path / "a.sqlite")),
                           "--out", str(tmp_path / "out"), "--offline", *extra],
                          capture_output=True, text=True, timeout=240, env=env)


def _site():
    return SiteServer({"/": html('<a href="/p.html">p</a><a href="/gone.html">gone</a>', title="首頁"),
                       "/p.html": html("<p>p</p>")})


def test_email_and_webhook_carry_the_run_and_no_secret_is_written_anywhere(tmp_path, smtp, hook):
    controller, box = smtp
    server, handler = hook
    profile = _profile(tmp_path, {
        "email": {"host": "127.0.0.1", "port": controller.port, "security": "none", "user": "auditor",
                  "password_env": "GOVAUDIT_SMTP_PASSWORD", "from": "govaudit@example.gov.tw",
                  "to": ["webmaster@example.gov.tw", "it@example.gov.tw"], "on": "always"},
        "webhook": {"url": f"http://127.0.0.1:{server.server_port}/hook/{URL_SECRET}",
                    "headers": {"X-Static": STATIC_HEADER}, "headers_env": {"Authorization": "GOVAUDIT_HOOK_AUTH"},
                    "on": "failure"},
        "max_items": 1,
    })
    with _site() as site:
        proc = _run(tmp_path, site.url, profile, "--fail-on", "broken>0")
    assert proc.returncode == 1, proc.stderr  # the broken link trips the rule: a failure, so the webhook fires

    assert box.logins == [("auditor", SMTP_PASSWORD)]
    (mail,) = box.messages
    assert mail["from"] == "govaudit@example.gov.tw"
    assert sorted(mail["to"]) == ["it@example.gov.tw", "webmaster@example.gov.tw"]
    from email import message_from_string, policy

    message = message_from_string(mail["data"], policy=policy.default)
    subject = str(message["Subject"])
    assert "通知測試機關" in subject and "fail-on tripped: broken>0" in subject and "資訊內容有效性" in subject
    text = message.get_content()
    assert "Run #1 completed" in text and "exit code 1" in text and "broken 1" in text
    assert "No baseline run" in text and str(tmp_path / "out" / "report.html") in text

    (post,) = handler.received
    assert post["path"] == f"/hook/{URL_SECRET}"
    assert post["headers"]["Authorization"] == HOOK_TOKEN and post["headers"]["X-Static"] == STATIC_HEADER
    data = post["json"]
    assert data["schema"] == "govaudit/notify@1" and data["site"] == "通知測試機關" and data["run"] == 1
    assert data["status"] == "completed" and data["exit_code"] == 1 and data["tripped"] == ["broken>0 (is 1)"]
    assert data["summary"]["broken"] == 1 and data["summary"]["run"] == 1
    assert {i["id"] for i in data["indicators"]} >= {"disclosure_adequacy", "content_validity"}
    assert set(data["changes"]["counts"]) >= {"new", "resolved", "persisting", "links_new", "links_resolved"}
    assert len(data["changes"]["new"]) <= 1  # capped by max_items

    # no secret in the reports, the output, the store (profile dump), or a rebuilt report
    rebuilt = subprocess.run([*GOVAUDIT, "report", "--db", str(db_at(tmp_path / "a.sqlite")), "--out", str(tmp_path / "r")],
                             capture_output=True, text=True, timeout=120)
    assert rebuilt.returncode == 0
    written = [tmp_path / "out" / n for n in ("report.html", "results.json", "links.csv")]
    written += [tmp_path / "r" / n for n in ("report.html", "results.json", "links.csv")]
    written += [p for p in tmp_path.iterdir() if p.name.startswith("a.sqlite") and p.is_file()]  # the db, its WAL
    blobs = {str(p): p.read_bytes() for p in written} | {"stdout": proc.stdout.encode(), "stderr": proc.stderr.encode(),
                                                         "rebuild": (rebuilt.stdout + rebuilt.stderr).encode(),
                                                         "store": repr(contents(db_at(tmp_path / "a.sqlite"))).encode()}
    for secret in SECRETS:
        for where, blob in blobs.items():
            assert secret.encode() not in blob, (secret, where)
    stored = json.loads(query(db_at(tmp_path / "a.sqlite"), "SELECT profile FROM runs WHERE id=1")[0][0])
    assert stored["notify"]["webhook"]["headers"] == {"X-Static": "***"}
    assert stored["notify"]["webhook"]["url"] == f"http://127.0.0.1:{server.server_port}/***"
    assert stored["notify"]["email"]["password_env"] == "GOVAUDIT_SMTP_PASSWORD"  # the name, not the value


def test_a_failing_notification_is_logged_and_never_changes_the_exit_code(tmp_path, hook):
    server, handler = hook
    handler.status = 500
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    profile = _profile(tmp_path, {
        "email": {"host": "127.0.0.1", "port": closed, "security": "none", "user": "auditor",
                  "password_env": "GOVAUDIT_SMTP_PASSWORD", "from": "a@example.gov.tw", "to": ["b@example.gov.tw"]},
        "webhook": {"url": f"http://127.0.0.1:{server.server_port}/hook/{URL_SECRET}",
                    "headers_env": {"Authorization": "GOVAUDIT_HOOK_AUTH"}},
    })
    with _site() as site:
        proc = _run(tmp_path, site.url, profile)
    assert proc.returncode == 0, proc.stderr
    assert "govaudit: run 1 completed" in proc.stdout
    assert "notify: email via 127.0.0.1" in proc.stderr and "ConnectionRefusedError" in proc.stderr
    assert "answered HTTP 500" in proc.stderr and len(handler.received) == 1
    assert all(secret not in proc.stderr + proc.stdout for secret in SECRETS)
    assert json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))["run"]["id"] == 1


def test_a_missing_password_variable_skips_the_email_with_a_note(tmp_path, smtp):
    controller, box = smtp
    profile = _profile(tmp_path, {"email": {"host": "127.0.0.1", "port": controller.port, "security": "none",
                                            "user": "u", "password_env": "GOVAUDIT_NO_SUCH_VAR",
                                            "from": "a@example.gov.tw", "to": ["b@example.gov.tw"]}})
    with _site() as site:
        proc = _run(tmp_path, site.url, profile)
    assert proc.returncode == 0
    assert "GOVAUDIT_NO_SUCH_VAR" in proc.stderr and "not set" in proc.stderr
    assert box.messages == [] and box.logins == []


# -- the rules, in process -------------------------------------------------------------------------------

def _outcome(status="completed", exit_code=0, tripped=()):
    return SimpleNamespace(run_id=3, status=status, exit_code=exit_code, tripped=list(tripped), files=[],
                           summary={"run": 3})


def _doc(new=(), resolved=(), links_new=()):
    return {"run": {"id": 3, "site": "s", "status": "completed"}, "indicators": [],
            "changes": {"baseline_run": 2, "complete": True, "new": list(new), "resolved": list(resolved),
                        "persisting": [], "links": {"new": list(links_new), "resolved": [], "transitions": []},
                        "scores": []}}


def test_on_always_failure_change():
    quiet = notify.changes(_doc(), 10)
    changed = notify.changes(_doc(new=[{"code": "link.broken", "severity": "high", "message": "404"}]), 10)
    link_only = notify.changes(_doc(links_new=["http://127.0.0.1/x"]), 10)
    ok, tripped, incomplete = _outcome(), _outcome(exit_code=1, tripped=["new>0 (is 1)"]), \
        _outcome("incomplete", 2)
    assert notify.wanted("always", ok, quiet)
    assert not notify.wanted("failure", ok, changed)
    assert notify.wanted("failure", tripped, quiet) and notify.wanted("failure", incomplete, quiet)
    assert not notify.wanted("change", ok, quiet) and not notify.wanted("change", tripped, quiet)
    assert notify.wanted("change", ok, changed) and notify.wanted("change", ok, link_only)
    # an older document (links as bare URLs, persisting as a count) is read too
    old = notify.changes({"changes": {"previous_run": 1, "new": ["http://x/a"], "resolved": [], "persisting": 4}}, 10)
    assert old["counts"]["new"] == 1 and old["counts"]["persisting"] == 4 and old["new"] == [{"target": "http://x/a"}]


def test_offline_never_contacts_a_non_loopback_host(capsys):
    settings = _validate({"notify": {
        "email": {"host": "smtp.example.gov.tw", "from": "a@example.gov.tw", "to": ["b@example.gov.tw"]},
        "webhook": {"url": f"https://hooks.example.gov.tw/services/{URL_SECRET}"}}}, "p.yaml").notify
    sent = notify.after_run(settings, _outcome(), _doc(), offline=True)
    assert sent == {"email": False, "webhook": False}
    err = capsys.readouterr().err
    assert "--offline: email not sent: smtp.example.gov.tw is not a loopback host" in err
    assert "--offline: webhook not sent: https://hooks.example.gov.tw/***" in err and URL_SECRET not in err


def test_profile_rules_for_secrets_and_the_yaml_on_key():
    loaded = _validate(yaml.safe_load(
        "notify:\n  email:\n    host: 127.0.0.1\n    from: a@x.tw\n    to: [b@x.tw]\n    on: failure\n"), "p.yaml")
    assert loaded.notify.email.on == "failure"  # YAML 1.1 reads the bare key `on` as true
    with pytest.raises(ConfigError, match="password"):  # a password in the YAML is refused: name a variable
        _validate({"notify": {"email": {"host": "h", "from": "a@x", "to": ["b@x"], "password": "x"}}}, "p.yaml")
    with pytest.raises(ConfigError, match="environment variable name"):
        _validate({"notify": {"email": {"host": "h", "from": "a@x", "to": ["b@x"], "user": "u",
                                        "password_env": "hunter2!"}}}, "p.yaml")
    with pytest.raises(ConfigError, match="unencrypted"):
        _validate({"notify": {"email": {"host": "smtp.x.tw", "security": "none", "user": "u",
                                        "from": "a@x", "to": ["b@x"]}}}, "p.yaml")
    with pytest.raises(ConfigError, match="placeholder"):
        _validate({"notify": {"email": {"host": "h", "from": "a@x", "to": ["b@x"], "subject": "{password}"}}},
                  "p.yaml")
    dumped = _validate({"notify": {"webhook": {"url": "https://u:pw@hooks.x.tw/a?token=1",
                                               "headers": {"Authorization": "Bearer z"}}},
                        "checks": {"broken_links": {"api_key": "k"}}}, "p.yaml").public_dump()
    assert dumped["notify"]["webhook"]["url"] == "https://hooks.x.tw/***"
    assert dumped["notify"]["webhook"]["headers"] == {"Authorization": "***"}
    assert dumped["checks"]["broken_links"]["api_key"] == "***"


# -- TLS: STARTTLS and implicit TLS against a real certificate (self-signed for 127.0.0.1) ---------------------

def _certificate(tmp_path):
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_tls_login_and_an_untrusted_certificate_is_refused(tmp_path, monkeypatch, capsys, security):
    import ssl

    cert_file, key_file = _certificate(tmp_path)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert_file, key_file)
    box = _Mailbox()
    # implicit TLS: aiosmtpd's auth_require_tls only knows STARTTLS, the whole connection is TLS here
    tls = {"tls_context": server_tls, "require_starttls": True} if security == "starttls" else \
        {"ssl_context": server_tls, "auth_require_tls": False}
    controller = _LoopbackSMTP(box, hostname="127.0.0.1", port=0, authenticator=box.authenticate, **tls)
    controller.start()
    try:
        settings = _validate({"notify": {"email": {
            "host": "127.0.0.1", "port": controller.port, "security": security, "user": "auditor",
            "password_env": "GOVAUDIT_SMTP_PASSWORD", "from": "a@example.gov.tw", "to": ["b@example.gov.tw"]}}},
            "p.yaml").notify
        monkeypatch.setenv("GOVAUDIT_SMTP_PASSWORD", SMTP_PASSWORD)
        monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "no-such-ca.pem"))  # our certificate is not trusted
        assert notify.after_run(settings, _outcome(), _doc(), offline=True) == {"email": False}
        assert box.logins == [] and box.messages == []  # no password over a connection we could not verify
        assert "SSLCertVerificationError" in capsys.readouterr().err
        monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))  # now it is
        assert notify.after_run(settings, _outcome(), _doc(), offline=True) == {"email": True}
        assert box.logins == [("auditor", SMTP_PASSWORD)] and len(box.messages) == 1
    finally:
        controller.stop()
