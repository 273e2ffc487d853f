"""Storages on S3 or any S3-compatible object store (MinIO, Ceph, a cloud's object storage),
through django-storages. Imported only when REPAT_S3_BUCKET is set: boto3 takes about a second to
import, which a deployment on local folders need not pay."""

from storages.backends.s3 import S3Storage

from .storage import NoPublicURLs


class PrivateS3Storage(NoPublicURLs, S3Storage):
    """Objects are private (ACL "private"), never given a URL (signed or not: files go out through
    the permission-checked views, which stream them), never overwritten (a second file of the same
    name gets another name, as on disk), and encrypted at rest by the store when REPAT_S3_ENCRYPTION
    asks for it. Options come from the STORAGES setting (repat/settings/base.py)."""

    default_acl = "private"
    querystring_auth = False
    file_overwrite = False
