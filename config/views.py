from django.http import JsonResponse

from config.errors import error_body
from config.unavailable import current_unavailable_error, log_unavailable, unavailable_response


def api_not_found(request, exception=None):
    return JsonResponse(error_body("not_found", "Not found."), status=404)


def server_error(request):
    unavailable = current_unavailable_error()  # raised outside a view (a middleware): still 503
    if unavailable is not None:
        log_unavailable(unavailable, request)
        return unavailable_response(request)
    return JsonResponse(error_body("server_error", "Internal server error."), status=500)
