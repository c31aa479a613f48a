"""Plumbline's scale benchmark (issue 8): `make bench` or `python -m bench [--tables N --columns M]`.

`bench.scale` measures one catalog size in its own process (throwaway SQLite file, in-process
sandbox); each sync runs in a `bench.worker` child process so its peak memory is its own.
"""
