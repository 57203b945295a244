"""`oms channel set <id> key=value ...` changes every channel setting, or none."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command, execute_from_command_line

from oms.catalog.models import StockList
from oms.channels.models import Channel

pytestmark = pytest.mark.django_db


def test_sets_every_kind_of_setting_at_once(demo):
    # Given channel 1 and a second stock list of it
    other = StockList.objects.create(channel_id=1, name="Store", code="store")
    out = StringIO()
    # When its stock policy, a flag, a choice, its name and its stock list are set
    call_command(
        "channel",
        "set",
        "1",
        "stock_policy=reject",
        "strict_fields=true",
        "status_format=code",
        "name=Web shop",
        f"stock_list={other.pk}",
        "rate_limit=200/s burst 400",
        stdout=out,
    )
    # Then they are stored, and the settings printed
    channel = Channel.objects.get(pk=1)
    assert (channel.stock_policy, channel.strict_fields, channel.status_format) == ("reject", True, "code")
    assert (channel.name, channel.stock_list_id) == ("Web shop", other.pk)
    assert channel.rate_limit == "200/s burst 400"
    assert "stock_policy=reject" in out.getvalue()


@pytest.mark.parametrize(
    "setting, said",
    [
        ("stock_policy=sometimes", "stock_policy"),
        ("strict_fields=maybe", "strict_fields"),
        ("stock_list=999", "stock_list"),
        ("stock_list=two", "stock_list"),
        ("colour=red", "colour"),
        ("rate_limit=lots", "rate_limit"),
    ],
)
def test_refuses_a_bad_value_and_changes_nothing(demo, setting, said):
    # Given channel 1 as the demo made it
    before = Channel.objects.get(pk=1)
    # When a good and a bad setting are sent together
    with pytest.raises(CommandError) as refused:
        call_command("channel", "set", "1", "totals_check=reject", setting)
    # Then the bad one is named and nothing changed
    assert said in str(refused.value)
    after = Channel.objects.get(pk=1)
    assert (after.totals_check, after.stock_policy, after.stock_list_id) == (
        before.totals_check,
        before.stock_policy,
        before.stock_list_id,
    )


# The command line closes every connection when it is done (run_from_argv): on PostgreSQL the
# test's own transaction would go with it.
@pytest.mark.django_db(transaction=True)
def test_the_command_line_takes_the_settings(demo, capsys):
    # Given the command line as `oms` parses it (Django's own options besides ours)
    # When a setting is changed through it
    execute_from_command_line(["oms", "channel", "set", "1", "stock_policy=ignore"])
    # Then it is stored and printed
    assert Channel.objects.get(pk=1).stock_policy == "ignore"
    assert "stock_policy=ignore" in capsys.readouterr().out
