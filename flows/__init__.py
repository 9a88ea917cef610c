"""Prefect flows (the DAG) and the `interosight` CLI."""

import logging

# bitsandbytes' CPU backend looks for an optional Hub kernel on CPUs with AVX512-BF16 and logs a warning on
# every import when it is absent; nothing can be downloaded here and its fallback kernel is used, so hush it.
logging.getLogger("bitsandbytes.backends.cpu.ops").setLevel(logging.ERROR)
