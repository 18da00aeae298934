"""The demo model as a first workshop leaves it: rated, a few mitigations, one accepted risk.

A new user opens the demo and should see the heat map, the register and the report with something
in them, not 80 unrated threats. Everything goes through the workflow services, as a person's
clicks would, so the demo obeys the same rules (and leaves the same audit trail) as a real model.
A threat this table does not name is rated at its rule's suggested levels, said so in its rationale.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.utils import timezone

from stride.choices import ThreatStatus
from stride.models import Threat
from threatmodel.models import Control
from threatmodel.workflow.decisions import decision_create
from threatmodel.workflow.mitigations import mitigation_create, mitigation_verify
from threatmodel.workflow.threats import threat_rate, threat_status_set

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from threatmodel.models import ThreatModel

# fingerprint → (likelihood, impact, rationale): the ones the room talked about.
RATINGS: dict[str, tuple[int, int, str]] = {
    "K8S-024@apiserver": (4, 5, "The API server endpoint is public for the operators' laptops; a leaked kubeconfig is the whole cluster."),
    "INT-001@ingress@f-browse": (4, 4, "Anyone on the internet reaches the ingress; the shop authenticates customers only after checkout."),
    "GW-001@session-cache": (3, 5, "The cache holds session tokens and answers anything in the namespace that can reach it."),
    "K8S-004@storefront": (3, 4, "The storefront image runs as root; a request-handling bug would give root in the container."),
    "K8S-014@storefront": (3, 4, "The default service-account token is mounted although the storefront never calls the API."),
    "K8S-021@storefront": (3, 3, "Without a NetworkPolicy the storefront can reach the orders database directly."),
    "K8S-030@etcd": (2, 5, "etcd sits on the control-plane nodes only, but holds every secret unencrypted."),
    "K8S-018@ingress": (2, 3, "The ingress controller is the upstream image pinned by digest; the tag cannot move under us."),
}

MITIGATIONS: tuple[dict[str, object], ...] = (
    {
        "title": "Default-deny NetworkPolicy in namespace shop",
        "description": "Deny all ingress and egress by default; allow ingress → storefront → orders → orders DB only.",
        "control": "RTC-14",
        "likelihood_reduction": 2,
        "status": "planned",
        "threats": ("K8S-021@ingress", "K8S-021@orders", "K8S-021@storefront", "K8S-022@ingress", "K8S-022@orders", "K8S-022@storefront"),
    },
    {
        "title": "Run the storefront as non-root with a read-only root filesystem",
        "description": "runAsNonRoot, a fixed UID, readOnlyRootFilesystem and all capabilities dropped in the pod spec.",
        "control": "RTC-11",
        "likelihood_reduction": 2,
        "status": "implemented",
        "evidence_url": "https://git.example.com/shop/storefront/pull/42",
        "threats": ("K8S-004@storefront",),
    },
    {
        "title": "No service-account token in the storefront pod",
        "description": "automountServiceAccountToken: false on the storefront's service account and pod.",
        "control": "RTA-06",
        "likelihood_reduction": 2,
        "status": "planned",
        "threats": ("K8S-014@storefront", "K8S-016@storefront", "K8S-029@storefront"),  # K8S-029 names RTA-06 too
    },
)

ACCEPTED = "K8S-018@ingress"
ACCEPTANCE = (
    "The ingress controller is the upstream image pinned by digest and rebuilt monthly; mirroring it into the private "
    "registry waits for the registry project. Reviewed at the first workshop."
)


def demo_workshop(*, actor: User, model: ThreatModel, verifier: User | None = None) -> None:
    """Rate every live threat, add the mitigations and the one acceptance (for a freshly analysed demo).

    The ``verifier`` (a reviewer) verifies the implemented mitigation with its evidence, so the
    verified residual differs from the inherent risk; verifying does not make them an author.
    """
    threats = {t.fingerprint: t for t in Threat.objects.filter(threat_model=model).exclude(status=ThreatStatus.OBSOLETE)}
    for fingerprint, threat in sorted(threats.items()):
        if fingerprint in RATINGS:
            likelihood, impact, rationale = RATINGS[fingerprint]
        else:
            likelihood = threat.suggested_likelihood or 3
            impact = threat.suggested_impact or 3
            rationale = f"The levels rule {threat.rule_id} suggests; not discussed in the workshop yet."
        threat_rate(actor=actor, threat=threat, likelihood=likelihood, impact=impact, rationale=rationale)
    for spec in MITIGATIONS:
        linked = [threats[fp].pk for fp in spec["threats"] if fp in threats]  # type: ignore[attr-defined]
        if not linked:
            continue
        fields = {key: value for key, value in spec.items() if key != "threats"}
        if not Control.objects.filter(control_id=fields["control"]).exists():
            fields.pop("control")  # the controls catalogue is not loaded (load_controls): no link to it
        created = mitigation_create(actor=actor, threat_model=model, threats=linked, **fields)
        for threat_id in linked:
            threat_status_set(actor=actor, threat=Threat.objects.get(pk=threat_id), status=ThreatStatus.MITIGATED)
        if verifier is not None and created.status == "implemented":
            mitigation_verify(actor=verifier, mitigation=created)
    if ACCEPTED in threats:
        decision_create(
            actor=actor,
            threat=Threat.objects.get(pk=threats[ACCEPTED].pk),
            kind="acceptance",
            justification=ACCEPTANCE,
            owner=actor.get_username(),
            expires_on=timezone.localdate() + timedelta(days=90),
        )
