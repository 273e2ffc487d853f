"""factory_boy factories. Names are fictional; regions come from the seeded migration."""

import datetime
import functools
import io
import itertools

import factory
from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from cases.models import (
    Assessment,
    CareArrangement,
    Case,
    ConsentRecord,
    Family,
    FamilyMember,
    GoalProgress,
    IdentityDocument,
    KinshipTest,
    Note,
    Operation,
    PlanGoal,
    ReintegrationPlan,
    Returnee,
)
from repat.accounts.models import Organisation, Region, User


def region(name: str) -> Region:
    return Region.objects.get(name=name, parent__isnull=True)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Test organisation {n}")
    kind = Organisation.Kind.GOVERNMENT


@functools.cache
def _password_hash() -> str:
    """Every test user's password, "test-password-123", hashed once per process: hashing it and
    saving each user a second time for it was a good part of what a test spent making its people."""
    return make_password("test-password-123")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Person{n}")
    role = User.Role.SOCIAL_WORKER
    # One organisation for the users of a test unless it names another (the reports' organisation
    # filter does): a new one per user cost two statements each and told no test anything.
    organisation = factory.LazyFunction(lambda: OrganisationFactory(name="Test organisation"))
    password = factory.LazyFunction(_password_hash)

    @factory.post_generation
    def regions(self, create, extracted, **kwargs):
        if create and extracted:
            self.regions.set(extracted)


# The people of tests/conftest.py's fixtures, by fixture name: (user name, role, region, admin).
PEOPLE = {
    "worker": ("worker-a", User.Role.SOCIAL_WORKER, "Chüy Oblast"),
    "other_worker": ("worker-b", User.Role.SOCIAL_WORKER, "Osh Oblast"),
    "coordinator": ("coordinator-a", User.Role.COORDINATOR, "Chüy Oblast"),
    "osh_coordinator": ("coordinator-b", User.Role.COORDINATOR, "Osh Oblast"),
    "supervisor": ("supervisor-a", User.Role.SUPERVISOR, "Chüy Oblast"),
    "osh_supervisor": ("supervisor-b", User.Role.SUPERVISOR, "Osh Oblast"),
    "administrator": ("admin-a", User.Role.ADMINISTRATOR, None),
}


def person(name: str) -> User:
    """The user tests/conftest.py's fixture `name` returns, made here: a world built once per module
    (tests/worlds.py) has the same people as a test's fixtures."""
    username, role, region_name = PEOPLE[name]
    if role == User.Role.ADMINISTRATOR:
        return UserFactory(username=username, role=role, is_staff=True, is_superuser=True)
    return UserFactory(username=username, role=role, regions=[region(region_name)])


class OperationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Operation
        django_get_or_create = ("name",)

    name = "Test operation"
    country_of_departure = "Syria"
    arrival_date = datetime.date(2023, 2, 10)


class ReturneeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Returnee

    case_number = factory.Sequence(lambda n: f"T-2023-{n:05d}")
    given_name = "Айша"
    family_name = factory.Sequence(lambda n: f"Тестова{n}")
    sex = "female"
    date_of_birth = datetime.date(2015, 5, 1)
    operation = factory.SubFactory(OperationFactory)
    arrival_date = datetime.date(2023, 2, 10)
    region = factory.LazyFunction(lambda: region("Chüy Oblast"))


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Case

    returnee = factory.SubFactory(ReturneeFactory)
    worker = None
    opened_on = factory.LazyFunction(timezone.localdate)


class FamilyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Family

    name = factory.Sequence(lambda n: f"Family {n}")
    region = factory.LazyFunction(lambda: region("Chüy Oblast"))


class FamilyMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FamilyMember

    family = factory.SubFactory(FamilyFactory)
    relationship = FamilyMember.Relationship.CHILD


class NoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Note

    contact_date = factory.LazyFunction(timezone.localdate)
    kind = Note.Kind.HOME_VISIT
    summary = "Home visit."


# --- Documents, consent, kinship, care, assessments and plans. Rows only: the rules are tested through
# the actions, so these build the "given" part of a test, not the "when".


class IdentityDocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IdentityDocument

    kind = IdentityDocument.Kind.BIRTH_CERTIFICATE
    status = IdentityDocument.Status.MISSING


def mother_of(returnee: Returnee, name: str = "Гулнара Тестова") -> FamilyMember:
    """The returnee's mother on record: their family (made if they have none, the returnee a child
    in it) and a member recorded as mother there."""
    membership = FamilyMember.objects.filter(returnee=returnee).first()
    if membership is None:
        membership = FamilyMemberFactory(returnee=returnee, relationship=FamilyMember.Relationship.CHILD)
    mother = membership.family.members.filter(relationship=FamilyMember.Relationship.MOTHER).first()
    return mother or FamilyMemberFactory(
        family=membership.family, full_name=name, relationship=FamilyMember.Relationship.MOTHER
    )


class ConsentRecordFactory(factory.django.DjangoModelFactory):
    """A consent that holds unless told otherwise: given by the returnee's mother on record (made
    when missing), in force for a year."""

    class Meta:
        model = ConsentRecord

    given_by = ConsentRecord.GivenBy.MEMBER
    giver = factory.LazyAttribute(
        lambda consent: mother_of(consent.returnee) if consent.given_by == ConsentRecord.GivenBy.MEMBER else None
    )
    giver_relationship = factory.LazyAttribute(lambda consent: consent.giver.relationship if consent.giver else "")
    given_by_name = factory.LazyAttribute(lambda consent: consent.giver.display_name if consent.giver else "")
    purpose = ConsentRecord.Purpose.SERVICES
    given_on = factory.LazyFunction(timezone.localdate)
    expires_on = factory.LazyAttribute(lambda consent: consent.given_on + datetime.timedelta(days=365))
    recorded_by = factory.SubFactory(UserFactory)


class KinshipTestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KinshipTest

    relative = factory.SubFactory(FamilyMemberFactory, full_name="Гулнара Тестова", relationship="mother")
    claimed_relationship = FamilyMember.Relationship.MOTHER
    laboratory = "Republican forensic laboratory"
    sample_date = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=30))
    recorded_by = factory.SubFactory(UserFactory)


class CareArrangementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CareArrangement

    kind = CareArrangement.Kind.GRANDPARENTS
    caregiver_name = "Калыйпа Тестова"
    placement_date = datetime.date(2023, 3, 1)
    recorded_by = factory.SubFactory(UserFactory)


class AssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assessment

    kind = Assessment.Kind.PSYCHOSOCIAL
    status = Assessment.Status.COMPLETED
    assessed_on = factory.LazyFunction(timezone.localdate)
    recorded_by = factory.SubFactory(UserFactory)


class ReintegrationPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReintegrationPlan

    version = factory.Sequence(lambda n: n + 1)
    created_by = factory.SubFactory(UserFactory)


class PlanGoalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlanGoal

    domain = "education"
    goal = factory.Sequence(lambda n: f"Goal {n}")


class GoalProgressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GoalProgress

    written_on = factory.LazyFunction(timezone.localdate)
    text = "Went to school every day this week."
    author = factory.SubFactory(UserFactory)


# --- Uploaded files


PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def pdf_upload(name: str = "birth-certificate.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (8, 6), **save_kwargs) -> bytes:
    out = io.BytesIO()
    mode = "RGB" if fmt == "JPEG" else "RGBA"
    Image.new(mode, size, (200, 30, 30)).save(out, format=fmt, **save_kwargs)
    return out.getvalue()


def png_upload(name: str = "scan.png", size: tuple[int, int] = (8, 6)) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, image_bytes("PNG", size), content_type="image/png")


def snapshot() -> dict:
    """Every row of every table a case action may write, with all its values: equal before and
    after a refused action means nothing was written."""
    from cases import models as m

    written = (
        m.Attachment,
        m.IdentityDocument,
        m.ConsentRecord,
        m.KinshipTest,
        m.FamilyMember,
        m.CareArrangement,
        m.Assessment,
        m.ReintegrationPlan,
        m.PlanGoal,
        m.GoalProgress,
        m.CaseEvent,
        m.ReturneePhoto,
    )
    return {model.__name__: sorted(map(repr, model.objects.values_list())) for model in written}


# Boys' names far enough apart that the duplicate check (cases/search.py) takes no two for one
# person: a test registering several gets a different boy each time.
BOYS = itertools.cycle(
    ["Хамза", "Бекзат", "Нурсултан", "Эрлан", "Тилек", "Самат", "Данияр", "Ильяс", "Руслан", "Чынгыз"]
)


def register_returnee(actor, region, **overrides):
    """Register a boy through the real action (case number, case, events), as a worker would;
    each call another boy (the same one twice would be a probable duplicate)."""
    from cases import actions

    data = {
        "given_name": next(BOYS),
        "family_name": "Орозов",
        "sex": "male",
        "date_of_birth": datetime.date(2017, 1, 1),
        "date_of_birth_precision": "year",
        "operation": OperationFactory(),
        "arrival_date": datetime.date(2023, 2, 10),
        "region": region,
    }
    return actions.returnee_register(actor=actor, data=data, **overrides)


def close_case(case, supervisor, reason: str = "moved", requester=None):
    """Close a case as the app does: its worker (or `requester`) asks, a supervisor approves."""
    from repat.approvals import actions

    approval = actions.approval_request(
        actor=requester or case.worker, kind="closure", case=case, closure_reason=reason
    )
    actions.approval_decide(actor=supervisor, approval=approval, approve=True)
    case.refresh_from_db()
    return case


def approve_plan(plan, supervisor, requester=None):
    """Make a draft plan current as the app does: its case's worker (or `requester`) asks, a
    supervisor approves."""
    from repat.approvals import actions

    approval = actions.approval_request(actor=requester or plan.case.worker, kind="plan", case=plan.case, subject=plan)
    actions.approval_decide(actor=supervisor, approval=approval, approve=True)
    plan.refresh_from_db()
    return plan
