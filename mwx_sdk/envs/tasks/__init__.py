"""The H1 task environments, one class per HumanoidBench task.

Completion predicates (``env.predicates()``), beyond the generic ``standing``, ``fallen``,
``moving``, ``still``, ``success`` and ``near(<object>)`` of :class:`~mwx_sdk.envs.base.H1Env`:

============  ==============================================================================
task          predicates (thresholds)
============  ==============================================================================
crawl         ``crawling`` (head and imu z in [0.6, 1.0] m), ``in_tunnel`` (imu x > 2.2, |y| <= 1)
sit_*         ``seated`` (pelvis z in [0.6, 0.8] m, within 0.3 m in x / 0.2 m in y of the chair,
              torso zz > 0.7)
reach         ``at_goal`` (left hand within 0.05 m), ``near(goal)`` (within 1 m)
door          ``door_open`` (hinge >= 0.8 rad), ``hatch_open`` (>= 0.75 rad), ``through_door``
              (imu x >= 1.2 m)
push          ``at_goal`` (box within 0.05 m of the goal), ``touching(object)`` (hand < 0.2 m)
package       ``holding(package_a)`` (both hands within 0.35 m, package lifted 0.15 m),
              ``at_goal`` (package within 0.1 m of the destination)
truck         ``holding(package_x)`` (picked and a hand within 0.35 m), ``on_table(package_x)``
basketball    ``holding(basketball)`` (both hands within 0.2 m), ``ball_thrown`` (throw stage)
============  ==============================================================================

Scene objects for ``near(...)`` (pelvis within 1 m horizontally): chair, door, table, object,
package_a, destination, truck, package_a..e, basketball, hoop, tunnel.
"""

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
