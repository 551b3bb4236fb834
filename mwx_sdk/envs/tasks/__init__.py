"""The H1 task environments, one class per HumanoidBench task."""

from __future__ import annotations

from .locomotion import CrawlEnv, RunEnv, StandEnv, WalkEnv
from .manipulation import BasketballEnv, DoorEnv, PackageEnv, PushEnv, ReachEnv
from .sit import SitHardEnv, SitSimpleEnv
from .truck import TruckEnv

# papers' tasks first
TASKS = {
    "stand": StandEnv,
    "walk": WalkEnv,
    "run": RunEnv,
    "sit_simple": SitSimpleEnv,
    "door": DoorEnv,
    "push": PushEnv,
    "package": PackageEnv,
    "truck": TruckEnv,
    "basketball": BasketballEnv,
    "crawl": CrawlEnv,
    "sit_hard": SitHardEnv,
    "reach": ReachEnv,
}

__all__ = [
    "TASKS",
    "BasketballEnv",
    "CrawlEnv",
    "DoorEnv",
    "PackageEnv",
    "PushEnv",
    "ReachEnv",
    "RunEnv",
    "SitHardEnv",
    "SitSimpleEnv",
    "StandEnv",
    "TruckEnv",
    "WalkEnv",
]
