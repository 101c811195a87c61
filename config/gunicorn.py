"""gunicorn settings: `gunicorn -c config/gunicorn.py config.wsgi`. Every value can be set from the environment."""

import gc
import multiprocessing
import os

bind = os.environ.get("BIND", "0.0.0.0:8000")
# Sync workers, one request per process, 2 x cores + 1 of them, behind a buffering proxy (deploy/nginx): each
# takes the next connection from the kernel's queue only when it is free, so requests are served in arrival
# order and none waits behind a busy process. gthread workers (4 threads) keep each keep-alive client on the
# process that accepted it: on the bench's 2 cores their p99 ran 3-4 x p50, sync workers' 1.3-1.7 x, with
# more requests per second (bench/README.md, "The tail"). GUNICORN_THREADS above 1 makes them gthread.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 1))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 20
keepalive = 5  # gthread only: sync workers close every connection (the proxy keeps the clients')
# Restart workers now and then so a slow leak cannot grow without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 20000))
max_requests_jitter = 2000
accesslog = None  # the service writes its own JSON access line (api.observability)
errorlog = "-"
# The proxies trusted for X-Forwarded-Proto: the app's FORWARDED_ALLOW_IPS, none by default as in the app
# (unset, gunicorn's own default would trust 127.0.0.1 and ::1).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "")


def post_worker_init(worker):
    # Garbage collection under load (bench/README.md, "The tail"), 40 s of (a) and (d) per setting: Python's
    # defaults paused a worker, and every request in it, for 13 full collections of 210 ms on average (up to
    # 466 ms), 0.72 ms of collection per request, because each walked every object Django and its libraries
    # made at import. Frozen, those are never walked again; a first threshold of 10,000 (not 700) lets a
    # request's objects die young rather than be promoted while it is in flight: no full collection at all,
    # 0.25 ms per request. (50,000 made each young collection itself a pause of up to 350 ms.)
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)


def child_exit(server, worker):
    # Prometheus multi-process mode: a dead worker's live gauges must stop counting.
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
