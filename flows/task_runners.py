"""The Prefect task runner a sharded stage runs on: prefect-dask or prefect-ray, from `scale_out`.

A local cluster is started for the sharded subflow and stopped after it;
with `scale_out.address` the subflow uses that cluster instead. Workers
report their task runs to the flow's Prefect API: with no server configured
(ephemeral mode) the flow's temporary server URL is handed to local workers,
so they neither start servers of their own nor vanish from the UI.
"""

from __future__ import annotations

import os

from interosight_core.errors import ConfigError
from interosight_core.scale_out import ScaleOutConfig


def worker_env() -> dict[str, str]:
    """Environment for local workers: the Prefect API URL (the ephemeral server's, if that is what runs)."""
    from prefect.settings import get_current_settings

    url = get_current_settings().api.url
    if not url:
        from prefect.server.api.server import SubprocessASGIServer

        url = SubprocessASGIServer().api_url  # the running ephemeral server (a per-port singleton)
    env = {"PREFECT_API_URL": url}
    if "PREFECT_HOME" in os.environ:
        env["PREFECT_HOME"] = os.environ["PREFECT_HOME"]
    return env


def make_task_runner(cfg: ScaleOutConfig):
    """The configured task runner (a `DaskTaskRunner` or `RayTaskRunner`); ConfigError when its package is missing."""
    if cfg.task_runner == "dask":
        try:
            from prefect_dask import DaskTaskRunner
        except ImportError:
            raise ConfigError("scale_out.task_runner: 'dask' needs prefect-dask (pip install prefect-dask)") from None
        if cfg.address:
            return DaskTaskRunner(address=cfg.address)
        return DaskTaskRunner(cluster_kwargs={
            "n_workers": cfg.workers, "threads_per_worker": 1, "processes": True,
            "dashboard_address": None, "env": worker_env(),
        })
    if cfg.task_runner == "ray":
        try:
            from prefect_ray import RayTaskRunner
        except ImportError:
            raise ConfigError("scale_out.task_runner: 'ray' needs prefect-ray (pip install 'interosight[ray]')") from None
        if cfg.address:
            return RayTaskRunner(address=cfg.address)
        return RayTaskRunner(init_kwargs={"num_cpus": cfg.workers, "include_dashboard": False,
                                          "runtime_env": {"env_vars": worker_env()}})
    raise ConfigError(f"scale_out.task_runner: '{cfg.task_runner}' does not shard (choose dask or ray)")


__all__ = ["make_task_runner", "worker_env"]
