"""govaudit: nightly auditor for Taiwanese government agency websites."""

# The one place the version is written (pyproject.toml reads it): importlib.metadata would scan every
# installed distribution in each of the audit's processes to find it.
__version__ = "0.1.0"

# Every request of ours (the crawl's, the start-page check's) asks for the agency's Chinese pages:
# a server that negotiates language must not answer the audit in English.
ACCEPT_LANGUAGE = "zh-TW,zh;q=0.9,en;q=0.5"
