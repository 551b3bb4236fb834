"""Bundled skills (stand, walk, run, sit, carry, reach), one plugin package each.

Every skill is a :class:`~mwx_sdk.motion.expert.MotionPriorExpert` over a prior retargeted by
the SDK's own pipeline from CMU motion capture and shipped as ``<skill>/prior.npz``;
``scripts/build_priors.py`` regenerates them from ``../shared/motion/cmu``. Crawling and stair
climbing have no bundled skill: no suitable capture is available to build their priors from.
"""
