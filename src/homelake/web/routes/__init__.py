"""Dashboard routes, one module per area; importing a module registers its charts."""
