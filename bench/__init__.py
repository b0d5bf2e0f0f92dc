"""Benchmarks run by `make bench`; each module measures one issue's figures on this machine."""
