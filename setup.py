"""Maps the repository folders plugins/, skills/, cli/ to the import names mwx_plugins,
mwx_skills, mwx_cli (so nothing generic like ``cli`` lands in site-packages). Everything else
is in pyproject.toml.

Sub-folders are found as namespace packages so that folders holding only package data (robot
models, trained weights) are listed too and their files land in the wheel."""

import os

from setuptools import find_namespace_packages, setup
from setuptools.command.build_py import build_py

#: site-packages/<PTH> imports _mwx_sdk_gymnasium at interpreter start: gymnasium 1.x no longer
#: loads env entry points, and gymnasium.make("mwx/h1-walk-v0") should work without an mwx import
PTH = "mwx-sdk-gymnasium.pth"


class BuildWithPth(build_py):
    """build_py that also puts the start-up .pth file at the root of the build (the wheel's root)."""

    def run(self):
        super().run()
        target = os.path.join(self.build_lib, PTH)
        os.makedirs(self.build_lib, exist_ok=True)
        with open(target, "w", encoding="utf-8") as f:
            f.write("import _mwx_sdk_gymnasium\n")

    def get_outputs(self, include_bytecode=1):
        return [*super().get_outputs(include_bytecode), os.path.join(self.build_lib, PTH)]

ROOTS = {"mwx_sdk": "mwx_sdk", "mwx_plugins": "plugins", "mwx_skills": "skills", "mwx_cli": "cli"}

packages, package_dir = [], {}
for name, folder in ROOTS.items():
    packages.append(name)
    package_dir[name] = folder
    for sub in find_namespace_packages(folder, exclude=["*__pycache__*"]):
        packages.append(f"{name}.{sub}")
        package_dir[f"{name}.{sub}"] = f"{folder}/{sub.replace('.', '/')}"

setup(packages=packages, package_dir=package_dir, py_modules=["_mwx_sdk_gymnasium"],
      cmdclass={"build_py": BuildWithPth})
