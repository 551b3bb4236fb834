"""Bundled skills (stand, walk, run, sit, carry, reach), one plugin package each."""
