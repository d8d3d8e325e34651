"""How ``lms-gateway serve`` runs the WSGI gateway (DESIGN.md §10, issue 12 item 1).

gunicorn's arbiter pre-forks the worker processes (Prometheus multiprocess files, ``child_exit``);
each worker is an asyncio event loop (uvicorn's HTTP protocol, :mod:`gateway.serving.worker`) that
reads request lines, headers and bodies itself, under read timeouts, and hands the WSGI app only a
complete request, on a pool of ``--threads`` threads (:mod:`gateway.serving.bridge`). A slow or
idle client therefore holds a socket, never an application thread.
"""
