"""govaudit: nightly auditor for Taiwanese government agency websites."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("govaudit")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"

# Every request of ours (the crawl's, the start-page check's) asks for the agency's Chinese pages:
# a server that negotiates language must not answer the audit in English.
ACCEPT_LANGUAGE = "zh-TW,zh;q=0.9,en;q=0.5"
