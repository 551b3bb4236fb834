"""HumanoidBench-compatible H1 tasks: rewards, quantities, gymnasium environments."""
