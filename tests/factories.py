"""factory_boy factories. Names are fictional; regions come from the seeded migration."""

import datetime

import factory
from django.utils import timezone

from cases.models import Case, Family, FamilyMember, Note, Operation, Returnee
from repat.accounts.models import Organisation, Region, User


def region(name: str) -> Region:
    return Region.objects.get(name=name, parent__isnull=True)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Test organisation {n}")
    kind = Organisation.Kind.GOVERNMENT


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Person{n}")
    role = User.Role.SOCIAL_WORKER
    organisation = factory.SubFactory(OrganisationFactory)
    password = factory.PostGenerationMethodCall("set_password", "test-password-123")

    @factory.post_generation
    def regions(self, create, extracted, **kwargs):
        if create and extracted:
            self.regions.set(extracted)
        if create:
            self.save()


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
