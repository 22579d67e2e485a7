"""Where the tests find the exvivo executable and the source tree: the
environment that CTest sets (tests/CMakeLists.txt), else the build tree
next to this file."""
import os

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("EXVIVO_SOURCE_DIR", os.path.dirname(os.path.dirname(HERE)))


@pytest.fixture(scope="session")
def exvivo_exe():
    exe = os.environ.get("EXVIVO_EXE", os.path.join(SOURCE_DIR, "build", "exvivo"))
    if not os.access(exe, os.X_OK):
        pytest.fail(f"exvivo executable not found at {exe} (set EXVIVO_EXE)")
    return exe


@pytest.fixture(scope="session")
def source_dir():
    return SOURCE_DIR
