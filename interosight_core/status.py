"""What the warehouse holds: per-source row counts and provenance, as data or as text."""

from __future__ import annotations

from pathlib import Path

from interosight_core import warehouse


def warehouse_status(path: Path | str) -> dict:
    """Return {'warehouse': path, 'sources': [...ingest records...], 'tables': {table: {source: rows}}}."""
    path = Path(path)
    if not path.exists():
        return {"warehouse": str(path), "exists": False, "sources": [], "tables": {}}
    with warehouse.open_warehouse(path, read_only=True) as con:
        records = warehouse.ingest_records(con)
        counts = warehouse.table_counts(con)
        tables_present = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        posts, examples = {}, {}
        if {"prepared_posts", "dialog_examples"} <= tables_present:  # older warehouses until a writer migrates them
            posts = dict(con.execute("SELECT status, count(*) FROM prepared_posts GROUP BY 1").fetchall())
            examples = dict(con.execute("SELECT split, count(*) FROM dialog_examples GROUP BY 1").fetchall())
    tables: dict[str, dict[str, int]] = {}
    for table, source, n in counts:
        tables.setdefault(table, {})[source] = n
    prepared = {"posts": posts, "dialog_examples": examples}
    return {"warehouse": str(path), "exists": True, "sources": records, "tables": tables, "prepared": prepared}


def warehouse_summary(path: Path | str) -> str:
    """Render `warehouse_status` as an aligned text table for the CLI."""
    status = warehouse_status(path)
    if not status["exists"]:
        return f"{status['warehouse']}: no warehouse yet (run `interosight run` or `interosight ingest`)"
    tables = [t for t in warehouse.DATA_TABLES]
    lines = [f"warehouse: {status['warehouse']}"]
    header = ["source", "kind", *tables, "sha256", "ingested_at"]
    rows = []
    for record in status["sources"]:
        name = record["source"]
        rows.append(
            [name, record["kind"], *(str(status["tables"].get(t, {}).get(name, 0)) for t in tables),
             record["source_sha256"][:12], str(record["ingested_at"])[:19]]
        )
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)] if rows else [len(h) for h in header]
    for row in [header, *rows]:
        lines.append("  ".join(str(x).ljust(w) for x, w in zip(row, widths)))
    if not rows:
        lines.append("(no sources ingested yet)")
    prepared = status["prepared"]
    if prepared["posts"]:
        posts = ", ".join(f"{n} {state}" for state, n in sorted(prepared["posts"].items()))
        splits = ", ".join(f"{n} {split}" for split, n in sorted(prepared["dialog_examples"].items()))
        lines.append(f"prepared posts: {posts}; dialog examples: {splits or 'none'}")
    return "\n".join(lines)
