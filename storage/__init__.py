"""Persistence only: tables, engine, migrations, importers and queries. Storage never sends."""
