"""Malformed agent TOML documents get a ConfigError that names the table, never a TypeError."""

from __future__ import annotations

import pytest

from mwx_sdk.config import ConfigError, parse_agent_config


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({"agent": 3}, r"\[agent\] must be a table"),
        ({"agent": "walk"}, r"\[agent\] must be a table"),
        ({"agent": {"robot": 1}}, r"robot must be a robot name"),
        ({"agent": {"robot": ""}}, r"robot must be a robot name"),
        ({"router": "fusion"}, r"\[router\] must be a table"),
        ({"experts": {"walk": 1.0}}, r"\[experts.<name>\] tables"),
    ],
)
def test_malformed_tables_are_explained(data, match):
    with pytest.raises(ConfigError, match=match):
        parse_agent_config(data, "agent.toml")


def test_robot_filter_is_kept():
    assert parse_agent_config({"agent": {"robot": "h1"}}).robot == "h1"
