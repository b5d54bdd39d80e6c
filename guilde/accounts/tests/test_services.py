from __future__ import annotations

import io
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from PIL import Image

from guilde.accounts import services
from guilde.accounts.models import (
    Affiliation,
    ClaimRequest,
    MemberSkill,
    PersonalAccessToken,
    Skill,
    User,
)
from guilde.accounts.tests.factories import MemberFactory, OrganisationFactory, set_profile
from guilde.accounts.tests.images import jpeg_with_gps_bytes, png_bytes, upload


def _profile(member, **changes):
    return set_profile(member, **{"display_name": "Name", **changes})


@pytest.mark.django_db
def test_profile_update_validates_time_zones_languages_and_visibility():
    member = MemberFactory.create()
    with pytest.raises(ValidationError):
        _profile(member, time_zone="Mars/Olympus")
    with pytest.raises(ValidationError):
        _profile(member, languages=["klingon"])
    with pytest.raises(ValidationError):
        _profile(member, field_visibility={"shoe_size": "everyone"})
    with pytest.raises(ValidationError):
        _profile(member, field_visibility={"bio": "the whole galaxy"})
    _profile(
        member,
        time_zone="America/Montreal",
        languages=["fr", "en", "fr"],
        field_visibility={"bio": "private"},
    )
    member.refresh_from_db()
    assert member.time_zone == "America/Montreal"
    assert sorted(member.spoken_languages.values_list("code", flat=True)) == ["en", "fr"]
    assert member.visibility_of("bio") == "private"
    assert member.visibility_of("location") == "communities"  # the default stays


@pytest.mark.django_db
def test_nobody_edits_someone_elses_profile():
    member, other = MemberFactory.create(), MemberFactory.create()
    with pytest.raises(PermissionDenied):
        services.profile_update(
            actor=other,
            member=member,
            display_name="x",
            bio="",
            location="",
            time_zone="",
            languages=[],
            open_to_questions=False,
            open_to_mentor=False,
            field_visibility={},
            analytics_consent=False,
        )


@pytest.mark.django_db
def test_free_entry_skills_share_one_vocabulary():
    first, second = MemberFactory.create(), MemberFactory.create()
    services.skills_set(
        actor=first, member=first, kind="skill", names=["Data  Visualisation", "SQL"]
    )
    services.skills_set(actor=second, member=second, kind="skill", names=["data visualisation"])
    assert Skill.objects.filter(slug="data-visualisation").count() == 1
    services.skills_set(actor=first, member=first, kind="skill", names=["SQL"])
    assert list(first.member_skills.values_list("skill__name", flat=True)) == ["SQL"]


@pytest.mark.django_db
def test_merging_duplicate_skills_keeps_each_member_once():
    admin, member, other = (
        MemberFactory.create(is_staff=True),
        MemberFactory.create(),
        MemberFactory.create(),
    )
    services.skills_set(actor=member, member=member, kind="skill", names=["Postgres", "PostgreSQL"])
    services.skills_set(actor=other, member=other, kind="skill", names=["Postgres"])
    source, target = Skill.objects.get(slug="postgres"), Skill.objects.get(slug="postgresql")

    with pytest.raises(PermissionDenied):
        services.skill_merge(actor=member, source=source, target=target)
    services.skill_merge(actor=admin, source=source, target=target)

    assert list(member.member_skills.values_list("skill__slug", flat=True)) == ["postgresql"]
    assert list(other.member_skills.values_list("skill__slug", flat=True)) == ["postgresql"]
    # Typing the old name again lands on the term kept.
    assert services.skill_for_name("Postgres") == target
    assert MemberSkill.objects.filter(skill=source).count() == 0


@pytest.mark.django_db
def test_an_affiliation_is_confirmed_by_a_verified_address_at_the_organisation_domain():
    organisation = OrganisationFactory.create(email_domains=["example.org"])
    member = MemberFactory.create(email="ana@example.org")
    outsider = MemberFactory.create(email="bob@elsewhere.test")
    assert (
        services.affiliation_set(
            actor=member, member=member, organisation=organisation
        ).confirmed_by
        == "domain"
    )
    assert (
        services.affiliation_set(
            actor=outsider, member=outsider, organisation=organisation
        ).confirmed_by
        == ""
    )

    # The outsider verifies an address at the domain; confirmations follow.
    EmailAddress.objects.create(user=outsider, email="bob@example.org", verified=True)
    services.affiliations_reconfirm(member=outsider)
    assert Affiliation.objects.get(member=outsider).confirmed_by == "domain"
    EmailAddress.objects.filter(user=outsider, email="bob@example.org").delete()
    services.affiliations_reconfirm(member=outsider)
    assert Affiliation.objects.get(member=outsider).confirmed_by == ""


@pytest.mark.django_db
def test_members_cannot_set_organisation_domains_only_admins_can():
    member, admin = MemberFactory.create(), MemberFactory.create(is_staff=True)
    mine = services.organisation_create(actor=member, name="My Org", email_domains=["evil.test"])
    theirs = services.organisation_create(actor=admin, name="My Org", email_domains=["@Good.test"])
    assert mine.email_domains == []
    assert theirs.email_domains == ["good.test"]
    assert theirs.slug == "my-org-2"


@pytest.mark.django_db
def test_avatars_are_re_encoded_squares_without_metadata():
    member = MemberFactory.create()
    services.avatar_set(
        actor=member, member=member, upload=upload("me.jpg", jpeg_with_gps_bytes(), "image/jpeg")
    )
    member.refresh_from_db()
    with member.avatar.open("rb") as stored:
        data = stored.read()
    image = Image.open(io.BytesIO(data))
    assert image.format == "WEBP"
    assert image.size == (256, 256)
    assert not image.getexif()
    assert b"secret description" not in data


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("report.png", b"%PDF-1.4 <html><script>alert(1)</script></html>"),
        ("picture.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        ("empty.png", b""),
        ("truncated.png", png_bytes()[:40]),
    ],
)
def test_anything_but_a_real_picture_is_refused(name, content):
    member = MemberFactory.create()
    with pytest.raises(ValidationError):
        services.avatar_set(actor=member, member=member, upload=upload(name, content))
    member.refresh_from_db()
    assert not member.avatar


@pytest.mark.django_db
def test_tokens_are_stored_hashed_shown_once_and_checked():
    member = MemberFactory.create()
    token, plain = services.token_create(actor=member, member=member, name="ci", scope="read")
    assert plain.startswith("gld_")
    assert plain not in str(PersonalAccessToken.objects.values().get())
    assert token.prefix == plain[:10]

    found = services.token_authenticate(plain)
    assert found is not None
    assert found.member == member
    assert found.last_used_at is not None
    assert services.token_authenticate(plain + "x") is None
    assert services.token_authenticate("not-a-token") is None

    services.token_revoke(actor=member, token=token)
    assert services.token_authenticate(plain) is None


@pytest.mark.django_db
def test_expired_tokens_and_tokens_of_inactive_members_do_not_work():
    member = MemberFactory.create()
    _token, expired = services.token_create(
        actor=member, member=member, name="old", scope="read", expires_in=timedelta(seconds=-1)
    )
    assert services.token_authenticate(expired) is None
    _token, plain = services.token_create(actor=member, member=member, name="new", scope="write")
    User.objects.filter(pk=member.pk).update(is_active=False)
    assert services.token_authenticate(plain) is None


@pytest.mark.django_db
def test_token_use_is_recorded_at_most_once_a_minute(django_assert_num_queries):
    member = MemberFactory.create()
    _token, plain = services.token_create(actor=member, member=member, name="busy", scope="read")
    with django_assert_num_queries(2):  # read + record
        services.token_authenticate(plain)
    with django_assert_num_queries(1):  # read only
        services.token_authenticate(plain)
    PersonalAccessToken.objects.update(last_used_at=timezone.now() - timedelta(minutes=2))
    with django_assert_num_queries(2):
        services.token_authenticate(plain)


@pytest.mark.django_db
def test_placeholders_are_created_once_and_cannot_sign_in():
    first = services.placeholder_create(source="se", key="7", display_name="Imported Person")
    again = services.placeholder_create(source="se", key="7", display_name="Other Name")
    assert first.pk == again.pk
    assert first.is_placeholder
    assert not first.has_usable_password()
    assert first.email == ""


@pytest.mark.django_db
def test_a_claim_proven_by_the_email_merges_the_placeholder_at_once():
    placeholder = services.placeholder_create(
        source="se", key="8", display_name="Old Me", email="Me@Example.org"
    )
    services.skills_set(actor=placeholder, member=placeholder, kind="skill", names=["Brewing"])
    claimant = MemberFactory.create(email="me@example.org")

    claim = services.claim_request(claimant=claimant, placeholder=placeholder)

    assert claim.status == ClaimRequest.Status.APPROVED
    assert not User.objects.filter(pk=placeholder.pk).exists()
    assert list(claimant.member_skills.values_list("skill__name", flat=True)) == ["Brewing"]
    claim.refresh_from_db()
    assert claim.placeholder is None
    assert "Old Me" in claim.placeholder_label


@pytest.mark.django_db
def test_other_claims_wait_for_an_administrator():
    placeholder = services.placeholder_create(source="se", key="9", display_name="Someone")
    claimant, admin = MemberFactory.create(), MemberFactory.create(is_staff=True)
    claim = services.claim_request(claimant=claimant, placeholder=placeholder, message="It was me")
    assert claim.status == ClaimRequest.Status.PENDING
    with pytest.raises(PermissionDenied):
        services.claim_decide(actor=claimant, claim=claim, approve=True)
    services.claim_decide(actor=admin, claim=claim, approve=False)
    assert User.objects.filter(pk=placeholder.pk).exists()
    with pytest.raises(ValidationError):
        services.claim_decide(actor=admin, claim=claim, approve=True)


@pytest.mark.django_db
def test_merging_keeps_one_row_where_both_members_had_it():
    placeholder = services.placeholder_create(source="se", key="10", display_name="Twin")
    target = MemberFactory.create()
    for member in (placeholder, target):
        services.skills_set(
            actor=member,
            member=member,
            kind="skill",
            names=["Tasting", "Hops" if member is placeholder else "Malt"],
        )
    services.member_merge(source=placeholder, target=target)
    assert sorted(target.member_skills.values_list("skill__name", flat=True)) == [
        "Hops",
        "Malt",
        "Tasting",
    ]
