"""A returnee's photo: shown (to whoever may see the returnee), added, replaced and removed (by
whoever may edit the case)."""

from django.contrib import messages
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from repat.audit import actions as audit
from repat.core.views import ActionFormMixin

from .. import actions, permissions
from ..forms import PhotoForm
from .civil_status import ReturneeWriteView


class ReturneePhotoView(View):
    """The photo, inline (it is an <img> on the returnee page and the case summary), to those who may
    see the returnee: anyone else gets the same 404 as for a returnee without a photo. Each read is
    in the audit trail as a view of the case, and nothing keeps a copy (no-store)."""

    http_method_names = ["get", "head"]

    def get(self, request, pk):
        photo = get_object_or_404(
            permissions.photos_visible_to(request.user).select_related("returnee__case"), returnee__pk=pk
        )
        audit.record_view(request, photo, case_id=photo.returnee.case.pk)
        response = FileResponse(photo.file.open("rb"), content_type="image/jpeg", filename="photo.jpg")
        response["Cache-Control"] = "private, no-store"
        response["Content-Security-Policy"] = "sandbox; default-src 'none'"
        response["X-Content-Type-Options"] = "nosniff"
        return response


class ReturneePhotoEditView(ActionFormMixin, ReturneeWriteView):
    """Add or replace the photo; the page shows the current one and a button to remove it."""

    title = gettext_lazy("Photo")
    template_name = "cases/returnee_photo_form.html"
    form_class = PhotoForm

    def perform(self, form) -> str:
        actions.returnee_photo_set(actor=self.request.user, returnee=self.object, uploaded=form.cleaned_data["photo"])
        messages.success(self.request, _("The photo was saved."))
        return self.success_url_for(None) + "#photo"

    def get_context_data(self, **kwargs):
        return super().get_context_data(photo=getattr(self.object, "photo", None), **kwargs)


class ReturneePhotoRemoveView(View):
    """Remove the photo (POST only); refused (403) to those who may only read the case."""

    def post(self, request, pk):
        returnee = get_object_or_404(permissions.returnees_visible_to(request.user).select_related("case"), pk=pk)
        actions.returnee_photo_remove(actor=request.user, returnee=returnee)
        messages.success(request, _("The photo was removed."))
        return redirect(returnee.get_absolute_url() + "#photo")
