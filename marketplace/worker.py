"""The job queue's consumer: `huey_consumer marketplace.worker.huey`.

Importing this module creates the app from the environment, as wsgi.py does:
that imports every module declaring a task and binds the queue to the app, so
each task runs in the app's context with its own database session. Run one
consumer per machine (or more, with Redis storage); see docs/queue.md.
"""

import logging

from . import create_app
from .jobs import huey

app = create_app()

# The consumer's log says what the tasks did (e.g. the e-mails written to the log
# without MAIL_SERVER), in text beside huey's own lines; production's JSON handler
# (marketplace/logging.py) already does so.
_log = logging.getLogger(app.import_name)
if not _log.handlers:
    _handler = logging.StreamHandler()
    _handler.setFormatter(
        logging.Formatter("[%(asctime)s] %(levelname)s:%(name)s:%(message)s")
    )
    _log.addHandler(_handler)
    _log.setLevel(logging.INFO)

__all__ = ["app", "huey"]
