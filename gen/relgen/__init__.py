"""relgen: turns RELOAD spec files (RFC 6940 presentation language) into C."""
