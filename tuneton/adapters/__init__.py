"""Concrete adapters behind the ports; only ``tuneton.bootstrap`` chooses among them."""
