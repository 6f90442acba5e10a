"""The crawl process under cProfile (bench/phases.py --crawl-profile): `python -m govaudit.crawler`'s
main, its stats dumped to $GOVAUDIT_BENCH_CRAWL_PROFILE."""

from __future__ import annotations

import cProfile
import logging
import os
import sys

from govaudit.crawler import __main__ as crawl

if __name__ == "__main__":
    profile = cProfile.Profile()
    code = profile.runcall(crawl.main)
    profile.dump_stats(os.environ["GOVAUDIT_BENCH_CRAWL_PROFILE"])
    logging.shutdown()
    sys.stdout.flush()
    os._exit(code)
