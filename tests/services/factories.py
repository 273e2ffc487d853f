"""factory_boy factories for the services app. The catalogue (categories and types) is seeded by a
migration, so tests look service types up by code instead of building them."""

import factory

from repat.accounts.models import User
from services.models import Provider, ProviderStaff, Referral, ServiceType
from tests.factories import CaseFactory, UserFactory


def service(code: str) -> ServiceType:
    return ServiceType.objects.get(code=code)


class ProviderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Provider
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Centre {n} for Families")
    kind = Provider.Kind.NGO

    @factory.post_generation
    def regions(self, create, extracted, **kwargs):
        if create and extracted:
            self.regions.set(extracted)

    @factory.post_generation
    def service_types(self, create, extracted, **kwargs):
        if create and extracted:
            self.service_types.set(extracted)


class ProviderStaffFactory(factory.django.DjangoModelFactory):
    """A provider user and the organisation they work for."""

    class Meta:
        model = ProviderStaff

    user = factory.SubFactory(UserFactory, role=User.Role.PROVIDER)
    provider = factory.SubFactory(ProviderFactory)


class ReferralFactory(factory.django.DjangoModelFactory):
    """A referral row in a given status. Rows only: workflow rules are tested through the actions,
    so these build the "given" part of a test (queues, pages, counts)."""

    class Meta:
        model = Referral

    case = factory.SubFactory(CaseFactory)
    service_type = factory.LazyFunction(lambda: service("individual-counselling"))
    reason = "Nightmares since arrival; the mother asks for help."
    shares_data = False
    provider_brief = "Weekly sessions; a Kyrgyz-speaking counsellor if possible."
    status = Referral.Status.SUBMITTED
    requested_by = factory.SubFactory(UserFactory)
    region = factory.LazyAttribute(lambda referral: referral.case.returnee.region)
