"""The public programme: editions, regions, sessions and speakers."""
