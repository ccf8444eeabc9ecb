"""The search read model: track events become engine-agnostic index changes (SearchDocument/SearchRemoval)."""
