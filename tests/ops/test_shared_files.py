"""Two web nodes on one S3-compatible bucket (moto's server, tests/objectstore.py), as behind a load
balancer: a scan uploaded through one node downloads through the other. (On a folder of each
node's own, the second node answered 500: the file was not there.)"""

import pytest

from cases.models import Attachment
from tests.factories import PDF_BYTES

from .stack import Gunicorn, app_env, app_passwords, database_url

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("database_file"),  # gunicorn opens the test database too
]


def node(name: str, folder, object_store) -> Gunicorn:
    """One web node: its own var/ folder (so its own local private folder), the shared bucket."""
    env = app_env(
        "repat.settings.dev", DATABASE_URL=database_url(), REPAT_VAR_DIR=str(folder / name), **object_store.environ()
    )
    return Gunicorn(env, folder / f"{name}.log")


def signed_in(web: Gunicorn, username: str):
    browser = web.browser()
    assert browser.sign_in(username).status == 302
    return browser


def test_a_scan_uploaded_through_one_node_downloads_through_the_other(worker, case, object_store, tmp_path):
    # given: two nodes on the bucket
    app_passwords(worker)
    one, two = node("one", tmp_path, object_store), node("two", tmp_path, object_store)
    try:
        one.start()
        two.start()

        # when: a scan is uploaded through the first
        uploaded = signed_in(one, worker.username).submit_files(
            f"/returnees/{case.returnee.pk}/documents/new/",
            "scan_file",
            {"kind": "birth_certificate", "status": "missing"},
            {"scan_file": ("birth.pdf", PDF_BYTES, "application/pdf")},
        )

        # then: it is in the bucket, and the second node serves it
        assert uploaded.status == 302, uploaded.text[-2000:]
        attachment = Attachment.objects.get()
        assert object_store.keys() == [attachment.file.name]
        download = signed_in(two, worker.username).get(attachment.get_absolute_url())
        assert download.status == 200
        assert download.body == PDF_BYTES
        assert not (tmp_path / "one" / "private").exists()
        assert one.errors() == [] and two.errors() == []
    finally:
        one.stop()
        two.stop()
