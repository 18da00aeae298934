"""What an image reference and an environment say, for both readers: registry, pinning, data stores, credentials.

An image on a well-known public registry (or with no registry, Docker Hub) is ``public``; one on a
host that looks internal (``localhost``, an IP address, a ``.local``/``.internal``/``.svc`` name, a
port) is ``private``; any other host is left ``unknown`` — a cloud registry can be either. Data
stores are recognised by the image's repository name, not by its tag.
"""

from __future__ import annotations

import re

PUBLIC_REGISTRIES = frozenset(
    {"docker.io", "index.docker.io", "registry-1.docker.io", "ghcr.io", "quay.io", "gcr.io", "registry.k8s.io",
     "k8s.gcr.io", "mcr.microsoft.com", "public.ecr.aws", "registry.gitlab.com", "docker.elastic.co", "nvcr.io"}
)  # fmt: skip
STORE_IMAGES = {
    "database": ("postgres", "mysql", "mariadb", "mongo", "mongodb", "cassandra", "cockroach", "couchdb", "couchbase",
                 "mssql", "oracle", "neo4j", "influxdb", "timescaledb", "clickhouse", "elasticsearch", "opensearch",
                 "spanner", "cloud-sql", "dynamodb", "scylla", "minio", "etcd", "zookeeper", "cart-db", "catalogue-db",
                 "user-db", "orders-db"),
    "cache": ("redis", "memcached", "valkey", "keydb", "hazelcast", "dragonfly"),
    "message_queue": ("rabbitmq", "kafka", "nats", "activemq", "pulsar", "mosquitto", "emqx", "redpanda"),
}  # fmt: skip
_CREDENTIAL_NAME = re.compile(r"(PASS(WORD|WD)?|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIAL|AUTH)", re.I)
_CREDENTIAL_VALUE = re.compile(
    r"(AKIA[0-9A-Z]{16}|ghp_[A-Za-z0-9]{30,}|xox[baprs]-[A-Za-z0-9-]{10,}|-----BEGIN [A-Z ]*PRIVATE KEY)"
)
_PLACEHOLDER = re.compile(r"^(\$\{?[A-Za-z_][A-Za-z0-9_]*\}?|<[^>]*>|changeme|\*+|)$", re.I)
# A cryptocurrency miner named in an image, a command or its arguments: the miners' own names, the stratum
# mining protocol, and the proof-of-work algorithms and pool hosts miners are configured with (the signals
# Falco's and Kubescape's miner rules use). A word match, so "minerva" or "examiner" is not one.
_MINER = re.compile(
    r"(?<![a-z0-9])(xmrig|xmr-stak|cpuminer|cgminer|bfgminer|ethminer|t-rex|nbminer|lolminer|phoenixminer|minerd|"
    r"nanominer|srbminer|teamredminer|gminer|stratum\+(tcp|ssl|tls)|cryptonight|randomx|"
    r"[a-z0-9.-]*(xmrpool|nanopool|minexmr|supportxmr|hashvault|moneroocean|2miners|f2pool|nicehash)\.[a-z]+)(?![a-z0-9])",
    re.I,
)


def registry_of(image: str) -> str:
    """The registry host of an image reference (``docker.io`` when it names none)."""
    first, _, rest = image.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        return first.lower()
    return "docker.io"


def registry_kind(image: str) -> str:
    host = registry_of(image)
    if host in PUBLIC_REGISTRIES or (host.endswith((".gcr.io", ".pkg.dev")) and "google-samples" in image):
        return "public"
    bare = host.split(":")[0]
    if (
        ":" in host
        or bare == "localhost"
        or re.fullmatch(r"[0-9.]+", bare)
        or bare.endswith((".local", ".internal", ".svc", ".lan"))
    ):
        return "private"
    return "unknown"


def is_pinned(image: str) -> bool:
    return "@sha256:" in image


def repository_words(image: str) -> list[str]:
    path = image.split("@")[0]
    last = path.rsplit("/", 1)[-1].split(":")[0].lower()
    return [last, *re.split(r"[-_.]", last)]


def store_kind(image: str) -> str:
    words = repository_words(image)
    for component, names in STORE_IMAGES.items():
        if any(word in names for word in words) or words[0] in names:
            return component
    return ""


def names_a_miner(*texts: str) -> bool:
    """Whether an image reference, command or argument names a cryptocurrency miner or a mining pool."""
    return any(_MINER.search(text) for text in texts)


def credential_value(name: str, value: str) -> bool:
    """A literal in the manifest that is a credential: a credential-looking name with a real value, or a known key format."""
    text = value.strip()
    if _CREDENTIAL_VALUE.search(text):
        return True
    return (
        bool(_CREDENTIAL_NAME.search(name)) and not _PLACEHOLDER.match(text) and text.lower() not in {"true", "false"}
    )
