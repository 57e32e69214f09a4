from __future__ import annotations

from rest_framework import pagination

from soapify.core.errors import ApiError, NotFound


class PageNumberPagination(pagination.PageNumberPagination):
    """``count/next/previous/results``; ``page`` and ``page_size`` (default 20, at most 100)."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            raise ApiError("page_size must be a positive integer.", code="invalid_page_size") from None
        if size < 1:
            raise ApiError("page_size must be a positive integer.", code="invalid_page_size")
        return min(size, self.max_page_size)

    def get_page_number_checked(self, request) -> int | str:
        """The requested page: a positive integer or ``"last"``; anything else is a 400."""
        raw = request.query_params.get(self.page_query_param, "1")
        if raw == "last":
            return raw
        try:
            number = int(raw)
        except ValueError:
            raise ApiError("page must be a positive integer.", code="invalid_page") from None
        if number < 1 or number > 10**9:
            raise ApiError("page must be a positive integer.", code="invalid_page")
        return number

    def paginate_queryset(self, queryset, request, view=None):
        self.get_page_number_checked(request)
        try:
            return super().paginate_queryset(queryset, request, view)
        except pagination.NotFound:
            raise NotFound("That page does not exist.", code="page_not_found") from None
