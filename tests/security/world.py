"""The world the attack suite runs against: two regions (Chüy and Osh), the same people in each and
every kind of object a page can be about, made through the real actions wherever one exists (so
events, reminders and case numbers are what the product writes). Built once per test module and
rolled back at its end (see conftest.py)."""

import datetime
from dataclasses import dataclass

from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cases import actions as case_actions
from cases.models import (
    Assessment,
    Attachment,
    CareArrangement,
    Case,
    CaseTransfer,
    ConsentRecord,
    DuplicateDecision,
    Family,
    FamilyMember,
    FollowUpTask,
    IdentityDocument,
    KinshipTest,
    LegalRecord,
    ManifestImport,
    Note,
    PlanGoal,
    ReintegrationPlan,
    Returnee,
    ReturneeMerge,
    ReturneePhoto,
)
from repat.accounts.models import Region, User
from repat.approvals import actions as approval_actions
from repat.approvals.models import ApprovalRequest
from repat.reminders.models import Reminder
from repat.reports.models import ProgressReport
from services import actions as service_actions
from services.models import Provider, Referral
from tests.accounts.helpers import authenticator
from tests.factories import OperationFactory, UserFactory, png_upload, region
from tests.reminders.factories import ReminderFactory
from tests.reports.factories import ProgressReportFactory
from tests.services.factories import ProviderFactory, ProviderStaffFactory, service

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def today() -> datetime.date:
    return timezone.localdate()


def days(n: int) -> datetime.date:
    return today() + datetime.timedelta(days=n)


@dataclass
class Side:
    """One region: its people and one of every object, all of them in this region."""

    tag: str
    region: Region
    # People. `worker` holds both cases; `colleague` is a social worker of the same region who
    # holds neither (a social worker's scope is their own cases, not their region).
    worker: User
    colleague: User
    coordinator: User
    supervisor: User
    provider_user: User
    provider: Provider
    # Objects
    returnee: Returnee = None
    case: Case = None
    family: Family = None
    relative: FamilyMember = None
    consent: ConsentRecord = None
    document: IdentityDocument = None
    kinship: KinshipTest = None
    care: CareArrangement = None
    assessment: Assessment = None
    plan: ReintegrationPlan = None
    goal: PlanGoal = None
    attachment: Attachment = None
    photo: ReturneePhoto = None
    task: FollowUpTask = None
    note: Note = None
    legal_record: LegalRecord = None
    # Services: `referral` is assigned to `provider`; `submitted` waits for a coordinator and
    # shares data (a data-sharing consent naming `provider` exists).
    referral: Referral = None
    submitted: Referral = None
    # A second case of `worker`, in the same family, with a pending transfer to `colleague` and a
    # pending closure request (so that the first case stays free for new transfers and requests).
    moving: Case = None
    transfer: CaseTransfer = None
    # `moving` registered as a probable duplicate of `returnee`, waiting for the region to decide.
    duplicate: DuplicateDecision = None
    approval: ApprovalRequest = None
    reminder: Reminder = None
    merge: ReturneeMerge = None
    report: ProgressReport = None
    # A previewed manifest import of the region's coordinator: one new person, no problem, no match.
    manifest: ManifestImport = None

    @property
    def case_numbers(self) -> set[str]:
        return {self.case.returnee.case_number, self.moving.returnee.case_number}

    @property
    def names(self) -> set[str]:
        return {self.case.returnee.full_name, self.moving.returnee.full_name}

    @property
    def users(self) -> dict[str, User]:
        return {
            "worker": self.worker,
            "colleague": self.colleague,
            "coordinator": self.coordinator,
            "supervisor": self.supervisor,
            "provider_user": self.provider_user,
        }


@dataclass
class World:
    chuy: Side
    osh: Side
    administrator: User
    operation: object

    @property
    def sides(self) -> tuple[Side, Side]:
        return (self.chuy, self.osh)

    def other(self, side: Side) -> Side:
        return self.osh if side is self.chuy else self.chuy

    def side_of(self, role: str) -> Side | None:
        """The region whose objects a role is about: roles named osh_* or other_worker work in Osh."""
        if role == "administrator":
            return None
        return self.osh if role.startswith("osh_") or role == "other_worker" else self.chuy

    def user(self, role: str) -> User:
        """A user by role name: the Chüy names of tests/conftest.py (worker, coordinator...), their
        Osh counterparts (other_worker, osh_coordinator...) and administrator."""
        if role == "administrator":
            return self.administrator
        if role == "other_worker":
            return self.osh.worker
        side = self.side_of(role)
        return side.users[role.removeprefix("osh_")]

    def markers(self, side: Side) -> set[str]:
        """What identifies a side's returnees on a page: case numbers and full names."""
        return side.case_numbers | side.names


# Role names as tests/conftest.py has them for Chüy, and the Osh counterparts made here.
CHUY_ROLES = ("worker", "colleague", "coordinator", "supervisor", "provider_user")
OSH_ROLES = ("other_worker", "osh_colleague", "osh_coordinator", "osh_supervisor", "osh_provider_user")
ALL_ROLES = (*CHUY_ROLES, *OSH_ROLES, "administrator")

RESTRICTED = "Charged under article 256; hearing at the Bishkek city court."


def _people(tag: str, place: Region, text) -> dict:
    def person(name: str, role: str, last_name: str) -> User:
        return UserFactory(username=name, role=role, regions=[place], last_name=last_name)

    names = {
        "chuy": ("worker-a", "worker-c", "coordinator-a", "supervisor-a", "provider-a"),
        "osh": ("worker-b", "worker-d", "coordinator-b", "supervisor-b", "provider-b"),
    }[tag]
    title = tag.capitalize()
    counselling = service("individual-counselling")
    provider = ProviderFactory(name=text(f"{title} Family Centre"), regions=[place], service_types=[counselling])
    return {
        "worker": person(names[0], User.Role.SOCIAL_WORKER, text(f"{title}worker")),
        "colleague": person(names[1], User.Role.SOCIAL_WORKER, text(f"{title}colleague")),
        "coordinator": person(names[2], User.Role.COORDINATOR, text(f"{title}coordinator")),
        "supervisor": person(names[3], User.Role.SUPERVISOR, text(f"{title}supervisor")),
        "provider_user": ProviderStaffFactory(
            provider=provider, user__username=names[4], user__last_name=text(f"{title}provider")
        ).user,
        "provider": provider,
    }


def returnee_data(place: Region, operation, given_name: str, family_name: str) -> dict:
    return {
        "given_name": given_name,
        "family_name": family_name,
        "sex": "female",
        "date_of_birth": datetime.date(2016, 4, 2),
        "date_of_birth_precision": "month",
        "operation": operation,
        "arrival_date": datetime.date(2023, 2, 10),
        "region": place,
    }


def _register(text, **kwargs) -> Returnee:
    """Register through the real action. The XSS suite writes the same payload into both regions'
    names, so the second region's people are probable duplicates: confirmed as a worker would."""
    try:
        return case_actions.returnee_register(**kwargs)
    except case_actions.ProbableDuplicates as found:
        return case_actions.returnee_register(**kwargs, distinct=found.confirm(text("different person reason")))


def build_side(tag: str, place: Region, operation, *, text=lambda label: label) -> Side:
    """Every kind of object in one region. `text(label)` gives the free text of each field (the
    XSS suite puts its payload there)."""
    side = Side(tag=tag, region=place, **_people(tag, place, text))
    worker, coordinator, supervisor = side.worker, side.coordinator, side.supervisor
    grant = Permission.objects.get(codename="see_restricted", content_type__app_label="cases")
    for person in (worker, side.colleague, coordinator, supervisor):
        person.user_permissions.add(grant)
    authenticator(supervisor)  # supervisors sign in with a second factor (client_for passes it)

    title = tag.capitalize()
    side.returnee = _register(
        text,
        actor=worker,
        data={
            **returnee_data(place, operation, text("Aisha"), f"{title}ova"),
            "patronymic": text("patronymic"),
            "place_of_birth": text("place of birth"),
            "departure_place": text("departure place"),
            "special_needs": text("special needs"),
            "locality": text("locality"),
        },
        aliases=[text(f"{title}ova Aisha")],
        risk_level="high",
        risk_reason=text("Contact with a recruiter in the camp."),
        new_family_name=text(f"{title}ov family"),
    )
    side.case = side.returnee.case
    side.family = side.returnee.membership.family
    moving = _register(
        text,
        actor=worker,
        data=returnee_data(place, operation, "Hamza", f"{title}ov"),
        family=side.family,
        relationship="sibling",
    )
    side.moving = moving.case
    side.relative = case_actions.family_member_add(
        actor=worker,
        family=side.family,
        full_name=text("Gulnara, the mother"),
        relationship="mother",
        whereabouts="abroad",
        notes=text("family member notes"),
    )
    side.note = case_actions.note_log(
        actor=worker, case=side.case, contact_date=today(), kind="home_visit", summary=text("Home visit summary.")
    )
    side.consent = case_actions.consent_record(
        actor=worker,
        returnee=side.returnee,
        data={
            "given_by": "member",
            "giver": side.relative,
            "purpose": "data_sharing",
            "provider": side.provider,
            "given_on": days(-30),
            "expires_on": days(300),
        },
    )
    side.document = case_actions.document_add(
        actor=worker,
        returnee=side.returnee,
        data={
            "kind": "birth_certificate",
            "status": "missing",
            "issuing_body": text("issuing body"),
            "responsible_organisation": text("responsible organisation"),
            "notes": text("document notes"),
        },
    )
    side.kinship = case_actions.kinship_test_record(
        actor=worker,
        returnee=side.returnee,
        relative=side.relative,
        claimed_relationship="mother",
        laboratory=text("Republican forensic laboratory"),
        sample_date=days(-10),
        notes=text("kinship notes"),
    )
    side.care = case_actions.care_arrangement_set(
        actor=worker,
        returnee=side.returnee,
        data={
            "kind": "grandparents",
            "caregiver_name": text("Kalyipa, the grandmother"),
            "caregiver_relationship": text("grandmother"),
            "placement_date": days(-60),
            "notes": text("care notes"),
        },
    )
    side.assessment = case_actions.assessment_record(
        actor=worker,
        case=side.case,
        data={
            "kind": "psychosocial",
            "status": "completed",
            "assessed_on": days(-5),
            "assessor": text("assessor"),
            "findings": text("Nightmares since arrival."),
            "recommendations": text("Counselling twice a week."),
            "recommended_domains": ["psychosocial"],
        },
    )
    side.plan = case_actions.plan_start(actor=worker, case=side.case)
    side.goal = case_actions.goal_add(
        actor=worker,
        plan=side.plan,
        data={
            "domain": "education",
            "goal": text("Enrol in grade 3"),
            "actions": text("Meet the head teacher."),
            "responsible": text("School No. 5"),
            "target_date": days(60),
            "source_assessment": side.assessment,
        },
    )
    case_actions.goal_progress_add(actor=worker, goal=side.goal, written_on=today(), text=text("Went to school."))
    side.attachment = case_actions.attachment_upload(
        actor=worker, case=side.case, uploaded=png_upload(name=f"{text('scan')}.png")
    )
    side.photo = case_actions.returnee_photo_set(actor=worker, returnee=side.returnee, uploaded=png_upload())
    side.task = case_actions.task_schedule(
        actor=worker, case=side.case, due_date=days(3), description=text("Call the school."), assigned_to=worker
    )
    side.legal_record = case_actions.restricted_section_save(
        actor=worker, returnee=side.returnee, data={"charges": RESTRICTED, "security_notes": text("security notes")}
    )

    counselling = service("individual-counselling")
    side.referral = service_actions.referral_create(
        actor=worker,
        case=side.case,
        service_type=counselling,
        reason=text("Nightmares; the grandmother asks for help."),
        shares_data=True,
        provider_contact=text("provider contact"),
        provider_brief=text("provider brief"),
        plan_goal=side.goal,
    )
    side.referral = service_actions.referral_transition(
        actor=coordinator,
        referral=side.referral,
        action="assign",
        expected_status="submitted",
        provider=side.provider,
        comment=text("assignment comment"),
    )
    side.submitted = service_actions.referral_create(
        actor=worker, case=side.case, service_type=counselling, reason=text("Second referral."), shares_data=True
    )

    side.transfer = case_actions.transfer_request(
        actor=worker, case=side.moving, to_region=place, to_worker=side.colleague, reason=text("Caseload balance.")
    )
    side.approval = approval_actions.approval_request(
        actor=worker, kind="closure", case=side.moving, closure_reason="moved", comment=text("approval comment")
    )
    side.reminder = ReminderFactory(case=side.case, recipient=worker)
    # `moving` was registered twice: the second record was merged into it (an administrator may undo).
    twin = _register(text, actor=worker, data=returnee_data(place, operation, "Hamza", f"{title}ov"))
    side.merge = case_actions.returnee_merge(
        actor=supervisor, survivor=side.moving.returnee, merged=twin, reason=text("Registered twice.")
    )
    side.duplicate = DuplicateDecision.objects.create(
        returnee=moving,
        candidate=side.returnee,
        score=0.9,
        registered_by=worker,
        reason=text("different person reason"),
        status=DuplicateDecision.Status.PENDING,
    )
    side.report = ProgressReportFactory(
        created_by=supervisor,
        region=place,
        status=ProgressReport.Status.READY,
        progress=100,
        summary=text("report summary"),
        achievements=text("report achievements"),
        challenges=text("report challenges"),
        next_steps=text("report next steps"),
    )
    side.report.pdf_file.save(f"report-{tag}.pdf", ContentFile(PDF), save=False)
    side.report.xlsx_file.save(f"report-{tag}.xlsx", ContentFile(b"PK\x03\x04 not really"), save=False)
    side.report.save()
    side.manifest = case_actions.manifest_upload(
        actor=coordinator,
        uploaded=SimpleUploadedFile(
            f"manifest-{tag}.csv",
            (
                "household,relation,family_name,given_name,sex,birth_date,operation,region\n"
                f"M1,child,Zzmanifestova,Kanykei,F,2015,{operation.name},{place.name}\n"
            ).encode(),
        ),
    )
    case_actions.manifest_preview(manifest_id=side.manifest.pk)  # what the upload's commit would run
    side.manifest.refresh_from_db()
    return side


def build_world(*, text=lambda label: label) -> World:
    operation = OperationFactory(name="Security test operation")
    administrator = UserFactory(
        username="admin-a", role=User.Role.ADMINISTRATOR, is_staff=True, is_superuser=True, last_name=text("Theadmin")
    )
    authenticator(administrator)
    chuy = build_side("chuy", region("Chüy Oblast"), operation, text=text)
    osh = build_side("osh", region("Osh Oblast"), operation, text=text)
    return World(chuy=chuy, osh=osh, administrator=administrator, operation=operation)
