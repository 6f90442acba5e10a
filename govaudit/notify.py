"""Notifications after a run (profile `notify:`): an email over SMTP and/or a JSON webhook POST, each
carrying the run summary and what changed since the baseline run.

A notification never changes the audit's exit code and never loses the run: every failure is one line
on stderr. Secrets (the SMTP password, webhook header values, the webhook URL's path) come from the
profile or the environment at send time; they are never logged, stored or written to a report.
With --offline only loopback SMTP hosts and webhook URLs are contacted; others are skipped with a note.
"""

from __future__ import annotations

import os
import smtplib
import ssl
import sys
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from govaudit import __version__, localtime, urls
from govaudit.profile import Email, Notify, Webhook, host_is_loopback, redact_url

SCHEMA = "govaudit/notify@1"
FINDING_KEYS = ("fingerprint", "check", "code", "severity", "message", "target", "page", "first_seen", "nights",
                "previous_code")
DEFAULT_PORTS = {"ssl": 465, "starttls": 587, "none": 25}


def _log(message: str, secrets: Sequence[str] = ()) -> None:
    for secret in secrets:
        if secret:
            message = message.replace(secret, "***")
    print(f"govaudit: notify: {message}", file=sys.stderr)


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _count(value: Any) -> int:
    if isinstance(value, list):
        return len(value)
    return value if isinstance(value, int) else 0


def _item(value: Any) -> dict:
    """A finding of doc["changes"] (a dict), or a bare URL (older documents listed failing links)."""
    if isinstance(value, dict):
        return {k: value.get(k) for k in FINDING_KEYS if k in value}
    return {"target": str(value)}


def changes(doc: dict, cap: int) -> dict[str, Any]:
    """What changed, read from doc["changes"] with defaults (any shape a results document had)."""
    ch = _dict(doc.get("changes"))
    links = _dict(ch.get("links"))
    new, resolved = _list(ch.get("new")), _list(ch.get("resolved"))
    counts = {
        "new": len(new), "resolved": len(resolved), "persisting": _count(ch.get("persisting")),
        "links_new": _count(links.get("new")), "links_resolved": _count(links.get("resolved")),
        "links_transitions": _count(links.get("transitions")),
        "links_confirmed": _count(links.get("confirmed")), "links_still_failing": _count(links.get("still_failing")),
        "links_flapping": _count(links.get("flapping")),
    }
    return {
        "baseline_run": ch.get("baseline_run", ch.get("previous_run")),
        "baseline_reason": ch.get("baseline_reason"),
        "complete": ch.get("complete", (doc.get("run") or {}).get("status") == "completed"),
        "counts": counts,
        "new": [_item(v) for v in new[:cap]],
        "resolved": [_item(v) for v in resolved[:cap]],
        "truncated": {"new": len(new) > cap, "resolved": len(resolved) > cap},
        # links whose transition (govaudit.transitions) needs a look: confirmed broken, flapping
        "confirmed": [str(u) for u in _list(links.get("confirmed"))[:cap]],
        "flapping": [{"url": str(f.get("url")), "changes": f.get("changes")}
                     for f in _list(links.get("flapping"))[:cap] if isinstance(f, dict)],
    }


def _deltas(doc: dict) -> dict[Any, float | None]:
    ch = _dict(doc.get("changes"))
    return {s.get("indicator"): s.get("delta") for s in _list(ch.get("scores")) if isinstance(s, dict)}


def indicators(doc: dict) -> list[dict]:
    deltas = _deltas(doc)
    return [{"id": i.get("id"), "label": i.get("label"), "score": i.get("score"), "max": i.get("max"),
             "status": i.get("status"), "delta": deltas.get(i.get("id"))} for i in _list(doc.get("indicators"))]


def verdict(outcome: Any) -> str:
    if str(outcome.status) != "completed":
        return f"run {outcome.status}"
    if outcome.tripped:
        return "fail-on tripped: " + ", ".join(outcome.tripped)
    return "ok"


def is_failure(outcome: Any) -> bool:
    return bool(outcome.tripped) or str(outcome.status) != "completed" or outcome.exit_code != 0


def is_change(change: dict) -> bool:
    c = change["counts"]
    return bool(c["new"] or c["resolved"] or c["links_new"] or c["links_resolved"] or c.get("links_confirmed"))


def wanted(on: str, outcome: Any, change: dict) -> bool:
    """A run that did not complete (unreachable, failed, incomplete, interrupted) is always announced,
    whatever `on` says: silence must mean a healthy night."""
    return (on == "always" or str(outcome.status) != "completed" or (on == "failure" and is_failure(outcome))
            or (on == "change" and is_change(change)))


def payload(outcome: Any, doc: dict, cap: int) -> dict[str, Any]:
    run = doc.get("run") or {}
    return {
        "schema": SCHEMA, "tool_version": __version__,
        "site": run.get("site"), "start_url": run.get("start_url"), "run": outcome.run_id,
        "status": str(outcome.status), "exit_code": outcome.exit_code, "verdict": verdict(outcome),
        "tripped": list(outcome.tripped), "error": getattr(outcome, "error", "") or run.get("error") or "",
        "started_at": run.get("started_at"), "finished_at": run.get("finished_at"),
        "timezone": run.get("timezone") or localtime.DEFAULT_TIMEZONE,
        "summary": outcome.summary, "indicators": indicators(doc), "changes": changes(doc, cap),
        "reports": [str(p) for p in outcome.files],
    }


def _fmt(value: Any) -> str:
    return f"{value:.1f}" if isinstance(value, int | float) else "—"


def _delta(value: Any) -> str:
    return f" ({value:+.1f})" if isinstance(value, int | float) else ""


def subject(template: str, data: dict) -> str:
    scores = "".join(f" · {i['label'] or i['id']} {_fmt(i['score'])}{_delta(i['delta'])}" for i in data["indicators"])
    text = template.format(site=data["site"] or "", run=data["run"], status=data["status"],
                           verdict=data["verdict"], scores=scores)
    return " ".join(text.split())  # one header line, whatever the template or a site name holds


def _finding_line(item: dict) -> str:
    where = item.get("target") or item.get("page") or ""
    head = " ".join(str(item[k]) for k in ("severity", "code") if item.get(k))
    text = " — ".join(str(v) for v in (item.get("message"), where) if v)
    return f"  - {'[' + head + '] ' if head else ''}{text}"


def _window(data: dict) -> str:
    """The run's window as people read it: in the site's zone, with the 民國 date of its end."""
    tz = data.get("timezone") or localtime.DEFAULT_TIMEZONE
    try:
        start, end = (localtime.shown(data.get(k), tz) if data.get(k) else "—" for k in ("started_at", "finished_at"))
        roc = localtime.roc_date(data.get("finished_at") or data.get("started_at"), tz)
    except ValueError:  # an unknown zone in an odd document: show what is stored
        start, end, roc, tz = data.get("started_at") or "—", data.get("finished_at") or "—", "", ""
    return f"Window: {start} – {end}" + (f" (民國{roc}, {tz})" if roc else "")


def body(data: dict) -> str:
    s, ch, c = data["summary"], data["changes"], data["changes"]["counts"]
    lines = [f"govaudit {data['tool_version']} — {data['site']} ({data['start_url']})",
             f"Run #{data['run']} {data['status']}: {data['verdict']} (exit code {data['exit_code']})",
             _window(data),
             *([f"Why: {data['error']}"] if data.get("error") else []),
             f"Pages {s.get('pages', '—')}, links {s.get('links', '—')} (broken {s.get('broken', '—')}, "
             f"unverified {s.get('unverified', '—')}, redirected {s.get('redirected', '—')}), "
             f"findings {s.get('findings', '—')}", "", "Indicators:"]
    for i in data["indicators"]:
        lines.append(f"  {i['label'] or i['id']} ({i['id']}): {_fmt(i['score'])}{_delta(i['delta'])} "
                     f"[{i['status'] or '—'}]")
    lines.append("")
    if ch["baseline_run"] is not None:
        lines.append(f"Changes since run #{ch['baseline_run']}: {c['new']} new, {c['resolved']} resolved, "
                     f"{c['persisting']} persisting findings; links {c['links_new']} newly failing, "
                     f"{c['links_resolved']} fixed"
                     + (f", {c['links_confirmed']} confirmed broken" if c.get("links_confirmed") else "")
                     + (f", {c['links_flapping']} flapping" if c.get("links_flapping") else ""))
    else:
        lines.append(f"No baseline run to compare with{': ' + ch['baseline_reason'] if ch['baseline_reason'] else ''}")
    for key, title in (("new", "New"), ("resolved", "Resolved")):
        if ch[key]:
            more = f" (first {len(ch[key])} of {c[key]})" if ch["truncated"][key] else ""
            lines += ["", f"{title}{more}:"] + [_finding_line(item) for item in ch[key]]
    if ch.get("confirmed"):
        lines += ["", "Confirmed broken (unverified the night before):"] + [f"  - {u}" for u in ch["confirmed"]]
    if ch.get("flapping"):
        lines += ["", "Flapping (failing and working by turns):"] + [
            f"  - {f['url']} ({f['changes']} changes)" for f in ch["flapping"]]
    if data["reports"]:
        lines += ["", "Reports:"] + [f"  {p}" for p in data["reports"]]
    return "\n".join(lines) + "\n"


def send_email(cfg: Email, data: dict, *, offline: bool) -> bool:
    password = ""
    if cfg.password_env:
        password = os.environ.get(cfg.password_env, "")
        if not password:
            _log(f"email not sent: the environment variable {cfg.password_env} (password_env) is not set")
            return False
    if offline and not host_is_loopback(cfg.host):
        _log(f"--offline: email not sent: {cfg.host} is not a loopback host")
        return False
    msg = EmailMessage()
    msg["Subject"] = subject(cfg.subject, data)
    msg["From"] = cfg.sender
    msg["To"] = ", ".join(cfg.to)
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain="govaudit.invalid")
    msg.set_content(body(data))
    port = cfg.port or DEFAULT_PORTS[cfg.security]
    try:
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if cfg.security == "ssl":
            smtp = smtplib.SMTP_SSL(cfg.host, port, timeout=cfg.timeout, context=context)
        else:
            smtp = smtplib.SMTP(cfg.host, port, timeout=cfg.timeout)
        with smtp:
            smtp.ehlo()
            if cfg.security == "starttls":
                smtp.starttls(context=context)
                smtp.ehlo()
            if cfg.user:
                smtp.login(cfg.user, password)
            smtp.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        _log(f"email via {cfg.host}:{port} failed: {type(exc).__name__}: {exc}", [password, cfg.user])
        return False
    return True


def send_webhook(cfg: Webhook, data: dict, *, offline: bool) -> bool:
    shown = redact_url(cfg.url)
    headers = dict(cfg.headers)
    for name, env in cfg.headers_env.items():
        value = os.environ.get(env, "")
        if not value:
            _log(f"webhook {shown} not sent: the environment variable {env} (headers_env.{name}) is not set")
            return False
        headers[name] = value
    if offline and not urls.is_loopback(cfg.url):
        _log(f"--offline: webhook not sent: {shown} is not a loopback address")
        return False
    headers.setdefault("User-Agent", f"govaudit/{__version__}")
    import requests  # noqa: PLC0415  (only a webhook needs it: the CLI starts faster without)

    try:
        with requests.Session() as session:
            session.trust_env = not offline  # offline, a proxy from the environment is never used
            resp = session.post(cfg.url, json=data, headers=headers, timeout=cfg.timeout, allow_redirects=False)
    except requests.RequestException as exc:
        _log(f"webhook {shown} failed: {type(exc).__name__}")  # the exception text holds the URL: not logged
        return False
    if resp.status_code >= 300:
        _log(f"webhook {shown} answered HTTP {resp.status_code}")
        return False
    return True


def after_run(settings: Notify, outcome: Any, doc: dict, *, offline: bool) -> dict[str, bool]:
    """Send what the profile asks for; {channel: sent}. Never raises."""
    sent: dict[str, bool] = {}
    if settings.email is None and settings.webhook is None:
        return sent
    try:
        data = payload(outcome, doc, settings.max_items)
        if settings.email is not None and wanted(settings.email.on, outcome, data["changes"]):
            sent["email"] = send_email(settings.email, data, offline=offline)
        if settings.webhook is not None and wanted(settings.webhook.on, outcome, data["changes"]):
            sent["webhook"] = send_webhook(settings.webhook, data, offline=offline)
    except Exception as exc:  # noqa: BLE001 - a notification never costs the run or its exit code
        _log(f"failed: {type(exc).__name__}")
    return sent
