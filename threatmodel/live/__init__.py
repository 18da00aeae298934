"""Live workshops: one WebSocket room per open threat model (Django Channels).

Everyone in the room sees every accepted batch of operations with its author, its new version and
the threats it changed; who is there and what they select; the presenter's viewport to follow; and
a facilitator's short lock; and the comments written, edited, resolved or deleted through the REST
API (``threatmodel.comments``, which the room only relays — comments are not written over the
socket). Edits go through the same service as the REST API
(``threatmodel.diagrams.diagram_change``) — there is no second write path — with one difference:
a batch made on an older version is rebased (``dfd.rebase``) rather than refused.
"""
