"""The job queue's consumer: `huey_consumer marketplace.worker.huey`.

Importing this module creates the app from the environment, as wsgi.py does:
that imports every module declaring a task and binds the queue to the app, so
each task runs in the app's context with its own database session. Run one
consumer per machine (or more, with Redis storage); see docs/queue.md.
"""

from . import create_app
from . import mail as _mail  # noqa: F401  (the e-mail bridge; replaced at merge)
from .jobs import huey

app = create_app()

__all__ = ["app", "huey"]
