"""OMNITRON_MODULE: channel-app's own Omnitron integration, unchanged.

channel-app 0.0.161 imports `OperationalEvent` and `ChannelOperationalEventEndpoint` from
omnisdk, which no omnisdk release (0.0.103 is the latest) has; they are added before the import,
with the path oms serves (`channel/{channel_id}/operational_events/`).
"""

import omnisdk.omnitron.endpoints as omnisdk_endpoints
import omnisdk.omnitron.models as omnisdk_models


class OperationalEvent(omnisdk_models.BaseModel):
    pass


class ChannelOperationalEventEndpoint(omnisdk_endpoints.OmnitronApiEndpoint):
    def __init__(self, *args, **kwargs):
        super().__init__(
            *args, endpoint="channel/{channel_id}/operational_events", model=OperationalEvent, **kwargs
        )


if not hasattr(omnisdk_models, "OperationalEvent"):
    omnisdk_models.OperationalEvent = OperationalEvent
    omnisdk_endpoints.ChannelOperationalEventEndpoint = ChannelOperationalEventEndpoint

from channel_app.omnitron.integration import OmnitronIntegration  # noqa: E402

__all__ = ["OmnitronIntegration"]
