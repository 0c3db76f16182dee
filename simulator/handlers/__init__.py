"""Local implementations of Talos RPCs, registered by method path (see ``registry``)."""
