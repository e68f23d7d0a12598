"""Form pieces shared by every app: a multiple-file attachments field checked by ``core.uploads``."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _, ngettext_lazy

from .uploads import ACCEPT_ATTR, validate_upload


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A FileField taking several files (the Django 5.2 documented pattern); ``clean`` returns a list."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single_file_clean = super().clean
        if isinstance(data, (list, tuple)):
            if not data:
                return [f for f in [single_file_clean(None, initial)] if f]
            return [f for f in (single_file_clean(d, initial) for d in data) if f]
        result = single_file_clean(data, initial)
        return [result] if result else []


class AttachmentsField(MultipleFileField):
    """Several attachments at once; each file is checked by content (``validate_upload``) and every refused
    file gets its own Chinese error naming it. Saving is ``core.uploads.attach_file`` per file, in the
    service that handles the form."""

    default_error_messages = {
        "too_many": ngettext_lazy("一次最多上传 %(max)d 个文件。", "一次最多上传 %(max)d 个文件。", "max"),
    }

    def __init__(self, *args, max_files=10, **kwargs):
        self.max_files = max_files
        kwargs.setdefault("label", _("附件"))
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", _("可上传 PDF、JPG、PNG 图片或 Word、Excel 文档，可多选。"))
        super().__init__(*args, **kwargs)
        self.widget.attrs.setdefault("accept", ACCEPT_ATTR)

    def clean(self, data, initial=None):
        files = super().clean(data, initial)
        if len(files) > self.max_files:
            raise ValidationError(self.error_messages["too_many"], code="too_many", params={"max": self.max_files})
        errors = []
        for uploaded in files:
            try:
                validate_upload(uploaded)
            except ValidationError as exc:
                errors.extend(exc.error_list)
        if errors:
            raise ValidationError(errors)
        return files


class AttachmentUploadForm(forms.Form):
    """Files plus one optional note, for a case's "上传附件" action."""

    files = AttachmentsField(required=True)
    description = forms.CharField(label=_("说明"), max_length=200, required=False)
