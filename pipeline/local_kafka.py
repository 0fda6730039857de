"""A local Apache Kafka (KRaft) that samenspel resolves, starts and stops by itself.

No Docker: Maven resolves the broker jars (version pinned in deploy/local/pom.xml) into a cache
outside the repository; each start formats fresh data directories and launches one JVM per node,
all on 127.0.0.1. Node ``i`` (0-based) listens on ``base_port + 2*i`` (broker) and
``base_port + 2*i + 1`` (controller). The cluster's state (ports, pids) lives in
``<state dir>/cluster.json``.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from pipeline.errors import SamenspelError

DEPLOY_LOCAL = Path(__file__).resolve().parent.parent / "deploy" / "local"
START_TIMEOUT_S = 90.0


def cache_dir() -> Path:
    """Where jars are cached: outside the repo, shared by every checkout on the machine."""
    base = os.environ.get("SAMENSPEL_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "samenspel"
    )
    return Path(base)


def state_dir() -> Path:
    """Where a running cluster keeps its data, logs and state file."""
    return Path(os.environ.get("SAMENSPEL_KAFKA_STATE_DIR") or cache_dir() / "local-kafka")


@dataclass
class Node:
    node_id: int
    broker_port: int
    controller_port: int
    pid: int
    log_file: str
    properties_file: str


@dataclass
class Cluster:
    nodes: list[Node]
    cluster_id: str
    version: str

    @property
    def bootstrap(self) -> str:
        return ",".join(f"127.0.0.1:{node.broker_port}" for node in self.nodes)


def kafka_version() -> str:
    """The pinned Kafka version, read from the one place it is written."""
    text = (DEPLOY_LOCAL / "pom.xml").read_text(encoding="utf-8")
    start = text.index("<kafka.version>") + len("<kafka.version>")
    return text[start : text.index("</kafka.version>")].strip()


def _require_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise SamenspelError(f"'{name}' was not found on PATH; install a JDK 17+ and Maven first")
    return path


def resolve_jars() -> Path:
    """Resolve the broker's runtime closure with Maven once; later calls reuse the cache."""
    version = kafka_version()
    libs = cache_dir() / f"kafka-{version}" / "libs"
    marker = libs / ".complete"
    if marker.exists():
        return libs
    mvn = _require_tool("mvn")
    libs.mkdir(parents=True, exist_ok=True)
    command = [
        mvn, "-q", "-B", "-f", str(DEPLOY_LOCAL / "pom.xml"),
        "dependency:copy-dependencies", "-DincludeScope=runtime", f"-DoutputDirectory={libs}",
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        tail = (result.stdout + result.stderr).strip().splitlines()[-3:]
        raise SamenspelError(f"Maven could not resolve Kafka {version}: {' | '.join(tail)}")
    if not list(libs.glob("kafka_2.13-*.jar")):
        raise SamenspelError(f"Maven finished but no kafka_2.13 jar is in {libs}")
    marker.touch()
    return libs


def _java_command(libs: Path) -> list[str]:
    return [
        _require_tool("java"), "-Xms128m", "-Xmx512m", "-XX:+UseSerialGC",
        "-Djava.awt.headless=true",
        f"-Dlog4j2.configurationFile={DEPLOY_LOCAL / 'log4j2.properties'}",
        "-cp", f"{libs}/*",
    ]  # fmt: skip


def port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.3)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie child is not alive
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


def load_cluster() -> Cluster | None:
    state_file = state_dir() / "cluster.json"
    if not state_file.exists():
        return None
    data = json.loads(state_file.read_text(encoding="utf-8"))
    return Cluster(
        nodes=[Node(**node) for node in data["nodes"]],
        cluster_id=data["cluster_id"],
        version=data["version"],
    )


def _save_cluster(cluster: Cluster) -> None:
    state = state_dir()
    state.mkdir(parents=True, exist_ok=True)
    (state / "cluster.json").write_text(json.dumps(asdict(cluster), indent=2), encoding="utf-8")


def _write_properties(node_id: int, nodes: int, base_port: int, run: Path) -> Path:
    template = (DEPLOY_LOCAL / "server.properties.template").read_text(encoding="utf-8")
    voters = ",".join(f"{i + 1}@127.0.0.1:{base_port + 2 * i + 1}" for i in range(nodes))
    replication = min(nodes, 3)
    node_dir = run / f"node-{node_id}"
    node_dir.mkdir(parents=True, exist_ok=True)
    path = node_dir / "server.properties"
    path.write_text(
        template.format(
            node_id=node_id + 1,
            voters=voters,
            broker_port=base_port + 2 * node_id,
            controller_port=base_port + 2 * node_id + 1,
            log_dir=node_dir / "data",
            replication=replication,
            min_isr=max(1, replication - 1),
        ),
        encoding="utf-8",
    )
    return path


def _launch(libs: Path, properties: Path, log_file: Path) -> int:
    with log_file.open("ab") as log:
        process = subprocess.Popen(
            [*_java_command(libs), "kafka.Kafka", str(properties)],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    return process.pid


def start(nodes: int = 1, base_port: int = 9092, timeout_s: float = START_TIMEOUT_S) -> Cluster:
    """Format fresh data directories, start ``nodes`` combined nodes, wait until all are brokers."""
    if nodes < 1 or nodes > 9:
        raise SamenspelError(f"--nodes must be between 1 and 9, got {nodes}")
    existing = load_cluster()
    if existing and any(pid_alive(node.pid) for node in existing.nodes):
        raise SamenspelError(
            f"a local Kafka is already running at {existing.bootstrap}; "
            "run 'samenspel kafka stop' first"
        )
    ports = [base_port + offset for offset in range(2 * nodes)]
    busy = [port for port in ports if port_in_use(port)]
    if busy:
        raise SamenspelError(
            f"port {busy[0]} on 127.0.0.1 is already in use; stop what uses it or pick --port"
        )
    libs = resolve_jars()
    run = state_dir() / "run"
    shutil.rmtree(run, ignore_errors=True)
    run.mkdir(parents=True)
    java = _java_command(libs)
    cluster_id = (
        subprocess.run(
            [*java, "kafka.tools.StorageTool", "random-uuid"],
            capture_output=True,
            text=True,
            check=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    started: list[Node] = []
    for node_id in range(nodes):
        properties = _write_properties(node_id, nodes, base_port, run)
        formatted = subprocess.run(
            [*java, "kafka.tools.StorageTool", "format", "-t", cluster_id, "-c", str(properties)],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if formatted.returncode != 0:
            raise SamenspelError(
                f"formatting node {node_id + 1} failed: {formatted.stderr.strip()[-300:]}"
            )
        log_file = properties.parent / "broker.log"
        pid = _launch(libs, properties, log_file)
        started.append(
            Node(node_id + 1, base_port + 2 * node_id, base_port + 2 * node_id + 1, pid,
                 str(log_file), str(properties))
        )  # fmt: skip
    cluster = Cluster(nodes=started, cluster_id=cluster_id, version=kafka_version())
    _save_cluster(cluster)
    try:
        wait_until_ready(cluster, timeout_s)
    except SamenspelError:
        stop()
        raise
    return cluster


def restart_node(cluster: Cluster, node_id: int) -> Node:
    """Start a stopped node again on its existing data (used by fault tests)."""
    node = next(n for n in cluster.nodes if n.node_id == node_id)
    if pid_alive(node.pid):
        return node
    node.pid = _launch(resolve_jars(), Path(node.properties_file), Path(node.log_file))
    _save_cluster(cluster)
    return node


def kill_node(cluster: Cluster, node_id: int, sig: int = signal.SIGKILL) -> None:
    """Kill one node's JVM (used by fault tests)."""
    node = next(n for n in cluster.nodes if n.node_id == node_id)
    if pid_alive(node.pid):
        os.kill(node.pid, sig)


def broker_count(bootstrap: str, timeout_s: float = 5.0) -> int:
    """How many brokers the cluster's metadata lists; raises when nobody answers."""
    from kafka import KafkaAdminClient  # kafka-python; imported late to keep the CLI start fast

    admin = KafkaAdminClient(
        bootstrap_servers=bootstrap.split(","),
        request_timeout_ms=int(timeout_s * 1000),
        client_id="samenspel-kafka-status",
    )
    try:
        return len(admin.describe_cluster()["brokers"])
    finally:
        admin.close()


def wait_until_ready(cluster: Cluster, timeout_s: float) -> None:
    """Return once every node's broker port is open and metadata lists every broker."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        dead = [node for node in cluster.nodes if not pid_alive(node.pid)]
        if dead:
            log_tail = Path(dead[0].log_file).read_text(errors="replace").strip().splitlines()[-5:]
            raise SamenspelError(
                f"Kafka node {dead[0].node_id} exited during start: {' | '.join(log_tail)}"
            )
        if all(port_in_use(node.broker_port) for node in cluster.nodes):
            try:
                if broker_count(cluster.bootstrap) == len(cluster.nodes):
                    return
            except Exception:
                pass
        time.sleep(0.5)
    raise SamenspelError(
        f"Kafka did not become ready within {timeout_s:.0f} s; see {cluster.nodes[0].log_file}"
    )


def stop(timeout_s: float = 15.0) -> int:
    """Stop every node (SIGTERM, SIGKILL after ``timeout_s``); returns how many were running.

    Returns only when every node process is gone, so that its ports are free for the next start.
    Data directories are fresh on every start, so a node killed mid-shutdown loses nothing.
    """
    cluster = load_cluster()
    if cluster is None:
        return 0
    running = [node for node in cluster.nodes if pid_alive(node.pid)]
    for node in running:
        os.kill(node.pid, signal.SIGTERM)
    _wait_until_gone(running, timeout_s)
    for node in running:
        if pid_alive(node.pid):
            os.kill(node.pid, signal.SIGKILL)
    _wait_until_gone(running, 10.0)
    (state_dir() / "cluster.json").unlink(missing_ok=True)
    return len(running)


def _wait_until_gone(nodes: list[Node], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for node in nodes:
            _reap(node.pid)
        if not any(pid_alive(node.pid) for node in nodes):
            return
        time.sleep(0.2)


def _reap(pid: int) -> None:
    """Collect a child's exit status if the node was started by this very process."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
