"""HTTP access to stored objects for the local backend (S3 serves its own presigned URLs)."""
