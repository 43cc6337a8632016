"""scripts/ensure-java's branches, on a PATH of stand-ins: a java that works or fails, an
apt-get that records what it is asked (and "installs" a working java), sudo and id."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "ensure-java"
# The real tools the script and the stand-ins use.
TOOLS = ("bash", "sed", "head", "grep", "env", "true", "chmod")
INSTALL = "install -y -qq --no-install-recommends"


def java_printing(version: str) -> str:
    return f"#!/bin/sh\necho 'openjdk version \"{version}\" 2025-04-15' >&2\n"


FAILING_JAVA = "#!/bin/sh\necho 'Error: could not find libjava.so' >&2\nexit 1\n"


@pytest.fixture
def machine(tmp_path):
    """A bin folder to stand in for PATH, with the real tools the script needs."""
    bin_folder = tmp_path / "bin"
    bin_folder.mkdir()
    for tool in TOOLS:
        (bin_folder / tool).symlink_to(shutil.which(tool))
    return bin_folder


def put(bin_folder: Path, name: str, script: str) -> None:
    (bin_folder / name).write_text(script)
    (bin_folder / name).chmod(0o755)


def apt_get(bin_folder: Path, candidates: tuple[str, ...] = ("openjdk-17-jre-headless",)) -> Path:
    """apt-get recording its arguments and DEBIAN_FRONTEND, installing a Java 17 on `install`;
    apt-cache giving a candidate for `candidates` only."""
    calls = bin_folder.parent / "apt-calls"
    java = java_printing("17.0.99").replace("\n", "\\n").replace("'", "'\\''")
    put(
        bin_folder,
        "apt-get",
        f'#!/bin/sh\necho "$DEBIAN_FRONTEND $*" >> {calls}\n'
        f"case \"$1\" in install) printf '{java}' > {bin_folder}/java; "
        f"chmod +x {bin_folder}/java;; esac\n",
    )
    known = " ".join(candidates)
    put(
        bin_folder,
        "apt-cache",
        f'#!/bin/sh\ncase " {known} " in *" $2 "*) echo "  Candidate: 1.0";; '
        '*) echo "  Candidate: (none)";; esac\n',
    )
    return calls


def as_user(bin_folder: Path, uid: int, sudo: bool) -> None:
    put(bin_folder, "id", f"#!/bin/sh\necho {uid}\n")
    if sudo:
        calls = bin_folder.parent / "sudo-calls"
        put(bin_folder, "sudo", f'#!/bin/sh\necho "$*" >> {calls}\nshift\nexec "$@"\n')


def ensure_java(bin_folder: Path) -> str:
    done = subprocess.run(
        [bin_folder / "bash", SCRIPT],
        capture_output=True,
        text=True,
        env={"PATH": str(bin_folder)},
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_working_java_17_is_named_and_nothing_installed(machine):
    put(machine, "java", java_printing("17.0.15"))
    calls = apt_get(machine)
    assert ensure_java(machine) == (
        f'ensure-java: openjdk version "17.0.15" 2025-04-15 ({machine}/java)\n'
    )
    assert not calls.exists()


@pytest.mark.parametrize(
    ("java", "problem"),
    [
        (None, "no working java"),
        (FAILING_JAVA, "no working java"),
        (java_printing("11.0.2"), "java is Java 11; Spark needs 17 or later"),
        (java_printing("1.8.0_402"), "java is Java 1; Spark needs 17 or later"),
    ],
)
def test_root_installs_openjdk_17_without_questions(machine, java, problem):
    if java is not None:
        put(machine, "java", java)
    as_user(machine, 0, sudo=False)
    calls = apt_get(machine)
    assert ensure_java(machine) == (
        f"ensure-java: {problem}; installing Java with apt-get\n"
        f'ensure-java: openjdk version "17.0.99" 2025-04-15 ({machine}/java)\n'
    )
    assert calls.read_text().splitlines() == [
        "noninteractive update -qq",
        f"noninteractive {INSTALL} openjdk-17-jre-headless",
    ]


def test_passwordless_sudo_installs_through_sudo(machine):
    as_user(machine, 1000, sudo=True)
    calls = apt_get(machine)
    assert ensure_java(machine).endswith(f'"17.0.99" 2025-04-15 ({machine}/java)\n')
    assert calls.read_text().splitlines() == [
        "noninteractive update -qq",
        f"noninteractive {INSTALL} openjdk-17-jre-headless",
    ]
    assert (machine.parent / "sudo-calls").read_text().splitlines() == [
        "-n true",
        "-n env DEBIAN_FRONTEND=noninteractive apt-get update -qq",
        f"-n env DEBIAN_FRONTEND=noninteractive apt-get {INSTALL} openjdk-17-jre-headless",
    ]


def test_a_system_without_openjdk_17_gets_its_default_java(machine):
    as_user(machine, 0, sudo=False)
    calls = apt_get(machine, candidates=("default-jre-headless",))
    ensure_java(machine)
    assert calls.read_text().splitlines()[-1] == f"noninteractive {INSTALL} default-jre-headless"


def test_without_root_or_sudo_it_says_why_and_installs_nothing(machine):
    as_user(machine, 1000, sudo=False)
    calls = apt_get(machine)
    assert ensure_java(machine) == (
        "ensure-java: no working java; installing openjdk-17-jre-headless needs root or sudo "
        "without a password: the Spark tests will skip\n"
    )
    assert not calls.exists()


def test_without_apt_get_it_says_why(machine):
    put(machine, "java", FAILING_JAVA)
    assert ensure_java(machine) == (
        "ensure-java: no working java, and no apt-get to install openjdk-17-jre-headless: "
        "the Spark tests will skip\n"
    )


def test_a_failed_install_is_said(machine):
    as_user(machine, 0, sudo=False)
    apt_get(machine)
    put(machine, "apt-get", '#!/bin/sh\ncase "$1" in install) exit 100;; esac\n')
    assert ensure_java(machine).splitlines()[-1] == (
        "ensure-java: apt-get could not install openjdk-17-jre-headless: the Spark tests will skip"
    )


def test_nothing_installable_is_said(machine):
    as_user(machine, 0, sudo=False)
    calls = apt_get(machine, candidates=())
    assert ensure_java(machine).splitlines()[-1] == (
        "ensure-java: no working java, and apt-get finds none of openjdk-17-jre-headless "
        "default-jre-headless: the Spark tests will skip"
    )
    assert calls.read_text().splitlines() == ["noninteractive update -qq"]
