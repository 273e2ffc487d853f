from django.db import migrations

from repat.accounts.regions import KYRGYZSTAN


def seed_regions(apps, schema_editor):
    Region = apps.get_model("accounts", "Region")
    for name, name_ru, name_ky, kind, districts in KYRGYZSTAN:
        parent, _ = Region.objects.get_or_create(
            name=name, parent=None, defaults={"name_ru": name_ru, "name_ky": name_ky, "kind": kind}
        )
        for d_name, d_ru, d_ky in districts:
            Region.objects.get_or_create(
                name=d_name, parent=parent, defaults={"name_ru": d_ru, "name_ky": d_ky, "kind": "district"}
            )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(seed_regions, migrations.RunPython.noop)]
