"""Point the consents recorded as free text at records, where the text allows it without guessing.

Providers: the organisations typed into a consent are looked up by the provider's name in any of its
languages (English, Russian, Kyrgyz), whole words, ignoring case, quotes, spacing and ё/е; the
longest name wins where names overlap ("Sokuluk School No. 2" is not also "School No. 2"). A name
that several providers share is ambiguous: such a consent is left unmatched. A consent naming two
providers on record becomes one consent per provider (same giver, dates and signed form), since a
consent now points at one. Unmatched consents keep their text, no longer satisfy the referral gate,
and the consent page says they must be recorded again.

Givers: "mother" is linked to the one member recorded as mother in the returnee's family;
"guardian" to the one current guardianship order of the returnee (else the one member recorded as
guardian); any of them, and "other", to the one family member whose name is the name typed. Whom
this does not find stays "not on record" (the gate refuses the consent and says so).
"""

import re

from django.db import migrations

QUOTES = re.compile(r"[\"'«»“”„‘’`]")
SPACES = re.compile(r"\s+")
CHUNK = 2000


def normalise(text: str) -> str:
    return SPACES.sub(" ", QUOTES.sub("", text.casefold().replace("ё", "е"))).strip()


def provider_pattern(Provider):
    """One regular expression for every provider name, longest first, and which providers each
    (normalised) name belongs to."""
    owners: dict[str, set[int]] = {}
    for pk, *names in Provider.objects.values_list("pk", "name", "name_ru", "name_ky"):
        for name in {normalise(n) for n in names if n and n.strip()}:
            owners.setdefault(name, set()).add(pk)
    if not owners:
        return None, owners
    alternatives = "|".join(re.escape(name) for name in sorted(owners, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)"), owners


def providers_named(text: str, pattern, owners) -> list[int] | None:
    """The providers a text names (sorted ids), or None when a name in it is ambiguous."""
    if pattern is None:
        return []
    found = set()
    for match in pattern.finditer(normalise(text)):
        ids = owners[match.group()]
        if len(ids) > 1:
            return None
        found |= ids
    return sorted(found)


def match_providers(ConsentRecord, Provider) -> None:
    pattern, owners = provider_pattern(Provider)
    cache: dict[str, list[int] | None] = {}
    pending = (
        ConsentRecord.objects.filter(
            purpose__in=["services", "data_sharing"], provider__isnull=True, service_category__isnull=True
        )
        .exclude(shared_with="")
        .order_by("pk")
    )
    last = 0
    while True:
        chunk = list(pending.filter(pk__gt=last)[:CHUNK])
        if not chunk:
            return
        last = chunk[-1].pk
        matched: dict[int, list[int]] = {}  # provider: consents, one UPDATE per provider
        copies = []
        for consent in chunk:
            if consent.shared_with not in cache:
                cache[consent.shared_with] = providers_named(consent.shared_with, pattern, owners)
            ids = cache[consent.shared_with]
            if not ids:
                continue
            matched.setdefault(ids[0], []).append(consent.pk)
            for other in ids[1:]:
                copy = ConsentRecord(
                    **{
                        field.attname: getattr(consent, field.attname)
                        for field in ConsentRecord._meta.concrete_fields
                        if field.attname not in ("id", "created_at")
                    }
                )
                copy.provider_id = other
                copies.append(copy)
        for provider_id, consent_ids in matched.items():
            ConsentRecord.objects.filter(pk__in=consent_ids).update(provider_id=provider_id)
        ConsentRecord.objects.bulk_create(copies)


def name_of(member) -> str:
    if member.returnee_id:
        parts = (member.returnee.family_name, member.returnee.given_name, member.returnee.patronymic)
        return " ".join(part for part in parts if part)
    return member.full_name


def only(candidates):
    return candidates[0] if len(candidates) == 1 else None


def match_givers(ConsentRecord, FamilyMember, CareArrangement) -> None:
    pending = ConsentRecord.objects.filter(given_by__in=["mother", "guardian", "other"]).order_by("pk")
    last = 0
    while True:
        chunk = list(pending.filter(pk__gt=last)[:CHUNK])
        if not chunk:
            return
        last = chunk[-1].pk
        returnee_ids = {consent.returnee_id for consent in chunk}
        own = {m.returnee_id: m for m in FamilyMember.objects.filter(returnee_id__in=returnee_ids)}
        relatives: dict[int, list] = {}
        for member in FamilyMember.objects.filter(family_id__in={m.family_id for m in own.values()}).select_related(
            "returnee"
        ):
            relatives.setdefault(member.family_id, []).append(member)
        orders: dict[int, list] = {}
        for arrangement in CareArrangement.objects.filter(returnee_id__in=returnee_ids, ended_on__isnull=True).exclude(
            guardianship_order_number=""
        ):
            if arrangement.guardian_name.strip():
                orders.setdefault(arrangement.returnee_id, []).append(arrangement)
        for consent in chunk:
            membership = own.get(consent.returnee_id)
            members = [m for m in relatives.get(membership.family_id, []) if m.pk != membership.pk] if membership else []
            legacy, member, order = consent.given_by, None, None
            if legacy == "mother":
                member = only([m for m in members if m.relationship == "mother"])
            elif legacy == "guardian":
                order = only(orders.get(consent.returnee_id, []))
                if order is None:
                    member = only([m for m in members if m.relationship == "guardian"])
            if member is None and order is None and consent.given_by_name.strip():
                typed = normalise(consent.given_by_name)
                member = only([m for m in members if normalise(name_of(m)) == typed])
            if order is not None:
                consent.given_by, consent.guardianship_id, consent.giver_relationship = "guardian", order.pk, "guardian"
                consent.given_by_name = consent.given_by_name or order.guardian_name
            elif member is not None:
                consent.given_by, consent.giver_id, consent.giver_relationship = "member", member.pk, member.relationship
                consent.given_by_name = consent.given_by_name or name_of(member)
            else:
                consent.given_by = "guardian" if legacy == "guardian" else "member"
        # One UPDATE per distinct outcome (a mother's consents, the unmatched ones...), not per row.
        outcomes: dict[tuple, list[int]] = {}
        for consent in chunk:
            key = (
                consent.given_by,
                consent.giver_id,
                consent.guardianship_id,
                consent.giver_relationship,
                consent.given_by_name,
            )
            outcomes.setdefault(key, []).append(consent.pk)
        for (given_by, giver, guardianship, relationship, name), ids in outcomes.items():
            ConsentRecord.objects.filter(pk__in=ids).update(
                given_by=given_by,
                giver_id=giver,
                guardianship_id=guardianship,
                giver_relationship=relationship,
                given_by_name=name,
            )


def forwards(apps, schema_editor):
    ConsentRecord = apps.get_model("cases", "ConsentRecord")
    match_givers(ConsentRecord, apps.get_model("cases", "FamilyMember"), apps.get_model("cases", "CareArrangement"))
    match_providers(ConsentRecord, apps.get_model("services", "Provider"))


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0010_consent_points_at_records"),
        ("services", "0005_provider_names_referral_brief"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
