"""Free sign-up with double opt-in, self-service management, capacity and waiting list."""
