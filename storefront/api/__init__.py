"""The HTTP edge shared by every domain: auth, problem details, idempotency, pagination."""
