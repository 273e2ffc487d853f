from django.db import migrations

from services.catalogue import CATALOGUE


def seed_catalogue(apps, schema_editor):
    ServiceCategory = apps.get_model("services", "ServiceCategory")
    ServiceType = apps.get_model("services", "ServiceType")
    for position, (code, name, name_ru, name_ky, types) in enumerate(CATALOGUE):
        category, _ = ServiceCategory.objects.get_or_create(
            code=code, defaults={"name": name, "name_ru": name_ru, "name_ky": name_ky, "position": position}
        )
        for t_code, t_name, t_ru, t_ky, accept, complete in types:
            ServiceType.objects.get_or_create(
                code=t_code,
                defaults={
                    "category": category,
                    "name": t_name,
                    "name_ru": t_ru,
                    "name_ky": t_ky,
                    "days_to_accept": accept,
                    "days_to_complete": complete,
                },
            )


class Migration(migrations.Migration):
    dependencies = [("services", "0001_catalogue_providers_referrals")]

    operations = [migrations.RunPython(seed_catalogue, migrations.RunPython.noop)]
