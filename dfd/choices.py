"""Closed vocabularies of the diagram app."""

from __future__ import annotations

from django.db import models


class ElementKind(models.TextChoices):
    EXTERNAL_ENTITY = "external_entity", "External entity"
    PROCESS = "process", "Process"
    DATA_STORE = "data_store", "Data store"
    TRUST_BOUNDARY = "trust_boundary", "Trust boundary"


class DiagramLevel(models.TextChoices):
    CONTEXT = "context", "Context"
    LEVEL_0 = "level_0", "Level 0"
    LEVEL_1 = "level_1", "Level 1"
    LEVEL_2 = "level_2", "Level 2"
    OTHER = "other", "Other"


class OpKind(models.TextChoices):
    ADD_ELEMENT = "add_element", "Add element"
    UPDATE_ELEMENT = "update_element", "Update element"
    MOVE_ELEMENT = "move_element", "Move element"
    SET_PARENT = "set_parent", "Set parent boundary"
    DELETE_ELEMENT = "delete_element", "Delete element"
    ADD_FLOW = "add_flow", "Add flow"
    UPDATE_FLOW = "update_flow", "Update flow"
    DELETE_FLOW = "delete_flow", "Delete flow"
