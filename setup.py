"""Build hook: a wheel carries the repo's top-level templates/ and data/ inside finder/.

The repo keeps templates/ and data/ beside the package, where a source checkout (and an
editable install) reads them. An installed wheel has no repo around it, so the build copies
them into the package as finder/templates and finder/data, where finder.paths looks first.
setup.cfg's [options.package_data] says which files go (its templates/... and data/...
patterns); everything else about the project is in setup.cfg too.
"""

from __future__ import annotations

import glob
import os

from setuptools import setup
from setuptools.command.build_py import build_py

PACKAGE = "finder"
BESIDE = ("templates", "data")  # top-level folders that the wheel carries as finder/<name>


class BuildPy(build_py):
    """build_py that reads finder's templates/... and data/... patterns from the repo's top."""

    def _get_data_files(self) -> list[tuple[str, str, str, list[str]]]:
        # data_files is what build_py copies, what a wheel's RECORD lists and what an sdist
        # takes along: one (package, source dir, build dir, file names) entry per folder.
        data_files = super()._get_data_files()
        patterns = self.package_data.get(PACKAGE, [])
        for folder in BESIDE:
            names = {
                os.path.relpath(path, folder)
                for pattern in patterns
                if pattern.startswith(folder + "/")
                for path in glob.glob(pattern, recursive=True)
                if os.path.isfile(path)
            }
            build_dir = os.path.join(self.build_lib, PACKAGE, folder)
            data_files.append((PACKAGE, folder, build_dir, sorted(names)))
        return data_files


setup(cmdclass={"build_py": BuildPy})
