from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from factory.declarations import LazyAttribute, PostGeneration, Sequence, SubFactory
from factory.django import DjangoModelFactory
from factory.faker import Faker

from guilde.accounts.models import Affiliation, MemberSkill, Organisation, Skill, User

PASSWORD = "correct horse battery staple"


def _set_password(member: User, create: bool, extracted: str | None, **kwargs: Any) -> None:
    member.set_password(extracted or PASSWORD)
    if create:
        member.save(update_fields=["password"])


def _verify_email(member: User, create: bool, extracted: bool | None, **kwargs: Any) -> None:
    """Members get a verified primary address unless ``verified=False``."""
    if create and extracted is not False and member.email:
        EmailAddress.objects.create(user=member, email=member.email, verified=True, primary=True)


class MemberFactory(DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = Sequence(lambda n: f"member{n}")
    email = LazyAttribute(lambda member: f"{member.username}@example.org")
    display_name = Faker("name")
    password = PostGeneration(_set_password)
    verified = PostGeneration(_verify_email)


class OrganisationFactory(DjangoModelFactory[Organisation]):
    class Meta:
        model = Organisation

    name = Sequence(lambda n: f"Organisation {n}")
    slug = Sequence(lambda n: f"organisation-{n}")


class SkillFactory(DjangoModelFactory[Skill]):
    class Meta:
        model = Skill

    name = Sequence(lambda n: f"Skill {n}")
    slug = Sequence(lambda n: f"skill-{n}")


class AffiliationFactory(DjangoModelFactory[Affiliation]):
    class Meta:
        model = Affiliation

    member = SubFactory(MemberFactory)
    organisation = SubFactory(OrganisationFactory)


class MemberSkillFactory(DjangoModelFactory[MemberSkill]):
    class Meta:
        model = MemberSkill

    member = SubFactory(MemberFactory)
    skill = SubFactory(SkillFactory)
    kind = MemberSkill.Kind.SKILL


def set_profile(member: User, **changes: Any) -> User:
    """Rewrite ``member``'s profile through the service; unnamed fields are left empty."""
    from guilde.accounts.services import profile_update

    values: dict[str, Any] = {
        "display_name": member.display_name,
        "bio": "",
        "location": "",
        "time_zone": "",
        "languages": [],
        "open_to_questions": False,
        "open_to_mentor": False,
        "field_visibility": {},
        "analytics_consent": False,
    }
    return profile_update(actor=member, member=member, **(values | changes))
