"""Run every benchmark: `python -m bench` (or `make bench`)."""

import importlib

if __name__ == "__main__":
    for name in ("pages", "http", "rush", "matching"):
        module = importlib.import_module(f"bench.{name}")
        if hasattr(module, "main"):
            module.main()
