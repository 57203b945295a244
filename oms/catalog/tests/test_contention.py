"""Which stock rows a process treats as contended (catalog.services.stock.contended): the rows a
reservation found changed by other transactions, for OMS_STOCK_CONTENDED_SECONDS, or every row or
none by OMS_STOCK_FUNCTION. The creates that follow it are tested through HTTP in
orders/tests/test_stock.py and test_stock_concurrency.py (`reserving_through`)."""

from __future__ import annotations

import os
import subprocess
import sys

from oms.catalog.services import stock
from oms.catalog.services.stock import contended, note_reservation


def test_rows_found_changed_are_contended_for_a_while_and_no_others(settings):
    # Given rows (1, 1) and (1, 2) reserved, the first found changed by another transaction
    note_reservation([(1, 1)], rechecked=True)
    note_reservation([(1, 2)], rechecked=False)
    # Then only the first is contended, and an order touching it is
    assert (contended([(1, 1)]), contended([(1, 2)]), contended([(1, 2), (1, 1)])) == (True, False, True)
    # and with no time to stay contended a row found changed is not
    settings.OMS_STOCK_CONTENDED_SECONDS = 0
    note_reservation([(1, 3)], rechecked=True)
    assert contended([(1, 3)]) is False


def test_always_and_never_override_what_was_seen(settings):
    note_reservation([(1, 1)], rechecked=True)
    settings.OMS_STOCK_FUNCTION = "never"
    assert contended([(1, 1)]) is False
    settings.OMS_STOCK_FUNCTION = "always"
    assert contended([(2, 2)]) is True


def test_past_its_bound_the_registry_drops_the_expired_rows(settings):
    # Given more expired rows than the registry keeps
    settings.OMS_STOCK_CONTENDED_SECONDS = 0
    note_reservation([(9, n) for n in range(stock._KEPT + 1)], rechecked=True)
    # When one more row is found changed
    settings.OMS_STOCK_CONTENDED_SECONDS = 60
    note_reservation([(1, 1)], rechecked=True)
    # Then the expired rows are gone and the new one is kept
    assert len(stock._contended_until) == 1 and contended([(1, 1)])


def test_an_unknown_oms_stock_function_stops_the_start_naming_it():
    env = {**os.environ, "OMS_STOCK_FUNCTION": "sometimes", "DJANGO_SETTINGS_MODULE": "oms.settings"}
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"], env=env, capture_output=True, text=True
    )
    assert done.returncode != 0
    assert "OMS_STOCK_FUNCTION 'sometimes' is not supported (use contended, always or never)" in done.stderr
