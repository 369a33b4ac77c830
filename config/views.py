from django.http import JsonResponse

from config.errors import error_body
from config.unavailable import current_unavailable_error, log_unavailable, unavailable_response


def api_not_found(request, exception=None):
    return JsonResponse(error_body("not_found", "Not found."), status=404)


def bad_request(request, exception=None):
    """A request Django refuses before any view (too many fields, a malformed multipart body, a
    suspicious header): the API's error shape, not Django's HTML page."""
    return JsonResponse(error_body("invalid", "The request could not be read."), status=400)


def server_error(request):
    unavailable = current_unavailable_error()  # raised outside a view (a middleware): still 503
    if unavailable is not None:
        log_unavailable(unavailable, request)
        return unavailable_response(request)
    return JsonResponse(error_body("internal_error", "Internal server error."), status=500)
