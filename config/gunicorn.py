"""gunicorn settings: `gunicorn -c config/gunicorn.py config.wsgi`. Every value can be set from the environment."""

import gc
import multiprocessing
import os

bind = os.environ.get("BIND", "0.0.0.0:8000")
# Threads overlap the database round trips of one process; processes use the cores.
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 4))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 20
keepalive = 5
# Restart workers now and then so a slow leak cannot grow without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 20000))
max_requests_jitter = 2000
accesslog = None  # the service writes its own JSON access line (api.observability)
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_worker_init(worker):
    # Full garbage collections stalled a worker and all its requests for 60-390 ms each, 24-26 times in 40 s
    # of load (bench/README.md, "The tail"): each one walked every object Django and its libraries made at
    # import. Frozen, those are never walked again, and a larger first threshold lets a request's objects
    # die young instead of being promoted while it is in flight: 5 full collections of 60-100 ms.
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)


def child_exit(server, worker):
    # Prometheus multi-process mode: a dead worker's live gauges must stop counting.
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
