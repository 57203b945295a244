"""Who may write the catalog."""

from __future__ import annotations

from oms.access.services import Principal
from oms.core.errors import ErrorCode, PermissionDenied, Problem


def require_shared_grant(*, principal: Principal) -> None:
    """Catalog data is shared by every channel: only a key with the `shared` grant writes it."""
    if not principal.shared:
        raise PermissionDenied(
            Problem(
                "Authorization",
                ErrorCode.PERMISSION_DENIED,
                "Writing catalog data needs a key with the shared grant (oms token create --shared).",
            )
        )
