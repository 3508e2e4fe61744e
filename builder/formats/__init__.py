"""One module per output format: `files(course) -> {path in the output: bytes}`."""
