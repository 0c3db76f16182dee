"""Native implementation of Talos machine-config generation, patching, diffing and secrets bundles."""
