from django.http import HttpRequest, JsonResponse

from oms.core.readiness import check_readiness


def healthz(request: HttpRequest) -> JsonResponse:
    """The process is alive and answering: 200 without touching the database, so a restart of
    the database does not get every replica restarted too (readiness is /readyz)."""
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> JsonResponse:
    """200 when a write could succeed now (oms/core/readiness.py); 503 with the reason's code
    otherwise, and nothing a stranger could use (no host, port or driver message)."""
    reason = check_readiness()
    if reason is not None:
        return JsonResponse({"status": "unavailable", "reason": reason}, status=503)
    return JsonResponse({"status": "ok"})
