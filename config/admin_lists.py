"""Admin changelists that stay fast on tables of millions of rows.

Stock Django counts every matching row (COUNT(*)) on each page and turns a page past its count
into a jump back to page 1. Here the count is exact only up to ADMIN_LIST_EXACT_COUNT_LIMIT rows
(or the list's "show all" size, if larger); past it the list says "about N" (PostgreSQL's
planner estimate; elsewhere "more than N") and pages by previous / next, which work at any
depth. Templates: admin/pagination.html and admin/actions.html in config/templates.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.admin.views.main import PAGE_VAR, ChangeList
from django.core.paginator import EmptyPage, Page, Paginator
from django.db import connection
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
        rows = list(self.object_list[bottom: bottom + self.per_page + 1])
        self.current_page = EstimatedPage(rows[: self.per_page], number, self,
                                          has_next=len(rows) > self.per_page)
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


class EstimatedCountMixin:
    """For a ModelAdmin whose table grows without bound: no full COUNT(*), paging at any depth."""

    paginator = EstimatedCountPaginator
    show_full_result_count = False  # the unfiltered total would be a second full count

    def get_changelist(self, request, **kwargs):
        return EstimatedChangeList

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        # Counted exactly at least as far as "show all" reaches: an estimate must never offer it.
        limit = max(settings.ADMIN_LIST_EXACT_COUNT_LIMIT, self.list_max_show_all)
        return self.paginator(queryset, per_page, orphans, allow_empty_first_page, exact_limit=limit)
