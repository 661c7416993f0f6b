"""The public directory: activated people who consented, found by name."""

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from portique.accounts.stores import get_account_store
from portique.core import throttle
from portique.core.audit import client_ip

PAGE_SIZE = 20
# A query shorter than this finds nobody: listing everyone would be one query away.
MIN_QUERY_LENGTH = 2


def search(request: HttpRequest) -> HttpResponse:
    """/annuaire/?q=…: an empty query lists nobody; searches are rate-limited per client
    address, so that the directory cannot be scraped."""
    query = " ".join(request.GET.get("q", "").split())[:100]
    page_number = request.GET.get("page", "1")
    context: dict[str, object] = {"query": query}
    if len(query.replace(" ", "")) >= MIN_QUERY_LENGTH:
        if not throttle.rate_allowed(
            f"directory:{client_ip(request)}",
            limit=settings.PORTIQUE_DIRECTORY_SEARCHES_PER_MINUTE,
            window_seconds=60,
        ):
            return render(
                request, "directory/search.html", {**context, "throttled": True}, status=429
            )
        try:
            number = max(1, int(page_number))
        except ValueError:
            number = 1
        store = get_account_store()
        found = store.search_directory(query, offset=(number - 1) * PAGE_SIZE, limit=PAGE_SIZE)
        paginator = Paginator(range(found.total), PAGE_SIZE)
        page = paginator.get_page(number)
        if page.number != number:
            # Past the last page the paginator shows the last one: list that page's people.
            found = store.search_directory(
                query, offset=(page.number - 1) * PAGE_SIZE, limit=PAGE_SIZE
            )
        context.update(
            entries=found.entries, total=found.total, truncated=found.truncated, page=page
        )
    return render(request, "directory/search.html", context)
