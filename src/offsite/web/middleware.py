"""Keep strangers out of the console, the portal and the API."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse

from offsite.registry.apiauth import unauthorized_detail

# Public parts of the API: its documentation (IM-4: documented interfaces).
PUBLIC_API = ("/api/v1/docs", "/api/v1/openapi.json")
# Headers that carry a machine credential; the endpoint checks it and
# answers 401 itself when it is wrong (intake keys, delivery receipts).
MACHINE_CREDENTIALS = ("HTTP_X_API_KEY", "HTTP_X_DELIVERY_SECRET")


class SignInRequiredMiddleware:
    """Turn away anonymous requests to /console/, /portal/ and /api/v1/.

    Pages redirect to the sign-in page; the API answers 401. The API's
    documentation stays public, and a request that carries an API key or a
    delivery secret goes on to the endpoint, which checks it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.user.is_authenticated:
            path = request.path
            if path.startswith(("/console/", "/portal/")):
                return redirect_to_login(request.get_full_path())
            if path.startswith("/api/v1/") and not self._api_open(request):
                return JsonResponse({"detail": unauthorized_detail(path)}, status=401)
        return self.get_response(request)

    def _api_open(self, request: HttpRequest) -> bool:
        if request.path.startswith(PUBLIC_API):
            return True
        return any(request.META.get(name) for name in MACHINE_CREDENTIALS)
