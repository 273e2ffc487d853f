"""The people who hold the cases and where the returnees came from: organisations, the staff of
every region (supervisors, coordinators, social workers by population), the providers with a
member of staff each, and the repatriation operations."""

import datetime
from collections import defaultdict

from django.contrib.auth.hashers import make_password
from django.utils.text import slugify

from cases.models import Operation
from repat.accounts.models import Organisation, Region, User
from repat.devtools.demo import DEMO_PASSWORD
from repat.devtools.scale.base import TZ, RegionInfo, SeederBase, SeedError, Staff
from repat.devtools.scale.bulk import Loader
from repat.devtools.scale.names import CENTRES, NATIONAL_PROVIDERS, REGIONAL_PROVIDERS, TOWNS
from repat.devtools.scale.naming import POOLS, STAFF_POOLS, feminine
from repat.devtools.scale.places import OPERATIONS, REGION_WEIGHTS
from repat.devtools.scale.randomness import Weighted, spread
from services.models import Provider, ProviderContact, ProviderStaff, ServiceType


class StaffSeeding(SeederBase):
    """Reads the regions and service catalogue the migrations seed, then writes the staff,
    providers and operations."""

    def load_reference(self) -> None:
        regions = list(Region.objects.filter(parent__isnull=True).order_by("id"))
        if not regions:
            raise SeedError("No regions: run the migrations first (they seed the regions).")
        districts = defaultdict(list)
        for pk, parent in Region.objects.filter(parent__isnull=False).order_by("id").values_list("pk", "parent"):
            districts[parent].append(pk)
        self.regions = [
            RegionInfo(
                id=r.pk,
                name=r.name,
                name_ru=r.name_ru or r.name,
                code=slugify(r.name).removesuffix("-oblast"),
                weight=REGION_WEIGHTS.get(r.name, 300),
                districts=districts[r.pk],
                towns=TOWNS.get(r.name, (r.name_ru or r.name,)),
            )
            for r in regions
        ]
        self.pick_region = Weighted((r, r.weight) for r in self.regions)
        if self.workers < len(self.regions):
            raise SeedError(f"Give at least one social worker per region: --workers {len(self.regions)} or more.")
        types = list(ServiceType.objects.filter(is_active=True).select_related("category").order_by("id"))
        if not types:
            raise SeedError("No service types: run the migrations first (they seed the catalogue).")
        self.types = {t.pk: t for t in types}
        self.types_by_category = defaultdict(list)
        for t in types:
            self.types_by_category[t.category.code].append(t)

    def seed_staff(self, loader: Loader) -> None:
        rng = self.rng
        password = make_password(DEMO_PASSWORD)
        joined = datetime.datetime(2019, 9, 2, 9, 0, tzinfo=TZ)
        org_rows = [
            (self.next_id(Organisation), "Министерство труда, социального обеспечения и миграции", "government"),
            (self.next_id(Organisation), "ЮНИСЕФ Кыргызстан", "unicef"),
        ]
        ministry, unicef = org_rows[0][0], org_rows[1][0]
        loader.copy(Organisation, ("id", "name", "kind"), org_rows)

        self.staff: list[Staff] = []

        def add(username, role, region, organisation):
            pool = POOLS[STAFF_POOLS(rng)]
            female = rng.random() < 0.78  # most social workers are women
            surname = pool.surname(rng)
            person = Staff(
                id=self.next_id(User),
                username=username,
                first_name=pool.given(rng, female),
                last_name=feminine(surname) if female else surname,
                role=role,
                region=region,
                organisation=organisation,
                gets_reminders=rng.random() < 0.5,
            )
            self.staff.append(person)
            return person

        add("admin-scale", User.Role.ADMINISTRATOR, None, ministry)
        for region in self.regions:
            for i in range(1, 3):
                region.supervisors.append(add(f"supervisor-{region.code}-{i}", User.Role.SUPERVISOR, region, unicef).id)
            for i in range(1, 4):
                region.coordinators.append(
                    add(f"coordinator-{region.code}-{i}", User.Role.COORDINATOR, region, ministry).id
                )
        # Social workers by population, at least one per region.
        width = max(4, len(str(self.workers)))
        number = 0
        for n, region in zip(spread(self.workers, [r.weight for r in self.regions]), self.regions, strict=True):
            for _ in range(n):
                number += 1
                region.workers.append(add(f"worker{number:0{width}d}", User.Role.SOCIAL_WORKER, region, ministry))

        # Providers: seven per region plus the national ones, each with a member of staff who signs in.
        provider_rows, provider_regions, provider_types, contacts, staff_links = [], [], [], [], []
        providers = []  # (kind, name, service categories or None for all, regions, staff username)
        for region in self.regions:
            town = CENTRES.get(region.name, region.name_ru)
            for index, (kind, categories, pattern) in enumerate(REGIONAL_PROVIDERS, start=1):
                name = pattern.format(n=rng.randint(1, 40), town=town)
                providers.append((kind, name, categories, [region], f"provider-{region.code}-{index}"))
        for index, (kind, name) in enumerate(NATIONAL_PROVIDERS, start=1):
            providers.append((kind, name, None, self.regions, f"provider-national-{index}"))
        for kind, name, categories, regions, username in providers:
            pk = self.next_id(Provider)
            provider_rows.append((pk, name, name, "", kind, None, True, ""))  # the names are Russian
            user = add(username, User.Role.PROVIDER, None, None)
            staff_links.append((self.next_id(ProviderStaff), user.id, pk))
            contacts.append(
                (
                    self.next_id(ProviderContact),
                    pk,
                    user.full_name,
                    "Координатор направлений",
                    f"+996 {rng.choice(('312', '3222', '3722'))} {rng.randint(100000, 999999)}",
                    f"{user.username}@example.org",
                )
            )
            offered = [t for t in self.types.values() if categories is None or t.category.code in categories]
            for region in regions:
                provider_regions.append((self.next_id(Provider.regions.through), pk, region.id))
                for t in offered:
                    region.providers.setdefault(t.pk, []).append((pk, user.id, name))
            provider_types.extend((self.next_id(Provider.service_types.through), pk, t.pk) for t in offered)

        user_rows, user_regions = [], []
        for person in self.staff:
            user_rows.append(
                (
                    person.id,
                    password,
                    person.role == User.Role.ADMINISTRATOR,
                    person.username,
                    person.first_name,
                    person.last_name,
                    f"{person.username}@example.org",
                    person.role == User.Role.ADMINISTRATOR,
                    True,
                    joined,
                    person.role,
                    person.organisation,
                    rng.choice(("", "ru", "ky")),
                )
            )
            if person.role == User.Role.ADMINISTRATOR:
                regions = self.regions
            else:
                regions = [person.region] if person.region else []
            user_regions.extend((self.next_id(User.regions.through), person.id, r.id) for r in regions)
        user_fields = (
            "id",
            "password",
            "is_superuser",
            "username",
            "first_name",
            "last_name",
            "email",
            "is_staff",
            "is_active",
            "date_joined",
            "role",
            "organisation",
            "language",
        )
        loader.copy(User, user_fields, user_rows)
        loader.copy(User.regions.through, ("id", "user", "region"), user_regions)
        loader.copy(
            Provider,
            ("id", "name", "name_ru", "name_ky", "kind", "capacity", "accepting_referrals", "address"),
            provider_rows,
        )
        loader.copy(Provider.regions.through, ("id", "provider", "region"), provider_regions)
        loader.copy(Provider.service_types.through, ("id", "provider", "servicetype"), provider_types)
        loader.copy(ProviderContact, ("id", "provider", "name", "position", "phone", "email"), contacts)
        loader.copy(ProviderStaff, ("id", "user", "provider"), staff_links)

        operation_rows = []
        self.operations = []
        for spec in OPERATIONS:
            pk = self.next_id(Operation)
            operation_rows.append((pk, spec.name, spec.country, spec.arrival, spec.notes))
            self.operations.append((pk, spec))
        loader.copy(Operation, ("id", "name", "country_of_departure", "arrival_date", "notes"), operation_rows)
        self.pick_operation = Weighted(((pk, spec), spec.weight) for pk, spec in self.operations)
