"""Bundled routers, planners, VLM backends and environments, each a plugin module declared
in the ``mwx`` entry-point group like any third-party plugin."""
