"""Permission-checked file downloads (attachments and generated documents). Namespace ``files``."""

from django.urls import path

app_name = "files"

urlpatterns: list = []
