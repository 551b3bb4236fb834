"""Maps the repository folders plugins/, skills/, cli/ to the import names mwx_plugins,
mwx_skills, mwx_cli (so nothing generic like ``cli`` lands in site-packages). Everything else
is in pyproject.toml."""

from setuptools import find_packages, setup

ROOTS = {"mwx_sdk": "mwx_sdk", "mwx_plugins": "plugins", "mwx_skills": "skills", "mwx_cli": "cli"}

packages, package_dir = [], {}
for name, folder in ROOTS.items():
    packages.append(name)
    package_dir[name] = folder
    for sub in find_packages(folder):
        packages.append(f"{name}.{sub}")
        package_dir[f"{name}.{sub}"] = f"{folder}/{sub.replace('.', '/')}"

setup(packages=packages, package_dir=package_dir)
