from ninja import Router

router = Router(tags=["orders"])
# The create routes, mounted first of all routes: the hot path's URL resolves on the first pattern
# tried instead of after some thirty others.
create_router = Router(tags=["orders"])
