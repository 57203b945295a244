"""The transition table and the order-status rule, as data: no database needed."""

from itertools import pairwise

import pytest

from oms.orders.enums import OrderStatus
from oms.orders.transitions import (
    CANCELLABLE,
    TERMINAL,
    TRANSITIONS,
    allowed_from,
    can_move,
    order_status_for,
    rank,
)

S = OrderStatus
# The one move back in code order, on purpose: a new delivery attempt. (cancellation_waiting is
# code 50, so confirming or rejecting a cancellation counts as forward.)
BACKWARD = {(S.ATTEMPTED_DELIVERY, S.SHIPPED)}


def test_every_status_has_a_row_and_every_target_is_a_status():
    # Given the table
    # When its rows and targets are collected
    targets = {target for row in TRANSITIONS.values() for target in row}
    # Then every status is declared once and points only at statuses
    assert set(TRANSITIONS) == set(S.values)
    assert targets <= set(S.values)


def test_cancelled_and_refunded_are_terminal():
    # Given the terminal statuses
    # When their rows are read
    rows = {status: TRANSITIONS[status] for status in TERMINAL}
    # Then nothing leaves them
    assert rows == {S.CANCELLED: frozenset(), S.REFUNDED: frozenset()}


def test_moves_go_forward_in_code_order_except_the_declared_backward_ones():
    # Given every declared move
    moves = [(source, target) for source, row in TRANSITIONS.items() for target in row]
    # When the backward ones are picked out
    backward = {(s, t) for s, t in moves if rank(t) <= rank(s)}
    # Then they are exactly the intended ones
    assert backward == BACKWARD


def test_the_main_line_is_allowed_step_by_step():
    # Given Omnitron's usual life of an item
    line = [S.WAITING, S.APPROVED, S.PREPARING, S.SHIPPED, S.SHIPPED_AND_INFORMED, S.DELIVERED, S.REFUNDED]
    # When each step is checked
    steps = [can_move(a, b) for a, b in pairwise(line)]
    # Then each is allowed
    assert all(steps)


@pytest.mark.parametrize(
    ("source", "target"),
    [
        (S.APPROVED, S.DELIVERED),
        (S.SHIPPED, S.APPROVED),
        (S.DELIVERED, S.SHIPPED),
        (S.CANCELLED, S.APPROVED),
        (S.REFUNDED, S.DELIVERED),
        (S.APPROVED, S.CANCELLED),  # cancelling is the cancel endpoint's, not a status move
    ],
)
def test_moves_outside_the_table_are_refused(source, target):
    # Given a move the table does not declare
    # When it is checked
    allowed = can_move(source, target)
    # Then it is refused
    assert not allowed


def test_a_pending_cancellation_is_confirmed_or_rejected():
    # Given an item waiting for its cancellation
    # When its options are listed
    options = allowed_from(S.CANCELLATION_WAITING)
    # Then it can end cancelled or resume where it could be cancelled from, in life order
    assert set(options) == {S.CANCELLED, *CANCELLABLE}
    assert options == sorted(options, key=rank)


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        ([S.APPROVED, S.PREPARING], S.APPROVED),  # the least advanced active item
        ([S.SHIPPED, S.SHIPPED], S.SHIPPED),
        ([S.SHIPPED, S.CANCELLED], S.SHIPPED),  # cancelled items do not hold the order back
        ([S.DELIVERED, S.REFUNDED], S.DELIVERED),
        ([S.DELIVERED, S.CANCELLATION_WAITING], S.CANCELLATION_WAITING),  # a pending cancellation shows
        ([S.CANCELLED, S.CANCELLED], S.CANCELLED),
        ([S.CANCELLED, S.REFUNDED], S.REFUNDED),
        ([], None),
    ],
)
def test_order_status_follows_its_items(items, expected):
    # Given the statuses of an order's items
    # When the order's status is derived
    status = order_status_for(items)
    # Then it follows the documented rule
    assert status == expected
