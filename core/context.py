"""Who is acting and from where, for the audit trail, without passing the request through every layer.

The middleware sets it per request; Celery tasks run with the empty default (system actor)."""

from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RequestInfo:
    user: Any = None
    ip: str | None = None


_current: ContextVar[RequestInfo] = ContextVar("gigcase_request_info", default=RequestInfo())


def current_request_info() -> RequestInfo:
    return _current.get()


def set_request_info(info: RequestInfo):
    return _current.set(info)


def reset_request_info(token) -> None:
    _current.reset(token)


def client_ip(request) -> str | None:
    """The client address. Behind the production proxy REMOTE_ADDR is the proxy, so the proxy must set
    X-Forwarded-For; we trust exactly the number of proxies configured (AXES_IPWARE_PROXY_COUNT)."""
    from django.conf import settings

    proxies = getattr(settings, "AXES_IPWARE_PROXY_COUNT", 0) or 0
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [h.strip() for h in forwarded.split(",") if h.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR") or None
