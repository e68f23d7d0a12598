"""Object-level scoping for viewflow model viewsets.

viewflow 2.4's list, update and delete views read ``viewset.get_queryset(request)``, but its
``DetailModelView`` does not: it looks objects up in the model's default manager and only then asks
``has_view_permission`` (a 403). So a district-B user could open a district-A record by its id. The
classes here make the detail view use the viewset's queryset too, so an out-of-scope record answers
404 everywhere (the decision in ``accounts.scoping``).

Use ``ScopedViewsetMixin`` first in the bases of every ModelViewset and define ``get_queryset`` with the
model's ``visible_to``::

    class ComplaintViewset(ScopedViewsetMixin, DetailViewMixin, ModelViewset):
        def get_queryset(self, request):
            return Complaint.objects.visible_to(request.user)
"""

from viewflow.utils import viewprop
from viewflow.views import DetailModelView


class ScopedDetailModelView(DetailModelView):
    @viewprop
    def queryset(self):
        if self.viewset is not None and hasattr(self.viewset, "get_queryset"):
            return self.viewset.get_queryset(self.request)
        return None


class ScopedViewsetMixin:
    detail_view_class = ScopedDetailModelView

    def get_queryset(self, request):  # pragma: no cover - each viewset must define its scope
        raise NotImplementedError(f"{type(self).__name__} must scope its queryset with visible_to(user)")
