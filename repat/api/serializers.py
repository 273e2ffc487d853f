"""What the API shows of each record, and the input each write takes. Reads are the pages' fields
(never the restricted section, which lives in a model of its own and has no serializer); writes
are validated for shape here and for meaning by the actions, as the pages' forms are."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cases import permissions as case_permissions
from cases.models import Case, Family, FamilyMember, FollowUpTask, IdentityDocument, Note, Operation, Returnee
from repat.accounts.models import Region, User
from repat.core.versions import version_of
from repat.reminders.models import Reminder
from services.models import Provider, Referral, ServiceType

from .models import ApiToken


class VersionField(serializers.Field):
    """The record's version (its last-saved time): send it back in If-Match to update it."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, instance) -> str:
        return version_of(instance)


extend_schema_field({"type": "string"})(VersionField)


def person_name(user) -> str:
    return str(user) if user is not None else ""


# --- Returnees, families, cases ------------------------------------------------------------------


class ReturneeSerializer(serializers.ModelSerializer):
    full_name = serializers.CharField(read_only=True)
    age = serializers.SerializerMethodField()
    case = serializers.IntegerField(source="case.pk", read_only=True)
    version = VersionField()

    class Meta:
        model = Returnee
        fields = [
            "id",
            "case_number",
            "case",
            "full_name",
            "given_name",
            "family_name",
            "patronymic",
            "sex",
            "date_of_birth",
            "date_of_birth_precision",
            "age",
            "place_of_birth",
            "born_in_conflict_zone",
            "operation",
            "departure_place",
            "arrival_date",
            "citizenship_status",
            "languages",
            "special_needs",
            "region",
            "district",
            "locality",
            "updated_at",
            "version",
        ]
        read_only_fields = fields

    def get_age(self, returnee) -> int | None:
        return returnee.age()


class ReturneeUpdateSerializer(serializers.Serializer):
    """The returnee's details the pages' edit form changes (cases.actions.RETURNEE_FIELDS)."""

    given_name = serializers.CharField(max_length=100)
    family_name = serializers.CharField(max_length=100, allow_blank=True)
    patronymic = serializers.CharField(max_length=100, allow_blank=True)
    sex = serializers.ChoiceField(choices=Returnee._meta.get_field("sex").choices)
    date_of_birth = serializers.DateField(allow_null=True)
    date_of_birth_precision = serializers.ChoiceField(
        choices=Returnee._meta.get_field("date_of_birth_precision").choices
    )
    place_of_birth = serializers.CharField(max_length=200, allow_blank=True)
    born_in_conflict_zone = serializers.BooleanField()
    operation = serializers.PrimaryKeyRelatedField(queryset=Operation.objects.all())
    departure_place = serializers.CharField(max_length=200, allow_blank=True)
    arrival_date = serializers.DateField()
    citizenship_status = serializers.ChoiceField(choices=Returnee.CitizenshipStatus.choices)
    special_needs = serializers.CharField(allow_blank=True)
    region = serializers.PrimaryKeyRelatedField(queryset=Region.objects.filter(parent__isnull=True))
    district = serializers.PrimaryKeyRelatedField(
        queryset=Region.objects.filter(kind=Region.Kind.DISTRICT), allow_null=True
    )
    locality = serializers.CharField(max_length=200, allow_blank=True)


class FamilyMemberSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="display_name", read_only=True)

    class Meta:
        model = FamilyMember
        fields = ["id", "name", "returnee", "relationship", "whereabouts", "is_head", "kinship_basis"]
        read_only_fields = fields


class FamilySerializer(serializers.ModelSerializer):
    class Meta:
        model = Family
        fields = ["id", "name", "region", "district", "locality"]
        read_only_fields = fields


class FamilyDetailSerializer(FamilySerializer):
    members = FamilyMemberSerializer(many=True, read_only=True)

    class Meta(FamilySerializer.Meta):
        fields = [*FamilySerializer.Meta.fields, "members"]
        read_only_fields = fields


class CaseSerializer(serializers.ModelSerializer):
    case_number = serializers.CharField(source="returnee.case_number", read_only=True)
    returnee_name = serializers.CharField(source="returnee.full_name", read_only=True)
    region = serializers.IntegerField(source="returnee.region_id", read_only=True)
    operation = serializers.IntegerField(source="returnee.operation_id", read_only=True)
    worker_name = serializers.SerializerMethodField()
    follow_up_overdue = serializers.BooleanField(read_only=True)
    closure_reason = serializers.ChoiceField(choices=Case.ClosureReason.choices, allow_blank=True, read_only=True)
    version = VersionField()

    class Meta:
        model = Case
        fields = [
            "id",
            "case_number",
            "returnee",
            "returnee_name",
            "region",
            "operation",
            "worker",
            "worker_name",
            "status",
            "closure_reason",
            "risk_level",
            "risk_reason",
            "opened_on",
            "closed_on",
            "next_follow_up",
            "follow_up_overdue",
            "updated_at",
            "version",
        ]
        read_only_fields = fields

    def get_worker_name(self, case) -> str:
        return person_name(case.worker)


class CaseUpdateSerializer(serializers.Serializer):
    """What the case's edit page changes (cases.actions.CASE_FIELDS); closing goes through approval."""

    status = serializers.ChoiceField(choices=Case.Status.choices)
    risk_level = serializers.ChoiceField(choices=Case.Risk.choices)
    risk_reason = serializers.CharField(allow_blank=True)
    next_follow_up = serializers.DateField(allow_null=True)
    worker = serializers.PrimaryKeyRelatedField(queryset=User.objects.none(), allow_null=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The case page's choice: the workers the reader may give a case to.
        if "request" in self.context:  # (the schema is drawn without one)
            self.fields["worker"].queryset = case_permissions.assignable_workers(self.context["request"].user)


class NoteSerializer(serializers.ModelSerializer):
    author_name = serializers.SerializerMethodField()

    class Meta:
        model = Note
        fields = [
            "id",
            "case",
            "contact_date",
            "kind",
            "summary",
            "follow_up_needed",
            "author",
            "author_name",
            "created_at",
        ]
        read_only_fields = fields

    def get_author_name(self, note) -> str:
        return person_name(note.author)


class NoteCreateSerializer(serializers.Serializer):
    contact_date = serializers.DateField()
    kind = serializers.ChoiceField(choices=Note.Kind.choices)
    summary = serializers.CharField(max_length=10000)
    follow_up_needed = serializers.BooleanField(default=False)
    next_follow_up = serializers.DateField(required=False, allow_null=True)


# --- Documents ------------------------------------------------------------------------------------


class DocumentSerializer(serializers.ModelSerializer):
    version = VersionField()

    class Meta:
        model = IdentityDocument
        fields = [
            "id",
            "returnee",
            "kind",
            "status",
            "refusal_reason",
            "number",
            "issuing_body",
            "requested_on",
            "issued_on",
            "expires_on",
            "responsible_organisation",
            "due_date",
            "notes",
            "updated_at",
            "version",
        ]
        read_only_fields = fields


class DocumentFieldsSerializer(serializers.Serializer):
    """A document's details (cases.actions.DOCUMENT_FIELDS); its status moves by `transition`."""

    kind = serializers.ChoiceField(choices=IdentityDocument.Kind.choices)
    number = serializers.CharField(max_length=50, allow_blank=True, required=False)
    issuing_body = serializers.CharField(max_length=200, allow_blank=True, required=False)
    requested_on = serializers.DateField(allow_null=True, required=False)
    issued_on = serializers.DateField(allow_null=True, required=False)
    expires_on = serializers.DateField(allow_null=True, required=False)
    responsible_organisation = serializers.CharField(max_length=200, allow_blank=True, required=False)
    due_date = serializers.DateField(allow_null=True, required=False)
    notes = serializers.CharField(allow_blank=True, required=False, max_length=10000)


class DocumentCreateSerializer(DocumentFieldsSerializer):
    status = serializers.ChoiceField(
        choices=[
            (status, label)
            for status, label in IdentityDocument.Status.choices
            if status in ("missing", "requested", "issued")
        ],
        default=IdentityDocument.Status.MISSING,
    )


class DocumentTransitionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=IdentityDocument.Status.choices)
    on = serializers.DateField(required=False, allow_null=True)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=10000)


# --- Follow-up tasks ------------------------------------------------------------------------------


class TaskSerializer(serializers.ModelSerializer):
    assigned_to_name = serializers.SerializerMethodField()
    is_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = FollowUpTask
        fields = [
            "id",
            "case",
            "description",
            "due_date",
            "assigned_to",
            "assigned_to_name",
            "created_at",
            "done_at",
            "is_overdue",
        ]
        read_only_fields = fields

    def get_assigned_to_name(self, task) -> str:
        return person_name(task.assigned_to)


class TaskCreateSerializer(serializers.Serializer):
    description = serializers.CharField(max_length=300)
    due_date = serializers.DateField()
    assigned_to = serializers.PrimaryKeyRelatedField(queryset=User.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The task form's choice: oneself and the colleagues of one's regions.
        if "request" in self.context:
            self.fields["assigned_to"].queryset = case_permissions.task_assignees(self.context["request"].user)


# --- Services -------------------------------------------------------------------------------------


class ServiceTypeSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="localized_name", read_only=True)
    category = serializers.CharField(source="category.code", read_only=True)
    category_name = serializers.CharField(source="category.localized_name", read_only=True)

    class Meta:
        model = ServiceType
        fields = ["id", "code", "name", "category", "category_name", "days_to_accept", "days_to_complete"]
        read_only_fields = fields


class ProviderSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="localized_name", read_only=True)
    regions = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    service_types = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Provider
        fields = ["id", "name", "kind", "regions", "service_types", "capacity", "accepting_referrals", "address"]
        read_only_fields = fields


class ReferralReturneeSerializer(serializers.Serializer):
    full_name = serializers.CharField()
    sex = serializers.CharField()
    age = serializers.IntegerField(allow_null=True)
    age_is_approximate = serializers.BooleanField()


class ReferralSerializer(serializers.ModelSerializer):
    """A referral as its reader may see it (services.permissions): provider staff never get the case
    or its number; without data sharing they get the number, the service, the brief and the
    workflow only; the case side gets the rest. Absent fields are left out, not emptied."""

    number = serializers.CharField(read_only=True)
    service_type_name = serializers.CharField(source="service_type.localized_name", read_only=True)
    provider_name = serializers.SerializerMethodField()
    is_overdue = serializers.BooleanField(read_only=True)
    steps = serializers.SerializerMethodField(
        help_text=_("The workflow steps this account may take now (when one referral is read).")
    )
    # Only with `identity`:
    returnee = serializers.SerializerMethodField()
    # Only for the case side:
    case_number = serializers.CharField(source="case.returnee.case_number", read_only=True)

    IDENTITY = ("returnee", "provider_contact", "reason", "region")
    CASE_SIDE = (
        "case",
        "case_number",
        "requested_by",
        "plan_goal",
        "shares_data",
        "consent",
        "consent_overridden_by",
        "consent_override_reason",
    )

    class Meta:
        model = Referral
        fields = [
            "id",
            "number",
            "service_type",
            "service_type_name",
            "provider_brief",
            "urgency",
            "status",
            "provider",
            "provider_name",
            "accept_due",
            "complete_due",
            "is_overdue",
            "outcome",
            "completed_on",
            "closing_reason",
            "created_at",
            "steps",
            "returnee",
            "provider_contact",
            "reason",
            "region",
            "case",
            "case_number",
            "requested_by",
            "plan_goal",
            "shares_data",
            "consent",
            "consent_overridden_by",
            "consent_override_reason",
        ]
        read_only_fields = fields
        extra_kwargs = {name: {"required": False} for name in fields}

    def to_representation(self, referral):
        from services import permissions

        data = super().to_representation(referral)
        user = self.context["request"].user
        identity = permissions.sees_identity(user, referral)
        case_side = permissions.provider_of(user) is None
        if not identity:
            for name in self.IDENTITY:
                data.pop(name, None)
            if referral.status != Referral.Status.DECLINED:
                data.pop("closing_reason", None)
        if not case_side:
            for name in self.CASE_SIDE:
                data.pop(name, None)
        if self.context.get("steps") is None:
            data.pop("steps", None)
        return data

    def get_provider_name(self, referral) -> str:
        return str(referral.provider) if referral.provider_id else ""

    def get_steps(self, referral) -> list[str]:
        return (self.context.get("steps") or {}).get(referral.pk, [])

    @extend_schema_field(ReferralReturneeSerializer)
    def get_returnee(self, referral):
        returnee = referral.case.returnee
        return {
            "full_name": returnee.full_name,
            "sex": returnee.sex,
            "age": returnee.age(),
            "age_is_approximate": returnee.age_is_approximate,
        }


class ReferralCreateSerializer(serializers.Serializer):
    service_type = serializers.PrimaryKeyRelatedField(queryset=ServiceType.objects.all())
    reason = serializers.CharField(max_length=10000)
    urgency = serializers.ChoiceField(choices=Referral.Urgency.choices, default=Referral.Urgency.ROUTINE)
    shares_data = serializers.BooleanField(default=True)
    provider_contact = serializers.CharField(max_length=300, allow_blank=True, default="")
    provider_brief = serializers.CharField(allow_blank=True, default="", max_length=10000)
    days_to_accept = serializers.IntegerField(min_value=0, max_value=365, required=False, allow_null=True)
    days_to_complete = serializers.IntegerField(min_value=0, max_value=3650, required=False, allow_null=True)
    submit = serializers.BooleanField(default=True)


class ReferralStepSerializer(serializers.Serializer):
    """One step of the workflow. `expected_status` is the status the client saw: if someone moved
    the referral meanwhile, the step is refused instead of applied twice."""

    expected_status = serializers.ChoiceField(choices=Referral.Status.choices)
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=10000)
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=10000)
    provider = serializers.PrimaryKeyRelatedField(queryset=Provider.objects.all(), required=False, allow_null=True)
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, allow_null=True
    )
    provider_brief = serializers.CharField(required=False, allow_null=True, max_length=10000)
    outcome = serializers.CharField(required=False, allow_blank=True, default="", max_length=10000)
    completed_on = serializers.DateField(required=False, allow_null=True)


# --- Reminders ------------------------------------------------------------------------------------


class ReminderSerializer(serializers.ModelSerializer):
    case = serializers.SerializerMethodField()
    case_number = serializers.SerializerMethodField()

    class Meta:
        model = Reminder
        fields = ["id", "item_type", "item_id", "stage", "due_date", "created_at", "read_at", "case", "case_number"]
        read_only_fields = fields

    def get_case(self, reminder) -> int | None:
        return reminder.case_id if getattr(reminder, "case_visible", False) else None

    def get_case_number(self, reminder) -> str | None:
        """Only for a case the reader may still see, and never for provider staff (as the pages)."""
        if not getattr(reminder, "case_visible", False) or not self.context.get("shows_case_numbers"):
            return None
        return reminder.case.returnee.case_number


# --- Indicators -----------------------------------------------------------------------------------


class IndicatorSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    value = serializers.FloatField(allow_null=True, help_text=_("Empty when withheld; `mark` says why."))
    mark = serializers.ChoiceField(choices=["small", "hidden"], allow_null=True)


class IndicatorsSerializer(serializers.Serializer):
    on = serializers.DateField(help_text=_("The day the figures describe."))
    computed_at = serializers.DateTimeField(help_text=_("When the figures were computed (in the background)."))
    threshold = serializers.IntegerField()
    small_label = serializers.CharField()
    indicators = IndicatorSerializer(many=True)


class IndicatorQuerySerializer(serializers.Serializer):
    on = serializers.DateField(
        required=False,
        help_text=_("A day. Without it: the latest figures, whose day is `on` in the answer."),
    )
    region = serializers.PrimaryKeyRelatedField(queryset=Region.objects.filter(parent__isnull=True), required=False)
    operation = serializers.PrimaryKeyRelatedField(queryset=Operation.objects.all(), required=False)

    def validate_on(self, value):
        if value > timezone.localdate():
            raise serializers.ValidationError(_("The day cannot be in the future."))
        return value


# --- Tokens ---------------------------------------------------------------------------------------


class ApiTokenSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "scope", "created_at", "expires_at", "last_used", "revoked_at"]
        read_only_fields = fields
