"""Media on S3-compatible storage (issue 19): uploads, avatars and backups go through a
real S3 API — moto's server on loopback, which boto3 talks to as to any S3 service."""

from __future__ import annotations

import tarfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from django.core.files.storage import default_storage, storages
from django.test import Client
from moto.server import ThreadedMotoServer

from guilde.accounts.tests.factories import MemberFactory
from guilde.accounts.tests.images import png_bytes, upload
from guilde.communities.tests.factories import CommunityFactory, member_of
from guilde.core import backup
from guilde.core.testing import free_port
from guilde.uploads.services import upload_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def s3(settings, monkeypatch) -> Iterator[Any]:
    """An S3 service on loopback, a private bucket, and Guilde's media storage on it, set
    as GUILDE_MEDIA_STORAGE=s3 sets it."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "guilde-test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "guilde-test-secret")
    client = boto3.client("s3", endpoint_url=endpoint, region_name="eu-west-3")
    # moto keeps its buckets in the process: each test has a bucket of its own.
    bucket = f"guilde-media-{uuid.uuid4().hex[:12]}"
    client.bucket = bucket
    client.create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-3"}
    )
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": bucket,
                "endpoint_url": endpoint,
                "region_name": "eu-west-3",
                "location": "",
                "default_acl": None,
                "querystring_auth": True,
                "file_overwrite": False,
            },
        },
    }
    try:
        yield client
    finally:
        server.stop()


def _keys(client: Any) -> list[str]:
    listed = client.list_objects_v2(Bucket=client.bucket)
    return sorted(item["Key"] for item in listed.get("Contents", []))


def test_uploads_live_in_the_bucket_and_are_served_only_to_readers(s3):
    assert type(storages["default"]).__name__ == "S3Storage"
    community = CommunityFactory.create(visibility="private", join_policy="approval")
    member = member_of(community)
    stored = upload_create(
        actor=member, community=community, file=upload("plan.png", png_bytes()), name="plan.png"
    )
    assert _keys(s3) == [stored.file.name]
    # Private in the bucket: no grant to everyone; a URL the storage makes is signed.
    grants = s3.get_object_acl(Bucket=s3.bucket, Key=stored.file.name)["Grants"]
    assert not [g for g in grants if "AllUsers" in str(g.get("Grantee", {}))]
    assert "X-Amz-Signature=" in default_storage.url(stored.file.name)
    insider = Client()
    insider.force_login(member)
    served = insider.get(stored.url)
    assert served.status_code == 200
    body = b"".join(served.streaming_content)  # type: ignore[attr-defined]
    assert body == s3.get_object(Bucket=s3.bucket, Key=stored.file.name)["Body"].read()
    assert "sandbox" in served["Content-Security-Policy"]
    outsider = Client()
    outsider.force_login(MemberFactory.create())
    assert outsider.get(stored.url).status_code == 404


def test_avatars_go_to_the_bucket_and_come_back(s3):
    member = MemberFactory.create()
    client = Client()
    client.force_login(member)
    answered = client.post("/api/v1/me/avatar", {"picture": upload("me.png", png_bytes())})
    assert answered.status_code == 200, answered.content
    member.refresh_from_db()
    assert member.avatar.name in _keys(s3)
    shown = client.get(f"/members/{member.username}/avatar/")
    assert shown.status_code == 200
    assert shown["Content-Type"] == "image/webp"


@pytest.mark.django_db(transaction=True)
def test_a_backup_reads_the_media_from_the_bucket(s3, tmp_path: Path):
    community = CommunityFactory.create(visibility="public")
    member = member_of(community)
    stored = upload_create(
        actor=member, community=community, file=upload("plan.png", png_bytes()), name="plan.png"
    )
    archive = tmp_path / "guilde.tar.gz"
    summary = backup.backup(archive)
    assert summary.files == 1
    with tarfile.open(archive, "r:gz") as made:
        manifest = backup.read_manifest(made)
        backup.verify(made, manifest)
        copy = made.extractfile(f"media/{stored.file.name}")
        assert copy is not None
        assert copy.read() == s3.get_object(Bucket=s3.bucket, Key=stored.file.name)["Body"].read()
