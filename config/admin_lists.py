"""Admin changelists that stay fast on tables of millions of rows.

Stock Django counts every matching row (COUNT(*)) on each page and turns a page past its count
into a jump back to page 1. Here the count is exact only up to ADMIN_LIST_EXACT_COUNT_LIMIT rows
(or the list's "show all" size, if larger); past it the list says "about N" (PostgreSQL's
planner estimate; elsewhere "more than N") and pages by previous / next, which work at any
depth. Templates: admin/pagination.html and admin/actions.html in config/templates.

Filters for such lists: stock ones list every distinct value (a SELECT DISTINCT over the table:
seconds at a million rows), these are typed in (a username, a date range) or fixed lists.
"""

from __future__ import annotations

import operator
import re
import uuid
from collections.abc import Callable, Iterable
from datetime import date, datetime, time, timedelta
from functools import reduce
from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.views.main import PAGE_VAR, ChangeList
from django.contrib.auth import get_user_model
from django.core.paginator import EmptyPage, Page, Paginator
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.functional import cached_property

from config.pagination import count_bounded


class EstimatedPage(Page):
    def __init__(self, object_list, number, paginator, *, has_next: bool):
        super().__init__(object_list, number, paginator)
        self._has_next = has_next

    def has_next(self) -> bool:
        return self._has_next

    def end_index(self) -> int:
        return self.start_index() + len(self.object_list) - 1 if self.object_list else 0


class EstimatedCountPaginator(Paginator):
    """A changelist paginator that never counts past the limit (see the module's docstring)."""

    object_list: QuerySet[Any]  # a changelist's rows

    def __init__(self, object_list, per_page, *args, exact_limit: int | None = None, **kwargs):
        super().__init__(object_list, per_page, *args, **kwargs)
        limit = settings.ADMIN_LIST_EXACT_COUNT_LIMIT if exact_limit is None else exact_limit
        self.exact_limit = max(limit, per_page, 1)

    @cached_property
    def _count(self) -> tuple[int, bool]:
        return count_bounded(self.object_list, exact_limit=self.exact_limit)

    @property
    def count(self) -> int:
        return self._count[0]

    @property
    def is_estimate(self) -> bool:
        return not self._count[1]

    def validate_number(self, number):
        if not self.is_estimate:
            return super().validate_number(number)
        number = self._get_page_number(number)
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        return number

    def _get_page_number(self, number) -> int:
        try:
            return int(number)
        except (TypeError, ValueError):
            return super().validate_number(number)  # raises PageNotAnInteger

    def page(self, number):
        """Past the limit: the rows of page `number` and whether another page follows (one row
        more is read), without the count. A page past the end is empty, not an error."""
        if not self.is_estimate:
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        self.current_page = EstimatedPage(
            rows[: self.per_page], number, self, has_next=len(rows) > self.per_page
        )
        return self.current_page


class EstimatedChangeList(ChangeList):
    """Adds what the estimated paging shows: previous / next links and "about N"."""

    def get_results(self, request):
        super().get_results(request)
        page = getattr(self.paginator, "current_page", None)
        self.is_estimate = page is not None
        if page is not None:
            link = self.get_query_string
            self.previous_page_url = page.has_previous() and link({PAGE_VAR: page.number - 1})
            self.next_page_url = page.has_next() and link({PAGE_VAR: page.number + 1})
            self.first_page_url = page.number > 2 and link(remove=[PAGE_VAR])
            # PostgreSQL's planner estimates; a capped count only knows "more than the limit".
            if connection.vendor == "postgresql":
                self.count_text = f"about {self.result_count:,} {self.opts.verbose_name_plural}"
            else:
                self.count_text = f"more than {self.paginator.exact_limit:,} {self.opts.verbose_name_plural}"


class EstimatedCountMixin(admin.ModelAdmin):
    """For a ModelAdmin whose table grows without bound: no full COUNT(*), paging at any depth."""

    paginator = EstimatedCountPaginator
    show_full_result_count = False  # the unfiltered total would be a second full count

    def get_changelist(self, request, **kwargs):
        return EstimatedChangeList

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        # Counted exactly at least as far as "show all" reaches: an estimate must never offer it.
        limit = max(settings.ADMIN_LIST_EXACT_COUNT_LIMIT, self.list_max_show_all)
        return self.paginator(queryset, per_page, orphans, allow_empty_first_page, exact_limit=limit)


# A short id is the start of a uuid primary key, as lists show it (8 characters; 4 at least).
SHORT_ID = re.compile(r"[0-9a-f]{4,32}")


def short_id_match(term: str) -> Q | None:
    """The rows whose uuid starts with `term` (dashes ignored), as a primary key range: one index
    seek, where `id` in search_fields (LIKE '%…%' over the text of every id) scans the table."""
    prefix = term.strip().lower().replace("-", "")
    if not SHORT_ID.fullmatch(prefix):
        return None
    return Q(pk__gte=uuid.UUID(prefix.ljust(32, "0")), pk__lte=uuid.UUID(prefix.ljust(32, "f")))


class IndexedSearchMixin:
    """The search box of a big list, answered from indexes: the start of the uuid primary key (a
    key range), a username (looked up first, then the rows of `search_user_field`), or the exact
    value of one of `search_exact_fields` (each needs an index). Stock search would OR LIKE
    '%…%' over every field and a join: a scan of the whole table."""

    search_user_field = "user"
    search_exact_fields: tuple[str, ...] = ()

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        matches = [Q(**{field: term}) for field in self.search_exact_fields]
        if (by_id := short_id_match(term)) is not None:
            matches.append(by_id)
        users = list(get_user_model().objects.filter(username__iexact=term).values_list("pk", flat=True))
        if users:
            matches.append(Q(**{f"{self.search_user_field}_id__in": users}))
        # Only the kinds of match that find something: an OR of index conditions makes PostgreSQL
        # walk the newest-first index for the page (1.5 s for a user's jobs among a million, measured),
        # where one condition reads its own index. Each check is one index probe.
        matches = [match for match in matches if queryset.filter(match).exists()]
        return (queryset.filter(reduce(operator.or_, matches)) if matches else queryset.none()), False


# --- filters ------------------------------------------------------------------------------------


class InputFilter(admin.ListFilter):
    """A filter typed into inputs instead of picked from links. Its form keeps the list's other
    parameters. Subclasses name their `inputs` and filter in `queryset`."""

    template = "admin/input_filter.html"
    inputs: tuple[tuple[str, str, str], ...] = ()  # (parameter, label, input type)
    suggest_url_name: str | None = None  # a view answering {"usernames": [...]} for ?term=

    def __init__(self, request, params, model, model_admin):
        super().__init__(request, params, model, model_admin)
        for name, _, _ in self.inputs:
            if name in params:
                value = params.pop(name)
                self.used_parameters[name] = (value[-1] if isinstance(value, list) else value).strip()

    def has_output(self):
        return True

    def expected_parameters(self):
        return [name for name, _, _ in self.inputs]

    def choices(self, changelist):
        names = self.expected_parameters()
        yield {
            "inputs": [
                (name, label, kind, self.used_parameters.get(name, "")) for name, label, kind in self.inputs
            ],
            "hidden": [(k, v) for k, v in changelist.params.items() if k not in names and k != PAGE_VAR],
            "clear_url": any(self.used_parameters.values()) and changelist.get_query_string(remove=names),
        }


def username_filter(field: str, *, title: str = "owner", suggest_url_name: str | None = None):
    """Rows of the user typed in (?<field>=username): the stock related filter lists every user."""

    class UsernameFilter(InputFilter):
        inputs = ((field, "Username", "search"),)

        def queryset(self, request, queryset):
            username = self.used_parameters.get(field)
            if not username:
                return queryset
            # The id first: a join on the username makes PostgreSQL walk the newest-first index.
            user_id = get_user_model().objects.filter(username=username).values_list("pk", flat=True).first()
            return queryset.filter(**{f"{field}_id": user_id}) if user_id else queryset.none()

    UsernameFilter.title, UsernameFilter.suggest_url_name = title, suggest_url_name
    return UsernameFilter


def date_range_filter(field: str, *, title: str = "date created"):
    """From / to dates (?created_from=, ?created_to=, inclusive): the stock date filter and the date
    hierarchy read every row's date."""
    prefix = field.removesuffix("_at")

    class DateRangeFilter(InputFilter):
        inputs = ((f"{prefix}_from", "From", "date"), (f"{prefix}_to", "To (inclusive)", "date"))

        def queryset(self, request, queryset):
            start, end = (self._day(request, name) for name, _, _ in self.inputs)
            if start:
                queryset = queryset.filter(**{f"{field}__gte": start})
            if end:
                queryset = queryset.filter(**{f"{field}__lt": end + timedelta(days=1)})
            return queryset

        def _day(self, request, name) -> datetime | None:
            value = self.used_parameters.get(name)
            if not value or not isinstance(value, str):  # InputFilter stores the stripped text
                return None
            try:
                return timezone.make_aware(datetime.combine(date.fromisoformat(value), time.min))
            except ValueError:
                messages.error(request, f"{name}: “{value}” is not a date (YYYY-MM-DD); not applied.")
                return None

    DateRangeFilter.title = title
    return DateRangeFilter


def values_filter(field: str, values: Callable[[], Iterable[str]], *, title: str | None = None):
    """Rows whose `field` is one of `values()` (known in code, such as the providers): the stock
    filter of a field without choices finds them with a SELECT DISTINCT over the table."""

    class ValuesFilter(admin.SimpleListFilter):
        parameter_name = f"{field}__exact"

        def lookups(self, request, model_admin):
            return [(value, value) for value in values()]

        def queryset(self, request, queryset):
            return queryset.filter(**{field: self.value()}) if self.value() else queryset

    ValuesFilter.title = title or field
    return ValuesFilter
