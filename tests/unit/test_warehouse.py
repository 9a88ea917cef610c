"""The warehouse's connections: the stored DDL hash, and short attached sessions."""

from __future__ import annotations

import duckdb
import pytest

from interosight_core import warehouse
from interosight_core.errors import WarehouseError


def _meta(path) -> dict:
    with duckdb.connect(str(path), read_only=True) as con:
        return dict(con.execute("SELECT key, value FROM meta").fetchall())


def test_a_writer_stores_the_ddl_hash_and_skips_the_ddl_while_it_matches(tmp_path):
    path = tmp_path / "w.duckdb"
    warehouse.connect(path).close()
    meta = _meta(path)
    assert meta["ddl_sha256"] == warehouse.DDL_SHA256 and meta["schema_version"] == warehouse.SCHEMA_VERSION
    with duckdb.connect(str(path)) as con:
        con.execute("DROP TABLE length_summary")
    warehouse.connect(path).close()  # the hash matches: nothing is re-created
    with duckdb.connect(str(path)) as con:
        assert not con.execute("SELECT * FROM duckdb_tables() WHERE table_name = 'length_summary'").fetchall()
        con.execute("UPDATE meta SET value = 'older' WHERE key = 'ddl_sha256'")
    warehouse.connect(path).close()  # another DDL: it runs again and records the new hash
    with duckdb.connect(str(path), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM length_summary").fetchall() == [(0,)]
    assert _meta(path)["ddl_sha256"] == warehouse.DDL_SHA256
    assert _meta(path)["instance_id"] == meta["instance_id"]


def test_attached_sessions_read_and_write_and_release_the_file(tmp_path):
    path = tmp_path / "w.duckdb"
    warehouse.connect(path).close()
    with warehouse.attached(path) as con, warehouse.transaction(con):
        con.execute("INSERT INTO meta VALUES ('k', 'v')")
    with warehouse.attached(path, read_only=True) as con:
        assert con.execute("SELECT value FROM meta WHERE key = 'k'").fetchall() == [("v",)]
        with pytest.raises(duckdb.Error):
            con.execute("INSERT INTO meta VALUES ('k2', 'v')")
    # detached: a plain writer connection (its own DuckDB instance) can lock the file again
    with duckdb.connect(str(path)) as con:
        assert con.execute("SELECT value FROM meta WHERE key = 'k'").fetchall() == [("v",)]


def test_a_failed_attached_transaction_leaves_nothing(tmp_path):
    path = tmp_path / "w.duckdb"
    warehouse.connect(path).close()
    with pytest.raises(RuntimeError), warehouse.attached(path) as con, warehouse.transaction(con):
        con.execute("INSERT INTO meta VALUES ('k', 'v')")
        raise RuntimeError("batch failed")
    assert "k" not in _meta(path)


def test_attached_needs_an_existing_warehouse(tmp_path):
    with pytest.raises(WarehouseError, match="no warehouse here yet"):
        with warehouse.attached(tmp_path / "missing.duckdb"):
            pass
    assert not (tmp_path / "missing.duckdb").exists()
