"""Reading Open Threat Model files (OTM 0.1.0 and 0.2.0, JSON or YAML) into the native document.

The translator is a sequence of named steps over one ``_OtmReader`` — project, diagrams, the
collections and their ids, boundaries (trust zones), elements (components), flows (dataflows) —
followed by ``_OtmThreats`` (threat instances, then mitigations). Each step reads what the
earlier ones resolved (zone keys before components, component keys before dataflows and threats).

Our own files (``project.attributes.threatmodel.format``) round-trip exactly. Other tools' files
are read leniently, the way StartLeft and IriusRisk write them: components nested in components
move to the nearest trust zone, component kinds are guessed from their ``type`` and name, STRIDE
categories become codes, 0-100 ratings become 1-5 levels, catalogue threats that are instantiated
nowhere are not imported (with a warning). What cannot be read safely — a dataflow whose end is
not a component, a threat instance whose catalogue entry is missing — is an error that names its
path.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from stride.choices import ThreatStatus
from threatmodel.interop.facts import otm_facts
from threatmodel.interop.otm import _TRUST_RATING, NS, OURS, guess_component, guess_kind
from threatmodel.interop.translate import (
    STRIDE_NAMES,
    NativeBuilder,
    Translation,
    as_list,
    as_mapping,
    clean_line,
    level_from_percent,
    stride_code,
    threat_description_in,
    threat_meta_in,
    threat_status,
)

# IriusRisk's trust-zone library ids, as StartLeft writes them.
_IRIUSRISK_ZONES = {
    "f0ba7722-39b6-4c81-8290-a30a248bb8d9": "internet",
    "b61d6911-338d-46a8-9f39-8dcd24abfe91": "cloud_account",
    "2ab4effa-40b7-4cd2-ba81-8247d29a6f2d": "cloud_account",
}
_MITIGATION_STATES = {"proposed": 0, "recommended": 0, "required": 0, "open": 0, "planned": 1, "implemented": 2, "verified": 3}
_MITIGATION_STATUS = ("proposed", "planned", "implemented", "verified")
_COLLECTIONS = ("trustZones", "components", "dataflows")


def otm_translate(document: Any) -> Translation:
    build = NativeBuilder("otm")
    root = as_mapping(document)
    if not root:
        build.fail("$", "an OTM file is a JSON or YAML object")
        return build.translation()
    reader = _OtmReader(build, root)
    reader.project()
    reader.diagrams()
    reader.collections()
    reader.boundaries()
    reader.elements()
    reader.flows()
    _OtmThreats(reader).read()
    if reader.ours:
        _coverage_notes(build, reader.project_ours)
    return build.translation()


# --- small readers --------------------------------------------------------------------------------------


def _ours(obj: dict[str, Any]) -> dict[str, Any]:
    return as_mapping(as_mapping(obj.get("attributes")).get(NS))


def _id(value: object) -> str | None:
    if isinstance(value, str) and value:
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def _position(shapes: list[Any]) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """Position and size of an object's first drawn shape."""
    for shape in shapes:
        shape = as_mapping(shape)
        position = shape.get("position")
        if isinstance(position, dict):
            return position, as_mapping(shape.get("size")) or None
    return None, None


def _zone_type(zone: dict[str, Any]) -> str | None:
    """A foreign zone's boundary type: IriusRisk's library id, one of our type names, or "internet" by name."""
    zone_type = str(zone.get("type") or "")
    boundary_type = _IRIUSRISK_ZONES.get(zone_type) or (zone_type if zone_type in _TRUST_RATING or zone_type == "other" else None)
    if boundary_type is None and "internet" in clean_line(zone.get("name")).lower():
        return "internet"
    return boundary_type


# --- project, diagrams, zones, components, dataflows --------------------------------------------------


class _OtmReader:
    """The file being read and what the steps so far resolved (ids, keys, kinds, parents)."""

    def __init__(self, build: NativeBuilder, root: dict[str, Any]) -> None:
        self.build = build
        self.root = root
        self.ours = False
        self.project_ours: dict[str, Any] = {}
        self.zones: list[dict[str, Any]] = []
        self.components: list[dict[str, Any]] = []
        self.dataflows: list[dict[str, Any]] = []
        self.zone_ids: dict[str, int] = {}
        self.component_ids: dict[str, int] = {}
        self.zone_keys: dict[str, str] = {}
        self.zone_parent: dict[str, str | None] = {}
        self.synthetic: set[str] = set()
        self.component_keys: dict[str, str] = {}
        self.component_kinds: dict[str, str] = {}
        self.flow_keys: dict[str, str] = {}
        self.asset_confidentiality: dict[str, float] = {}  # OTM asset id -> its 0-100 confidentiality rating
        self._layout: dict[str | None, int] = defaultdict(int)

    def project(self) -> None:
        build, root = self.build, self.root
        if not isinstance(root.get("otmVersion"), str):
            build.fail("otmVersion", "is required (a string such as '0.2.0')")
        project = root.get("project")
        if not isinstance(project, dict):
            build.fail("project", "is required (an object with name and id)")
            project = {}
        self.project_ours = _ours(project)
        build.model_origin = "project"
        self.ours = self.project_ours.get("format") == OURS
        build.model.update(
            name=build.name(project.get("name"), "Imported OTM model"),
            description=build.text(project.get("description")),
            scope=build.text(self.project_ours.get("scope", "")) if self.ours else "",
            assumptions=build.text(self.project_ours.get("assumptions", "")) if self.ours else "",
        )

    def diagrams(self) -> None:
        """Our files: one diagram per diagram representation. Others: one diagram for everything."""
        representations = as_list(self.root.get("representations"))
        diagram_reps = [as_mapping(rep) for rep in representations if as_mapping(rep).get("type") == "diagram"]
        if not self.ours:
            first = diagram_reps[0] if diagram_reps else {}
            self.build.add_diagram(first.get("name") or "Level 0", "representations[0]" if first else "$")
            if len(diagram_reps) > 1:
                self.build.warn(f"The file has {len(diagram_reps)} diagram representations; every component was placed in one diagram.")
            return
        for rep in diagram_reps:
            level = as_mapping(_ours(rep)).get("level", "level_0")
            self.build.add_diagram(rep.get("name"), f"representations[{representations.index(rep)}]", level=str(level))
        if not diagram_reps:
            self.build.add_diagram("Level 0", "representations")

    def collections(self) -> None:
        """The three lists, and ids unique across zones, components and dataflows (as StartLeft requires)."""
        lists: dict[str, list[dict[str, Any]]] = {}
        for field_name in _COLLECTIONS:
            value = self.root.get(field_name)
            if value is not None and not isinstance(value, list):
                self.build.fail(field_name, "must be a list")
            lists[field_name] = [as_mapping(item) for item in as_list(value)]
        self.zones, self.components, self.dataflows = (lists[name] for name in _COLLECTIONS)
        seen: dict[str, str] = {}
        for collection, items in lists.items():
            for index, item in enumerate(items):
                self._check_id(item, f"{collection}[{index}]", seen)
        self.zone_ids = {str(z.get("id")): index for index, z in enumerate(self.zones) if _id(z.get("id"))}
        for raw in as_list(self.root.get("assets")):
            asset, risk = as_mapping(raw), as_mapping(as_mapping(raw).get("risk"))
            value = risk.get("confidentiality")
            if _id(asset.get("id")) and isinstance(value, int | float) and not isinstance(value, bool):
                self.asset_confidentiality[str(asset["id"])] = float(value)
        self.component_ids = {str(c.get("id")): index for index, c in enumerate(self.components) if _id(c.get("id"))}

    def _check_id(self, item: dict[str, Any], path: str, seen: dict[str, str]) -> None:
        if not item:
            self.build.fail(path, "must be an object")
            return
        ident = _id(item.get("id"))
        if ident is None:
            self.build.fail(f"{path}.id", "is required (a string)")
        elif ident in seen:
            self.build.fail(f"{path}.id", f"{ident[:60]!r} is also the id of {seen[ident]}")
        else:
            seen[ident] = path

    def confidentiality(self, asset_ids: list[Any]) -> float | None:
        """The highest confidentiality of the assets an object processes, stores or carries (None: none rated)."""
        values = [self.asset_confidentiality[str(ident)] for ident in asset_ids if str(ident) in self.asset_confidentiality]
        return max(values) if values else None

    def diagram_of(self, obj: dict[str, Any]) -> int:
        if self.ours:
            value = _ours(obj).get("diagram")
            if isinstance(value, int) and 0 <= value < len(self.build.diagrams):
                return value
        return 0

    def zone_of_component(self, component_id: str, path: str) -> str | None:
        """The trust zone a component sits in, following components nested in components."""
        chain: list[str] = []
        current: str | None = component_id
        while current is not None and current in self.component_ids:
            if current in chain:
                self.build.fail(path, "components are nested in a cycle")
                return None
            chain.append(current)
            parent = as_mapping(self.components[self.component_ids[current]].get("parent"))
            if _id(parent.get("trustZone")):
                return str(parent["trustZone"])
            current = _id(parent.get("component"))
        return None

    def place(self, parent_key: str | None, position: dict[str, Any] | None, path: str) -> tuple[float, float]:
        """A drawn position (relative to the parent, as StartLeft writes it), or the next slot of a grid."""
        if position is not None:
            return (
                self.build.number(position.get("x"), f"{path}.x") or 0.0,
                self.build.number(position.get("y"), f"{path}.y") or 0.0,
            )
        slot = self._layout[parent_key]
        self._layout[parent_key] += 1
        return 30.0 + (slot % 4) * 190.0, 50.0 + (slot // 4) * 130.0

    def size(self, size: dict[str, Any] | None, path: str) -> tuple[float | None, float | None]:
        if not size:
            return None, None
        return self.build.size(size.get("width"), f"{path}.width"), self.build.size(size.get("height"), f"{path}.height")

    # --- boundaries -------------------------------------------------------------------------------------

    def boundaries(self) -> None:
        """Trust zones: parents resolved to zones (a zone inside a component moves to that component's zone)."""
        self.synthetic = {str(z.get("id")) for z in self.zones if self.ours and _ours(z).get("synthetic")}
        moved = sum(self._zone_parent(index, zone) for index, zone in enumerate(self.zones))
        self._break_zone_cycles()
        if moved:
            self.build.warn(f"{moved} trust zone(s) were nested in a component; they were placed in that component's trust zone.")
        for index, zone in enumerate(self.zones):
            ident = _id(zone.get("id"))
            if ident is not None and ident in self.zone_keys:
                self._zone(index, zone, ident)

    def _zone_parent(self, index: int, zone: dict[str, Any]) -> bool:
        """Resolve one zone's parent zone and reserve its key; True when it was nested in a component."""
        ident = _id(zone.get("id"))
        if ident is None or ident in self.synthetic:
            return False
        path = f"trustZones[{index}]"
        parent = as_mapping(zone.get("parent"))
        moved = False
        if _id(parent.get("trustZone")):
            self.zone_parent[ident] = str(parent["trustZone"])
        elif _id(parent.get("component")):
            self.zone_parent[ident] = self.zone_of_component(str(parent["component"]), f"{path}.parent")
            moved = True
        else:
            self.zone_parent[ident] = None
        wanted = self.zone_parent[ident]
        if wanted is not None and wanted not in self.zone_ids:
            self.build.warn(f"{path}.parent: {wanted[:60]!r} is not a trust zone of this file; the zone was put at the top level.")
            self.zone_parent[ident] = None
        self.zone_keys[ident] = self.build.key(ident, "boundary")
        return moved

    def _break_zone_cycles(self) -> None:
        for ident in self.zone_keys:
            chain: list[str] = []
            current: str | None = ident
            while current is not None:
                if current in chain:
                    self.build.fail(f"trustZones[{self.zone_ids[ident]}].parent", "trust zones are nested in a cycle")
                    self.zone_parent[ident] = None
                    break
                chain.append(current)
                current = self.zone_parent.get(current)

    def _zone(self, index: int, zone: dict[str, Any], ident: str) -> None:
        path = f"trustZones[{index}]"
        position, size = _position(as_list(zone.get("representations")))
        properties: dict[str, Any] = dict(as_mapping(_ours(zone).get("properties"))) if self.ours else otm_facts("trust_boundary", zone)
        boundary_type = None if self.ours else _zone_type(zone)
        if boundary_type:
            properties["boundary_type"] = boundary_type
        if boundary_type == "internet":
            properties["public_network"] = True  # the zone encloses the internet
        parent_id = self.zone_parent.get(ident)
        parent_key = self.zone_keys.get(parent_id) if parent_id else None
        x, y = self.place(parent_key, position, f"{path}.representations[0].position")
        width, height = self.size(size, f"{path}.representations[0].size")
        self.build.add_element(
            self.diagram_of(zone), hint=ident, key=self.zone_keys[ident], kind="trust_boundary", name=zone.get("name"),
            description=zone.get("description"), properties=properties, parent=parent_key, x=x, y=y, width=width,
            height=height, relative=True, origin=path,
        )  # fmt: skip

    # --- elements ---------------------------------------------------------------------------------------

    def elements(self) -> None:
        moved = 0
        for index, component in enumerate(self.components):
            ident = _id(component.get("id"))
            if ident is not None:
                moved += self._component(index, component, ident)
        if moved:
            self.build.warn(f"{moved} component(s) were nested in other components; they were placed in the nearest trust zone.")

    def _component_zone(self, component: dict[str, Any], path: str) -> tuple[str | None, bool]:
        """The component's trust zone id (or None: top level), and whether it was nested in a component."""
        parent_raw = component.get("parent")
        parent_zone: str | None = None
        moved = False
        if isinstance(parent_raw, dict) and _id(parent_raw.get("trustZone")):
            parent_zone = str(parent_raw["trustZone"])
        elif isinstance(parent_raw, dict) and _id(parent_raw.get("component")):
            parent_zone = self.zone_of_component(str(parent_raw["component"]), f"{path}.parent")
            moved = True
        elif parent_raw is not None and not isinstance(parent_raw, dict):
            self.build.fail(f"{path}.parent", "must be an object naming a trustZone or a component")
        if parent_zone is not None and parent_zone not in self.zone_ids:
            self.build.warn(f"{path}.parent: {parent_zone[:60]!r} is not a trust zone of this file; the component was put at the top level.")
            parent_zone = None
        if parent_zone in self.synthetic:
            parent_zone = None
        return parent_zone, moved

    def _kind_and_properties(self, component: dict[str, Any], path: str) -> tuple[str, dict[str, Any]]:
        component_type = clean_line(component.get("type"))
        if not self.ours:
            kind = guess_kind(component_type, clean_line(component.get("name")))
            assets = as_mapping(component.get("assets"))
            held = [*as_list(assets.get("processed")), *as_list(assets.get("stored"))]
            facts = otm_facts(kind, component, confidentiality=self.confidentiality(held))
            component_kind = guess_component(component_type, kind)
            if component_kind and "component" not in facts:
                facts["component"] = component_kind
            return kind, {"technology": component_type, **facts} if component_type else facts
        kind = str(_ours(component).get("kind", ""))
        if kind not in ("external_entity", "process", "data_store"):
            self.build.fail(f"{path}.attributes.{NS}.kind", "must be external_entity, process or data_store")
            kind = "process"
        return kind, dict(as_mapping(_ours(component).get("properties")))

    def _component(self, index: int, component: dict[str, Any], ident: str) -> bool:
        path = f"components[{index}]"
        parent_zone, moved = self._component_zone(component, path)
        kind, properties = self._kind_and_properties(component, path)
        position, size = _position(as_list(component.get("representations")))
        parent_key = self.zone_keys.get(parent_zone) if parent_zone else None
        x, y = self.place(parent_key, position, f"{path}.representations[0].position")
        width, height = self.size(size, f"{path}.representations[0].size")
        key = self.build.add_element(
            self.diagram_of(component), hint=ident, kind=kind, name=component.get("name"),
            description=component.get("description"), properties=properties, parent=parent_key, x=x, y=y,
            width=width, height=height, relative=True, origin=path,
        )  # fmt: skip
        self.component_keys[ident] = key
        self.component_kinds[key] = kind
        return moved

    # --- flows ------------------------------------------------------------------------------------------

    def flows(self) -> None:
        for index, flow in enumerate(self.dataflows):
            ident = _id(flow.get("id"))
            if ident is not None:
                self._flow(index, flow, ident)

    def _flow_ends(self, flow: dict[str, Any], path: str) -> list[str]:
        ends = []
        for field_name in ("source", "destination"):
            value = _id(flow.get(field_name))
            if value is None:
                self.build.fail(f"{path}.{field_name}", "is required (the id of a component)")
            elif value not in self.component_keys:
                what = "a trust zone" if value in self.zone_ids else "no component of this file"
                self.build.fail(f"{path}.{field_name}", f"{value[:60]!r} is {what}; a dataflow connects two components")
            else:
                ends.append(self.component_keys[value])
        return ends

    def _flow(self, index: int, flow: dict[str, Any], ident: str) -> None:
        path = f"dataflows[{index}]"
        ends = self._flow_ends(flow, path)
        if len(ends) != 2:
            return
        if ends[0] == ends[1]:
            self.build.fail(f"{path}.destination", "a dataflow must connect two different components")
            return
        diagram = self.build.elements[ends[0]].diagram
        if self.build.elements[ends[1]].diagram != diagram:
            self.build.fail(path, "a dataflow must connect components of the same diagram")
            return
        if self.ours:
            attrs = _ours(flow)
            label, protocol, properties = attrs.get("label", ""), attrs.get("protocol", ""), dict(as_mapping(attrs.get("properties")))
        else:
            label, protocol = flow.get("name"), ""
            properties = otm_facts("flow", flow, confidentiality=self.confidentiality(as_list(flow.get("assets"))))
        self.flow_keys[ident] = self.build.add_flow(
            diagram, hint=ident, source=ends[0], target=ends[1], label=label, protocol=protocol,
            bidirectional=flow.get("bidirectional") is True, description=flow.get("description"), properties=properties,
            origin=path,
        )  # fmt: skip


# --- threats and mitigations ----------------------------------------------------------------------------


class _OtmThreats:
    """Threat instances on components and dataflows, from the file's threat catalogue, then mitigations."""

    def __init__(self, reader: _OtmReader) -> None:
        self.reader = reader
        self.build = reader.build
        self.ours = reader.ours
        self.catalogue: dict[str, tuple[int, dict[str, Any]]] = {}
        self.mitigations: dict[str, dict[str, Any]] = {}
        self.used: set[str] = set()
        self.inexact: set[str] = set()
        self.uncategorised = 0
        self.unknown_states: set[str] = set()
        self.linked: dict[str, list[tuple[str, str]]] = {}  # foreign mitigation id -> (threat fingerprint, state)

    def read(self) -> None:
        self._read_catalogue()
        self._instances("components", self.reader.components, self.reader.component_keys)
        self._instances("dataflows", self.reader.dataflows, self.reader.flow_keys)
        self._unattached()
        if self.ours:
            _our_workflow(self.build, self.reader.root)
        else:
            _foreign_mitigations(self.build, self.reader.root, self.mitigations, self.linked)
        self._warnings()

    def _read_catalogue(self) -> None:
        root = self.reader.root
        catalogue_in = root.get("threats")
        if catalogue_in is not None and not isinstance(catalogue_in, list):
            self.build.fail("threats", "must be a list")
        for index, raw in enumerate(as_list(catalogue_in)):
            entry = as_mapping(raw)
            ident = _id(entry.get("id"))
            if ident is None:
                self.build.fail(f"threats[{index}].id", "is required (a string)")
            elif ident in self.catalogue:
                self.build.fail(f"threats[{index}].id", f"{ident[:60]!r} appears twice in the catalogue")
            else:
                self.catalogue[ident] = (index, entry)
        self.mitigations = {
            str(as_mapping(m).get("id")): as_mapping(m) for m in as_list(root.get("mitigations")) if _id(as_mapping(m).get("id"))
        }

    def _instances(self, collection: str, items: list[dict[str, Any]], keys: dict[str, str]) -> None:
        for index, item in enumerate(items):
            ident = _id(item.get("id"))
            if ident is None or ident not in keys:
                continue
            threats_in = item.get("threats")
            if threats_in is not None and not isinstance(threats_in, list):
                self.build.fail(f"{collection}[{index}].threats", "must be a list")
            element, flow = (keys[ident], None) if collection == "components" else (None, keys[ident])
            for t_index, raw in enumerate(as_list(threats_in)):
                path = f"{collection}[{index}].threats[{t_index}]"
                instance = as_mapping(raw)
                threat_id = _id(instance.get("threat"))
                if threat_id is None:
                    self.build.fail(f"{path}.threat", "is required (the id of a threat in the catalogue)")
                elif threat_id not in self.catalogue:
                    self.build.fail(f"{path}.threat", f"{threat_id[:60]!r} is not in the file's threats catalogue")
                else:
                    self._add(threat_id, instance, path, element, flow)

    def _unattached(self) -> None:
        unattached = [threat_id for threat_id in self.catalogue if threat_id not in self.used]
        if not self.ours:
            if unattached:
                self.build.warn(
                    f"{len(unattached)} threat(s) of the catalogue are attached to no component or dataflow and were not imported."
                )
            return
        for threat_id in unattached:
            index, entry = self.catalogue[threat_id]
            attrs = _ours(entry)
            if attrs.get("unattached"):
                element = attrs.get("element") if isinstance(attrs.get("element"), str) else None
                flow = attrs.get("flow") if isinstance(attrs.get("flow"), str) else None
                self._add(threat_id, {"state": attrs.get("status")}, f"threats[{index}]", element, flow)

    def _stride(self, entry: dict[str, Any], attrs: dict[str, Any], element: str | None) -> tuple[str, str | None]:
        """The STRIDE code (ours, the first category that maps, or S/T by kind) and the category text it came from."""
        if attrs.get("stride") in STRIDE_NAMES:
            return str(attrs["stride"]), None
        for category in as_list(entry.get("categories")):
            code, exact = stride_code(category)
            if code:
                if not exact:
                    self.inexact.add(str(category))
                return code, str(category)
        self.uncategorised += 1
        kind = self.reader.component_kinds.get(element or "", "flow")
        return ("S" if kind in ("external_entity", "process") else "T"), None

    def _rating(self, entry: dict[str, Any], attrs: dict[str, Any], instance: dict[str, Any]) -> tuple[Any, Any, str]:
        """Likelihood, impact and status: ours as we wrote them, others' from the 0-100 ratings and the instance state."""
        if attrs:
            status = attrs.get("status") if attrs.get("status") in ThreatStatus.values else ThreatStatus.OPEN
            return attrs.get("likelihood"), attrs.get("impact"), str(status)
        risk = as_mapping(entry.get("risk"))
        status, known = threat_status(instance.get("state"))
        if not known and instance.get("state") is not None:
            self.unknown_states.add(clean_line(instance.get("state"))[:40])
        return level_from_percent(risk.get("likelihood")), level_from_percent(risk.get("impact")), str(status)

    def _foreign_refs(self, instance: dict[str, Any], path: str) -> list[tuple[str, str]]:
        refs: list[tuple[str, str]] = []
        for m_index, ref in enumerate(as_list(instance.get("mitigations"))):
            ref = as_mapping(ref)
            mitigation_id = _id(ref.get("mitigation"))
            if mitigation_id is None or mitigation_id not in self.mitigations:
                self.build.warn(
                    f"{path}.mitigations[{m_index}].mitigation: {clean_line(ref.get('mitigation'))[:60]!r} is not in the "
                    "mitigations catalogue; that link was not imported."
                )
                continue
            refs.append((mitigation_id, clean_line(ref.get("state"))))
        return refs

    def _add(self, threat_id: str, instance: dict[str, Any], path: str, element: str | None, flow: str | None) -> None:
        index, entry = self.catalogue[threat_id]
        self.used.add(threat_id)
        attrs = _ours(entry) if self.ours else {}
        stride, category_text = self._stride(entry, attrs, element)
        likelihood, impact, status = self._rating(entry, attrs, instance)
        risk = as_mapping(entry.get("risk"))
        explanation = dict(as_mapping(attrs.get("explanation"))) if attrs else {
            "imported": {"format": "otm", "threat": threat_id, "category": category_text, "state": instance.get("state"),
                         "likelihood": risk.get("likelihood"), "impact": risk.get("impact")},
        }  # fmt: skip
        fields: dict[str, Any] = {
            **threat_meta_in(attrs),
            "likelihood": likelihood if isinstance(likelihood, int) else None,
            "impact": impact if isinstance(impact, int) else None,
        }
        fingerprint = self.build.add_threat(
            hint=f"{threat_id}@{flow or element}", fingerprint=str(attrs["fingerprint"]) if attrs.get("fingerprint") else None,
            stride=stride, title=entry.get("name"), description=threat_description_in(attrs, entry.get("description")), element=element, flow=flow,
            status=status, notes=attrs.get("notes", "") if attrs else "", explanation=explanation, **fields,
            origin=f"threats[{index}]" if attrs else path,
        )  # fmt: skip
        for mitigation_id, state in [] if self.ours else self._foreign_refs(instance, path):
            self.linked.setdefault(mitigation_id, []).append((fingerprint, state))

    def _warnings(self) -> None:
        for category in sorted(self.inexact):
            self.build.warn(f"Threat category {category[:40]!r} is not STRIDE; it was filed under its nearest STRIDE letter (see docs/interop.md).")
        if self.uncategorised:
            self.build.warn(
                f"{self.uncategorised} threat(s) had no STRIDE category; they were filed under S (entities, processes) or T "
                "(stores, flows). Review them."
            )
        for state in sorted(self.unknown_states):
            self.build.warn(f"Threat state {state!r} is not one this product knows; those threats were imported as open.")


def _foreign_mitigations(
    build: NativeBuilder, root: dict[str, Any], mitigations: dict[str, dict[str, Any]], linked: dict[str, list[tuple[str, str]]]
) -> None:
    """Other tools' mitigations become ours (MIT-1, MIT-2… in catalogue order), with their links.

    OTM gives a mitigation's state per threat; ours has one status, so the most advanced state
    wins. OTM's ``riskReduction`` is too coarse to become levels of likelihood or impact: effects
    are left at zero for the team to set.
    """
    paths = {str(as_mapping(m).get("id")): index for index, m in enumerate(as_list(root.get("mitigations")))}
    out = []
    unknown: set[str] = set()
    for number, mitigation_id in enumerate(sorted(linked, key=lambda i: paths.get(i, 0)), start=1):
        mitigation = mitigations[mitigation_id]
        ranks = []
        for _, state in linked[mitigation_id]:
            word = re.sub(r"[^a-z]", "", state.lower())
            if word not in _MITIGATION_STATES:
                unknown.add(state[:40])
            ranks.append(_MITIGATION_STATES.get(word, 0))
        out.append(
            {
                "ref": f"MIT-{number}",
                "title": build.name(mitigation.get("name"), f"Mitigation {mitigation_id[:40]}"),
                "description": build.text(mitigation.get("description")),
                "status": _MITIGATION_STATUS[max(ranks, default=0)],
                "likelihood_reduction": 0,
                "impact_reduction": 0,
                "threats": sorted({fingerprint for fingerprint, _ in linked[mitigation_id]}),
            }
        )
        build.workflow_origins[f"mitigations[{number - 1}]"] = f"mitigations[{paths.get(mitigation_id, 0)}]"
    if out:
        build.workflow["mitigations"] = out
    unused = len(set(mitigations) - set(linked))
    if unused:
        build.warn(f"{unused} mitigation(s) of the catalogue are linked to no imported threat and were not imported.")
    for state in sorted(unknown):
        build.warn(f"Mitigation state {state!r} is not one this product knows; it was read as proposed.")


def _our_workflow(build: NativeBuilder, root: dict[str, Any]) -> None:
    """Our own file: the risk policy, mitigations and decisions go back exactly as they were."""
    project_ours = _ours(as_mapping(root.get("project")))
    out: list[dict[str, Any]] = []
    for index, mitigation in enumerate(as_mapping(m) for m in as_list(root.get("mitigations"))):
        attrs = _ours(mitigation)
        if attrs:
            build.workflow_origins[f"mitigations[{len(out)}]"] = f"mitigations[{index}].attributes.{NS}"
            out.append(attrs)
    if out:
        build.workflow["mitigations"] = out
    if isinstance(project_ours.get("decisions"), list):
        build.workflow["decisions"] = project_ours["decisions"]
        for index in range(len(project_ours["decisions"])):
            build.workflow_origins[f"decisions[{index}]"] = f"project.attributes.{NS}.decisions[{index}]"
    if isinstance(project_ours.get("riskPolicy"), dict):
        build.workflow["risk_policy"] = project_ours["riskPolicy"]
        build.workflow_origins["risk_policy"] = f"project.attributes.{NS}.riskPolicy"


def _coverage_notes(build: NativeBuilder, project_ours: dict[str, Any]) -> None:
    notes = []
    for raw in as_list(project_ours.get("coverageNotes")):
        note = as_mapping(raw)
        if note:
            notes.append({key: note.get(key) for key in ("target", "stride", "reason", "author")})
    build.coverage_notes = notes
