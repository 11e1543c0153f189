"""Site-wide pages: health check and privacy statement."""
