"""govaudit: nightly auditor for Taiwanese government agency websites."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("govaudit")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"
