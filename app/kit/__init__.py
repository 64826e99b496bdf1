"""Domain-free building blocks: database, storage, jobs, security, HTTP plumbing."""
