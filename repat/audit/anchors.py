"""Heads of the audit trail published outside the database: small JSON files, signed with the audit
key, written to the head storage (REPAT_AUDIT_HEAD_DIR, or the bucket's audit-heads/ with
REPAT_S3_BUCKET, so that any node verifies against them) and e-mailed to administrators (see
actions.head_publish).
A published head says "on this day the chain held this many rows, up to this row, ending in this
seal"; verification holds the chain against every one of them, so nothing at or before a
published head can change, be cut off or be sealed again without showing, even by someone who
holds both the database and the key, as long as the copies of the heads are kept elsewhere."""

import datetime
import hmac
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.utils.translation import gettext_lazy as _

from .keys import AuditKey, UnknownKey, audit_key, sealing_key

FORMAT = "repat-audit-head/1"
FIELDS = ("format", "published_at", "rows", "last_id", "last_hash", "key_id")


@dataclass(frozen=True)
class Problem:
    """Why the trail does not verify: a message translated when shown (an e-mail goes out in each
    recipient's language), with its figures."""

    message: str
    params: dict

    def __str__(self) -> str:
        return str(self.message) % self.params


@dataclass(frozen=True)
class PublishedHead:
    name: str
    published_at: datetime.datetime
    rows: int
    last_id: int | None
    last_hash: str
    key_id: str

    @property
    def when(self) -> str:
        return self.published_at.strftime("%Y-%m-%d %H:%M UTC")


def _signed_content(fields: dict) -> str:
    return json.dumps({name: fields[name] for name in FIELDS}, sort_keys=True, separators=(",", ":"))


def sign(fields: dict, key: AuditKey) -> str:
    return key.seal(_signed_content(fields))


def head_storage():
    """Where heads are published: STORAGES["audit_heads"], the folder REPAT_AUDIT_HEAD_DIR or the
    bucket's audit-heads/ (repat/settings/base.py), which every node reads."""
    return storages["audit_heads"]


def publish(*, rows: int, last_id: int | None, last_hash: str, now: datetime.datetime) -> PublishedHead:
    """Write one signed head to the head storage (a folder is made if missing, readable by its owner
    only; a head is written whole or not at all)."""
    key = sealing_key()
    published_at = now.astimezone(datetime.UTC).replace(microsecond=0)
    fields = {
        "format": FORMAT,
        "published_at": published_at.isoformat().replace("+00:00", "Z"),
        "rows": rows,
        "last_id": last_id,
        "last_hash": last_hash,
        "key_id": key.id,
    }
    fields["signature"] = sign(fields, key)
    name = f"audit-head-{published_at:%Y%m%dT%H%M%SZ}-{rows}.json"
    name = head_storage().save(name, ContentFile((json.dumps(fields, indent=2) + "\n").encode()))
    return PublishedHead(name, published_at, rows, last_id, last_hash, key.id)


def read_text(name: str) -> str:
    """A published head's file, as written."""
    with head_storage().open(name, "rb") as file:
        return file.read().decode("utf-8")


def parse(name: str, text: str) -> PublishedHead | Problem:
    """One published head from its file's text, or why it cannot be trusted."""
    unreadable = Problem(_("the published head %(name)s cannot be read"), {"name": name})
    try:
        fields = json.loads(text)
        published_at = datetime.datetime.fromisoformat(fields["published_at"])
        shape_ok = (
            fields["format"] == FORMAT
            and published_at.tzinfo is not None
            and type(fields["rows"]) is int
            and fields["rows"] >= 0
            and (fields["last_id"] is None or type(fields["last_id"]) is int)
            and (fields["last_id"] is None) == (fields["rows"] == 0)
            and isinstance(fields["last_hash"], str)
            and isinstance(fields["key_id"], str)
            and isinstance(fields["signature"], str)
        )
    except (ValueError, KeyError, TypeError):
        return unreadable
    if not shape_ok:
        return unreadable
    try:
        key = audit_key(fields["key_id"])
    except UnknownKey:
        return Problem(
            _("the published head %(name)s is signed with the key “%(key)s”, which is not configured"),
            {"name": name, "key": fields["key_id"]},
        )
    if not hmac.compare_digest(sign(fields, key), fields["signature"]):
        return Problem(
            _("the signature of the published head %(name)s does not match: it was forged or altered"),
            {"name": name},
        )
    return PublishedHead(name, published_at, fields["rows"], fields["last_id"], fields["last_hash"], fields["key_id"])


def _is_head(name: str) -> bool:
    return name.startswith("audit-head-") and name.endswith(".json")


def _published() -> Iterable[tuple[str, Callable[[], str]]]:
    """(name, how to read it) of every head in the head storage (none in a folder not made yet)."""
    try:
        _folders, names = head_storage().listdir("")
    except FileNotFoundError:
        return []
    return [(name, lambda name=name: read_text(name)) for name in sorted(names) if _is_head(name)]


def _in_folders(directories: Iterable[Path]) -> Iterable[tuple[str, Callable[[], str]]]:
    for directory in directories:
        if directory.is_dir():
            for path in sorted(directory.iterdir()):
                if _is_head(path.name):
                    yield path.name, lambda path=path: path.read_text(encoding="utf-8")


def read_all(directories: Iterable[Path] = (), *, published: bool = False) -> tuple[list[PublishedHead], list[Problem]]:
    """Every head in `directories` (a missing directory holds none) and, with `published`, in the head
    storage: oldest first, the same head found in two places once; and the files that cannot be
    trusted."""
    heads: dict[tuple, PublishedHead] = {}
    problems: list[Problem] = []
    sources = [*(_published() if published else []), *_in_folders(directories)]
    for name, read in sources:
        try:
            found = parse(name, read())
        except (OSError, UnicodeDecodeError):
            found = Problem(_("the published head %(name)s cannot be read"), {"name": name})
        if isinstance(found, Problem):
            problems.append(found)
        else:
            heads[(found.published_at, found.rows, found.last_id, found.last_hash)] = found
    return sorted(heads.values(), key=lambda head: (head.rows, head.published_at)), problems
