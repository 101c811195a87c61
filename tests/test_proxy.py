"""The proxy of the deployment (deploy/nginx/default.conf.template), run by a real nginx in front of the
service under gunicorn with its production config and one sync worker: what the proxy is there for."""

import http.client
import json
import random
import re
import socket
import time
import urllib.request

import pytest
import yaml

from tests.factories import make_tenant
from tests.servers import NGINX, ROOT, gunicorn, nginx

pytestmark = [
    pytest.mark.skipif(not NGINX, reason="nginx is not installed: apt-get install nginx (.ci/run does)"),
    pytest.mark.django_db(transaction=True),
]


# REQUEST_MAX_BYTES of both: more than the kernel buffers between them hold, so a body the app left unread
# is still being sent when the app answers.
LIMIT = 16 * 1024 * 1024


@pytest.fixture(scope="module")
def served(django_db_setup):
    """(gunicorn's port, the proxy's port): one sync worker, so a request that holds it holds the service.
    After django_db_setup, so gunicorn serves the test database."""
    # The proxy reaches gunicorn from 127.0.0.1, a proxy only when configured as one (compose.yaml does on web).
    with gunicorn(
        TOKEN_RATE_LIMIT="2/minute", REQUEST_MAX_BYTES=str(LIMIT), FORWARDED_ALLOW_IPS="127.0.0.1"
    ) as (_, base):
        web_port = int(base.rsplit(":", 1)[1])
        with nginx(f"127.0.0.1:{web_port}", LIMIT) as proxy_port:
            yield web_port, proxy_port


def _get(port, path="/healthz", timeout=5.0) -> int:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as response:
        return response.status


def _stalled(port: int, request: bytes) -> socket.socket:
    """A client that sent part of its request and went quiet."""
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(request)
    time.sleep(0.3)  # let the proxy (or the worker) take it
    return sock


PARTIAL_HEADERS = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"
PARTIAL_BODY = (
    b"POST /oauth/token HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ngrant_type="
)


@pytest.mark.parametrize("request_sent", [PARTIAL_HEADERS, PARTIAL_BODY], ids=["headers", "body"])
def test_a_slow_client_holds_the_proxy_not_the_worker(served, request_sent):
    web_port, proxy_port = served
    slow = _stalled(proxy_port, request_sent)
    try:
        assert _get(proxy_port, timeout=5) == 200  # answered while the slow client is still sending
    finally:
        slow.close()
    # Without the proxy, the same client holds the only worker and the next request waits behind it.
    slow = _stalled(web_port, request_sent)
    try:
        with pytest.raises(OSError):
            _get(web_port, timeout=2)
    finally:
        slow.close()
    assert _get(web_port) == 200


def test_the_proxy_keeps_client_connections_alive_and_passes_the_request_id(served):
    _, proxy_port = served
    connection = http.client.HTTPConnection("127.0.0.1", proxy_port, timeout=5)
    request_id = "0b8c4f5e-3b9e-4f55-9d8f-7c1d2e3f4a5b"
    try:
        for _ in range(3):
            connection.request("GET", "/healthz", headers={"x-request-id": request_id})
            response = connection.getresponse()
            response.read()
            assert response.status == 200
            assert response.getheader("x-request-id") == request_id
            assert response.getheader("Connection", "").lower() != "close"
    finally:
        connection.close()


def _send(port: int, path: str, headers: dict, body: bytes, chunked: bool = False):
    """Sends a body whatever the server does meanwhile (it may answer before reading it); returns
    (status, headers, parsed JSON)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.putrequest("POST", path)
        for name, value in headers.items():
            connection.putheader(name, value)
        if chunked:
            connection.putheader("Transfer-Encoding", "chunked")
        else:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders()
        try:
            step = 64 * 1024
            for start in range(0, len(body), step):
                piece = body[start : start + step]
                connection.send(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
            if chunked:
                connection.send(b"0\r\n\r\n")
        except OSError:  # refused from its headers and closed while we were still sending
            pass
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), json.loads(response.read())
    finally:
        connection.close()


def _dialect_requests(tenant, token=None):
    invoice = tenant.invoice("100")
    bearer = {"Authorization": f"Bearer {token or tenant.token}", "Content-Type": "application/json"}
    return {
        "zuora": ("/v1/object/invoice-payment", bearer),
        "dayzero": ("/api/v1/accounts", {**bearer, "x-business-id": str(tenant.business_id)}),
        "moov": (f"/accounts/{tenant.business_id}/invoices/{invoice.id}/payments", bearer),
    }


def _json_body(size: int) -> bytes:
    return b'{"Name": "' + b"a" * (size - 12) + b'"}'


def test_a_body_over_the_limit_gets_the_dialects_own_413_from_the_app(served, client, settings):
    """The proxy refuses it, sent at length or chunked, and the app writes the answer: its dialect's
    envelope and request id, never nginx's HTML page."""
    _, proxy_port = served
    limit = settings.REQUEST_MAX_BYTES = LIMIT
    for dialect, (path, headers) in _dialect_requests(make_tenant()).items():
        # What the app itself answers to a request declaring a body over its limit.
        direct = client.generic("POST", path, b"", headers=headers, CONTENT_LENGTH=str(limit + 1))
        assert direct.status_code == 413, dialect
        for size, chunked in ((limit + 1, False), (3 * limit, True)):
            status, answer_headers, answer = _send(proxy_port, path, headers, _json_body(size), chunked)
            assert (status, answer) == (413, direct.json()), (dialect, size)
            assert answer_headers["Content-Type"].startswith("application/json")
            assert answer_headers["x-request-id"]


def _refused_unread(tenant):
    """Requests refused before their body is read: a bad token in each dialect, a bad Zuora-Track-Id."""
    requests = [
        (dialect, path, headers, 401)
        for dialect, (path, headers) in _dialect_requests(tenant, token="not-a-token").items()
    ]
    path, headers = _dialect_requests(tenant)["zuora"]
    return [*requests, ("zuora track id", path, {**headers, "Zuora-Track-Id": "a;b"}, 400)]


def test_the_app_reads_a_body_it_refuses_unread_before_answering(served):
    """Had the worker closed with the body unread, the kernel would reset the connection while the proxy
    was still sending it, and the proxy would answer 502 instead. The client here is in the proxy's
    place: it must get the whole body sent, then read the answer."""
    web_port, _ = served
    body = _json_body(LIMIT - 1000)
    for what, path, headers, expected in _refused_unread(make_tenant()):
        with socket.create_connection(("127.0.0.1", web_port), timeout=10) as sock:
            head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
            sock.sendall(
                f"POST {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n{head}Content-Length: {len(body)}\r\n\r\n".encode()
            )
            sock.sendall(body)  # a reset here: the worker stopped reading
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
        assert answer.startswith(b"HTTP/1.0 %d " % expected), (what, answer[:200])


def _address():
    return f"127.{random.randrange(1, 255)}.{random.randrange(256)}.{random.randrange(1, 255)}"


def test_the_app_sees_the_address_that_reached_the_proxy(served):
    """The token endpoint's per-IP limit (2/minute here) counts each client behind the proxy on its own,
    and a client cannot pick its address by sending X-Forwarded-For itself."""
    _, proxy_port = served
    tenant = make_tenant()
    form = (
        f"grant_type=client_credentials&client_id={tenant.client.client_id}"
        f"&client_secret={tenant.provisioned.client_secret}"
    )

    def token(source: str, forwarded: str | None = None) -> int:
        connection = http.client.HTTPConnection(
            "127.0.0.1", proxy_port, timeout=5, source_address=(source, 0)
        )
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if forwarded:
            headers["X-Forwarded-For"] = forwarded
        try:
            connection.request("POST", "/oauth/token", body=form, headers=headers)
            response = connection.getresponse()
            response.read()
            return response.status
        finally:
            connection.close()

    client, other = _address(), _address()
    assert [token(client, forwarded=_address()) for _ in range(3)] == [200, 200, 429]
    assert token(other) == 200


def test_the_admin_login_passes_its_csrf_check_through_the_proxy(served):
    """Django compares the browser's Origin with the Host it was sent, port included."""
    _, proxy_port = served
    origin = f"http://127.0.0.1:{proxy_port}"
    connection = http.client.HTTPConnection("127.0.0.1", proxy_port, timeout=5)
    try:
        connection.request("GET", "/admin/login/")
        page = connection.getresponse()
        html = page.read().decode()
        cookie = page.getheader("Set-Cookie").split(";", 1)[0]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
        form = f"csrfmiddlewaretoken={token}&username=nobody&password=wrong&next=/admin/"
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": cookie,
            "Origin": origin,
            "Referer": f"{origin}/admin/login/",
        }
        connection.request("POST", "/admin/login/", body=form, headers=headers)
        answer = connection.getresponse()
        answer.read()
    finally:
        connection.close()
    assert answer.status == 200  # the login form again, with its error; a failed CSRF check is 403


def test_compose_gives_the_proxy_every_variable_of_its_template():
    template = (ROOT / "deploy" / "nginx" / "default.conf.template").read_text()
    proxy = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]["proxy"]
    assert set(re.findall(r"\$\{([A-Z_]+)\}", template)) == set(proxy["environment"])
