"""Kubernetes manifests and Docker Compose files as a threat model's diagram.

Two readers (``kubernetes``, ``compose``) turn parsed files into one inventory of workloads,
entry points and references (``inventory``); one pure function (``mapping.diagram_state``) turns
the inventory into the wanted diagram state, keyed by kind, namespace and name, so the first
import and every re-import (``sync``) compute the same keys and ``dfd.ops.ops_between`` shows the
drift. ``docs/manifests.md`` has the mapping as a table.
"""
