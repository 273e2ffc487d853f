"""A returnee's photo (a new table: nothing to build concurrently) and its three timeline events
(choices only: no change in the database)."""

import cases.models
import cases.storage
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0021_gin_indexes_without_pending_list'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='caseevent',
            name='kind',
            field=models.CharField(choices=[('opened', 'Case opened'), ('registered', 'Returnee registered'), ('returnee_updated', 'Returnee details updated'), ('updated', 'Case updated'), ('status_changed', 'Status changed'), ('risk_changed', 'Risk level changed'), ('assigned', 'Social worker assigned'), ('closed', 'Case closed'), ('reopened', 'Case reopened'), ('note_logged', 'Contact logged'), ('family_joined', 'Added to a family'), ('document_added', 'Document recorded'), ('document_updated', 'Document details updated'), ('document_status', 'Document status changed'), ('file_uploaded', 'File uploaded'), ('consent_recorded', 'Consent recorded'), ('consent_withdrawn', 'Consent withdrawn'), ('kinship_test', 'Kinship test recorded'), ('kinship_result', 'Kinship test result'), ('care_changed', 'Care arrangement changed'), ('assessment_recorded', 'Assessment recorded'), ('assessment_updated', 'Assessment updated'), ('plan_created', 'Plan version started'), ('plan_activated', 'Plan version made current'), ('goal_added', 'Plan goal added'), ('goal_updated', 'Plan goal updated'), ('goal_progress', 'Progress noted on a goal'), ('referral_created', 'Service requested'), ('referral_status', 'Referral status changed'), ('consent_overridden', 'Consent requirement overridden'), ('transfer_requested', 'Transfer requested'), ('transfer_accepted', 'Transfer accepted'), ('transfer_declined', 'Transfer declined'), ('transfer_cancelled', 'Transfer cancelled'), ('task_scheduled', 'Follow-up task scheduled'), ('task_done', 'Follow-up task done'), ('approval_requested', 'Approval requested'), ('approval_given', 'Approved by the supervisor'), ('approval_returned', 'Returned by the supervisor'), ('approval_withdrawn', 'Approval request withdrawn'), ('restricted_updated', 'Restricted section updated'), ('emergency_access', 'Opened in an emergency'), ('merged', 'Records merged'), ('merge_undone', 'Merge of records undone'), ('duplicate_confirmed', 'Confirmed as a different person from a probable match'), ('duplicate_decided', 'Probable duplicate decided'), ('photo_added', 'Photo added'), ('photo_replaced', 'Photo replaced'), ('photo_removed', 'Photo removed')], max_length=30, verbose_name='event'),
        ),
        migrations.CreateModel(
            name='ReturneePhoto',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('file', models.FileField(storage=cases.storage.private_storage, upload_to=cases.models.upload_to, verbose_name='file')),
                ('width', models.PositiveSmallIntegerField()),
                ('height', models.PositiveSmallIntegerField()),
                ('sha256', models.CharField(max_length=64)),
                ('uploaded_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='uploaded at')),
                ('returnee', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='photo', to='cases.returnee', verbose_name='returnee')),
                ('uploaded_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'photo',
                'verbose_name_plural': 'photos',
            },
        ),
    ]
