from .context import RequestInfo, client_ip, reset_request_info, set_request_info


class RequestContextMiddleware:
    """Makes the acting user and client IP available to ``AuditEvent.record`` for this request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = set_request_info(RequestInfo(user=getattr(request, "user", None), ip=client_ip(request)))
        try:
            return self.get_response(request)
        finally:
            reset_request_info(token)
