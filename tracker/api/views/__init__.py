"""The API's operations, one module per resource (importing them declares their routes on the blueprint)."""
