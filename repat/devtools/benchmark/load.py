"""The people the load test plays (`manage.py bench_load`, read by locustfile.py)."""

from django.conf import settings

from cases.models import Case
from repat.accounts.models import User
from repat.devtools.benchmark.measure import prepare_dashboard, signed_in_client
from repat.devtools.benchmark.pages import DASHBOARD, pages
from services.models import ProviderStaff


def load_people(count: int) -> list[dict]:
    """People for the load test, of every role in the proportions a programme has (mostly social
    workers), each with their signed-in session and the pages they open: what locustfile.py reads."""
    shares = {
        User.Role.SOCIAL_WORKER: 0.5,
        User.Role.COORDINATOR: 0.15,
        User.Role.SUPERVISOR: 0.15,
        User.Role.ADMINISTRATOR: 0.05,
        User.Role.PROVIDER: 0.15,
    }
    labels = {
        User.Role.SOCIAL_WORKER: "social worker",
        User.Role.COORDINATOR: "coordinator",
        User.Role.SUPERVISOR: "supervisor",
        User.Role.ADMINISTRATOR: "administrator",
        User.Role.PROVIDER: "provider staff",
    }
    chosen = []
    for role, share in shares.items():
        wanted = max(1, round(count * share))
        candidates = User.objects.filter(role=role, is_active=True)
        if role == User.Role.SOCIAL_WORKER:
            candidates = candidates.filter(pk__in=Case.objects.values("worker"))
        elif role == User.Role.PROVIDER:
            candidates = candidates.filter(pk__in=ProviderStaff.objects.values("user"))
        chosen += [(labels[role], user) for user in candidates.order_by("?")[:wanted]]
    people = []
    for label, user in chosen:
        own = signed_in_client(user).cookies[settings.SESSION_COOKIE_NAME].value
        entries = []
        for page in pages({label: user}):
            session = own
            if page.kind == DASHBOARD:
                prepare_dashboard(signed_in_client(user), page.url)
            if page.session:  # a search is kept in a session: give it one of its own
                client = signed_in_client(user)
                stored = client.session
                stored.update(page.session)
                stored.save()
                session = client.cookies[settings.SESSION_COOKIE_NAME].value
            entries.append((page.name, page.url, session))
        people.append({"role": label, "cookie": settings.SESSION_COOKIE_NAME, "pages": entries})
    return people
