"""The domain core: what relance says, understands and decides, without I/O or a clock."""
