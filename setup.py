"""Maps the repository folders plugins/, skills/, cli/ to the import names mwx_plugins,
mwx_skills, mwx_cli (so nothing generic like ``cli`` lands in site-packages). Everything else
is in pyproject.toml.

Sub-folders are found as namespace packages so that folders holding only package data (robot
models, trained weights) are listed too and their files land in the wheel."""

from setuptools import find_namespace_packages, setup

ROOTS = {"mwx_sdk": "mwx_sdk", "mwx_plugins": "plugins", "mwx_skills": "skills", "mwx_cli": "cli"}

packages, package_dir = [], {}
for name, folder in ROOTS.items():
    packages.append(name)
    package_dir[name] = folder
    for sub in find_namespace_packages(folder, exclude=["*__pycache__*"]):
        packages.append(f"{name}.{sub}")
        package_dir[f"{name}.{sub}"] = f"{folder}/{sub.replace('.', '/')}"

setup(packages=packages, package_dir=package_dir)
