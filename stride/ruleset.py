"""The rule library: YAML files under ``stride/rules/``, one rule per file, loaded and compiled once.

A file that does not match the schema stops loading with its file name and the field at fault.
Rules are data: the only logic is the closed condition vocabulary of ``stride.conditions``.

Two layers (DESIGN.md, "The rule library"):
- ``specific`` rules fire on properties, interactions and graph walks;
- ``baseline`` rules — exactly one per element kind × STRIDE letter of Microsoft's chart — fill only
  the cells no specific rule covered, so every cell is considered and nothing is said twice.

A specific rule may name the properties it ``requires`` (on its subject, or ``source.``/``target.``
of a flow). Where one of them is unknown and a value of it would make the rule fire, the engine
raises the finding as unconfirmed, with the question that settles it (docs/rules.md).

A fresh process (the pipeline gate, a worker, a test run) should not re-parse 98 YAML files: the
shipped library's parsed data is kept in a JSON file in the user's cache directory, named by a hash
of every rule file's bytes and of the code that validates them, and read instead of the YAML when
it matches. Only YAML parsing is skipped — every rule is still validated and compiled from that
data by ``parse_rule`` — and the cache is plain JSON, so a tampered or foreign file can at worst
fail validation (then the YAML is parsed, as when the cache is missing or stale).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dfd import vocabulary
from stride.conditions import ALWAYS, ELEMENT, FLOW, Condition, ConditionError, compile_condition, describe

if TYPE_CHECKING:  # PyYAML costs a fresh process ~15 ms: imported only when a file is parsed
    import yaml

RULES_DIR = Path(__file__).resolve().parent / "rules"
FIXTURES_DIR = RULES_DIR / "fixtures"

ID_RE = re.compile(r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$")
TECHNIQUE_RE = re.compile(r"^T\d{4}(\.\d{3})?$")
CONTROL_RE = re.compile(r"^[A-Z]{3}-\d{2}$")
CWE_RE = re.compile(r"^CWE-\d+$")
CAPEC_RE = re.compile(r"^CAPEC-\d+$")
ELEMENT_KINDS = ("external_entity", "process", "data_store")
TARGETS = (*ELEMENT_KINDS, "flow")
STRIDE = "STRIDE"
MAX_FILE_BYTES = 64 * 1024

REQUIRED = {"id", "title", "stride", "target", "likelihood", "impact", "description", "fixture"}
OPTIONAL = {"layer", "condition", "techniques", "controls", "references", "mitigation", "requires"}
ENDS = ("source", "target")


class RuleError(ValueError):
    """A rule file that does not validate: which file, which field, what is wrong."""

    def __init__(self, file: str, field_path: str, message: str) -> None:
        super().__init__(f"{file}: {field_path}: {message}")
        self.file = file
        self.field_path = field_path
        self.message = message
        self.line: int | None = None  # where in the YAML text, for a rule written in the browser


@dataclass(frozen=True)
class Fixture:
    """Where the rule must fire, where it must stay quiet, and (for a rule that ``requires``
    properties) where it must ask, on a named fixture diagram."""

    diagram: str
    fires: tuple[str, ...]
    quiet: tuple[str, ...]
    asks: tuple[str, ...] = ()
    # A team rule's own example diagram (elements and flows), written in the rule instead of a file.
    inline: Mapping[str, Any] | None = field(default=None, compare=False, hash=False)


@dataclass(frozen=True)
class Requirement:
    """A property a rule tests and needs answered: on the subject (``end`` empty) or on a flow's end.

    ``values`` are the answers it could take (every allowed value but ``unknown``).
    """

    end: str
    name: str
    values: tuple[Any, ...]
    label: str
    type: str

    @property
    def path(self) -> str:
        return f"{self.end}.{self.name}" if self.end else self.name


@dataclass(frozen=True, eq=False)
class Rule:
    id: str
    title: str
    stride: str
    layer: str
    targets: tuple[str, ...]
    condition: Condition
    likelihood: int
    impact: int
    techniques: tuple[str, ...]
    controls: tuple[str, ...]
    cwe: tuple[str, ...]
    capec: tuple[str, ...]
    description: str
    mitigation: str
    fixture: Fixture
    file: str = field(default="")
    requires: tuple[Requirement, ...] = ()
    # A cheap test that holds wherever some answer to the unknown required properties could make the
    # condition hold (each required property test counts as met while unknown): the engine tries
    # answers only where it passes.
    relaxed: Condition | None = None

    def __repr__(self) -> str:
        return f"<Rule {self.id} [{self.stride}] on {'/'.join(self.targets)}: {self.title}>"

    @property
    def on_flows(self) -> bool:
        return self.targets == ("flow",)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "stride": self.stride,
            "layer": self.layer,
            "targets": list(self.targets),
            "condition": self.condition.source,
            "condition_text": describe(self.condition.source),
            "likelihood": self.likelihood,
            "impact": self.impact,
            "techniques": list(self.techniques),
            "controls": list(self.controls),
            "references": {"cwe": list(self.cwe), "capec": list(self.capec)},
            "description": self.description,
            "mitigation": self.mitigation,
            "fixture": {
                "diagram": self.fixture.diagram,
                "fires": list(self.fixture.fires),
                "quiet": list(self.fixture.quiet),
                **({"asks": list(self.fixture.asks)} if self.fixture.asks else {}),
            },
            "requires": [requirement.path for requirement in self.requires],
        }


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...]
    by_target: Mapping[str, tuple[Rule, ...]]
    baseline: Mapping[tuple[str, str], Rule]

    def get(self, rule_id: str) -> Rule | None:
        return next((rule for rule in self.rules if rule.id == rule_id), None)

    def __len__(self) -> int:
        return len(self.rules)


def _fail(file: str, path: str, message: str) -> RuleError:
    return RuleError(file, path, message)


def _strings(raw: Any, file: str, path: str, pattern: re.Pattern[str] | None = None) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        raise _fail(file, path, "must be a list of strings")
    for index, item in enumerate(raw):
        if pattern is not None and not pattern.match(item):
            raise _fail(file, f"{path}[{index}]", f"{item!r} does not look like {pattern.pattern}")
    if len(set(raw)) != len(raw):
        raise _fail(file, path, "lists an item twice")
    return tuple(raw)


def _level(raw: Any, file: str, path: str) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= 5:
        raise _fail(file, path, "must be an integer from 1 to 5")
    return raw


def _check_shape(data: Any, file: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise _fail(file, "$", "a rule file holds one mapping")
    missing = sorted(REQUIRED - set(data))
    if missing:
        raise _fail(file, missing[0], "is required")
    unknown = sorted(set(data) - REQUIRED - OPTIONAL)
    if unknown:
        raise _fail(file, unknown[0], "is not a rule field")
    return data


def _identity(data: Mapping[str, Any], file: str) -> tuple[str, str, str, str]:
    """The rule's id (matching its file name), title, STRIDE letter and layer."""
    rule_id = data["id"]
    if not isinstance(rule_id, str) or not ID_RE.match(rule_id):
        raise _fail(file, "id", "must look like K8S-001 (capitals, digits, dashes)")
    if Path(file).stem != rule_id:
        raise _fail(file, "id", f"must match the file name ({Path(file).stem})")
    title = data["title"]
    if not isinstance(title, str) or not 5 <= len(title) <= 120:
        raise _fail(file, "title", "must be 5-120 characters")
    stride = data["stride"]
    if not isinstance(stride, str) or len(stride) != 1 or stride not in STRIDE:
        raise _fail(file, "stride", "must be one letter of STRIDE")
    layer = data.get("layer", "specific")
    if layer not in ("specific", "baseline"):
        raise _fail(file, "layer", "must be specific or baseline")
    return rule_id, title, stride, layer


def _targets(data: Mapping[str, Any], file: str, layer: str) -> tuple[str, ...]:
    raw_target = data["target"]
    targets = tuple(raw_target) if isinstance(raw_target, list) else (raw_target,)
    if not targets or any(t not in TARGETS for t in targets):
        raise _fail(file, "target", f"must be one or more of {', '.join(TARGETS)}")
    if "flow" in targets and len(targets) > 1:
        raise _fail(file, "target", "a rule targets flows or elements, not both")
    if layer == "baseline" and len(targets) != 1:
        raise _fail(file, "target", "a baseline rule covers exactly one kind")
    return targets


def _condition(data: Mapping[str, Any], file: str, layer: str, targets: tuple[str, ...]) -> Condition:
    context = FLOW if targets == ("flow",) else ELEMENT
    if "condition" in data:
        try:
            return compile_condition(data["condition"], context=context, kinds=targets)
        except ConditionError as exc:
            raise _fail(file, exc.path, exc.message) from exc
    if layer == "baseline":
        return ALWAYS
    raise _fail(file, "condition", "is required for a specific rule")


def _texts(data: Mapping[str, Any], file: str) -> tuple[str, str]:
    description = data["description"]
    if not isinstance(description, str) or len(description.strip()) < 40:
        raise _fail(file, "description", "must explain the threat to an engineer (at least 40 characters)")
    mitigation = data.get("mitigation", "")
    if not isinstance(mitigation, str):
        raise _fail(file, "mitigation", "must be text")
    return " ".join(description.split()), " ".join(mitigation.split())


def _references(data: Mapping[str, Any], file: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    references = data.get("references") or {}
    if not isinstance(references, Mapping) or set(references) - {"cwe", "capec"}:
        raise _fail(file, "references", "must be a mapping with cwe and/or capec lists")
    return (
        _strings(references.get("cwe"), file, "references.cwe", CWE_RE),
        _strings(references.get("capec"), file, "references.capec", CAPEC_RE),
    )


def _inline_diagram(raw: Mapping[str, Any], file: str) -> Mapping[str, Any]:
    if set(raw) - {"elements", "flows"}:
        raise _fail(file, "fixture.diagram", "an example diagram holds only elements and flows")
    elements, flows = raw.get("elements") or [], raw.get("flows") or []
    for name, records in (("elements", elements), ("flows", flows)):
        if not isinstance(records, list) or not all(isinstance(r, Mapping) and isinstance(r.get("key"), str) for r in records):
            raise _fail(file, f"fixture.diagram.{name}", "must be a list of mappings, each with a key")
    return {"elements": elements, "flows": flows}


def _fixture(data: Mapping[str, Any], file: str, *, asks: bool, inline: bool = False) -> Fixture:
    fixture_raw = data["fixture"]
    wanted = {"diagram", "fires", "quiet", "asks"} if asks else {"diagram", "fires", "quiet"}
    if not isinstance(fixture_raw, Mapping) or set(fixture_raw) != wanted:
        raise _fail(
            file,
            "fixture",
            "needs exactly "
            + ", ".join(sorted(wanted))
            + (" (asks: where the rule asks, for a rule that requires properties)" if asks else ""),
        )
    diagram = fixture_raw["diagram"]
    example = None
    if inline and isinstance(diagram, Mapping):
        example, diagram = _inline_diagram(diagram, file), "inline"
    elif not isinstance(diagram, str) or not re.match(r"^[a-z0-9-]+$", diagram):
        raise _fail(file, "fixture.diagram", "must name a file in stride/rules/fixtures/"
                    + (" or be a diagram (elements and flows)" if inline else ""))  # fmt: skip
    fires = _strings(fixture_raw["fires"], file, "fixture.fires")
    quiet = _strings(fixture_raw["quiet"], file, "fixture.quiet")
    if not fires:
        raise _fail(file, "fixture.fires", "must list at least one key where the rule fires")
    if not quiet:
        raise _fail(file, "fixture.quiet", "must list at least one key where the rule stays quiet")
    if set(fires) & set(quiet):
        raise _fail(file, "fixture", "a key cannot both fire and stay quiet")
    asking = _strings(fixture_raw.get("asks"), file, "fixture.asks")
    if asks and not asking:
        raise _fail(file, "fixture.asks", "must list at least one key where the rule asks its question")
    if set(asking) & (set(fires) | set(quiet)):
        raise _fail(file, "fixture.asks", "a key that asks neither fires nor stays quiet")
    return Fixture(diagram, fires, quiet, asking, example)


def _tested(source: Any, end: str = "") -> set[str]:
    """The property paths a condition's source tests on its subject (``name``) or a flow's ends (``target.name``)."""
    found: set[str] = set()
    if isinstance(source, list):
        for item in source:
            found |= _tested(item, end)
    elif isinstance(source, Mapping):
        for key, value in source.items():
            if key == "property" and isinstance(value, Mapping):
                found.add(f"{end}.{value.get('name')}" if end else str(value.get("name")))
            elif key in ENDS and not end:
                found |= _tested(value, key)
            elif key in ("all", "any", "not"):
                found |= _tested(value, end)
    return found


def _relax(source: Any, wanted: set[str], end: str = "", positive: bool = True) -> Any:
    """``source`` with each test of a required property met (``positive``) or failed (under a
    ``not``) while that property is unknown: true wherever an answer could make ``source`` true."""
    if not isinstance(source, Mapping) or len(source) != 1:
        return source
    ((key, value),) = source.items()
    if key == "property" and isinstance(value, Mapping):
        name = str(value.get("name"))
        if (f"{end}.{name}" if end else name) not in wanted:
            return source
        unknown = {"property": {"name": name, "unknown": True}}
        return {"any": [unknown, source]} if positive else {"all": [{"not": unknown}, source]}
    if key in ("all", "any") and isinstance(value, list):
        return {key: [_relax(item, wanted, end, positive) for item in value]}
    if key == "not":
        return {"not": _relax(value, wanted, end, not positive)}
    if key in ENDS and not end:
        return {key: _relax(value, wanted, key, positive)}
    return source


def _requires(data: Mapping[str, Any], file: str, layer: str, targets: tuple[str, ...]) -> tuple[Requirement, ...]:
    paths = _strings(data.get("requires"), file, "requires")
    if paths and layer == "baseline":
        raise _fail(file, "requires", "a baseline rule asks nothing: it fills a cell")
    tested = _tested(data.get("condition"))
    found: list[Requirement] = []
    for index, path in enumerate(paths):
        where = f"requires[{index}]"
        end, _, name = path.rpartition(".")
        if end and (end not in ENDS or targets != ("flow",)):
            raise _fail(file, where, "a prefix can only be source. or target., on a flow rule")
        spec = vocabulary.PROPERTIES.get(name)
        if spec is None:
            raise _fail(file, where, f"{name!r} is not in the property vocabulary")
        if spec.type not in ("bool", "enum"):
            raise _fail(file, where, f"{name!r} is {spec.type}: only yes/no and choice properties can be asked")
        if path not in tested:
            raise _fail(file, where, f"{path!r} is not tested by the condition")
        # "No" first: it is the answer most rules test for, so a rule that can fire is found after one try.
        values = tuple(sorted((v for v in spec.allowed_values() if v != vocabulary.UNKNOWN), key=lambda v: v is not False))
        found.append(Requirement(end, name, values, spec.label, spec.type))
    return tuple(found)


def _techniques(data: Mapping[str, Any], file: str, layer: str) -> tuple[str, ...]:
    techniques = _strings(data.get("techniques"), file, "techniques", TECHNIQUE_RE)
    if techniques and layer == "baseline":
        # A baseline finding says only that a STRIDE cell applies; nothing in the model supports an ATT&CK claim.
        raise _fail(file, "techniques", "a baseline rule claims no ATT&CK technique")
    return techniques


def parse_rule(data: Any, file: str, *, inline_fixture: bool = False) -> Rule:
    """Validate one rule's data (already parsed YAML) and compile its condition.

    ``inline_fixture`` lets the fixture's ``diagram`` be a diagram of its own (a team rule's examples).
    """
    data = _check_shape(data, file)
    rule_id, title, stride, layer = _identity(data, file)
    targets = _targets(data, file, layer)
    requires = _requires(data, file, layer, targets)
    relaxed = None
    if requires:
        source = _relax(data["condition"], {r.path for r in requires})
        relaxed = compile_condition(source, context=FLOW if targets == ("flow",) else ELEMENT, kinds=targets)
    description, mitigation = _texts(data, file)
    cwe, capec = _references(data, file)
    return Rule(
        id=rule_id,
        title=title,
        stride=stride,
        layer=layer,
        targets=targets,
        condition=_condition(data, file, layer, targets),
        likelihood=_level(data["likelihood"], file, "likelihood"),
        impact=_level(data["impact"], file, "impact"),
        techniques=_techniques(data, file, layer),
        controls=_strings(data.get("controls"), file, "controls", CONTROL_RE),
        cwe=cwe,
        capec=capec,
        description=description,
        mitigation=mitigation,
        fixture=_fixture(data, file, asks=bool(requires), inline=inline_fixture),
        file=file,
        requires=requires,
        relaxed=relaxed,
    )


def _safe_loader() -> type[yaml.SafeLoader]:
    import yaml

    # libyaml's safe loader reads the library several times faster than the pure-Python one (0.12 s → 0.05 s
    # for 73 files, construction included); both are safe loaders, the C one is used where PyYAML has it.
    loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return loader


def _file_name(path: Path, root: Path) -> str:
    return str(path.relative_to(root.parent)) if path.is_relative_to(root.parent) else str(path)


def _parse_yaml(text: str, name: str) -> Any:
    import yaml

    try:
        return yaml.load(text, Loader=_safe_loader())  # noqa: S506, TID251 - a safe loader (C or Python)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "$"
        raise _fail(name, where, f"not valid YAML: {getattr(exc, 'problem', exc)}") from exc


def load_file(path: Path, root: Path) -> Rule:
    name = _file_name(path, root)
    if path.stat().st_size > MAX_FILE_BYTES:
        raise _fail(name, "$", f"larger than {MAX_FILE_BYTES} bytes")
    return parse_rule(_parse_yaml(path.read_text(encoding="utf-8"), name), name)


def _rule_files(directory: Path) -> list[Path]:
    """The rule files under ``directory`` in load order (fixture diagrams are not rules)."""
    fixtures = str(FIXTURES_DIR)
    return [
        path
        for path in sorted(directory.rglob("*.yaml"))
        # A string test: ``FIXTURES_DIR in path.parents`` builds a Path per parent (a fifth of the load).
        if not (str(path).startswith(fixtures + os.sep) or path.parent.name == "fixtures")
    ]


def load_rules(directory: Path = RULES_DIR) -> RuleSet:
    """Load every ``*.yaml`` rule under ``directory`` (fixtures excluded) into a RuleSet."""
    return _ruleset([load_file(path, directory) for path in _rule_files(directory)])


def _ruleset(loaded: list[Rule]) -> RuleSet:
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for rule in loaded:
        if rule.id in seen:
            raise _fail(rule.file, "id", f"{rule.id} is also used by {seen[rule.id]}")
        seen[rule.id] = rule.file
        rules.append(rule)
    rules.sort(key=lambda r: r.id)
    by_target: dict[str, list[Rule]] = {target: [] for target in TARGETS}
    baseline: dict[tuple[str, str], Rule] = {}
    for rule in rules:
        if rule.layer == "baseline":
            cell = (rule.targets[0], rule.stride)
            if cell in baseline:
                raise _fail(rule.file, "target", f"{baseline[cell].id} already covers {cell[0]} × {cell[1]}")
            baseline[cell] = rule
            continue
        for target in rule.targets:
            by_target[target].append(rule)
    return RuleSet(
        rules=tuple(rules),
        by_target={k: tuple(v) for k, v in by_target.items()},
        baseline=baseline,
    )


@lru_cache(maxsize=1)
def default_rules() -> RuleSet:
    """The shipped library, loaded once per process (from the parse cache when it matches the files)."""
    return load_rules_cached(RULES_DIR)


# The code whose behaviour the cached data depends on: how YAML becomes rule data, and what validates it.
_CODE_FILES = (Path(__file__), Path(__file__).with_name("conditions.py"), Path(vocabulary.__file__))
CACHE_FORMAT = 1


def rules_cache_dir() -> Path | None:
    """Where the parse cache lives: ``THREATMODEL_RULES_CACHE`` (``off`` disables it), else the user's cache directory."""
    chosen = os.environ.get("THREATMODEL_RULES_CACHE")
    if chosen is not None:
        return None if chosen.strip().lower() in ("", "0", "off", "no") else Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "threatmodel"


def load_rules_cached(directory: Path = RULES_DIR, cache_dir: Path | None = None) -> RuleSet:
    """``load_rules(directory)``, reading each file's parsed data from the cache when every file is unchanged.

    The cache is named by a hash of the rule files' names and bytes and of the code that reads them,
    so any edit makes a new one; one that is missing, unreadable or fails validation is ignored, and
    the YAML is parsed (and the cache rewritten, when the directory is writable).
    """
    cache_dir = cache_dir if cache_dir is not None else rules_cache_dir()
    if cache_dir is None:
        return load_rules(directory)
    paths = _rule_files(directory)
    files = [(path, _file_name(path, directory), path.read_bytes()) for path in paths]
    key = hashlib.blake2b(f"{CACHE_FORMAT}".encode(), digest_size=16)
    for code in _CODE_FILES:
        key.update(code.read_bytes())
    for _, name, raw in files:
        key.update(f"\0{name}\0{len(raw)}\0".encode())
        key.update(raw)
    cache = cache_dir / f"rules-{key.hexdigest()}.json"
    cached = _read_cache(cache, [name for _, name, _ in files])
    if cached is not None:
        try:
            return _ruleset([parse_rule(data, name) for (_, name, _), data in zip(files, cached, strict=True)])
        except (RuleError, ValueError, TypeError, KeyError, AttributeError):
            pass  # not data we wrote: parse the files
    datas: list[Any] = []
    for _path, name, raw in files:
        if len(raw) > MAX_FILE_BYTES:
            raise _fail(name, "$", f"larger than {MAX_FILE_BYTES} bytes")
        datas.append(_parse_yaml(raw.decode("utf-8"), name))
    ruleset = _ruleset([parse_rule(data, name) for (_, name, _), data in zip(files, datas, strict=True)])
    _write_cache(cache, [name for _, name, _ in files], datas)
    return ruleset


def _read_cache(cache: Path, names: list[str]) -> list[Any] | None:
    try:
        stored = json.loads(cache.read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(stored, dict) or stored.get("files") != names or not isinstance(stored.get("data"), list):
        return None
    data: list[Any] = stored["data"]
    return data if len(data) == len(names) else None


def _write_cache(cache: Path, names: list[str], datas: list[Any]) -> None:
    """Write the cache atomically; skip it when the data would not survive JSON unchanged or the directory is read-only."""
    try:
        text = json.dumps({"files": names, "data": datas}, ensure_ascii=False, separators=(",", ":"))
        if json.loads(text)["data"] != datas:  # e.g. a YAML date or a non-string key: parse every time instead
            return
        cache.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".rules-", suffix=".json", dir=cache.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, cache)
        for stale in cache.parent.glob("rules-*.json"):
            if stale != cache:
                stale.unlink(missing_ok=True)
    except (OSError, TypeError, ValueError):
        return


@lru_cache(maxsize=16)
def fixture_diagram(name: str) -> dict[str, Any]:
    """A rule fixture diagram (``stride/rules/fixtures/<name>.yaml``): elements and flows as records."""
    path = FIXTURES_DIR / f"{name}.yaml"
    if not re.match(r"^[a-z0-9-]+$", name) or not path.is_file():
        raise FileNotFoundError(f"no fixture diagram {name!r}")
    data = _parse_yaml(path.read_text(encoding="utf-8"), str(path))
    return {"elements": data.get("elements") or [], "flows": data.get("flows") or []}


# --- Team rules: written in the browser, in the same schema ------------------------------------------

TEAM_PREFIX = "TEAM-"
_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def team_rule_prefix(slug: str) -> str:
    """The id prefix of a team's rules (``TEAM-PAYMENTS-``): no shipped id starts with ``TEAM-``."""
    return TEAM_PREFIX + re.sub(r"[^A-Z0-9]+", "-", slug.upper()).strip("-") + "-"


def parse_team_rule(text: str, *, prefix: str) -> Rule:
    """A team's rule from its YAML text, validated as a shipped rule is, or a RuleError with its ``line``.

    On top of the shipped schema: the id starts with the team's ``prefix``, the rule is ``specific``
    (the baseline is the library's), YAML aliases are refused (a small text must not expand into a
    large one), and the fixture's ``diagram`` may be the rule's own example diagram. Whether the
    examples fire and stay quiet is the engine's to say, so the caller runs them.
    """
    try:
        if len(text.encode()) > MAX_FILE_BYTES:
            raise _fail("team rule", "$", f"larger than {MAX_FILE_BYTES} bytes")
        _refuse_aliases(text)
        data = _parse_yaml(text, "team rule")
        rule_id = data.get("id") if isinstance(data, Mapping) else None
        file = f"{rule_id}.yaml" if isinstance(rule_id, str) and ID_RE.match(rule_id) else "team rule"
        if isinstance(rule_id, str) and not rule_id.startswith(prefix):
            raise _fail(file, "id", f"a team rule's id starts with {prefix} (e.g. {prefix}001)")
        rule = parse_rule(data, file, inline_fixture=True)
        if rule.layer != "specific":
            raise _fail(file, "layer", "a team rule is specific: the baseline is the shipped library's")
    except RuleError as exc:
        exc.line = exc.line or rule_error_line(text, exc.field_path)
        raise
    return rule


def _refuse_aliases(text: str) -> None:
    import yaml

    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if isinstance(token, yaml.AliasToken | yaml.AnchorToken):
                raise _fail("team rule", f"line {token.start_mark.line + 1}", "YAML anchors and aliases are not allowed here")
    except yaml.YAMLError:
        return  # the parser says what is wrong, with its line


def rule_error_line(text: str, field_path: str) -> int | None:
    """The line of ``text`` (1-based) holding ``field_path`` (``condition.all[0].property.name``), or
    of its deepest part that exists; ``line N`` paths are already lines."""
    import yaml

    found = re.match(r"^line (\d+)$", field_path)
    if found:
        return int(found.group(1))
    try:
        node = yaml.compose(text, Loader=_safe_loader())
    except yaml.YAMLError:
        return None
    if node is None:
        return None
    line: int = node.start_mark.line + 1
    for key, index in _PATH_PART.findall(field_path):
        if key and isinstance(node, yaml.MappingNode):
            match = next(((k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == key), None)
            if match is None:
                break
            node = match[1]
            line = node.start_mark.line + 1 if isinstance(node, yaml.ScalarNode) else match[0].start_mark.line + 1
        elif index and isinstance(node, yaml.SequenceNode) and int(index) < len(node.value):
            node = node.value[int(index)]
            line = node.start_mark.line + 1
        else:
            return line
    if isinstance(node, yaml.MappingNode) and len(node.value) == 1:
        line = node.value[0][0].start_mark.line + 1  # a condition's one key: "unknown condition" is about it
    return line


def rule_set(rules: Iterable[Rule]) -> RuleSet:
    """A RuleSet of just these rules (a team rule's examples are run with it alone)."""
    return _ruleset(list(rules))


def with_rules(base: RuleSet, extra: Iterable[Rule]) -> RuleSet:
    """``base`` and ``extra`` as one RuleSet (an id used twice is a RuleError)."""
    return _ruleset([*base.rules, *extra])
