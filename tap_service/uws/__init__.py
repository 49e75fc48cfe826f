"""Asynchronous TAP queries: a UWS 1.1 job service at /tap/async.

`model` (phases and transitions, pure), `store` (jobs in PostgreSQL), `runner` (the worker
pool that executes jobs and writes their result files), `documents` (UWS XML), `routes`
(the HTTP resources), `changes` (wakes blocked WAIT requests).
"""
