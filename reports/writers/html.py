"""report.html: one self-contained, escaped, printable file for the agency's information officer."""

from __future__ import annotations

import base64
import hashlib
import pathlib
import re
from functools import cache

import jinja2
from markupsafe import Markup, escape

from govaudit.files import write_atomic
from govaudit.profile import ConfigError, load_rubric
from govaudit.reports import model
from govaudit.reports.i18n import labels

TEMPLATE = "report.html.j2"


def _num(value: object, digits: int = 1) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "—" if value is None or value == "" else str(value)
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.{digits}f}".rstrip("0").rstrip(".")
    return f"{int(value):,}"


def _subst(text: str, **values: object) -> str:
    # str.format would choke on a brace in a translated label; only {name} placeholders are replaced
    for key, value in values.items():
        text = text.replace("{" + key + "}", str(value))
    return text


_BREAK_AFTER = re.compile(r"(?<=[/?&=])")


def _wbr(text: object) -> Markup:
    """A URL escaped, with a break opportunity after each / ? & = so it wraps where it reads."""
    return Markup("<wbr>").join(escape(part) for part in _BREAK_AFTER.split(str(text)))


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("govaudit.reports", "templates"),
        autoescape=True,  # every template, whatever its extension: crawled text is hostile
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = _num
    env.filters["subst"] = _subst
    env.filters["wbr"] = _wbr
    return env


def _asset(env: jinja2.Environment, name: str) -> str:
    assert env.loader is not None  # _environment() gives it the package loader
    source, _, _ = env.loader.get_source(env, name)
    return source


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def rubric_of(results: dict) -> dict | None:
    """The rubric a run was scored with, for the method part of the report: the one results.json
    carries, else the bundled rubric of that id when its version is the run's (never another one)."""
    if isinstance(results.get("rubric"), dict):
        return results["rubric"]
    run = results.get("run")
    if not isinstance(run, dict):
        run = {}
    rid, _, version = str(run.get("rubric") or "").partition("@")
    if not rid or not version or not rid.replace("_", "").replace("-", "").isalnum():
        return None
    try:
        rubric = load_rubric(rid)
    except ConfigError:
        return None
    return rubric.model_dump(mode="json") if rubric.version == version else None


def render(results: dict, *, lang: str = "zh-TW") -> str:
    env = _environment()
    css = _asset(env, "report.css")
    js = _asset(env, "filter.js")
    # Only our own style and script (by hash) may run, and nothing may be fetched: even a markup
    # injection we failed to escape could neither execute nor phone home.
    csp = (
        f"default-src 'none'; style-src {_csp_hash(css)}; script-src {_csp_hash(js)}; "
        "img-src 'none'; base-uri 'none'; form-action 'none'"
    )
    return env.get_template(TEMPLATE).render(
        v=model.build(results, rubric=rubric_of(results if isinstance(results, dict) else {}), lang=lang),
        L=labels(lang),
        css=Markup(css),  # our packaged assets, never crawled data
        js=Markup(js),
        csp=csp,
    )


def prepare() -> None:
    """Every template of the report loaded (compiled) ahead of its first render."""
    env = _environment()
    for name in env.list_templates(filter_func=lambda n: n.endswith(".html.j2") and n != "fleet.html.j2"):
        env.get_template(name)


class HtmlWriter:
    id = "html"
    filename = "report.html"

    @classmethod
    def prepare(cls) -> None:
        prepare()

    def write(self, results: dict, out_dir: pathlib.Path, *, lang: str = "zh-TW") -> pathlib.Path:
        html = render(results, lang=lang)
        return write_atomic(pathlib.Path(out_dir) / self.filename, html.encode("utf-8"))
