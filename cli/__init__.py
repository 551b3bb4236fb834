"""The ``mwx`` command line (Typer), one module per command group."""
