"""Idempotency-Key, gzip both ways, rate limits and size limits, across the dialects."""

import gzip
import json
import os
import random
import subprocess
import sys
import threading
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal

import psycopg
import pytest
import redis.client
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from api import throttling
from api.models import IdempotencyKey
from api.tasks import purge_idempotency_keys
from payments.models import InvoicePayment, Payment
from tenants.redis_client import redis_client
from tests.factories import make_tenant
from tests.servers import ROOT

D = Decimal


def _zuora_apply(client, tenant, invoice, payment, amount=10, key=None, **extra):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {tenant.token}", **extra}
    if key is not None:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    body = {"Amount": amount, "InvoiceId": invoice.id.hex, "PaymentId": payment.id.hex}
    return client.post(
        "/v1/object/invoice-payment", json.dumps(body), content_type="application/json", **headers
    )


def _dayzero_account(client, tenant, key, name="Acme"):
    return client.post(
        "/api/v1/accounts",
        {"name": name, "currency": "USD"},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
        **_dz(tenant),
    )


def _dz(tenant):
    return {"HTTP_AUTHORIZATION": f"Bearer {tenant.token}", "HTTP_X_BUSINESS_ID": str(tenant.business_id)}


@pytest.fixture
def setup(db):
    tenant = make_tenant()
    account = tenant.account()
    return tenant, tenant.invoice("100", account=account), tenant.payment("100", account=account)


# --- Idempotency-Key ------------------------------------------------------------------------------------


def test_sequential_replay_executes_once_and_answers_byte_for_byte(api, setup):
    tenant, invoice, payment = setup
    responses = [_zuora_apply(api, tenant, invoice, payment, key="pay-1") for _ in range(10)]
    assert {r.status_code for r in responses} == {200}
    assert len({r.content for r in responses}) == 1
    assert [r.get("Idempotent-Replayed") for r in responses] == [None] + ["true"] * 9
    assert InvoicePayment.objects.for_tenant(tenant.ctx()).count() == 1
    assert IdempotencyKey.objects.across_tenants(reason="test").filter(key="pay-1").count() == 1
    invoice.refresh_from_db()
    assert invoice.payment_amount == D("10")


def test_an_error_after_work_began_is_saved_and_replayed(api, setup):
    tenant, invoice, payment = setup
    first = _zuora_apply(api, tenant, invoice, payment, amount=500, key="too-much")
    assert first.status_code == 400
    again = _zuora_apply(api, tenant, invoice, payment, amount=500, key="too-much")
    assert (again.status_code, again.content) == (400, first.content)
    assert again["Idempotent-Replayed"] == "true"


def test_validation_failures_before_work_are_not_saved(api, setup):
    tenant, invoice, payment = setup
    headers = {"HTTP_AUTHORIZATION": f"Bearer {tenant.token}", "HTTP_IDEMPOTENCY_KEY": "retry-me"}
    broken = api.post("/v1/object/invoice-payment", "{", content_type="application/json", **headers)
    missing = api.post("/v1/object/invoice-payment", {"Amount": 5}, format="json", **headers)
    assert (broken.status_code, missing.status_code) == (400, 400)
    assert not IdempotencyKey.objects.across_tenants(reason="test").filter(key="retry-me").exists()
    assert _zuora_apply(api, tenant, invoice, payment, key="retry-me").status_code == 200


def test_401_and_429_are_not_saved(api, setup, settings):
    tenant, invoice, payment = setup
    bad = _zuora_apply(api, tenant, invoice, payment, key="k", HTTP_AUTHORIZATION="Bearer wrong")
    assert bad.status_code == 401
    assert _zuora_apply(api, tenant, invoice, payment, key="k").status_code == 200


@pytest.mark.parametrize("key", ["x" * 256, "caf\u00e9", "tab\there", ""])
def test_a_malformed_key_is_400_before_any_work(api, setup, key):
    tenant, invoice, payment = setup
    response = _zuora_apply(api, tenant, invoice, payment, key=key)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["Errors"][0]["Message"]
    assert not InvoicePayment.objects.for_tenant(tenant.ctx()).exists()


def test_the_longest_key_is_accepted(api, setup):
    tenant, invoice, payment = setup
    assert _zuora_apply(api, tenant, invoice, payment, key="k" * 255).status_code == 200


def test_same_key_with_another_body_or_path_is_422_in_each_dialect(api, setup):
    tenant, invoice, payment = setup
    assert _zuora_apply(api, tenant, invoice, payment, amount=10, key="same").status_code == 200
    other_body = _zuora_apply(api, tenant, invoice, payment, amount=11, key="same")
    assert other_body.status_code == 422
    assert other_body.json()["Success"] is False
    other_path = _dayzero_account(api, tenant, "same")
    assert other_path.status_code == 422
    assert "another method, path or body" in other_path.json()["detail"]
    assert InvoicePayment.objects.for_tenant(tenant.ctx()).count() == 1


def test_two_clients_with_one_key_never_share_a_response(api, db):
    first, second = make_tenant(), make_tenant()
    a = _dayzero_account(api, first, "shared-key", name="First")
    b = _dayzero_account(api, second, "shared-key", name="Second")
    assert (a.status_code, b.status_code) == (201, 201)
    assert a.json()["name"] == "First" and b.json()["name"] == "Second"
    assert IdempotencyKey.objects.across_tenants(reason="test").filter(key="shared-key").count() == 2


def test_an_expired_key_runs_again_and_the_purge_removes_old_keys(api, setup, settings):
    tenant, invoice, payment = setup
    assert _zuora_apply(api, tenant, invoice, payment, key="old").status_code == 200
    day_ago = timezone.now() - timedelta(seconds=settings.IDEMPOTENCY_TTL_SECONDS + 1)
    IdempotencyKey.objects.across_tenants(reason="test").filter(key="old").update(created_at=day_ago)
    again = _zuora_apply(api, tenant, invoice, payment, key="old")
    assert again.status_code == 200 and again.get("Idempotent-Replayed") is None
    assert InvoicePayment.objects.for_tenant(tenant.ctx()).count() == 2
    IdempotencyKey.objects.across_tenants(reason="test").filter(key="old").update(created_at=day_ago)
    assert purge_idempotency_keys() == 1
    assert not IdempotencyKey.objects.across_tenants(reason="test").exists()


def test_get_ignores_the_header(api, setup):
    tenant, invoice, _ = setup
    headers = {"HTTP_AUTHORIZATION": f"Bearer {tenant.token}", "HTTP_IDEMPOTENCY_KEY": "whatever"}
    assert api.get(f"/v1/object/invoice/{invoice.id.hex}", **headers).status_code == 200
    assert not IdempotencyKey.objects.across_tenants(reason="test").exists()


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_requests_with_one_key_execute_once():
    tenant = make_tenant()
    account = tenant.account()
    invoice, payment = tenant.invoice("100", account=account), tenant.payment("100", account=account)
    barrier = threading.Barrier(20)

    def send(_):
        barrier.wait()
        try:
            return _zuora_apply(APIClient(), tenant, invoice, payment, key="burst")
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(pool.map(send, range(20)))
    assert {r.status_code for r in responses} == {200}
    assert len({r.content for r in responses}) == 1
    assert InvoicePayment.objects.for_tenant(tenant.ctx()).count() == 1
    assert Payment.objects.for_tenant(tenant.ctx()).get().allocated_amount == D("10")


@pytest.fixture
def row_holder():
    """A second PostgreSQL session that takes row locks and keeps them until the test ends."""
    holder = psycopg.connect(**connection.get_connection_params())
    yield holder
    holder.rollback()
    holder.close()


@pytest.fixture
def short_lock_wait():
    """This thread's session waits 300 ms for a row lock instead of LOCK_WAIT_SECONDS."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW lock_timeout")
        assert cursor.fetchone()[0] == "10s"  # LOCK_WAIT_SECONDS, set on every connection
        cursor.execute("SET lock_timeout = '300ms'")
    yield
    with connection.cursor() as cursor:
        cursor.execute("RESET lock_timeout")


@pytest.mark.django_db(transaction=True)
def test_a_busy_invoice_is_503_with_retry_after_and_changes_nothing(row_holder, short_lock_wait):
    tenant = make_tenant()
    account = tenant.account()
    invoice, payment = tenant.invoice("100", account=account), tenant.payment("100", account=account)
    row_holder.execute("SELECT 1 FROM invoices_invoice WHERE id = %s FOR UPDATE", [invoice.id])

    response = _zuora_apply(APIClient(), tenant, invoice, payment, key="busy")

    assert response.status_code == 503
    assert response["Retry-After"] == "1"
    assert response.json()["Errors"][0]["Code"] == "LOCK_COMPETITION"
    assert not InvoicePayment.objects.for_tenant(tenant.ctx()).exists()
    assert Payment.objects.for_tenant(tenant.ctx()).get().allocated_amount == 0
    assert not IdempotencyKey.objects.across_tenants(
        reason="test"
    ).exists()  # a 5xx is not saved: the retry runs the work
    row_holder.rollback()
    assert _zuora_apply(APIClient(), tenant, invoice, payment, key="busy").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_key_whose_first_request_is_still_running_is_409(row_holder, short_lock_wait):
    tenant = make_tenant()
    account = tenant.account()
    invoice, payment = tenant.invoice("100", account=account), tenant.payment("100", account=account)
    row_holder.execute(  # the first request's claim, not committed yet
        "INSERT INTO api_idempotencykey (business_id, client_id, key, method, path, body_sha256,"
        " response_headers, created_at) VALUES (%s, %s, 'running', 'POST', '/', '', '{}', now())",
        [tenant.business_id, tenant.client.pk],
    )

    response = _zuora_apply(APIClient(), tenant, invoice, payment, key="running")

    assert response.status_code == 409
    assert not InvoicePayment.objects.for_tenant(tenant.ctx()).exists()


# --- gzip and sizes -------------------------------------------------------------------------------------


def test_a_gzipped_request_is_inflated(api, setup):
    tenant, invoice, payment = setup
    body = gzip.compress(
        json.dumps({"Amount": 10, "InvoiceId": invoice.id.hex, "PaymentId": payment.id.hex}).encode()
    )
    response = api.post(
        "/v1/object/invoice-payment",
        body,
        content_type="application/json",
        HTTP_CONTENT_ENCODING="gzip",
        HTTP_AUTHORIZATION=f"Bearer {tenant.token}",
    )
    assert response.status_code == 200, response.content


@pytest.mark.parametrize(
    ("body", "encoding", "status"),
    [
        (b"\x1f\x8b\x08\x00garbage", "gzip", 400),
        (gzip.compress(b'{"Amount": 1}')[:-6], "gzip", 400),
        (b"{}", "br", 415),
        (b"{}", "deflate", 415),
    ],
)
def test_bad_encodings_are_refused_in_the_dialect_envelope(api, tenant, body, encoding, status):
    response = api.post(
        "/v1/object/account",
        body,
        content_type="application/json",
        HTTP_CONTENT_ENCODING=encoding,
        HTTP_AUTHORIZATION=f"Bearer {tenant.token}",
    )
    assert response.status_code == status
    assert response.json()["Success"] is False
    dz = api.post(
        "/api/v1/accounts",
        body,
        content_type="application/json",
        HTTP_CONTENT_ENCODING=encoding,
        **_dz(tenant),
    )
    assert dz.status_code == status and "detail" in dz.json()


def _gzip_bomb() -> bytes:
    """About 1 MB of gzip that inflates to 1 GiB of zeros, built without holding 1 GiB in memory."""
    deflater = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(1024 * 1024)
    return b"".join(deflater.compress(zeros) for _ in range(1024)) + deflater.flush()


def test_a_gzip_bomb_is_413_fast_and_without_memory_growth(api, tenant):
    import tracemalloc

    bomb = _gzip_bomb()
    assert len(bomb) < 1.1 * 1024 * 1024
    tracemalloc.start()
    started = time.monotonic()
    response = api.post(
        "/v1/object/account",
        bomb,
        content_type="application/json",
        HTTP_CONTENT_ENCODING="gzip",
        HTTP_AUTHORIZATION=f"Bearer {tenant.token}",
    )
    elapsed = time.monotonic() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"gzip bomb of {len(bomb)} bytes refused in {elapsed * 1000:.0f} ms, peak allocation {peak / 1e6:.1f} MB"
    )
    assert response.status_code == 413
    assert elapsed < 1.0, f"{elapsed:.2f}s"
    assert peak < 16 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB while refusing the bomb"


def test_a_body_over_one_mebibyte_as_sent_is_413(api, tenant):
    big = b'{"Name": "' + b"x" * (1024 * 1024) + b'"}'
    response = api.post(
        "/v1/object/account",
        big,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {tenant.token}",
    )
    assert response.status_code == 413


def test_large_responses_are_gzipped_and_small_ones_not(api, tenant):
    for _ in range(8):
        tenant.account()
    big = api.get("/api/v1/accounts", HTTP_ACCEPT_ENCODING="gzip", **_dz(tenant))
    assert big["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in big["Vary"]
    assert len(json.loads(gzip.decompress(big.content))["items"]) == 8
    small = api.get(f"/api/v1/accounts/{tenant.account().id}", HTTP_ACCEPT_ENCODING="gzip", **_dz(tenant))
    assert not small.has_header("Content-Encoding") and "Accept-Encoding" in small["Vary"]
    plain = api.get("/api/v1/accounts", **_dz(tenant))
    assert not plain.has_header("Content-Encoding")


# --- rate limits ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_burst_at_twice_the_limit_gets_429s_in_the_dialect_envelope(api, redis_url, settings):
    settings.API_RATE_LIMIT = "10/s"
    tenant = make_tenant()
    responses = [
        api.get(f"/v1/object/account/{'0' * 32}", HTTP_AUTHORIZATION=f"Bearer {tenant.token}")
        for _ in range(20)
    ]
    statuses = [r.status_code for r in responses]
    assert statuses.count(404) == 10 and statuses.count(429) == 10
    refused = responses[-1]
    assert refused.json()["Errors"][0]["Code"] == "REQUEST_EXCEEDED_RATE"
    assert int(refused["Retry-After"]) >= 1
    assert refused["RateLimit-Limit"] == "10" and refused["RateLimit-Remaining"] == "0"
    # Another client has its own budget.
    other = make_tenant()
    assert api.get("/api/v1/accounts", **_dz(other)).status_code == 200


@pytest.mark.django_db
def test_a_request_costs_one_redis_round_trip_for_its_limit_and_the_credentials_epoch(
    api, redis_url, settings, monkeypatch
):
    """The limiter's script also reads the credentials epoch that a kept credential must still match
    (tenants.auth), and a refusal's figures come back with it. Every command this process sends to Redis
    is counted on its way to the real server (not Redis-wide: other processes may share it)."""
    settings.API_RATE_LIMIT = "10/minute"  # no second can pass between the tenth request and the refusal
    tenant = make_tenant()
    account = tenant.account()
    sent = []
    execute = redis.client.Redis.execute_command

    def counted(client, *args, **options):
        sent.append(args[0])
        return execute(client, *args, **options)

    monkeypatch.setattr(redis.client.Redis, "execute_command", counted)

    def request():
        return api.get(f"/api/v1/accounts/{account.id}", **_dz(tenant))

    assert request().status_code == 200  # the credential is read (and kept) under the epoch, one GET
    sent.clear()
    assert request().status_code == 200
    assert sent == ["EVALSHA"], sent
    for _ in range(8):
        request()
    sent.clear()
    refused = request()
    assert refused.status_code == 429 and refused["RateLimit-Remaining"] == "0"
    assert refused["RateLimit-Limit"] == "10" and 1 <= int(refused["Retry-After"]) <= 60
    assert sent == ["EVALSHA"], sent


@pytest.mark.parametrize("redis_on", [True, False])
def test_the_window_moves_a_key_passes_again_once_its_oldest_hit_leaves_it(request, settings, redis_on):
    settings.REDIS_URL = request.getfixturevalue("redis_url") if redis_on else ""
    key = f"moving-{random.random()}"
    refusals = [throttling.hit("test", key, "3/s") for _ in range(4)]
    assert refusals[:3] == [None] * 3
    assert refusals[3] == throttling.Refusal(limit=3, remaining=0, reset_seconds=1)
    time.sleep(1.05)
    assert [throttling.hit("test", key, "3/s") is None for _ in range(4)] == [True, True, True, False]
    # A lower limit counts the hits already in the window; a higher one lets more in.
    assert throttling.hit("test", key, "2/s") is not None
    assert throttling.hit("test", key, "4/s") is None


def test_without_redis_old_windows_are_dropped_by_their_own_period(monkeypatch):
    windows = throttling._Windows()
    monkeypatch.setattr(windows, "MAX_KEYS", 2)
    clock = [1000.0]
    monkeypatch.setattr(throttling.time, "monotonic", lambda: clock[0])
    assert windows.hit("email", throttling.Rate(1, 60)) is None
    assert windows.hit("api", throttling.Rate(1, 1)) is None
    clock[0] += 2  # the api window is empty again, the email one still holds its hit
    assert windows.hit("another", throttling.Rate(1, 1)) is None
    assert set(windows._windows) == {"email", "another"}
    assert windows.hit("email", throttling.Rate(1, 60)) == 58


@pytest.mark.django_db
def test_without_redis_each_process_limits_in_its_own_memory(api, settings):
    settings.REDIS_URL = ""
    settings.API_RATE_LIMIT = "3/minute"
    tenant, other = make_tenant(), make_tenant()
    statuses = [api.get("/api/v1/accounts", **_dz(tenant)).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    refused = api.get("/api/v1/accounts", **_dz(tenant))
    assert refused["RateLimit-Limit"] == "3" and 1 <= int(refused["Retry-After"]) <= 60
    assert api.get("/api/v1/accounts", **_dz(other)).status_code == 200


@pytest.mark.django_db
def test_with_redis_down_requests_pass(api, settings, caplog):
    tenant = make_tenant()
    settings.REDIS_URL = "redis://127.0.0.1:9/0"  # nothing listens there
    settings.API_RATE_LIMIT = "1/minute"
    assert all(api.get("/api/v1/accounts", **_dz(tenant)).status_code == 200 for _ in range(3))
    assert "rate limiter unavailable" in caplog.text


@pytest.mark.parametrize(
    ("text", "rate"),
    [
        ("40/s", throttling.Rate(40, 1)),
        ("100 / minute", throttling.Rate(100, 60)),
        ("5/hours", throttling.Rate(5, 3600)),
        ("2/d", throttling.Rate(2, 86400)),
        ("0", None),
        ("0/s", None),
    ],
)
def test_rates_read_from_settings(text, rate):
    assert throttling.parse_rate(text) == rate


@pytest.mark.parametrize("text", ["40", "40/fortnight", "s/40", "-1/s"])
def test_a_rate_that_is_not_one_is_refused(text):
    with pytest.raises(ValueError, match="not a rate"):
        throttling.parse_rate(text)


@pytest.fixture
def token_form(db, settings):
    """A client-credentials form for /oauth/token, limited to 3 tokens a minute per client IP."""
    settings.TOKEN_RATE_LIMIT = "3/minute"
    tenant = make_tenant()
    return {
        "grant_type": "client_credentials",
        "client_id": tenant.client.client_id,
        "client_secret": tenant.provisioned.client_secret,
    }


def _random_ips(n):
    return [f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(256)}" for _ in range(n)]


def test_the_token_endpoint_is_limited_per_ip(api, redis_url, token_form):
    form = token_form
    ip, other_ip = _random_ips(2)
    statuses = [api.post("/oauth/token", form, REMOTE_ADDR=ip).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    assert api.post("/oauth/token", form, REMOTE_ADDR=other_ip).status_code == 200


def test_behind_a_trusted_proxy_the_token_limit_counts_the_address_that_reached_the_proxy(
    api, settings, token_form
):
    settings.FORWARDED_ALLOW_IPS = ["192.0.2.0/24"]
    form = token_form
    client_ip, other_ip, *made_up = _random_ips(7)

    def via_proxy(forwarded):
        return api.post("/oauth/token", form, REMOTE_ADDR="192.0.2.7", HTTP_X_FORWARDED_FOR=forwarded)

    # Whatever the client put left of its own address, the proxy appended the address it saw last.
    statuses = [via_proxy(f"{made_up[i]}, {client_ip}").status_code for i in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    assert via_proxy(other_ip).status_code == 200  # another client behind the same proxy has its own window


def test_a_client_that_is_not_a_proxy_cannot_pick_its_address_with_x_forwarded_for(api, settings, token_form):
    settings.FORWARDED_ALLOW_IPS = ["192.0.2.0/24"]
    form = token_form
    peer, *made_up = _random_ips(6)
    statuses = [
        api.post("/oauth/token", form, REMOTE_ADDR=peer, HTTP_X_FORWARDED_FOR=made_up[i]).status_code
        for i in range(5)
    ]
    assert statuses == [200, 200, 200, 429, 429]


def test_by_default_no_peer_is_a_proxy_not_even_a_local_one(api, settings, token_form):
    """FORWARDED_ALLOW_IPS unset (as here): a client on the service's own host, talking to it directly as
    `make run` serves it, cannot rotate X-Forwarded-For past the token endpoint's per-IP limit."""
    form = token_form
    # 127.0.0.1's window is shared by every run against this Redis: start it empty.
    redis_client(settings.REDIS_URL).delete(throttling.window_key("token", "127.0.0.1"))
    statuses = [
        api.post("/oauth/token", form, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=made_up).status_code
        for made_up in _random_ips(5)
    ]
    assert statuses == [200, 200, 200, 429, 429]


def test_gunicorn_trusts_no_proxy_by_default():
    """gunicorn's own default trusts 127.0.0.1's X-Forwarded-Proto: config/gunicorn.py must say otherwise."""
    probe = (
        "import sys\n"
        "from gunicorn.app.wsgiapp import WSGIApplication\n"
        "sys.argv = ['gunicorn', '-c', 'config/gunicorn.py', 'config.wsgi']\n"
        "print(WSGIApplication().cfg.forwarded_allow_ips)\n"
    )
    env = {name: value for name, value in os.environ.items() if name != "FORWARDED_ALLOW_IPS"}
    out = subprocess.run(
        [sys.executable, "-c", probe], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("allowed", "peer", "forwarded", "address"),
    [
        ([], "127.0.0.1", "203.0.113.9", "127.0.0.1"),
        (["127.0.0.1", "::1"], "127.0.0.1", "203.0.113.9", "203.0.113.9"),
        (["127.0.0.1", "::1"], "::1", "203.0.113.9, 2001:db8::5", "2001:db8::5"),
        (["127.0.0.1"], "198.51.100.4", "203.0.113.9", "198.51.100.4"),
        (["10.0.0.0/8"], "10.1.2.3", "203.0.113.9", "203.0.113.9"),
        (["*"], "198.51.100.4", "203.0.113.9", "203.0.113.9"),
        (["127.0.0.1"], "127.0.0.1", "", "127.0.0.1"),
        (["127.0.0.1"], "127.0.0.1", "203.0.113.9, ", "127.0.0.1"),
        (["10.0.0.0/8"], "not-an-address", "203.0.113.9", "not-an-address"),
    ],
)
def test_client_address(rf, settings, allowed, peer, forwarded, address):
    settings.FORWARDED_ALLOW_IPS = allowed
    request = rf.post("/oauth/token", REMOTE_ADDR=peer, HTTP_X_FORWARDED_FOR=forwarded)
    assert throttling.client_address(request) == address


def test_zero_turns_rate_limiting_off(api, tenant, settings):
    settings.API_RATE_LIMIT = "0"
    assert all(api.get("/api/v1/accounts", **_dz(tenant)).status_code == 200 for _ in range(50))


def test_a_fresh_process_answers_in_every_dialects_envelope_before_any_url_is_resolved():
    """The body middleware refuses before URL resolution, so each dialect's envelope must be registered
    when Django starts, not when its views are first imported (a fresh gunicorn worker's first request)."""
    probe = (
        "import django; django.setup()\n"
        "from api.errors import renderer_for_path\n"
        "for path in ('/v1/object/invoice-payment', '/api/v1/accounts', '/accounts/a/invoices/b/payments'):\n"
        "    print(type(renderer_for_path(path)).__name__)\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    out = subprocess.run(
        [sys.executable, "-c", probe],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.split() == ["ZuoraErrors", "DayZeroErrors", "MoovErrors"]


def test_a_forwarded_allow_ips_that_is_not_addresses_stops_the_start():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "FORWARDED_ALLOW_IPS": "10.0.0.0/8,proxy",
    }
    out = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert out.returncode != 0
    assert (
        "ImproperlyConfigured: FORWARDED_ALLOW_IPS: 'proxy' does not appear to be an IPv4 or IPv6 network"
        in out.stderr
    )
