"""Who may write the catalog."""

from __future__ import annotations

from oms.access.services import Principal, require_grant


def require_shared_grant(*, principal: Principal) -> None:
    """Catalog data is shared by every channel: only a key with the `shared` grant writes it."""
    require_grant(principal=principal, grant="shared", needed_for="Writing catalog data")
