"""A request is on the wire when HTTP11ClientProtocol.request returns (crawler/sendnow.py), not when the
reactor next polls: over a real socket pair, with a reactor that is created but never run (it is not
installed either, so this test process keeps whatever reactor the others use)."""

from __future__ import annotations

import socket

import pytest
from twisted.internet import tcp
from twisted.internet.epollreactor import EPollReactor
from twisted.web._newclient import HTTP11ClientProtocol, Request
from twisted.web.http_headers import Headers

from govaudit.crawler.sendnow import PromptFactory, PromptHTTP11ClientProtocol, send_now

GET = Request(b"GET", b"/news/1.html", Headers({b"host": [b"127.0.0.1"], b"if-none-match": [b'"abc"']}), None)


@pytest.fixture
def pair():
    ours, server = socket.socketpair()
    server.setblocking(False)
    reactor = EPollReactor()
    connection = tcp.Connection(ours, None, reactor)
    connection.connected = 1
    yield connection, server
    ours.close()
    server.close()


def _received(server: socket.socket) -> bytes:
    try:
        return server.recv(65536)
    except BlockingIOError:
        return b""


def test_twisted_alone_sends_at_the_next_poll(pair):
    # the control: what the reactor would send later is still in the transport's buffer
    connection, server = pair
    protocol = HTTP11ClientProtocol()
    protocol.makeConnection(connection)
    protocol.request(GET)
    assert _received(server) == b""


def test_the_prompt_protocol_sends_the_request_at_once(pair):
    connection, server = pair
    protocol = PromptFactory(lambda _: None, "test").buildProtocol(None)
    assert isinstance(protocol, PromptHTTP11ClientProtocol)
    protocol.makeConnection(connection)
    protocol.request(GET)
    sent = _received(server)
    assert sent.startswith(b"GET /news/1.html HTTP/1.1\r\n")
    assert b'If-None-Match: "abc"' in sent and sent.endswith(b"\r\n\r\n")


def test_under_tls_the_tcp_transport_below_is_the_one_flushed(pair):
    # TLSMemoryBIOProtocol writes its encrypted bytes to the TCP transport it wraps (its .transport)
    connection, server = pair

    class Layer:
        transport = connection

    connection.write(b"encrypted")
    send_now(Layer())
    assert _received(server) == b"encrypted"


def test_a_closing_connection_is_left_to_the_reactor(pair):
    connection, server = pair
    connection.write(b"last words")
    connection.disconnecting = True
    send_now(connection)
    assert _received(server) == b""
