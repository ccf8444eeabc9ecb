"""The HTTP edge shared by the command and query APIs: body limits, error bodies, methods, OpenAPI ids.

Nothing here knows a resource: each module hardens one thing every route has (a body, a validation
error, a method, an operation id), so both APIs answer malformed input with a precise 4xx.
"""
