"""Filters for every list endpoint: ids are checked as ids, never looked up.

django-filter's default for a foreign key validates the value against the related table, which
answers "not a valid choice" for an id that does not exist and filters quietly for one that does
— in another team. That difference tells an outsider which ids exist. Here an id filter only checks
that the value is a whole number in range (a float or a 30-digit number is a clear 400, not a
database overflow), and the team-scoped queryset decides what matches.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db import models
from django_filters.rest_framework import DjangoFilterBackend

MAX_ID = 2**63 - 1


class IdField(forms.IntegerField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class IdFilter(django_filters.NumberFilter):
    field_class = IdField


class ScopedFilterSet(django_filters.FilterSet):
    FILTER_DEFAULTS = {
        **django_filters.FilterSet.FILTER_DEFAULTS,
        models.ForeignKey: {"filter_class": IdFilter},
        models.OneToOneField: {"filter_class": IdFilter},
        models.AutoField: {"filter_class": IdFilter},
        models.BigAutoField: {"filter_class": IdFilter},
    }


class ScopedFilterBackend(DjangoFilterBackend):
    filterset_base = ScopedFilterSet
