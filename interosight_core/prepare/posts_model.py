"""The learned safety model over the staged posts: `prep_scratch.model_hits`.

After `posts.stage_posts` has cleaned the posts (`prep_scratch.clean`), this
scores every non-empty post with the safety model (`safety_model`) and
stores one row (source, post_id, family, score) per family it flags. The
posts SQL then turns a hit into the flag `<family>_model` where no rule of
that family fired.

Posts are read in chunks through a second cursor, so memory stays bounded
whatever the corpus. Embeddings are the costly part (about 170 posts/s on
two CPU cores): they are cached per text in `embeddings.duckdb` in a cache
folder (`cache_folder`: `$INTEROSIGHT_CACHE_DIR`, else the stage's
`<work_dir>/cache/`), so a post is embedded once, whatever later runs change
in the prepare config. A cache another process holds is skipped, not waited for.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from interosight_core.encoder import EMBEDDING_DIM, encode, text_key
from interosight_core.prepare.config import PrepareConfig
from interosight_core.prepare.rules import sql_literal
from interosight_core.prepare.safety_model import DEFAULT_MODEL_DIR, load_safety_model

log = logging.getLogger(__name__)

#: Posts per chunk: embedded, looked up and cached together.
CHUNK = 4096
CACHE_FILE = "embeddings.duckdb"

Progress = Callable[[int, int], None]


def _cached(con: duckdb.DuckDBPyConnection, keys: list[str]) -> dict[str, np.ndarray]:
    table = con.sql("SELECT text_key, vector FROM emb_cache.embeddings WHERE text_key IN (SELECT unnest(?::VARCHAR[]))",
                    params=[keys]).to_arrow_table()
    if not table.num_rows:
        return {}
    vectors = table.column("vector").combine_chunks().flatten().to_numpy().reshape(-1, EMBEDDING_DIM)
    return dict(zip(table.column("text_key").to_pylist(), vectors))


def _store(con: duckdb.DuckDBPyConnection, keys: list[str], vectors: np.ndarray) -> None:
    values = pa.array(vectors.astype(np.float32).reshape(-1), type=pa.float32())
    batch = pa.table({"text_key": keys, "vector": pa.FixedSizeListArray.from_arrays(values, EMBEDDING_DIM)})
    con.from_arrow(batch).insert_into("emb_cache.embeddings")


def _embed(con: duckdb.DuckDBPyConnection, texts: list[str], cache: bool, threads: int) -> np.ndarray:
    """Embeddings of `texts`, from the cache where present; new ones are added to it when `cache`."""
    keys = [text_key(t) for t in texts]
    known = _cached(con, list(set(keys))) if cache else {}
    missing = {k: t for k, t in zip(keys, texts) if k not in known}  # one text per new key
    if missing:
        vectors = encode(list(missing.values()), threads=threads)
        known.update(zip(missing, vectors))
        if cache:
            _store(con, list(missing), vectors)
    return np.stack([known[k] for k in keys]) if keys else np.zeros((0, EMBEDDING_DIM), np.float32)


def cache_folder(default: Path) -> Path:
    """Where embeddings are cached: `$INTEROSIGHT_CACHE_DIR` when set (shared by work dirs), else `default`."""
    return Path(os.environ.get("INTEROSIGHT_CACHE_DIR") or default)


def _attach_cache(con: duckdb.DuckDBPyConnection, cache_dir: Path) -> bool:
    """Attach the embedding cache as `emb_cache`; False (embed without it) when another process holds it."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    path = cache_dir / CACHE_FILE
    try:
        con.execute(f"ATTACH {sql_literal(str(path))} AS emb_cache")
    except duckdb.IOException as exc:
        log.warning("safety model: embedding cache %s is busy (%s); embedding without it", path, str(exc).splitlines()[0])
        return False
    con.execute(f"CREATE TABLE IF NOT EXISTS emb_cache.embeddings (text_key VARCHAR PRIMARY KEY, vector FLOAT[{EMBEDDING_DIM}])")
    return True


def stage_model_hits(con: duckdb.DuckDBPyConnection, cfg: PrepareConfig, cache_dir: Path | None,
                     progress: Progress | None = None) -> int:
    """Create `prep_scratch.model_hits` (source, post_id, family, score) from `prep_scratch.clean`; return its rows.

    Empty when `cfg.safety_model.enabled` is off. `cache_dir` None (the
    sharded path, whose shards run side by side) embeds without caching.
    """
    con.execute("CREATE OR REPLACE TABLE prep_scratch.model_hits "
                "(source VARCHAR, post_id VARCHAR, family VARCHAR, score DOUBLE)")
    if not cfg.safety_model.enabled:
        return 0
    model = load_safety_model(cfg.safety_model.path or DEFAULT_MODEL_DIR)
    total = con.execute("SELECT count(*) FROM prep_scratch.clean WHERE text_clean <> ''").fetchall()[0][0]
    threads = cfg.threads or os.cpu_count() or 1
    cache = cache_dir is not None and _attach_cache(con, cache_dir)
    rows: list[tuple] = []
    done = 0
    try:
        reader = con.cursor().execute(
            "SELECT source, post_id, text_clean FROM prep_scratch.clean WHERE text_clean <> '' ORDER BY source, post_id")
        while chunk := reader.fetchmany(CHUNK):
            texts = [text for _, _, text in chunk]
            for (source, post_id, _), hits in zip(chunk, model.hits(texts, _embed(con, texts, cache, threads))):
                rows += [(source, post_id, family, score) for family, score in hits.items()]
            done += len(chunk)
            if progress is not None:
                progress(done, total)
    finally:
        if cache:
            con.execute("DETACH emb_cache")
    if rows:
        source, post_id, family, score = (list(column) for column in zip(*rows))
        con.from_arrow(pa.table({"source": source, "post_id": post_id, "family": family, "score": score})) \
            .insert_into("prep_scratch.model_hits")
    log.info("safety model: %d hits on %d posts", len(rows), total)
    return len(rows)


__all__ = ["CACHE_FILE", "CHUNK", "cache_folder", "stage_model_hits"]
