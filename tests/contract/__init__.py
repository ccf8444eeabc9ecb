"""One contract suite per port, subclassed once per adapter (STYLE habit 13)."""
