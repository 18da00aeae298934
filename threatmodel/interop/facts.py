"""Other tools' element and flow facts in our property vocabulary: one table per source, read by the importers.

A fact the vocabulary has a property for becomes that property (``dfd.vocabulary``): TMT's
"Provides Confidentiality: Yes" on a flow is ``encrypted: true``, Threat Dragon's ticked
"isALog" is ``is_log: true``. A fact it has no property for is kept, under the source's own name
for it, in the ``extra`` map ("Provides Integrity": "Yes"), and so is the source's own value when
our property says less than it did (TMT's "Running As: Network Service" is ``privilege_level:
user`` and stays in ``extra``). Nothing that means "not answered" becomes a fact: TMT's
"Select", "Not Selected", "Not Applicable" and an unticked Threat Dragon box leave a property
unset, so the engine asks about it rather than assuming (``unknown`` is a value a person gives).

Out of scope (TMT's "Out Of Scope", Threat Dragon's ``outOfScope``) is ``out_of_scope: true`` with
its reason in ``out_of_scope_reason``: the engine does not analyse such an element or flow, and
the exports carry both. ``docs/interop.md`` has the tables as prose.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dfd import vocabulary

EE, PR, DS, TB, FLOW = "external_entity", "process", "data_store", "trust_boundary", "flow"
NODES = (EE, PR, DS)
# The words that mean "nobody answered" in the tools we read (lower case).
UNANSWERED = {"", "select", "not selected", "not applicable", "n/a", "none selected"}
YES_NO: Mapping[str, Any] = {"yes": True, "no": False, "true": True, "false": False}


@dataclass(frozen=True)
class Fact:
    """One foreign property: which of ours it sets, through which values, and whether its own value is kept too."""

    prop: str
    values: Mapping[str, Any] | None = None  # foreign value (lower case) -> ours; None copies the text
    keep: bool = False  # keep the foreign value in ``extra`` as well (our property says less)
    kinds: tuple[str, ...] = (EE, PR, DS, FLOW)


@dataclass
class Facts:
    """Properties under construction for one element or flow: ours, and the extras under their source names."""

    kind: str
    properties: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, str] = field(default_factory=dict)

    def set(self, name: str, value: Any) -> None:
        """Set one of our properties where it applies to this kind (its value is checked with the rest of the file)."""
        if name in vocabulary.specs_for(self.kind):
            self.properties[name] = value

    def keep(self, name: object, value: object) -> None:
        """Keep a foreign fact under its own name (a scalar, or a list or object as compact JSON)."""
        text = _text_of(value)
        label = " ".join(str(name).split())[: vocabulary.MAP_NAME_MAX]
        if label and text is not None and text.lower() not in UNANSWERED and label not in self.extra:
            self.extra[label] = text

    def read(self, table: Mapping[str, Fact], name: str, value: object) -> bool:
        """Map one foreign ``name: value`` through ``table``; False when the table has no entry for it."""
        fact = table.get(name.strip().lower())
        if fact is None or self.kind not in fact.kinds:
            return False
        text = _text_of(value)
        if text is None or text.strip().lower() in UNANSWERED:
            return True
        if fact.values is None:
            self.set(fact.prop, " ".join(text.split()))
        elif text.strip().lower() in fact.values:
            self.set(fact.prop, fact.values[text.strip().lower()])
            if fact.keep:
                self.keep(name, text)
        else:
            self.keep(name, text)
        return True

    def result(self) -> dict[str, Any]:
        if self.extra and "extra" in vocabulary.specs_for(self.kind):
            self.properties["extra"] = dict(sorted(self.extra.items()))
        return self.properties


def _text_of(value: object) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int | float) and math.isfinite(value):
        return str(value)
    if isinstance(value, list | dict) and value:
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return None


# --- Microsoft TMT: stencil and flow properties (by display name; StartLeft's OTM keeps the same names) ----------

_RUNNING_AS = {
    "kernel": "system",
    "system": "system",
    "network service": "user",
    "local service": "user",
    "administrator": "admin",
    "standard user with elevation": "admin",
    "standard user without elevation": "user",
}
_AZURE_STORAGE = {"blob": "object_storage", "file": "object_storage", "queue": "message_queue", "table": "database"}
_NETWORK_ACCESS = {
    "allow access from all networks": True,
    "allow access from selected networks": False,
    "allow access from selective networks": False,
    "allow access from azure": False,
}
_ACCEPTS_INPUT = {
    "any remote user or entity": True,
    "kernel, system, or local admin": False,
    "local or network service": False,
    "local standard user with elevation": False,
    "local standard user without elevation": False,
    "windows store apps or app container processes": False,
    "nothing": False,
}

TMT: Mapping[str, Fact] = {
    "out of scope": Fact("out_of_scope", YES_NO),
    "reason for out of scope": Fact("out_of_scope_reason"),
    # process
    "implements or uses an authentication mechanism": Fact("authenticated", YES_NO, kinds=(PR,)),
    "sanitizes input": Fact("validates_input", YES_NO, kinds=(PR,)),
    "running as": Fact("privilege_level", _RUNNING_AS, keep=True, kinds=(PR,)),
    "accepts input from": Fact("public_network", _ACCEPTS_INPUT, keep=True, kinds=(PR,)),
    # external interactor
    "authenticates itself": Fact("authenticated", YES_NO, kinds=(EE,)),
    # data store
    "stores credentials": Fact("stores_credentials", YES_NO, kinds=(DS,)),
    "stores log data": Fact("is_log", YES_NO, kinds=(DS,)),
    "encrypted": Fact("encrypted", YES_NO, kinds=(DS,)),
    "backup": Fact("backed_up", YES_NO, kinds=(DS,)),
    "storage type": Fact("component", _AZURE_STORAGE, keep=True, kinds=(DS,)),
    "network security": Fact("public_network", _NETWORK_ACCESS, keep=True, kinds=(DS,)),
    "azure postgres db firewall settings": Fact("public_network", _NETWORK_ACCESS, keep=True, kinds=(DS,)),
    # data flow
    "source authenticated": Fact("authenticated", YES_NO, kinds=(FLOW,)),
    "destination authenticated": Fact("destination_authenticated", YES_NO, kinds=(FLOW,)),
    "provides confidentiality": Fact("encrypted", YES_NO, kinds=(FLOW,)),
}
# Drawing details, not facts about the system: TMT's tab order of flows, and the element's own name.
TMT_IGNORED = {"name", "dataflow order"}

# Stencil types (TypeId) that say what a component is.
TMT_COMPONENTS = {
    "SE.EI.TMCore.Browser": "user_browser",
    "SE.P.TMCore.BrowserClient": "user_browser",
    "SE.EI.TMCore.AuthProvider": "identity_provider",
    "SE.P.TMCore.ADFS": "identity_provider",
    "SE.P.TMCore.AzureAD": "identity_provider",
    "SE.P.TMCore.IdSrv": "identity_provider",
    "SE.DS.TMCore.SQL": "database",
    "SE.DS.TMCore.NoSQL": "database",
    "SE.DS.TMCore.AzureSQLDB": "database",
    "SE.DS.TMCore.AzureMySQLDB": "database",
    "SE.DS.TMCore.AzurePostgresDB": "database",
    "SE.DS.TMCore.AzureSQLDWDB": "database",
    "SE.P.TMCore.AzureDocumentDB": "database",
    "SE.DS.TMCore.Cache": "cache",
    "SE.P.TMCore.AzureRedis": "cache",
    "SE.DS.TMCore.CloudStorage": "object_storage",
    "SE.DS.TMCore.AzureStorage": "object_storage",
    "SE.DS.TMCore.AzureKeyVault": "secrets_manager",
    "SE.P.TMCore.AzureEventHub": "message_queue",
    "SE.P.TMCore.AzureTrafficManager": "load_balancer",
    # Processes that serve web requests: TMT's web and API stencils (its Azure template's API rules key on them).
    "SE.P.TMCore.WebApp": "web_service",
    "SE.P.TMCore.WebAPI": "web_service",
    "SE.P.TMCore.WebSvc": "web_service",
    "SE.P.TMCore.WebServer": "web_service",
    "SE.P.TMCore.AzureAppServiceWebApp": "web_service",
    "SE.P.TMCore.AzureAppServiceApiApp": "web_service",
    "SE.P.TMCore.AzureAppServiceMobileApp": "web_service",
}
# Boundary types (TypeId) as our boundary_type.
TMT_BOUNDARIES = {
    "SE.TB.L.TMCore.Internet": "internet",
    "SE.TB.B.TMCore.CorpNet": "corporate",
    "SE.TB.L.TMCore.Machine": "node",
    "SE.TB.TMCore.MachineTrustBoundary": "node",
    "SE.TB.TMCore.AzureIaaSVMTrustBoundary": "node",
    "SE.TB.TMCore.AzureTrustBoundary": "cloud_account",
    "SE.TB.TMCore.ServiceFabric": "cluster",
    "SE.TB.TMCore.RemoteUserTrustBoundary": "network_zone",
    "SE.TB.TMCore.LocalUserTrustBoundary": "network_zone",
    "SE.TB.TMCore.IoTDeviceZone": "network_zone",
    "SE.TB.TMCore.IoTFieldGatewayZone": "network_zone",
    "SE.TB.TMCore.IoTCloudGatewayZone": "network_zone",
    "SE.TB.B.TMCore.Sandbox": "other",
    "SE.TB.L.TMCore.AppContainer": "other",
    "SE.TB.L.TMCore.Kernel": "other",
    "SE.TB.B.TMCore.IEB": "other",
    "SE.TB.B.TMCore.NonIEB": "other",
}


# --- Protocols: what a flow's protocol name says about encryption in transit -----------------------------------

# Names (lower case, as words of the protocol text) that are encrypted by definition, and ones that are plain
# text unless wrapped: "HTTPS" is encrypted, "HTTP" is not. A name in neither list (TCP, gRPC, JDBC) says nothing.
ENCRYPTED_PROTOCOLS = frozenset({
    "https", "http/s", "tls", "ssl", "mtls", "dtls", "ssh", "sftp", "scp", "ftps", "wss", "amqps", "mqtts",
    "ldaps", "smtps", "imaps", "pop3s", "ipsec", "wireguard", "grpcs", "rediss",
})  # fmt: skip
CLEARTEXT_PROTOCOLS = frozenset({
    "http", "ftp", "tftp", "telnet", "ws", "amqp", "mqtt", "ldap", "snmp", "upnp", "ssdp", "smb", "nfs",
    "syslog", "memcached", "redis",
})  # fmt: skip


def protocol_encrypted(protocol: object) -> bool | None:
    """True for an encrypted protocol name, False for a plain-text one, None when the name says neither.

    The text may name several layers ("HTTPS / JSON", "TLS over TCP"): one encrypted layer makes the flow
    encrypted; only a plain-text name with no encrypted layer makes it unencrypted.
    """
    if not isinstance(protocol, str):
        return None
    text = protocol.strip().lower()
    if not text:
        return None
    words = {text, *"".join(ch if ch.isalnum() or ch == "/" else " " for ch in text).split()}
    if words & ENCRYPTED_PROTOCOLS:
        return True
    if words & CLEARTEXT_PROTOCOLS:
        return False
    return None


def _protocol(facts: Facts, protocol: object) -> None:
    """A flow's protocol as ``encrypted`` where nothing the tool stated set it already."""
    if facts.kind == FLOW and "encrypted" not in facts.properties:
        encrypted = protocol_encrypted(protocol)
        if encrypted is not None:
            facts.set("encrypted", encrypted)


def tmt_facts(
    kind: str, props: Mapping[str, str], *, type_id: str = "", type_name: str = "", protocol: str = ""
) -> dict[str, Any]:
    """A TMT stencil's or flow's properties (``{display name: value}``) and its type as our vocabulary.

    A flow's stencil type is its protocol (``HTTPS``, ``HTTP``): it says whether the flow is encrypted when
    "Provides Confidentiality" is not answered.
    """
    facts = Facts(kind)
    if kind in NODES and type_name:
        facts.set("technology", type_name)
    if kind in NODES and type_id in TMT_COMPONENTS:
        facts.set("component", TMT_COMPONENTS[type_id])
    if kind == TB:
        boundary_type = TMT_BOUNDARIES.get(type_id) or ("internet" if "internet" in props.get("Name", "").lower() else None)
        if boundary_type:
            facts.set("boundary_type", boundary_type)
            if boundary_type == "internet":
                facts.set("public_network", True)
        if type_name:
            facts.keep("Stencil type", type_name)
    for name, value in props.items():
        if name.strip().lower() not in TMT_IGNORED and not facts.read(TMT, name, value):
            facts.keep(name, value)
    _protocol(facts, protocol)
    return facts.result()


# --- OWASP Threat Dragon: the property form of each cell type -------------------------------------------------

TD: Mapping[str, Fact] = {
    "outofscope": Fact("out_of_scope", {"true": True}),
    "reasonoutofscope": Fact("out_of_scope_reason"),
    "providesauthentication": Fact("authenticated", {"true": True}, kinds=(EE,)),
    "isalog": Fact("is_log", {"true": True}, kinds=(DS,)),
    "isencrypted": Fact("encrypted", {"true": True}, kinds=(DS, FLOW)),
    "storescredentials": Fact("stores_credentials", {"true": True}, kinds=(DS,)),
    "ispublicnetwork": Fact("public_network", {"true": True}, kinds=(FLOW,)),
    "iswebapplication": Fact("component", {"true": "web_service"}, keep=True, kinds=(PR,)),
}
# Keys of a cell's data that are the cell itself (drawn, named, carried elsewhere), not facts.
TD_STRUCTURAL = {"type", "name", "description", "threats", "hasopenthreats", "istrustboundary", "threatfrequency",
                 "protocol", "isbidirectional", "trustboundaryids", "containedelements", "crossingflows", "new"}  # fmt: skip
# Version 1 files keep the flags on the cell among its drawing keys: only these are facts there.
TD_V1_FACTS = {"outofscope", "reasonoutofscope", "providesauthentication", "isalog", "isencrypted", "issigned", "storescredentials",
               "storesinventory", "ispublicnetwork", "privilegelevel", "handlescardpayment", "handlesgoodsorservices",
               "iswebapplication"}  # fmt: skip
_PRIVILEGE_WORDS = {
    "anonymous": "anonymous", "none": "anonymous", "guest": "anonymous", "unauthenticated": "anonymous",
    "user": "user", "standard": "user", "low": "user", "limited": "user",
    "admin": "admin", "administrator": "admin", "elevated": "admin", "high": "admin",
    "root": "system", "system": "system", "kernel": "system", "superuser": "system",
}  # fmt: skip


def td_facts(kind: str, data: Mapping[str, Any], *, v1: bool = False) -> dict[str, Any]:
    """A Threat Dragon cell's property form as our vocabulary: ticked boxes, the privilege level, out of scope.

    An unticked box is "not considered" in Threat Dragon (its default), so it sets nothing; a flow's protocol
    name still says whether it is encrypted (``protocol_encrypted``), and a ticked "Web Application" makes the
    process a ``web_service``.
    """
    facts = Facts(kind)
    for name, value in data.items():
        key = str(name).lower()
        if key in TD_STRUCTURAL or (v1 and key not in TD_V1_FACTS) or value is False or name == "threatmodelWorkbench":
            continue
        if key == "privilegelevel" and isinstance(value, str):
            _privilege(facts, value)
        elif key == "reasonoutofscope" and data.get("outOfScope") is not True:
            continue
        elif not facts.read(TD, str(name), value):
            facts.keep(name, value)
    # An unticked "Encrypted" is "not considered"; the flow's protocol (HTTPS, HTTP) may still say.
    _protocol(facts, data.get("protocol"))
    return facts.result()


def _privilege(facts: Facts, text: str) -> None:
    words = [word for word in "".join(ch.lower() if ch.isalnum() else " " for ch in text).split() if word in _PRIVILEGE_WORDS]
    if words:
        facts.set("privilege_level", _PRIVILEGE_WORDS[words[0]])
    facts.keep("privilegeLevel", text)


# --- Open Threat Model: attributes, tags, assets, trust ratings ---------------------------------------------


def otm_facts(kind: str, obj: Mapping[str, Any], *, confidentiality: float | None = None) -> dict[str, Any]:
    """An OTM object's free attributes (StartLeft writes TMT's display names there), tags and data's confidentiality."""
    facts = Facts(kind)
    for name, value in obj.get("attributes", {}).items() if isinstance(obj.get("attributes"), Mapping) else ():
        if str(name) == "threatmodel" or str(name).strip().lower() in TMT_IGNORED:
            continue
        if not facts.read(TMT, str(name), value):
            facts.keep(name, value)
    tags = [tag for tag in obj.get("tags") or [] if isinstance(tag, str)] if isinstance(obj.get("tags"), list) else []
    if tags:
        facts.keep("tags", ", ".join(tags))
    if kind == TB:
        rating = obj.get("risk", {}).get("trustRating") if isinstance(obj.get("risk"), Mapping) else None
        if isinstance(rating, int | float) and not isinstance(rating, bool):
            facts.keep("trustRating", rating)
    if confidentiality is not None:
        facts.set("data_classification", classification(confidentiality))
    return facts.result()


_CLASSIFICATION_FLOORS = ((75, "restricted"), (50, "confidential"), (25, "internal"), (float("-inf"), "public"))


def classification(confidentiality: float) -> str:
    """OTM's 0-100 confidentiality of an asset as our data classification (quarters of the scale)."""
    return next(label for floor, label in _CLASSIFICATION_FLOORS if confidentiality >= floor)
