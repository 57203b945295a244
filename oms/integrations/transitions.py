"""Where a batch request may go from each status: the whole state machine, in one place.

channel-app drives it (`channel_app/omnitron/batch_request.py`): a run creates its batch
(`initialized`), marks the objects it fetched or created (`commit`, repeated once per order when
orders are created), hands them to the channel (`sent_to_remote`, then `ongoing` while the channel
works asynchronously) and ends in `done` or `fail`. Both ends are final: a finished batch cannot
move again, and the integration is told so the way Omnitron tells it (HTTP 406,
`batch_request_status_100_1`), which its order and cancellation services expect and tolerate when
a run that already failed tries to finish as done.
"""

from __future__ import annotations

from oms.integrations.models import BatchRequest

S = BatchRequest.Status

# Staying in a non-final status is allowed: a PATCH that only records objects, or one commit per
# order of a run. Nothing leaves done or fail.

TRANSITIONS: dict[str, frozenset[str]] = {
    S.INITIALIZED: frozenset({S.INITIALIZED, S.COMMIT, S.SENT_TO_REMOTE, S.ONGOING, S.DONE, S.FAIL}),
    S.COMMIT: frozenset({S.COMMIT, S.SENT_TO_REMOTE, S.ONGOING, S.DONE, S.FAIL}),
    S.SENT_TO_REMOTE: frozenset({S.SENT_TO_REMOTE, S.COMMIT, S.ONGOING, S.DONE, S.FAIL}),
    S.ONGOING: frozenset({S.ONGOING, S.COMMIT, S.DONE, S.FAIL}),
    S.DONE: frozenset(),
    S.FAIL: frozenset(),
}
FINAL: frozenset[str] = frozenset({S.DONE, S.FAIL})

# Omnitron's error code for a refused batch request transition; channel-app looks for it.
REFUSED_TRANSITION_CODE = "batch_request_status_100_1"


def can_move(current: str, to: str) -> bool:
    return to in TRANSITIONS[current]
