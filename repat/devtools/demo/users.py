"""The demo's organisations and one user per role, all with the published demo password."""

from repat.accounts.models import Organisation, User

DEMO_PASSWORD = "repat-demo"


def demo_user(username, role, first, last, organisation, regions, **extra) -> User:
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"role": role, "first_name": first, "last_name": last, "organisation": organisation, **extra},
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
        user.regions.set(regions)
    return user


def add_staff(regions: dict) -> dict[str, User]:
    """The ministry and UNICEF, two social workers, a coordinator, a supervisor and an
    administrator. Returns the social workers by username."""
    chuy, bishkek, osh, jalal_abad = (regions[n] for n in ("Chüy Oblast", "Bishkek", "Osh Oblast", "Jalal-Abad Oblast"))

    ministry = Organisation.objects.get_or_create(
        name="Ministry of Labour, Social Security and Migration (demo)", defaults={"kind": Organisation.Kind.GOVERNMENT}
    )[0]
    unicef = Organisation.objects.get_or_create(
        name="UNICEF Kyrgyzstan (demo)", defaults={"kind": Organisation.Kind.UNICEF}
    )[0]
    workers = {
        "worker1": demo_user("worker1", User.Role.SOCIAL_WORKER, "Aizada", "Demo-Worker", ministry, [chuy, bishkek]),
        "worker2": demo_user("worker2", User.Role.SOCIAL_WORKER, "Bakyt", "Demo-Worker", ministry, [osh, jalal_abad]),
    }
    demo_user("coordinator1", User.Role.COORDINATOR, "Cholpon", "Demo-Coordinator", ministry, [chuy, bishkek, osh])
    demo_user(
        "supervisor1", User.Role.SUPERVISOR, "Dinara", "Demo-Supervisor", unicef, [chuy, bishkek, osh, jalal_abad]
    )
    demo_user(
        "admin",
        User.Role.ADMINISTRATOR,
        "Emil",
        "Demo-Admin",
        ministry,
        list(regions.values()),
        is_staff=True,
        is_superuser=True,
    )
    return workers
