"""Static check of docker-compose.yml, for machines without a Docker engine.

    python infra/check_compose.py [path/to/docker-compose.yml]

Loads the file with PyYAML (anchors and ``<<`` merge keys resolved, as Compose does) and checks the
structure the project relies on: the services and their images, that every published port is bound to
127.0.0.1, that the app containers run in the distributed runtime and reach the stack by service name,
that the registry keeps its schemas in the compose PostgreSQL (not the image's in-memory default) and
starts after it, and that depends_on / volumes / bind mounts / build references resolve. Exit status 1
with one line per problem. It is not a full Compose-spec validation (`docker compose config` does that
where the plugin exists).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

ROOT = Path(__file__).resolve().parents[1]

EXPECTED_IMAGES = {
    "kafka": "apache/kafka:3.9.1",
    "registry": "apicurio/apicurio-registry:3.3.3",
    "postgres": "postgres:15",
}
# service -> host port it must publish (on 127.0.0.1)
EXPECTED_HOST_PORTS = {"kafka": 9092, "registry": 8085, "postgres": 55432, "app": 8080, "gateway": 8443}
EXPECTED_COMMANDS = {
    "app": ["tuneton", "serve", "--host", "0.0.0.0"],  # noqa: S104 - inside the container; published on 127.0.0.1
    "processors": ["python", "-m", "processors", "worker"],
}
APP_SERVICES = ("app", "processors")
# The registry must survive a restart with every schema id the Kafka log refers to.
REGISTRY_STORAGE = {"APICURIO_STORAGE_KIND": "sql", "APICURIO_STORAGE_SQL_KIND": "postgresql"}
GATEWAY = "gateway"  # nginx in front of the app (infra/gateway): not an app container
TOP_LEVEL = {"name", "services", "volumes", "networks", "configs", "secrets"}


def _command(value: Any) -> list[str]:
    return value.split() if isinstance(value, str) else [str(v) for v in value or []]


def _env(value: Any) -> dict[str, str]:
    """Compose accepts a mapping or a list of KEY=VALUE strings."""
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()}
    return dict(str(item).split("=", 1) for item in value or [])


def _check_ports(name: str, svc: dict[str, Any], problems: list[str]) -> None:
    published = set()
    for port in svc.get("ports") or []:
        if not isinstance(port, str):
            problems.append(f"{name}: use the short 'IP:HOST:CONTAINER' port syntax, got {port!r}")
            continue
        parts = port.split(":")
        if len(parts) != 3 or parts[0] != "127.0.0.1":
            problems.append(f"{name}: port {port!r} must be bound to 127.0.0.1 (IP:HOST:CONTAINER)")
            continue
        published.add(int(parts[1]))
    want = EXPECTED_HOST_PORTS.get(name)
    if want is not None and want not in published:
        problems.append(f"{name}: expected host port 127.0.0.1:{want}, published {sorted(published)}")


def _check_app_env(name: str, svc: dict[str, Any], services: dict[str, Any], problems: list[str]) -> None:
    env = _env(svc.get("environment"))
    if env.get("TUNETON_RUNTIME") != "distributed":
        problems.append(f"{name}: TUNETON_RUNTIME must be 'distributed', got {env.get('TUNETON_RUNTIME')!r}")
    for var in ("TUNETON_KAFKA_BOOTSTRAP", "TUNETON_SCHEMA_REGISTRY_URL", "TUNETON_POSTGRES_DSN"):
        value = env.get(var)
        # host:port for Kafka, a URL for the other two
        host = urlsplit(value).hostname if value and "://" in value else (value or "").rsplit(":", 1)[0]
        if not value:
            problems.append(f"{name}: {var} is not set")
        elif host not in services:
            problems.append(f"{name}: {var}={value} does not point at a service of this file")


def _check_registry(services: dict[str, Any], problems: list[str]) -> None:
    registry = services.get("registry")
    if not isinstance(registry, dict):
        return
    env = _env(registry.get("environment"))
    problems.extend(
        f"registry: {var} must be {want!r} (persistent schemas), got {env.get(var)!r}"
        for var, want in REGISTRY_STORAGE.items()
        if env.get(var) != want
    )
    url = env.get("APICURIO_DATASOURCE_URL", "")
    host = urlsplit(url.removeprefix("jdbc:")).hostname if url.startswith("jdbc:postgresql://") else None
    if host != "postgres":
        problems.append(f"registry: APICURIO_DATASOURCE_URL must be jdbc:postgresql://postgres:..., got {url!r}")
    depends = registry.get("depends_on") or []
    if "postgres" not in depends:
        problems.append("registry: must depend on postgres (its schema storage)")


def _check_service(
    path: Path, name: str, svc: Any, services: dict[str, Any], volumes: set[str], problems: list[str]
) -> None:
    if not isinstance(svc, dict):
        problems.append(f"{name}: service must be a mapping")
        return
    if "image" not in svc and "build" not in svc:
        problems.append(f"{name}: needs an image or a build")
    build = svc.get("build")
    if isinstance(build, dict):
        dockerfile = path.parent / build.get("context", ".") / build.get("dockerfile", "Dockerfile")
        if not dockerfile.is_file():
            problems.append(f"{name}: build dockerfile {dockerfile} does not exist")
    _check_ports(name, svc, problems)
    depends = svc.get("depends_on") or []
    problems.extend(
        f"{name}: depends_on unknown service {dep!r}"
        for dep in (depends if isinstance(depends, list) else depends.keys())
        if dep not in services
    )
    for mount in svc.get("volumes") or []:
        source = str(mount).split(":", 1)[0]
        if ":" in str(mount) and not source.startswith((".", "/")) and source not in volumes:
            problems.append(f"{name}: named volume {source!r} is not declared under volumes:")
        if source.startswith(".") and not (path.parent / source).exists():
            problems.append(f"{name}: bind mount source {source} does not exist")
    if name == GATEWAY:
        _check_gateway(svc, services, problems)
    elif name in APP_SERVICES or build:
        _check_app_env(name, svc, services, problems)


def _check_gateway(svc: dict[str, Any], services: dict[str, Any], problems: list[str]) -> None:
    """The gateway proxies to the app service, by service name."""
    upstream = _env(svc.get("environment")).get("TUNETON_GATEWAY_UPSTREAM", "")
    if upstream.rsplit(":", 1)[0] not in services:
        problems.append(f"gateway: TUNETON_GATEWAY_UPSTREAM={upstream!r} does not point at a service of this file")


def check(path: Path) -> list[str]:
    """Every problem found in the compose file at ``path`` (empty when it is fine)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        return [f"{path}: top level must be a mapping"]
    problems = [
        f"unknown top-level key {key!r}" for key in data if key not in TOP_LEVEL and not str(key).startswith("x-")
    ]
    services: dict[str, Any] = data.get("services") or {}
    volumes = set((data.get("volumes") or {}).keys())

    for name in (*EXPECTED_IMAGES, *APP_SERVICES, GATEWAY):
        if name not in services:
            problems.append(f"missing service {name!r}")
    for name, image in EXPECTED_IMAGES.items():
        if name in services and services[name].get("image") != image:
            problems.append(f"{name}: image should be {image}, got {services[name].get('image')!r}")
    for name, command in EXPECTED_COMMANDS.items():
        if name in services and _command(services[name].get("command")) != command:
            problems.append(f"{name}: command should be {' '.join(command)!r}")

    for name, svc in services.items():
        _check_service(path, name, svc, services, volumes, problems)
    _check_registry(services, problems)
    return problems


def main(argv: list[str]) -> int:
    path = Path(argv[0]) if argv else ROOT / "docker-compose.yml"
    problems = check(path)
    for problem in problems:
        sys.stdout.write(f"FAIL {problem}\n")
    if not problems:
        sys.stdout.write(f"OK   {path.name}: services {', '.join(yaml.safe_load(path.read_text())['services'])}\n")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
