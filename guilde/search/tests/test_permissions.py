"""Who finds what: every kind of private content searched as each role.

Each item carries a nonsense word of its own (``zqprivthread``...) and each scenario a word
shared by all its items (``zqprivall``...), so every assertion compares the *exact* results
(kind, key), total and facet counts a role gets: a leak and a missing result both fail.

Roles: anonymous; outsider (signed in, in no community); pending (asked to join the private
and the hidden community, not accepted); member, moderator, steward (a member the
coordinators named knowledge steward) and coordinator, in the public, private and hidden
communities; elsewhere (coordinator of another community only); admin (staff, in no
community). Content is written through the services, which index it in their transaction.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q
from django.test import Client
from django.utils import timezone

from guilde.accounts.models import User
from guilde.accounts.services import skills_set
from guilde.accounts.tests.factories import MemberFactory, set_profile
from guilde.communities import services as communities
from guilde.communities.models import Community, Membership
from guilde.conversations.services import conversation_start
from guilde.core.testing import run_queued_tasks
from guilde.discussions import services as discussions
from guilde.discussions.models import Post, Thread
from guilde.knowledge import services as knowledge
from guilde.moderation.services import held_post_decide
from guilde.search.models import SearchDocument
from guilde.search.selectors import SearchPage, SearchParams, search
from guilde.uploads.services import upload_create

pytestmark = pytest.mark.django_db

ROLES = (
    "anonymous",
    "outsider",
    "pending",
    "member",
    "moderator",
    "steward",
    "coordinator",
    "elsewhere",
    "admin",
)
READERS = ("member", "moderator", "steward", "coordinator", "admin")
STEWARDS = ("steward", "coordinator", "admin")

Item = tuple[str, str]  # (kind, key) of a result


@dataclass
class PermWorld:
    people: dict[str, Any] = field(default_factory=dict)
    communities: dict[str, Community] = field(default_factory=dict)

    def viewer(self, role: str) -> Any:
        return self.people[role]

    def member(self, role: str) -> User:
        person = self.people[role]
        assert isinstance(person, User), role
        return person


def _person(username: str, **fields: Any) -> User:
    return MemberFactory.create(
        username=f"perm-{username}", display_name=f"Perm {username.title()}", **fields
    )


def _active(community: Community, member: User, role: str = "member", **fields: Any) -> None:
    Membership.objects.create(
        community=community, member=member, role=role, joined_at=timezone.now(), **fields
    )


@pytest.fixture
def perm_world() -> PermWorld:
    """People in each role, and a public, a private and a hidden community (their
    documents indexed by ``community_create``)."""
    world = PermWorld()
    world.people["anonymous"] = AnonymousUser()
    for role in ROLES[1:]:
        world.people[role] = _person(role, is_staff=role == "admin")
    coordinator = world.member("coordinator")
    settings = {
        "public": ("Zqpubname Garden", "zqpuball gardening", "public", "open"),
        "private": ("Zqprivname Circle", "zqprivall pottery", "private", "approval"),
        "hidden": ("Zqhidname Cellar", "zqhidall winemaking", "hidden", "invitation"),
    }
    for kind, (name, domain, visibility, join_policy) in settings.items():
        world.communities[kind] = communities.community_create(
            actor=coordinator,
            name=name,
            domain=domain,
            visibility=visibility,
            join_policy=join_policy,
            slug=f"perm-{kind}",
        )
    world.communities["elsewhere"] = communities.community_create(
        actor=world.member("elsewhere"),
        name="Elsewhere",
        domain="Somewhere else",
        slug="perm-elsewhere",
    )
    public, private, hidden = (world.communities[k] for k in ("public", "private", "hidden"))
    # The member joins through the services: at once where joining is open, on approval
    # in the private community.
    communities.membership_join(actor=world.member("member"), community=public)
    request = communities.membership_join(actor=world.member("member"), community=private)
    communities.membership_decide(actor=coordinator, membership=request, approve=True)
    _active(hidden, world.member("member"))
    for community in (public, private, hidden):
        _active(community, world.member("moderator"), role="moderator")
        _active(community, world.member("steward"), steward=True)
    pending = communities.membership_join(actor=world.member("pending"), community=private)
    assert pending.status == Membership.Status.PENDING
    Membership.objects.create(
        community=hidden, member=world.member("pending"), status=Membership.Status.PENDING
    )
    return world


# Searching ---------------------------------------------------------------------------------


def _search(viewer: Any, q: str, **params: Any) -> SearchPage:
    return search(viewer=viewer, params=SearchParams(q=q, **params))


def _items(page: SearchPage) -> list[Item]:
    """Sorted, not a set: an item found twice shows up twice."""
    return sorted((r.kind, r.key) for r in page.results)


def _found(world: PermWorld, q: str, roles: Iterable[str] = ROLES) -> dict[str, list[Item]]:
    return {role: _items(_search(world.viewer(role), q)) for role in roles}


def _expect(
    items: Iterable[Item], who: Iterable[str], roles: Iterable[str] = ROLES
) -> dict[str, list[Item]]:
    """``items`` for the roles in ``who``, nothing for the others."""
    wanted, who = sorted(items), set(who)
    return {role: wanted if role in who else [] for role in roles}


def _summary(page: SearchPage) -> dict[str, Any]:
    return {
        "results": _items(page),
        "total": page.total,
        "types": {f.value: f.count for f in page.types if f.count},
        "communities": sorted((f.value, f.count) for f in page.communities),
    }


def _expected_summary(items: Iterable[Item], community: Community | None) -> dict[str, Any]:
    """What a search returning exactly ``items`` (all in ``community`` except members)
    shows: results, total and both facets. A question also counts as "question": the
    caller adds it."""
    items = sorted(items)
    types: dict[str, int] = {}
    for kind, _key in items:
        types[kind] = types.get(kind, 0) + 1
    in_community = [i for i in items if i[0] != "member"]
    return {
        "results": items,
        "total": len(items),
        "types": types,
        "communities": [(community.slug, len(in_community))] if in_community and community else [],
    }


def _not_in_index(*words: str) -> bool:
    """No search document holds any of ``words``, in any field, for any audience."""
    condition = Q(pk__in=[])
    for word in words:
        condition |= (
            Q(title__icontains=word)
            | Q(context__icontains=word)
            | Q(tags__icontains=word)
            | Q(body__icontains=word)
        )
    return not SearchDocument.objects.filter(condition).exists()


def _text_file(text: str) -> io.BytesIO:
    return io.BytesIO(text.encode())


def _doc(actor: User, community: Community, text: str) -> Any:
    name = f"perm-{uuid.uuid4().hex[:8]}.txt"
    return upload_create(actor=actor, community=community, file=_text_file(text), name=name)


def _key(obj: Any, kind: str) -> Item:
    return (kind, str(obj.pk))


# 1 and 2. A thread, a reply, an article and a document in a private or hidden community ----


def _fill(world: PermWorld, community: Community, prefix: str) -> dict[str, Item]:
    """A question by the member with the moderator's reply (which links a text document),
    and the member's published article; every text holds ``<prefix>all`` and a word of its
    own. The document's text is indexed once the worker has read it."""
    member, moderator = world.member("member"), world.member("moderator")
    thread = discussions.thread_create(
        actor=member,
        community=community,
        kind="question",
        title=f"{prefix.title()}threadtitle plans",
        body=f"{prefix}thread {prefix}all",
    )
    document = _doc(moderator, community, f"{prefix}doc {prefix}all notes\n")
    reply = discussions.post_create(
        actor=moderator, thread=thread, body=f"{prefix}reply {prefix}all [doc]({document.url})"
    )
    article = knowledge.article_create(
        actor=member,
        community=community,
        kind="guide",
        title=f"{prefix.title()}articletitle guide",
        body=f"{prefix}article {prefix}all",
        publish_now=True,
    )
    run_queued_tasks()
    return {
        "thread": _key(thread, "thread"),
        "post": _key(reply, "post"),
        "article": _key(article, "article"),
        "attachment": _key(document, "attachment"),
        "community": _key(community, "community"),
    }


def test_private_community_content_is_found_by_its_readers_only(perm_world):
    private = perm_world.communities["private"]
    items = _fill(perm_world, private, "zqpriv")
    discoverers = set(ROLES) - set(READERS)

    for word, kind in (
        ("zqprivthread", "thread"),
        ("zqprivreply", "post"),
        ("zqprivarticle", "article"),
        ("zqprivdoc", "attachment"),
    ):
        assert _found(perm_world, word) == _expect([items[kind]], READERS), word
    # The private community's name and domain are discoverable by anyone.
    assert _found(perm_world, "zqprivname") == _expect([items["community"]], ROLES)

    everything = _expected_summary(items.values(), private)
    everything["types"]["question"] = 1
    community_only = _expected_summary([items["community"]], private)
    summaries = {role: _summary(_search(perm_world.viewer(role), "zqprivall")) for role in ROLES}
    assert summaries == {role: everything if role in READERS else community_only for role in ROLES}
    # Filtering on the community or a type changes nothing for those who may not read it.
    for role in discoverers:
        viewer = perm_world.viewer(role)
        assert _items(_search(viewer, "zqprivall", community=private.slug)) == [items["community"]]
        for kind in ("thread", "question", "post", "article", "attachment"):
            page = _search(viewer, "zqprivall", type=kind)
            assert (_items(page), page.total) == ([], 0), (role, kind)


def test_hidden_community_is_not_even_named_to_outsiders(perm_world):
    hidden = perm_world.communities["hidden"]
    items = _fill(perm_world, hidden, "zqhid")

    for word, kind in (
        ("zqhidthread", "thread"),
        ("zqhidreply", "post"),
        ("zqhidarticle", "article"),
        ("zqhiddoc", "attachment"),
    ):
        assert _found(perm_world, word) == _expect([items[kind]], READERS), word
    # A hidden community is discovered by its members, pending ones included (the
    # "discover" rule in guilde/communities/permissions.py), and by administrators.
    assert _found(perm_world, "zqhidname") == _expect([items["community"]], [*READERS, "pending"])

    everything = _expected_summary(items.values(), hidden)
    everything["types"]["question"] = 1
    summaries = {role: _summary(_search(perm_world.viewer(role), "zqhidall")) for role in ROLES}
    assert summaries == {
        role: everything
        if role in READERS
        else _expected_summary([items["community"]], hidden)
        if role == "pending"
        else _expected_summary([], None)
        for role in ROLES
    }
    for role in ("anonymous", "outsider", "elsewhere"):
        page = _search(perm_world.viewer(role), "zqhidall", community=hidden.slug)
        assert _summary(page) == _expected_summary([], None), role


# 3. Drafts -----------------------------------------------------------------------------------


def test_a_draft_is_found_by_its_author_and_the_communitys_stewards_only(perm_world):
    public, elsewhere = perm_world.communities["public"], perm_world.communities["elsewhere"]
    member = perm_world.member("member")
    draft = knowledge.article_create(
        actor=member,
        community=public,
        kind="guide",
        title="Zqdrafttitle notes",
        body="zqdraftword zqpuball",
    )
    published = knowledge.article_create(
        actor=member,
        community=public,
        kind="guide",
        title="Published notes",
        body="zqpubword zqpuball",
        publish_now=True,
    )
    # A draft in another community: the public community's stewards are not its stewards.
    other = knowledge.article_create(
        actor=perm_world.member("elsewhere"),
        community=elsewhere,
        kind="guide",
        title="Other notes",
        body="zqotherdraft",
    )
    draft_readers = ("member", *STEWARDS)  # its author, the stewards, administrators

    assert _found(perm_world, "zqdraftword") == _expect([_key(draft, "article")], draft_readers)
    assert _found(perm_world, "zqdrafttitle") == _expect([_key(draft, "article")], draft_readers)
    assert _found(perm_world, "zqotherdraft") == _expect(
        [_key(other, "article")], ["elsewhere", "admin"]
    )
    assert _found(perm_world, "zqpubword") == _expect([_key(published, "article")], ROLES)

    community_doc = _key(public, "community")
    with_draft = [_key(draft, "article"), _key(published, "article"), community_doc]
    without = [_key(published, "article"), community_doc]
    summaries = {role: _summary(_search(perm_world.viewer(role), "zqpuball")) for role in ROLES}
    assert summaries == {
        role: _expected_summary(with_draft if role in draft_readers else without, public)
        for role in ROLES
    }

    # Published, it is everyone's.
    knowledge.article_publish(actor=member, article=draft)
    assert _found(perm_world, "zqdraftword") == _expect([_key(draft, "article")], ROLES)


# 4. Hidden, deleted, held and purged posts -----------------------------------------------------


def test_hidden_deleted_held_and_purged_posts_are_found_by_nobody(perm_world):
    """Decision: hidden content is *removed* from the index (ARCHITECTURE.md, deletion
    rules, the "search index" row: removed for deleted, hidden and purged), so nobody finds
    it — not its author, not the moderators or administrators who may still read it on the
    thread page. The same holds for a post held for review until it is approved."""
    public = perm_world.communities["public"]
    member, moderator = perm_world.member("member"), perm_world.member("moderator")
    admin = perm_world.member("admin")
    newcomer = _person("newcomer")
    roles = (*ROLES, "newcomer")
    perm_world.people["newcomer"] = newcomer

    def thread(body: str, actor: User = member) -> Thread:
        return discussions.thread_create(
            actor=actor, community=public, kind="discussion", title="A thread", body=body
        )

    def reply(to: Thread, body: str, actor: User = member) -> Post:
        return discussions.post_create(actor=actor, thread=to, body=body)

    kept = thread("zqvisibleopen zqmodall")
    document = _doc(member, public, "zqhiddendoc zqmodall\n")
    hidden_reply = reply(kept, f"zqhiddenreply zqmodall [doc]({document.url})")
    deleted_reply = reply(kept, "zqdeletedreply zqmodall")
    purged_reply = reply(kept, "zqpurgedreply zqmodall")
    hidden_thread = thread("zqhiddenthread zqmodall")
    hidden_thread_reply = reply(hidden_thread, "zqhiddenthreadreply zqmodall")
    deleted_thread = thread("zqdeletedthread zqmodall")
    purged_thread = thread("zqpurgedthread zqmodall")
    # An opening post its author deletes once it has replies: the thread stays (a
    # tombstone where the post was), found by its title and replies, not the post's text.
    tombstone = discussions.thread_create(
        actor=member, community=public, kind="discussion", title="Zqtombtitle", body="zqtombopening"
    )
    tomb_reply = reply(tombstone, "zqtombreply", actor=moderator)
    run_queued_tasks()

    # Before: all of it is found (the public community: by everyone).
    before = {
        "zqhiddenreply": _key(hidden_reply, "post"),
        "zqhiddendoc": _key(document, "attachment"),
        "zqdeletedreply": _key(deleted_reply, "post"),
        "zqpurgedreply": _key(purged_reply, "post"),
        "zqhiddenthread": _key(hidden_thread, "thread"),
        "zqhiddenthreadreply": _key(hidden_thread_reply, "post"),
        "zqdeletedthread": _key(deleted_thread, "thread"),
        "zqpurgedthread": _key(purged_thread, "thread"),
        "zqtombopening": _key(tombstone, "thread"),
    }
    for word, item in before.items():
        assert _found(perm_world, word, roles) == _expect([item], roles, roles), word

    discussions.post_hide(actor=moderator, post=hidden_reply)
    discussions.post_delete(actor=member, post=deleted_reply)
    discussions.post_purge(actor=admin, post=purged_reply)
    discussions.post_hide(actor=moderator, post=hidden_thread.posts.get(position=1))
    discussions.post_delete(actor=member, post=deleted_thread.posts.get(position=1))
    discussions.post_purge(actor=admin, post=purged_thread.posts.get(position=1))
    discussions.post_delete(actor=member, post=tombstone.posts.get(position=1))
    # A newcomer's first posts wait for a moderator where the community asks for it.
    communities.moderation_settings_set(
        actor=perm_world.member("coordinator"),
        community=public,
        flag_threshold=0,
        review_first_posts=True,
    )
    communities.membership_join(actor=newcomer, community=public)
    held_thread = thread("zqheldthread zqmodall", actor=newcomer)
    held_reply = reply(kept, "zqheldreply zqmodall", actor=newcomer)
    assert held_thread.hidden_at is not None
    assert held_reply.hidden_at is not None
    run_queued_tasks()

    gone = [*before, "zqheldthread", "zqheldreply"]
    for word in gone:
        assert _found(perm_world, word, roles) == _expect([], roles, roles), word
    assert _not_in_index(*gone)
    # What stays: the thread, whose opening post holds the shared word.
    assert {role: _summary(_search(perm_world.viewer(role), "zqmodall")) for role in roles} == {
        role: _expected_summary([_key(kept, "thread")], public) for role in roles
    }
    assert _found(perm_world, "zqtombtitle", roles) == _expect(
        [_key(tombstone, "thread")], roles, roles
    )
    assert _found(perm_world, "zqtombreply", roles) == _expect(
        [_key(tomb_reply, "post")], roles, roles
    )

    # Approved, the held reply is everyone's (the community is public).
    held_post_decide(actor=moderator, post=held_reply, approve=True)
    assert _found(perm_world, "zqheldreply", roles) == _expect(
        [_key(held_reply, "post")], roles, roles
    )


# 5. Direct messages ---------------------------------------------------------------------------


def test_direct_messages_are_found_by_nobody_not_even_their_participants(perm_world):
    """Decision (guilde/search/index.py): direct messages are never indexed."""
    conversation_start(
        sender=perm_world.member("member"),
        recipients=[perm_world.member("moderator")],
        subject="Zqdmsubject",
        body="zqdirectmessage zqdmall",
    )
    run_queued_tasks()
    for word in ("zqdmsubject", "zqdirectmessage", "zqdmall"):
        assert _found(perm_world, word) == _expect([], ROLES), word
        assert _summary(_search(perm_world.viewer("member"), word)) == _expected_summary([], None)
    assert _not_in_index("zqdmsubject", "zqdirectmessage", "zqdmall")


# 6. Members' profiles -------------------------------------------------------------------------


def test_profiles_are_found_by_the_fields_each_viewer_may_see_once_each(perm_world):
    private = perm_world.communities["private"]
    holders = {}
    for role, name, bio, level in (
        ("bio_communities", "Zqonce Alpha", "zqbiocommunities", "communities"),
        ("bio_private", "Zqonce Beta", "zqbioprivate", "private"),
        ("bio_public", "Zqonce Gamma", "zqbiopublic", "everyone"),
    ):
        holder = _person(role)
        _active(private, holder)
        set_profile(holder, display_name=name, bio=bio, field_visibility={"bio": level})
        holders[role] = holder
        perm_world.people[role] = holder
    # Learning goals are shown to "members of my communities" unless the member says otherwise.
    skills_set(
        actor=holders["bio_public"],
        member=holders["bio_public"],
        kind="learning",
        names=["Zqlearngoal"],
    )
    roles = (*ROLES, *holders)
    # Those who share an (active) membership with the holders, and the holders themselves.
    sharing = ("member", "moderator", "steward", "coordinator", *holders)

    def member(role: str) -> Item:
        return _key(holders[role], "member")

    assert _found(perm_world, "zqbiocommunities", roles) == _expect(
        [member("bio_communities")], sharing, roles
    )
    # A private field is not indexed at all: not even its owner finds it by searching.
    assert _found(perm_world, "zqbioprivate", roles) == _expect([], roles, roles)
    assert _not_in_index("zqbioprivate")
    assert _found(perm_world, "zqbiopublic", roles) == _expect([member("bio_public")], roles, roles)
    assert _found(perm_world, "zqlearngoal", roles) == _expect(
        [member("bio_public")], sharing, roles
    )

    # Two documents per member exist (everyone's and their communities'); each viewer
    # gets one of them.
    assert (
        SearchDocument.objects.filter(kind="member", object_key=holders["bio_public"].pk).count()
        == 2
    )
    everyone = [member(role) for role in holders]
    summaries = {role: _summary(_search(perm_world.viewer(role), "zqonce")) for role in roles}
    assert summaries == {role: _expected_summary(everyone, None) for role in roles}
    # Name and bio word together: only the document the viewer may use can hold both;
    # others fall back to any word (``fallback``) and get each member once, by name.
    for role in roles:
        page = _search(perm_world.viewer(role), "zqonce zqbiocommunities")
        if role in sharing:
            assert (_items(page), page.fallback) == ([member("bio_communities")], False), role
        else:
            assert (_items(page), page.fallback) == (sorted(everyone), True), role


# 7. Membership and visibility changes take effect at once ------------------------------------


def test_leaving_or_joining_changes_what_is_found_at_once(perm_world):
    private = perm_world.communities["private"]
    items = _fill(perm_world, private, "zqpriv")
    holder = _person("holder")
    _active(private, holder)
    set_profile(holder, bio="zqbioleave", field_visibility={"bio": "communities"})
    member, pending = perm_world.member("member"), perm_world.member("pending")
    everything = sorted(items.values())

    assert _items(_search(member, "zqprivall")) == everything
    assert _items(_search(member, "zqbioleave")) == [_key(holder, "member")]
    communities.membership_leave(actor=member, community=private)
    assert _summary(_search(member, "zqprivall")) == _expected_summary(
        [items["community"]], private
    )
    assert _items(_search(member, "zqbioleave")) == []

    assert _items(_search(pending, "zqprivall")) == [items["community"]]
    assert _items(_search(pending, "zqbioleave")) == []
    request = Membership.objects.get(community=private, member=pending)
    communities.membership_decide(
        actor=perm_world.member("coordinator"), membership=request, approve=True
    )
    assert _items(_search(pending, "zqprivall")) == everything
    assert _items(_search(pending, "zqbioleave")) == [_key(holder, "member")]


def _update(community: Community, actor: User, **changes: Any) -> Community:
    values: dict[str, Any] = {
        "name": community.name,
        "domain": community.domain,
        "description": community.description,
        "charter": community.charter,
        "language": community.language,
        "visibility": community.visibility,
        "join_policy": community.join_policy,
        "newcomer_days": community.newcomer_days,
        "tags": [],
        "organisations": [],
    }
    return communities.community_update(actor=actor, community=community, **(values | changes))


def test_a_community_made_private_hidden_or_deleted_hides_its_content_at_once(perm_world):
    public = perm_world.communities["public"]
    coordinator = perm_world.member("coordinator")
    thread = discussions.thread_create(
        actor=perm_world.member("member"),
        community=public,
        kind="discussion",
        title="Garden plans",
        body="zqflipthread zqpuball",
    )
    items = sorted([_key(thread, "thread"), _key(public, "community")])
    public_readers = ("member", "moderator", "steward", "coordinator", "admin")
    assert _found(perm_world, "zqpuball") == _expect(items, ROLES)

    _update(public, coordinator, visibility="private")
    assert _found(perm_world, "zqflipthread") == _expect([_key(thread, "thread")], public_readers)
    assert _found(perm_world, "zqpubname") == _expect([_key(public, "community")], ROLES)

    _update(public, coordinator, visibility="hidden", join_policy="invitation")
    assert _found(perm_world, "zqpuball") == _expect(items, public_readers)

    # Deleted, it disappears everywhere, for administrators too.
    communities.community_delete(actor=perm_world.member("admin"), community=public)
    assert _found(perm_world, "zqpuball") == _expect([], ROLES)


# 8. The page and the API agree with the selector ---------------------------------------------


def _client(viewer: Any) -> Client:
    client = Client()
    if viewer.is_authenticated:
        client.force_login(viewer)
    return client


def test_the_page_and_the_api_show_what_the_selector_finds(perm_world):
    private = perm_world.communities["private"]
    items = _fill(perm_world, private, "zqpriv")
    secrets = (
        "zqprivthread",
        "zqprivreply",
        "zqprivarticle",
        "zqprivdoc",
        "Zqprivthreadtitle",
        "Zqprivarticletitle",
    )
    for role in ROLES:
        viewer = perm_world.viewer(role)
        expected = _summary(_search(viewer, "zqprivall"))
        client = _client(viewer)

        response = client.get("/api/v1/search", {"q": "zqprivall"})
        assert response.status_code == 200, role
        body = response.json()
        assert {
            "results": sorted((r["type"], r["id"]) for r in body["results"]),
            "total": body["count"],
            "types": {f["value"]: f["count"] for f in body["types"] if f["count"]},
            "communities": sorted((f["value"], f["count"]) for f in body["communities"]),
        } == expected, role

        html = client.get("/search/", {"q": "zqprivall"}).content.decode()
        if role in READERS:
            assert expected["total"] == 5, role
            assert all(secret in html for secret in secrets), role
        else:
            assert expected["results"] == [items["community"]], role
            assert [secret for secret in secrets if secret in html] == [], role
            assert "Zqprivname Circle" in html, role

        opened = client.get(
            "/search/open/", {"kind": "thread", "key": items["thread"][1]}
        ).status_code
        assert opened == (302 if role in READERS else 404), role


# Attachments follow their posts and articles ---------------------------------------------------


def test_a_document_removed_from_its_post_or_article_is_no_longer_found(perm_world):
    """An attachment is searchable while a visible post or a published article uses it: an
    edit that removes the link takes its text out of the index (the services report the
    uploads an edit dropped)."""
    private = perm_world.communities["private"]
    member = perm_world.member("member")
    in_post = _doc(member, private, "zqeditpostdoc\n")
    thread = discussions.thread_create(
        actor=member,
        community=private,
        kind="discussion",
        title="With a document",
        body=f"see [doc]({in_post.url})",
    )
    in_article = _doc(member, private, "zqeditarticledoc\n")
    article = knowledge.article_create(
        actor=member,
        community=private,
        kind="guide",
        title="With a document",
        body=f"see [doc]({in_article.url})",
        publish_now=True,
    )
    run_queued_tasks()
    assert _found(perm_world, "zqeditpostdoc") == _expect([_key(in_post, "attachment")], READERS)
    assert _found(perm_world, "zqeditarticledoc") == _expect(
        [_key(in_article, "attachment")], READERS
    )

    discussions.post_edit(actor=member, post=thread.posts.get(position=1), body="no document")
    knowledge.article_update(actor=member, article=article, title="With a document", body="none")
    assert {
        "post": _found(perm_world, "zqeditpostdoc"),
        "article": _found(perm_world, "zqeditarticledoc"),
    } == {"post": _expect([], ROLES), "article": _expect([], ROLES)}


# The two ways a page is computed agree ----------------------------------------------------------


def _ranked_summary(page: SearchPage) -> dict[str, Any]:
    """Everything a page shows, results in their order."""
    return {
        # Scores to 4 places: the recency factor reads the clock in each query.
        "results": [(r.kind, r.key, round(r.score, 4)) for r in page.results],
        "total": page.total,
        "capped": page.capped,
        "fallback": page.fallback,
        "pages": page.pages,
        "types": [(f.value, f.count) for f in page.types],
        "communities": [(f.value, f.count) for f in page.communities],
    }


@pytest.mark.parametrize(
    "params",
    [
        {"q": "zqpathsall"},
        {"q": "zqpathsall plans"},
        {"q": "zqpathsall nothinghas"},  # no document has both words: any word ranks
        {"q": "zqpathsall", "type": "post"},
        {"q": "zqpathsall", "type": "article"},
        {"q": "zqpathsall", "page": 2},
    ],
)
def test_the_one_query_page_equals_the_general_one_for_every_viewer(perm_world, params):
    """A search by relevance with no community chosen ranks every match of its window in
    one query (facets from the same rows); any other search ranks in SQL and counts
    facets apart. Excluding a document no search finds takes the second way: both must
    show the same page, facets included, to every viewer."""
    for kind in ("public", "private", "hidden"):
        _fill(perm_world, perm_world.communities[kind], "zqpaths")
    for role in ROLES:
        viewer = perm_world.viewer(role)
        one_query = search(viewer=viewer, params=SearchParams(**params), per_page=2)
        general = search(
            viewer=viewer,
            params=SearchParams(**params),
            per_page=2,
            exclude=(("thread", "0"),),
        )
        assert _ranked_summary(one_query) == _ranked_summary(general), role
        if role == "member" and params.get("page") is None:
            assert one_query.results, "the member finds something"
