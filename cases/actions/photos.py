"""A returnee's photo: added, replaced or removed by whoever may edit the case."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from repat.accounts.models import User

from ..models import CaseEvent, Returnee, ReturneePhoto
from ..storage import private_storage
from ..uploads import prepare_photo
from .base import _require_edit
from .events import case_event_write


def _locked(returnee: Returnee) -> Returnee:
    """The returnee row locked (two uploads at once make one photo, not an error), with its case."""
    return Returnee.objects.select_for_update(of=("self",)).select_related("case").get(pk=returnee.pk)


def _delete_file_on_commit(name: str) -> None:
    """The file goes once the row no longer names it: a rollback keeps both."""
    transaction.on_commit(lambda: private_storage().delete(name))


@transaction.atomic
def returnee_photo_set(*, actor: User, returnee: Returnee, uploaded) -> ReturneePhoto:
    """Make `uploaded` the returnee's photo, after checking and cleaning it (uploads.prepare_photo:
    its message is shown next to the photo field). Hidden effects: a photo there before is replaced
    and its file deleted on commit; the timeline and the audit trail record it."""
    returnee = _locked(returnee)
    _require_edit(actor, returnee.case)
    try:
        content, (width, height), digest = prepare_photo(uploaded)
    except ValidationError as error:
        raise ValidationError({"photo": error.messages}) from error
    photo = ReturneePhoto.objects.filter(returnee=returnee).first()
    kind = CaseEvent.Kind.PHOTO_REPLACED if photo else CaseEvent.Kind.PHOTO_ADDED
    if photo is not None:
        _delete_file_on_commit(photo.file.name)
    else:
        photo = ReturneePhoto(returnee=returnee)
    photo.width, photo.height, photo.sha256 = width, height, digest
    photo.uploaded_by, photo.uploaded_at = actor, timezone.now()
    photo.file.save("photo", content, save=False)
    photo.full_clean()
    photo.save()
    case_event_write(case=returnee.case, kind=kind, actor=actor)
    return photo


@transaction.atomic
def returnee_photo_remove(*, actor: User, returnee: Returnee) -> None:
    """Remove the returnee's photo, row and file (on commit); the timeline and the audit trail
    record it. Nothing happens (and nothing is recorded) when there is none."""
    returnee = _locked(returnee)
    _require_edit(actor, returnee.case)
    photo = ReturneePhoto.objects.filter(returnee=returnee).first()
    if photo is None:
        return
    _delete_file_on_commit(photo.file.name)
    photo.delete()
    case_event_write(case=returnee.case, kind=CaseEvent.Kind.PHOTO_REMOVED, actor=actor)
