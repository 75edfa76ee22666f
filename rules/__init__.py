"""Policy documents, their validation, compilation to durable_rules and evaluation.

This package knows nothing of the database or GraphQL: the server builds facts and
hands them in; the engine answers with decisions.
"""
