from govaudit import health

GOOD = {"finish_reason": "finished", "pages_fetched": 100, "page_errors": 2}


def _failed(monitors):
    return {m.monitor for m in monitors if m.status == health.FAIL}


def test_a_healthy_crawl():
    monitors = health.evaluate(GOOD, {"pages_fetched": 110}, exit_code=0, start_status="ok")
    assert health.healthy(monitors) and not _failed(monitors)


def test_each_monitor_can_fail():
    assert _failed(health.evaluate({**GOOD, "finish_reason": "shutdown"}, None, exit_code=0, start_status="ok")) \
        == {"crawl_finished"}
    assert _failed(health.evaluate(GOOD, None, exit_code=4, start_status="ok")) == {"crawl_finished"}
    assert _failed(health.evaluate(GOOD, None, exit_code=0, start_status="unverified")) == {"start_page"}
    assert _failed(health.evaluate({**GOOD, "page_errors": 150}, None, exit_code=0, start_status="ok")) \
        == {"page_error_ratio"}
    assert _failed(health.evaluate(GOOD, {"pages_fetched": 300}, exit_code=0, start_status="ok")) \
        == {"pages_vs_previous"}


def test_redirected_start_page_is_fine():
    assert health.healthy(health.evaluate(GOOD, None, exit_code=0, start_status="redirected"))
