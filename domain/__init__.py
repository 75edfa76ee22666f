"""Domain models and the services that change them. Knows nothing of GraphQL."""
