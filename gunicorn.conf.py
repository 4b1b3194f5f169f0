"""gunicorn settings read from the checkout (gunicorn loads ./gunicorn.conf.py).

Command-line flags (`--workers`, `--bind`, …) still win over what is set here.
"""

# The longest request line gunicorn accepts (its maximum short of unlimited; the
# default is 4094). A long search pasted into the search box, with its filters,
# then reaches the app, which answers with a message by the field instead of
# gunicorn's bare "414 URI Too Long". The app caps the search text itself
# (marketplace/inputs.py, SEARCH_TEXT).
limit_request_line = 8190

# No control socket: gunicorn puts it at one path per user (~/.gunicorn/gunicorn.ctl),
# so every app server on a machine (two behind one proxy, the tests' servers) would
# share it; we do not use `gunicornc`.
control_socket_disable = True
