import json, sys, time
import mwx_sdk
from mwx_sdk.episode import run_agent_episode
variant, seed = sys.argv[1], int(sys.argv[2])
env = mwx_sdk.make_env("mwx/h1-walk-v0")
kw = {}
if variant == "smooth":
    kw = dict(router_config={"smoothing": 1.0})
elif variant == "walkstand":
    kw = dict(experts=["stand", "walk"])
elif variant == "walkstand_smooth":
    kw = dict(experts=["stand", "walk"], router_config={"smoothing": 1.0})
elif variant == "walkonly":
    kw = dict(experts=["walk"], router="uniform")
agent = mwx_sdk.compose(env=env, config={"seed": seed, "keep_history": False}, **kw)
t = time.time()
out = run_agent_episode(env, agent, "walk forward", seed=seed, steps=1000)
print(json.dumps({"variant": variant, "seed": seed, "return": out.episode_return, "steps": out.steps,
                  "fell": out.terminated, "s": time.time() - t}), flush=True)
