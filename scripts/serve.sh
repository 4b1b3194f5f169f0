#!/usr/bin/env bash
# `make run`: gunicorn and ONE job-queue consumer beside it (docs/queue.md).
# When either stops (Ctrl-C, `kill` of this script or of gunicorn, a crash), the
# other is stopped too and this script exits: nothing is left running.
#
# Usage: scripts/serve.sh BIN_DIR HOST PORT WEB_WORKERS
# (BIN_DIR holds python and gunicorn, e.g. .venv/bin); run from the checkout.
set -u
bin=$1 host=$2 port=$3 workers=$4
web="" consumer=""

stop() {
	# gunicorn stops gracefully on TERM; the consumer on INT (it lets a running
	# task finish, where TERM would interrupt it).
	[ -n "$web" ] && kill -TERM "$web" 2>/dev/null
	[ -n "$consumer" ] && kill -INT "$consumer" 2>/dev/null
}
trap stop INT TERM HUP

# `python -m` imports the checkout's code, as gunicorn (started from here) does.
"$bin/python" -m huey.bin.huey_consumer marketplace.worker.huey \
	--workers 2 --worker-type thread &
consumer=$!
"$bin/gunicorn" --workers "$workers" --bind "$host:$port" --access-logfile - wsgi:app &
web=$!

# Whichever ends first (or a signal, which runs `stop` and ends the wait) ...
wait -n "$web" "$consumer"
status=$?
# ... the other is stopped, and both are waited for.
stop
wait "$web" "$consumer"
exit "$status"
