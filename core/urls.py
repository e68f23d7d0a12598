"""Permission-checked file downloads (attachments and generated documents). Namespace ``files``."""

from django.urls import path

from . import file_views

app_name = "files"

urlpatterns = [
    path("a/<int:pk>/", file_views.attachment_download, name="attachment_download"),
    path("d/<int:pk>/", file_views.document_download, name="document_download"),
    path("d/<int:pk>/retry/", file_views.document_retry, name="document_retry"),
]
