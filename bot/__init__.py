"""The running assistant and all network I/O: CLI, config, service, channels, dispatcher, alerts."""
