"""Benchmarks: `python -m bench NAME [options]`, each against a server it starts itself."""
