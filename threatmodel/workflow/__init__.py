"""The guided workflow: risk policy and bands, residual risk, mitigations, decisions, stages and gates.

Pure modules (``risk``, ``gates``, ``diff``) take plain data and never touch the ORM; ``selectors``
load that data in a fixed number of queries; the service modules (``ratings``, ``mitigations``,
``decisions``, ``policies``, ``stages``, ``snapshots``) are the only code that changes it.
"""
