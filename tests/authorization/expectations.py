"""What every route and API operation answers to each role — written by hand.

Roles, in order: anonymous, outsider, pending, member, moderator, coordinator, admin
(see world.py). Community routes target the *private* community; member routes target
another person's objects (the "owner"). Every new route or operation needs its line here,
or the route-wide test fails. Never fill this table from what the code currently does:
decide what each role should get, then make the code agree.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from tests.authorization.routes import SAMPLE, Expect, all_pages, signed_in
from tests.authorization.world import WEBHOOK_SECRET, World

PRIVATE_CHARTER = "private charter of the private community"
ADMIN_DECIDES = frozenset({200, 301, 302, 403, 404, 405})
OWNER_SECRET = "secret bio"


def _owner_token(world: World) -> dict[str, object]:
    return {"pk": world.objects["token"].pk}


def _owner_export(world: World) -> dict[str, object]:
    return {"pk": world.objects["export"].pk}


def _owner_affiliation(world: World) -> dict[str, object]:
    return {"pk": world.objects["affiliation"].pk}


def _placeholder(world: World) -> dict[str, object]:
    return {"username": world.objects["placeholder"].username}


EXPECTATIONS: dict[str, Expect] = {
    # Plumbing ---------------------------------------------------------------------------
    "healthz": Expect(all_pages(200)),
    "readyz": Expect(all_pages(503)),  # no worker runs in the tests
    "favicon.ico": Expect(all_pages(301)),
    "set_language": Expect(all_pages(302), method="POST", data={"language": "fr", "next": "/"}),
    "home:home": Expect(all_pages(200), never_shows=(PRIVATE_CHARTER, "private question text")),
    # The Django admin: staff only; everyone else is sent to its sign-in page. What staff get
    # is Django's business (a form, a redirect, 403 for what a model admin forbids...).
    "admin:*": Expect((302, 302, 302, 302, 302, 302, ADMIN_DECIDES), kwargs=SAMPLE),
    "admin/*": Expect((302, 302, 302, 302, 302, 302, ADMIN_DECIDES), kwargs=SAMPLE),
    "admin:login": Expect((200, 200, 200, 200, 200, 200, 302)),
    # allauth -------------------------------------------------------------------------------
    "account_login": Expect(signed_in(200, 302)),
    "account_logout": Expect(signed_in(302, 200)),
    "account_inactive": Expect(all_pages(200)),
    "account_signup": Expect(signed_in(200, 302)),
    "account_reauthenticate": Expect(signed_in(302, 200)),
    "account_request_reauthentication_code": Expect(signed_in(302, 200)),
    "account_confirm_reauthentication_code": Expect(signed_in(302, 302)),  # no code was sent
    "account_email": Expect(signed_in(302, 200)),
    "account_email_verification_sent": Expect(all_pages(200)),
    "account_change_password": Expect(signed_in(302, 200)),
    "account_set_password": Expect(signed_in(302, 302)),
    "account_reset_password": Expect(all_pages(200)),
    "account_confirm_login_code": Expect(all_pages(302)),  # no sign-in by code under way
    "account_confirm_email": Expect(all_pages(200), kwargs={"key": "not-a-real-key"}),
    "account_reset_password_from_key_done": Expect(all_pages(200)),
    "account_reset_password_from_key": Expect(
        all_pages(200), kwargs={"uidb36": "zz", "key": "not-a-key"}
    ),
    "account_reset_password_done": Expect(all_pages(200)),
    "usersessions_list": Expect(signed_in(302, 200)),
    # Members and organisations ------------------------------------------------------------
    "people:directory": Expect(all_pages(200), never_shows=(OWNER_SECRET,)),
    "accounts:member": Expect(
        all_pages(200), kwargs={"username": "owner-person"}, never_shows=(OWNER_SECRET,)
    ),
    "accounts:avatar": Expect(all_pages(404), kwargs={"username": "owner-person"}),  # "only me"
    "accounts:claim": Expect(signed_in(302, 302), method="POST", kwargs=_placeholder),
    "accounts:organisations": Expect(all_pages(200)),
    "accounts:organisation_create": Expect(signed_in(302, 200)),
    "accounts:organisation": Expect(
        all_pages(200), kwargs={"slug": "acme"}, never_shows=(OWNER_SECRET,)
    ),
    "accounts:organisation_logo": Expect(all_pages(404), kwargs={"slug": "acme"}),
    "accounts:settings_profile": Expect(signed_in(302, 200)),
    "accounts:settings_avatar": Expect(signed_in(302, 302), method="POST"),
    "accounts:settings_affiliation_add": Expect(signed_in(302, 302), method="POST"),
    "accounts:settings_affiliation_remove": Expect(
        signed_in(302, 404), method="POST", kwargs=_owner_affiliation
    ),
    "accounts:settings_tokens": Expect(signed_in(302, 200)),
    "accounts:settings_token_revoke": Expect(
        signed_in(302, 404), method="POST", kwargs=_owner_token
    ),
    "accounts:settings_data": Expect(signed_in(302, 200)),
    "accounts:settings_export_download": Expect(signed_in(302, 404), kwargs=_owner_export),
    "accounts:invitation": Expect(all_pages(404), kwargs={"token": "not-an-invitation"}),
    # Communities (the private one) ----------------------------------------------------------
    "communities:list": Expect(all_pages(200), never_shows=(PRIVATE_CHARTER,)),
    "communities:create": Expect(signed_in(302, 200)),
    "communities:invitation": Expect(all_pages(404), kwargs={"token": "not-an-invitation"}),
    "communities:detail": Expect(all_pages(200), kwargs={"slug": "private"}),
    "communities:members": Expect((404, 404, 404, 200, 200, 200, 200), kwargs={"slug": "private"}),
    "communities:join": Expect(
        (302, 302, 404, 403, 403, 403, 302), method="POST", kwargs={"slug": "private"}
    ),
    "communities:leave": Expect((302, 404, 200, 200, 200, 200, 403), kwargs={"slug": "private"}),
    "communities:requests": Expect((404, 404, 404, 403, 200, 200, 200), kwargs={"slug": "private"}),
    "communities:request_decide": Expect(
        (302, 404, 404, 403, 302, 302, 302),
        method="POST",
        kwargs={"slug": "private", "username": "pending-person"},
        data={"decision": "approve"},
    ),
    "communities:settings": Expect((302, 404, 404, 403, 403, 200, 200), kwargs={"slug": "private"}),
    "communities:member_role": Expect(
        (302, 404, 404, 403, 403, 302, 302),
        method="POST",
        kwargs={"slug": "private", "username": "member-person"},
        data={"role": "moderator"},
    ),
    "communities:restore": Expect(
        (302, 404, 404, 403, 403, 403, 403), method="POST", kwargs={"slug": "private"}
    ),
    # The API's own pages --------------------------------------------------------------------
    "api:openapi-json": Expect(all_pages(200)),
    "api:openapi-view": Expect(all_pages(200)),
    "api:api-root": Expect(all_pages(404)),
    # API operations -----------------------------------------------------------------------
    "GET /api/v1/instance": Expect(all_pages(200)),
    "GET /api/v1/me": Expect(signed_in(401, 200)),
    "PATCH /api/v1/me": Expect(signed_in(401, 200)),
    "GET /api/v1/members": Expect(all_pages(200), never_shows=(OWNER_SECRET,)),
    "GET /api/v1/members/{username}": Expect(
        all_pages(200), kwargs={"username": "owner-person"}, never_shows=(OWNER_SECRET,)
    ),
    "POST /api/v1/members/{username}/claim": Expect(signed_in(401, 200), kwargs=_placeholder),
    "GET /api/v1/organisations": Expect(all_pages(200)),
    "POST /api/v1/organisations": Expect(signed_in(401, 201), data={"name": "New organisation"}),
    "GET /api/v1/organisations/{slug}": Expect(all_pages(200), kwargs={"slug": "acme"}),
    "GET /api/v1/organisations/{slug}/members": Expect(
        all_pages(200), kwargs={"slug": "acme"}, never_shows=(OWNER_SECRET,)
    ),
    "GET /api/v1/skills": Expect(all_pages(200)),
    "GET /api/v1/me/tokens": Expect(signed_in(401, 200)),
    "POST /api/v1/me/tokens": Expect(signed_in(401, 201), data={"name": "script"}),
    "DELETE /api/v1/me/tokens/{token_id}": Expect(
        signed_in(401, 404), kwargs=lambda world: {"token_id": world.objects["token"].pk}
    ),
    "GET /api/v1/me/data-exports": Expect(signed_in(401, 200)),
    "POST /api/v1/me/data-exports": Expect(signed_in(401, 202)),
    "GET /api/v1/communities": Expect(all_pages(200), never_shows=(PRIVATE_CHARTER,)),
    "POST /api/v1/communities": Expect(
        signed_in(401, 201), data={"name": "New", "domain": "A new domain"}
    ),
    "GET /api/v1/communities/{slug}": Expect(all_pages(200), kwargs={"slug": "private"}),
    "PATCH /api/v1/communities/{slug}": Expect(
        (401, 404, 404, 403, 403, 200, 200), kwargs={"slug": "private"}
    ),
    "POST /api/v1/communities/{slug}/archive": Expect(
        (401, 404, 404, 403, 403, 200, 200), kwargs={"slug": "private"}
    ),
    "POST /api/v1/communities/{slug}/restore": Expect(
        (401, 404, 404, 403, 403, 403, 403), kwargs={"slug": "private"}
    ),
    "GET /api/v1/communities/{slug}/members": Expect(
        (404, 404, 404, 200, 200, 200, 200), kwargs={"slug": "private"}
    ),
    "POST /api/v1/communities/{slug}/join": Expect(
        (401, 200, 404, 403, 403, 403, 200), kwargs={"slug": "private"}
    ),
    # The coordinator is the last one: they must name a successor (409).
    "POST /api/v1/communities/{slug}/leave": Expect(
        (401, 404, 204, 204, 204, 409, 403), kwargs={"slug": "private"}
    ),
    "GET /api/v1/communities/{slug}/requests": Expect(
        (401, 404, 404, 403, 200, 200, 200), kwargs={"slug": "private"}
    ),
    "POST /api/v1/communities/{slug}/requests/{username}/approve": Expect(
        (401, 404, 404, 403, 200, 200, 200),
        kwargs={"slug": "private", "username": "pending-person"},
    ),
    "POST /api/v1/communities/{slug}/requests/{username}/decline": Expect(
        (401, 404, 404, 403, 204, 204, 204),
        kwargs={"slug": "private", "username": "pending-person"},
    ),
    "PUT /api/v1/communities/{slug}/members/{username}/role": Expect(
        (401, 404, 404, 403, 403, 200, 200),
        kwargs={"slug": "private", "username": "member-person"},
        data={"role": "moderator"},
    ),
    "DELETE /api/v1/communities/{slug}/members/{username}": Expect(
        (401, 404, 404, 403, 403, 204, 204), kwargs={"slug": "private", "username": "member-person"}
    ),
    "POST /api/v1/communities/{slug}/invitations": Expect(
        (401, 404, 404, 403, 403, 201, 201),
        kwargs={"slug": "private"},
        data={"email": "new@example.org"},
    ),
}


def _thread(world: World) -> dict[str, object]:
    return {"slug": "private", "pk": world.objects["thread"].pk}


def _answer(world: World) -> dict[str, object]:
    return {"slug": "private", "pk": world.objects["answer"].pk}


PRIVATE_TEXT = ("private question text", "private answer text")

EXPECTATIONS.update(
    {
        # Discussions (in the private community: a question by the member, answered by the
        # moderator) -------------------------------------------------------------------------
        "discussions:thread_short": Expect(
            (404, 404, 404, 302, 302, 302, 302), kwargs=lambda w: {"pk": w.objects["thread"].pk}
        ),
        "discussions:threads": Expect(
            (404, 404, 404, 200, 200, 200, 200), kwargs={"slug": "private"}
        ),
        "discussions:threads_filtered": Expect(
            (404, 404, 404, 200, 200, 200, 200), kwargs={"slug": "private", "filter_": "unsolved"}
        ),
        "discussions:create": Expect(
            (302, 404, 404, 200, 200, 200, 403), kwargs={"slug": "private"}
        ),
        "discussions:thread": Expect((404, 404, 404, 200, 200, 200, 200), kwargs=_thread),
        "discussions:reply": Expect(
            (302, 404, 404, 302, 302, 302, 403),
            method="POST",
            kwargs=_thread,
            data={"body": "A reply"},
        ),
        "discussions:accept": Expect(
            (302, 404, 404, 302, 302, 302, 302),
            method="POST",
            kwargs=_thread,
            data=None,
        ),
        "discussions:idea_status": Expect(
            (302, 404, 404, 403, 403, 403, 403),
            method="POST",
            kwargs=_thread,
            data={"status": "planned"},
        ),
        "discussions:thread_feed": Expect(all_pages(404), kwargs=_thread, never_shows=PRIVATE_TEXT),
        "discussions:post_edit": Expect((302, 404, 404, 403, 200, 200, 200), kwargs=_answer),
        "discussions:post_history": Expect((404, 404, 404, 403, 200, 200, 200), kwargs=_answer),
        "discussions:post_delete": Expect(
            (302, 404, 404, 403, 302, 403, 403), method="POST", kwargs=_answer
        ),
        "discussions:post_hide": Expect(
            (302, 404, 404, 403, 302, 302, 302), method="POST", kwargs=_answer
        ),
        "discussions:post_purge": Expect(
            (302, 404, 404, 403, 403, 403, 302), method="POST", kwargs=_answer
        ),
        "discussions:post_react": Expect(
            (302, 404, 404, 302, 302, 302, 403),
            method="POST",
            kwargs=_answer,
            data={"kind": "heart"},
        ),
        "discussions:post_vote": Expect(
            (302, 404, 404, 302, 403, 302, 403), method="POST", kwargs=_answer, data={"value": "1"}
        ),
        "discussions:preview": Expect(
            (302, 404, 404, 200, 200, 200, 403),
            method="POST",
            kwargs={"slug": "private"},
            data={"body": "x"},
        ),
        "discussions:draft": Expect(
            (302, 404, 404, 200, 200, 200, 403),
            method="POST",
            kwargs={"slug": "private"},
            data={"body": "x"},
        ),
        "discussions:feed": Expect(
            all_pages(404), kwargs={"slug": "private"}, never_shows=PRIVATE_TEXT
        ),
        "uploads:file": Expect(
            (404, 404, 404, 200, 200, 200, 200),
            kwargs=lambda w: {
                "upload_id": w.objects["upload"].pk,
                "name": w.objects["upload"].name,
            },
        ),
        "uploads:create": Expect(
            (302, 404, 404, 400, 400, 400, 403), method="POST", kwargs={"slug": "private"}
        ),
        "GET /api/v1/communities/{slug}/threads": Expect(
            (404, 404, 404, 200, 200, 200, 200),
            kwargs={"slug": "private"},
            never_shows=PRIVATE_TEXT[:1],
        ),
        "POST /api/v1/communities/{slug}/threads": Expect(
            (401, 404, 404, 201, 201, 201, 403),
            kwargs={"slug": "private"},
            data={"title": "T", "body": "B"},
        ),
        "GET /api/v1/threads/{thread_id}": Expect(
            (404, 404, 404, 200, 200, 200, 200),
            kwargs=lambda w: {"thread_id": w.objects["thread"].pk},
        ),
        "PATCH /api/v1/threads/{thread_id}": Expect(
            (401, 404, 404, 200, 200, 200, 200),
            kwargs=lambda w: {"thread_id": w.objects["thread"].pk},
            data={"title": "Renamed"},
        ),
        "DELETE /api/v1/threads/{thread_id}": Expect(
            (401, 404, 404, 204, 403, 403, 403),
            kwargs=lambda w: {"thread_id": w.objects["thread"].pk},
        ),
        "GET /api/v1/threads/{thread_id}/posts": Expect(
            (404, 404, 404, 200, 200, 200, 200),
            kwargs=lambda w: {"thread_id": w.objects["thread"].pk},
        ),
        "POST /api/v1/threads/{thread_id}/posts": Expect(
            (401, 404, 404, 201, 201, 201, 403),
            kwargs=lambda w: {"thread_id": w.objects["thread"].pk},
            data={"body": "A reply"},
        ),
        "POST /api/v1/threads/{thread_id}/accept": Expect(
            (401, 404, 404, 200, 200, 200, 200),
            kwargs=lambda w: {"thread_id": w.objects["thread"].pk},
            data={"post": None},
        ),
        "GET /api/v1/posts/{post_id}": Expect(
            (404, 404, 404, 200, 200, 200, 200),
            kwargs=lambda w: {"post_id": w.objects["answer"].pk},
        ),
        "PATCH /api/v1/posts/{post_id}": Expect(
            (401, 404, 404, 403, 200, 200, 200),
            kwargs=lambda w: {"post_id": w.objects["answer"].pk},
            data={"body": "Edited"},
        ),
        "DELETE /api/v1/posts/{post_id}": Expect(
            (401, 404, 404, 403, 204, 403, 403),
            kwargs=lambda w: {"post_id": w.objects["answer"].pk},
        ),
        "POST /api/v1/posts/{post_id}/reactions": Expect(
            (401, 404, 404, 200, 200, 200, 403),
            kwargs=lambda w: {"post_id": w.objects["answer"].pk},
            data={"kind": "heart"},
        ),
        "PUT /api/v1/posts/{post_id}/vote": Expect(
            (401, 404, 404, 200, 403, 200, 403),
            kwargs=lambda w: {"post_id": w.objects["answer"].pk},
            data={"value": 1},
        ),
        # The file is missing: the request's form is checked before anything else (422).
        "POST /api/v1/communities/{slug}/uploads": Expect(
            (401, 422, 422, 422, 422, 422, 422), kwargs={"slug": "private"}
        ),
        "GET /api/v1/uploads/{upload_id}": Expect(
            (404, 404, 404, 200, 200, 200, 200),
            kwargs=lambda w: {"upload_id": w.objects["upload"].pk},
        ),
    }
)


def _conversation(world: World) -> dict[str, object]:
    return {"pk": world.objects["conversation"].pk}


def _conversation_id(world: World) -> dict[str, object]:
    return {"conversation_id": world.objects["conversation"].pk}


# A conversation between the owner and someone else: no role is in it.
PRIVATE_MESSAGE = ("hidden message text", "hidden conversation subject")

EXPECTATIONS.update(
    {
        # Notifications: each member's own; the unsubscribe link is its own proof ------------
        "notifications:list": Expect(signed_in(302, 200), never_shows=PRIVATE_MESSAGE),
        "notifications:bell": Expect(signed_in(302, 200)),
        "notifications:mark_read": Expect(signed_in(302, 302), method="POST"),
        "notifications:open": Expect(
            signed_in(302, 404), kwargs=lambda w: {"pk": w.objects["notification"].pk}
        ),
        "notifications:unsubscribe": Expect(
            all_pages(200), kwargs=lambda w: {"token": w.objects["unsubscribe_token"]}
        ),
        "notifications:preferences": Expect(signed_in(302, 200)),
        # Following the private question: whoever may read it.
        "notifications:subscribe": Expect(
            (302, 404, 404, 302, 302, 302, 302),
            method="POST",
            data=lambda w: {
                "target_type": "thread",
                "target_id": w.objects["thread"].pk,
                "level": "watch",
            },
        ),
        "GET /api/v1/me/notifications": Expect(signed_in(401, 200), never_shows=PRIVATE_MESSAGE),
        "GET /api/v1/me/notifications/count": Expect(signed_in(401, 200)),
        "POST /api/v1/me/notifications/read": Expect(signed_in(401, 200)),
        "GET /api/v1/me/subscriptions": Expect(signed_in(401, 200)),
        "PUT /api/v1/me/subscriptions": Expect(
            (401, 404, 404, 200, 200, 200, 200),
            data=lambda w: {
                "target_type": "thread",
                "target_id": w.objects["thread"].pk,
                "level": "watch",
            },
        ),
        "GET /api/v1/me/notification-preferences": Expect(signed_in(401, 200)),
        "PATCH /api/v1/me/notification-preferences": Expect(
            signed_in(401, 200), data={"digest": "daily"}
        ),
        # Only the mail provider, with the shared secret (none is set in the tests).
        "POST /api/v1/mail/delivery-reports": Expect(all_pages(401)),
        # Direct messages (between the member and the owner): participants only — not
        # moderators, not coordinators, not administrators ------------------------------------
        "conversations:list": Expect(signed_in(302, 200), never_shows=PRIVATE_MESSAGE),
        "conversations:new": Expect(signed_in(302, 200)),
        "conversations:detail": Expect((302, 404, 404, 200, 404, 404, 404), kwargs=_conversation),
        "conversations:leave": Expect(
            (302, 404, 404, 302, 404, 404, 404), method="POST", kwargs=_conversation
        ),
        "conversations:report": Expect(
            (302, 404, 404, 302, 404, 404, 404),
            method="POST",
            kwargs=lambda w: {"pk": w.objects["message"].pk},
            data={"reason": "Rude"},
        ),
        "conversations:block": Expect(
            signed_in(302, 302), method="POST", kwargs={"username": "owner-person"}
        ),
        "GET /api/v1/me/conversations": Expect(signed_in(401, 200), never_shows=PRIVATE_MESSAGE),
        # To the member: only those who share a community with them (an administrator has
        # no privilege here); the member cannot write to themselves.
        "POST /api/v1/me/conversations": Expect(
            (401, 403, 403, 422, 201, 201, 403), data={"to": ["member-person"], "body": "Hello"}
        ),
        "GET /api/v1/me/conversations/{conversation_id}/messages": Expect(
            (401, 404, 404, 200, 404, 404, 404), kwargs=_conversation_id
        ),
        "POST /api/v1/me/conversations/{conversation_id}/messages": Expect(
            (401, 404, 404, 201, 404, 404, 404), kwargs=_conversation_id, data={"body": "More"}
        ),
        "POST /api/v1/me/conversations/{conversation_id}/leave": Expect(
            (401, 404, 404, 204, 404, 404, 404), kwargs=_conversation_id
        ),
        "POST /api/v1/me/messages/{message_id}/report": Expect(
            (401, 404, 404, 201, 404, 404, 404),
            kwargs=lambda w: {"message_id": w.objects["message"].pk},
            data={"reason": "Rude"},
        ),
        "GET /api/v1/me/blocks": Expect(signed_in(401, 200)),
        "PUT /api/v1/me/blocks/{username}": Expect(
            signed_in(401, 204), kwargs={"username": "owner-person"}
        ),
        "DELETE /api/v1/me/blocks/{username}": Expect(
            signed_in(401, 204), kwargs={"username": "owner-person"}
        ),
    }
)


def _answer_id(world: World) -> dict[str, object]:
    return {"post_id": world.objects["answer"].pk}


MODERATORS_ONLY = (302, 404, 404, 403, 200, 200, 200)
ADMINS_ONLY = (302, 404, 404, 404, 404, 404, 200)
API_MODERATORS_ONLY = (401, 404, 404, 403, 200, 200, 200)
API_ADMINS_ONLY = (401, 404, 404, 404, 404, 404, 200)

EXPECTATIONS.update(
    {
        # Moderation (the private community; see world.py) ----------------------------------
        "communities:guidelines": Expect(
            (404, 404, 404, 200, 200, 200, 200), kwargs={"slug": "private"}
        ),
        # The moderator wrote the answer: they do not flag their own post.
        "moderation:flag": Expect((302, 404, 404, 200, 403, 200, 200), kwargs=_answer),
        "moderation:queue": Expect(MODERATORS_ONLY, kwargs={"slug": "private"}),
        "moderation:decide": Expect(
            (302, 404, 404, 403, 302, 302, 302),
            method="POST",
            kwargs=_answer,
            data={"decision": "disagree"},
        ),
        # The log: coordinators and administrators.
        "moderation:log": Expect((302, 404, 404, 403, 403, 200, 200), kwargs={"slug": "private"}),
        "moderation:log_csv": Expect(
            (302, 404, 404, 403, 403, 200, 200), kwargs={"slug": "private"}
        ),
        "moderation:member": Expect(
            MODERATORS_ONLY, kwargs={"slug": "private", "username": "member-person"}
        ),
        "moderation:thread": Expect(MODERATORS_ONLY, kwargs=_thread),
        "moderation:instance_queue": Expect(ADMINS_ONLY),
        "moderation:instance_log": Expect(ADMINS_ONLY),
        "moderation:instance_log_csv": Expect(ADMINS_ONLY),
        "moderation:silence": Expect(ADMINS_ONLY, kwargs={"username": "owner-person"}),
        # The warning the moderator sent the member: the member, coordinators, administrators.
        "moderation:notice": Expect(
            (302, 404, 404, 200, 404, 200, 200),
            kwargs=lambda w: {"pk": w.objects["warning"].pk},
        ),
        # The member's appeal against the moderator's warning: someone else decides.
        "moderation:appeal_decide": Expect(
            (302, 404, 404, 403, 403, 302, 302),
            method="POST",
            kwargs=lambda w: {"pk": w.objects["appeal"].pk},
            data={"decision": "uphold", "outcome": "Stays"},
        ),
        "POST /api/v1/posts/{post_id}/flags": Expect(
            (401, 404, 404, 422, 403, 201, 201), kwargs=_answer_id, data={"reason": "spam"}
        ),
        "GET /api/v1/communities/{slug}/moderation/queue": Expect(
            API_MODERATORS_ONLY, kwargs={"slug": "private"}
        ),
        "POST /api/v1/posts/{post_id}/moderation": Expect(
            (401, 404, 404, 403, 204, 204, 204), kwargs=_answer_id, data={"decision": "hide"}
        ),
        "POST /api/v1/threads/{thread_id}/moderation": Expect(
            API_MODERATORS_ONLY,
            kwargs=lambda w: {"thread_id": w.objects["thread"].pk},
            data={"action": "lock", "reason": "Calm down"},
        ),
        "PUT /api/v1/communities/{slug}/members/{username}/suspension": Expect(
            API_MODERATORS_ONLY,
            kwargs={"slug": "private", "username": "member-person"},
            data={"reason": "Cool off", "until": None},
        ),
        # Not suspended: nothing to lift.
        "DELETE /api/v1/communities/{slug}/members/{username}/suspension": Expect(
            (401, 404, 404, 403, 422, 422, 422),
            kwargs={"slug": "private", "username": "member-person"},
        ),
        "POST /api/v1/communities/{slug}/members/{username}/warnings": Expect(
            (401, 404, 404, 403, 201, 201, 201),
            kwargs={"slug": "private", "username": "member-person"},
            data={"message": "Careful"},
        ),
        "PUT /api/v1/members/{username}/silence": Expect(
            (401, 404, 404, 404, 404, 404, 204),
            kwargs={"username": "owner-person"},
            data={"reason": "Abuse", "until": None},
        ),
        "DELETE /api/v1/members/{username}/silence": Expect(
            (401, 404, 404, 404, 404, 404, 422), kwargs={"username": "owner-person"}
        ),
        "GET /api/v1/communities/{slug}/moderation/log": Expect(
            (401, 404, 404, 403, 403, 200, 200), kwargs={"slug": "private"}
        ),
        "GET /api/v1/moderation/log": Expect(API_ADMINS_ONLY),
        "GET /api/v1/me/moderation-notices": Expect(
            signed_in(401, 200), never_shows=("private flag text",)
        ),
        # A warning is not appealable (and was appealed already); others do not see it.
        "POST /api/v1/moderation/notices/{entry_id}/appeal": Expect(
            (401, 404, 404, 403, 404, 403, 403),
            kwargs=lambda w: {"entry_id": w.objects["warning"].pk},
            data={"message": "Unfair"},
        ),
        "GET /api/v1/communities/{slug}/moderation/appeals": Expect(
            API_MODERATORS_ONLY, kwargs={"slug": "private"}
        ),
        "POST /api/v1/moderation/appeals/{appeal_id}/decision": Expect(
            (401, 404, 404, 403, 403, 200, 200),
            kwargs=lambda w: {"appeal_id": w.objects["appeal"].pk},
            data={"decision": "uphold", "outcome": "Stays"},
        ),
    }
)


def _article_kw(world: World) -> dict[str, object]:
    return {"slug": "private", "pk": world.objects["article"].pk}


def _draft_kw(world: World) -> dict[str, object]:
    return {"slug": "private", "pk": world.objects["draft"].pk}


def _article_id(world: World) -> dict[str, object]:
    return {"article_id": world.objects["article"].pk}


def _path_id(world: World) -> dict[str, object]:
    return {"path_id": world.objects["path"].pk}


def _step_id(world: World) -> dict[str, object]:
    return {"step_id": world.objects["step"].pk}


READERS_ONLY = (404, 404, 404, 200, 200, 200, 200)
STEWARDS_ONLY = (302, 404, 404, 403, 403, 200, 200)
API_STEWARDS_ONLY = (401, 404, 404, 403, 403, 200, 200)
WRITERS = (302, 404, 404, 200, 200, 200, 403)  # members who may post (administrators: no)

EXPECTATIONS.update(
    {
        # Knowledge (the private community; see world.py). Stewards: the coordinator and
        # administrators; changes to published articles are reviewed there ----------------
        "knowledge:articles": Expect(READERS_ONLY, kwargs={"slug": "private"}),
        "knowledge:create": Expect(WRITERS, kwargs={"slug": "private"}),
        "knowledge:draft": Expect(
            WRITERS, method="POST", kwargs={"slug": "private"}, data={"title": "T", "body": "B"}
        ),
        # The member's proposal: its author and stewards.
        "knowledge:proposal": Expect(
            (302, 404, 404, 200, 404, 200, 200),
            kwargs=lambda w: {"slug": "private", "pk": w.objects["proposal"].pk},
        ),
        "knowledge:article": Expect(READERS_ONLY, kwargs=_article_kw),
        # Members propose (the page is the same form); stewards edit.
        "knowledge:edit": Expect((302, 404, 404, 200, 200, 200, 200), kwargs=_article_kw),
        "knowledge:history": Expect(READERS_ONLY, kwargs=_article_kw),
        "knowledge:revision": Expect(
            READERS_ONLY, kwargs=lambda w: {**_article_kw(w), "number": 1}
        ),
        "knowledge:restore": Expect(
            (302, 404, 404, 403, 403, 302, 302),
            method="POST",
            kwargs=lambda w: {**_article_kw(w), "number": 1},
        ),
        "knowledge:diff": Expect(READERS_ONLY, kwargs=_article_kw),
        # The moderator's draft: its author and stewards publish it; others do not see it.
        "knowledge:publish": Expect(
            (302, 404, 404, 404, 302, 302, 302), method="POST", kwargs=_draft_kw
        ),
        "knowledge:verify": Expect(
            (302, 404, 404, 403, 403, 302, 302), method="POST", kwargs=_article_kw
        ),
        "knowledge:report": Expect(
            (302, 404, 404, 302, 302, 302, 403),
            method="POST",
            kwargs=_article_kw,
            data={"text": "Old figures"},
        ),
        "knowledge:archive": Expect(STEWARDS_ONLY, kwargs=_article_kw),
        "knowledge:feedback": Expect(
            (302, 404, 404, 302, 302, 302, 302),
            method="POST",
            kwargs=_article_kw,
            data={"helpful": "1"},
        ),
        "knowledge:promote": Expect(WRITERS, kwargs=_thread),
        "knowledge:health": Expect(STEWARDS_ONLY, kwargs={"slug": "private"}),
        "knowledge:path_create": Expect(STEWARDS_ONLY, kwargs={"slug": "private"}),
        "knowledge:path": Expect(
            READERS_ONLY, kwargs=lambda w: {"slug": "private", "pk": w.objects["path"].pk}
        ),
        "knowledge:path_edit": Expect(
            STEWARDS_ONLY, kwargs=lambda w: {"slug": "private", "pk": w.objects["path"].pk}
        ),
        "knowledge:step_toggle": Expect(
            (302, 404, 404, 302, 302, 302, 302),
            method="POST",
            kwargs=lambda w: {"slug": "private", "pk": w.objects["step"].pk},
        ),
        "GET /api/v1/communities/{slug}/articles": Expect(READERS_ONLY, kwargs={"slug": "private"}),
        "POST /api/v1/communities/{slug}/articles": Expect(
            (401, 404, 404, 201, 201, 201, 403), kwargs={"slug": "private"}, data={"title": "T"}
        ),
        "GET /api/v1/articles/{article_id}": Expect(READERS_ONLY, kwargs=_article_id),
        "PATCH /api/v1/articles/{article_id}": Expect(
            API_STEWARDS_ONLY, kwargs=_article_id, data={"title": "T", "body": "B"}
        ),
        "GET /api/v1/articles/{article_id}/revisions": Expect(READERS_ONLY, kwargs=_article_id),
        "GET /api/v1/articles/{article_id}/revisions/{number}": Expect(
            READERS_ONLY, kwargs=lambda w: {**_article_id(w), "number": 1}
        ),
        # Without ?from=&to= the request is refused before anything is read (the private
        # article's diff is checked in guilde/knowledge/tests/test_articles.py).
        "GET /api/v1/articles/{article_id}/diff": Expect(all_pages(422), kwargs=_article_id),
        "POST /api/v1/articles/{article_id}/restore": Expect(
            API_STEWARDS_ONLY, kwargs=_article_id, data={"number": 1}
        ),
        "POST /api/v1/articles/{article_id}/publish": Expect(
            (401, 404, 404, 404, 200, 200, 200),
            kwargs=lambda w: {"article_id": w.objects["draft"].pk},
        ),
        "POST /api/v1/articles/{article_id}/verify": Expect(API_STEWARDS_ONLY, kwargs=_article_id),
        "POST /api/v1/articles/{article_id}/outdated": Expect(
            (401, 404, 404, 204, 204, 204, 403), kwargs=_article_id, data={"text": "Old"}
        ),
        "POST /api/v1/articles/{article_id}/archive": Expect(API_STEWARDS_ONLY, kwargs=_article_id),
        "PUT /api/v1/articles/{article_id}/feedback": Expect(
            (401, 404, 404, 204, 204, 204, 204), kwargs=_article_id, data={"helpful": True}
        ),
        "POST /api/v1/threads/{thread_id}/promote": Expect(
            (401, 404, 404, 201, 201, 201, 403),
            kwargs=lambda w: {"thread_id": w.objects["thread"].pk},
        ),
        "GET /api/v1/articles/{article_id}/proposals": Expect(
            (401, 404, 404, 200, 200, 200, 200), kwargs=_article_id
        ),
        # Stewards edit directly: they do not propose.
        "POST /api/v1/articles/{article_id}/proposals": Expect(
            (401, 404, 404, 201, 201, 403, 403),
            kwargs=_article_id,
            data={"title": "A private article", "body": "Changed"},
        ),
        "POST /api/v1/proposals/{proposal_id}/review": Expect(
            (401, 404, 404, 200, 404, 200, 200),
            kwargs=lambda w: {"proposal_id": w.objects["proposal"].pk},
            data={"decision": "comment", "comment": "Why?"},
        ),
        "GET /api/v1/communities/{slug}/paths": Expect(READERS_ONLY, kwargs={"slug": "private"}),
        "POST /api/v1/communities/{slug}/paths": Expect(
            (401, 404, 404, 403, 403, 201, 201), kwargs={"slug": "private"}, data={"title": "P"}
        ),
        "GET /api/v1/paths/{path_id}": Expect(READERS_ONLY, kwargs=_path_id),
        "PATCH /api/v1/paths/{path_id}": Expect(
            API_STEWARDS_ONLY, kwargs=_path_id, data={"title": "P2"}
        ),
        "DELETE /api/v1/paths/{path_id}": Expect(
            (401, 404, 404, 403, 403, 204, 204), kwargs=_path_id
        ),
        "POST /api/v1/paths/{path_id}/sections": Expect(
            (401, 404, 404, 403, 403, 201, 201), kwargs=_path_id, data={"title": "S"}
        ),
        "POST /api/v1/paths/{path_id}/steps": Expect(
            (401, 404, 404, 403, 403, 201, 201),
            kwargs=_path_id,
            data=lambda w: {
                "section": w.objects["section"].pk,
                "url": "https://example.org",
                "title": "L",
            },
        ),
        "DELETE /api/v1/path-steps/{step_id}": Expect(
            (401, 404, 404, 403, 403, 204, 204), kwargs=_step_id
        ),
        "PUT /api/v1/path-steps/{step_id}/done": Expect(
            (401, 404, 404, 204, 204, 204, 204), kwargs=_step_id
        ),
        "DELETE /api/v1/path-steps/{step_id}/done": Expect(
            (401, 404, 404, 204, 204, 204, 204), kwargs=_step_id
        ),
    }
)

# Search: pages and API answer everyone; what each finds is checked in
# guilde/search/tests/test_permissions.py. Opening a result is for those who may read it.
EXPECTATIONS.update(
    {
        # The owner's bio is theirs only: finding them by name must not show it.
        "search:search": Expect(
            all_pages(200), data={"q": "Private Owner"}, never_shows=(OWNER_SECRET,)
        ),
        "search:open": Expect(
            (404, 404, 404, 302, 302, 302, 302),
            data=lambda world: {"kind": "thread", "key": str(world.objects["thread"].pk)},
        ),
        "search:similar": Expect(all_pages(200), data={"title": "secret bio question"}),
        # Who knows: answers everyone, from what each may read (guilde/people/tests).
        "people:who_knows": Expect(all_pages(200), data={"q": "hops"}),
        "GET /api/v1/experts": Expect(all_pages(200), data={"q": "hops"}),
        # Related content beside a thread: for those who may read the thread.
        "semantic:related": Expect(
            (404, 404, 404, 200, 200, 200, 200),
            data=lambda world: {"kind": "thread", "key": str(world.objects["thread"].pk)},
        ),
        "GET /api/v1/search/related": Expect(
            (404, 404, 404, 200, 200, 200, 200),
            data=lambda world: {"type": "thread", "id": str(world.objects["thread"].pk)},
        ),
        "GET /api/v1/search": Expect(
            all_pages(200), data={"q": "Private Owner"}, never_shows=(OWNER_SECRET,)
        ),
        "GET /api/v1/search/similar": Expect(
            all_pages(200), data={"text": "secret bio question"}, never_shows=(OWNER_SECRET,)
        ),
    }
)

# People: expertise, endorsements, follows, recommendations, requests to answer. Who is
# suggested and what reasons say are checked in guilde/people/tests.
_OWNER = {"username": "owner-person"}
_OWNER_SKILL = {"username": "owner-person", "skill": "welding"}


def _question(world: World) -> dict[str, object]:
    return {"thread_id": world.objects["thread"].pk}


EXPECTATIONS.update(
    {
        "people:expertise": Expect(all_pages(200), kwargs=_OWNER, never_shows=(OWNER_SECRET,)),
        "people:follow": Expect(signed_in(302, 302), method="POST", kwargs=_OWNER),
        "people:endorse": Expect(signed_in(302, 302), method="POST", kwargs=_OWNER_SKILL),
        "people:home": Expect(signed_in(302, 200)),
        "people:settings": Expect(signed_in(302, 200)),
        "people:could_answer": Expect(
            (404, 404, 404, 200, 200, 200, 200), kwargs=_question, never_shows=(OWNER_SECRET,)
        ),
        # Asking the owner, who is not in the private community: refused with a message.
        "people:ask": Expect(
            (302, 404, 404, 302, 302, 302, 302),
            method="POST",
            kwargs=_question,
            data={"username": "owner-person"},
        ),
        "people:organisation_contributions": Expect(
            all_pages(200),
            kwargs={"slug": "acme"},
            never_shows=(OWNER_SECRET, "private question text"),
        ),
        "GET /api/v1/members/{username}/expertise": Expect(
            all_pages(200), kwargs=_OWNER, never_shows=(OWNER_SECRET,)
        ),
        "PUT /api/v1/members/{username}/skills/{skill}/endorsement": Expect(
            signed_in(401, 204), kwargs=_OWNER_SKILL
        ),
        "DELETE /api/v1/members/{username}/skills/{skill}/endorsement": Expect(
            signed_in(401, 204), kwargs=_OWNER_SKILL
        ),
        "PUT /api/v1/members/{username}/follow": Expect(signed_in(401, 204), kwargs=_OWNER),
        "DELETE /api/v1/members/{username}/follow": Expect(signed_in(401, 204), kwargs=_OWNER),
        "GET /api/v1/me/recommendations": Expect(signed_in(401, 200)),
        "GET /api/v1/me/following": Expect(signed_in(401, 200)),
        "GET /api/v1/me/feed": Expect(signed_in(401, 200), never_shows=(OWNER_SECRET,)),
        "GET /api/v1/me/expertise-settings": Expect(signed_in(401, 200)),
        "PATCH /api/v1/me/expertise-settings": Expect(signed_in(401, 200), data={}),
        "PUT /api/v1/me/hidden-topics/{topic}": Expect(
            signed_in(401, 200), kwargs={"topic": "hops"}
        ),
        "DELETE /api/v1/me/hidden-topics/{topic}": Expect(
            signed_in(401, 200), kwargs={"topic": "hops"}
        ),
        "PUT /api/v1/me/skills/{skill}/level": Expect(
            signed_in(401, 422), kwargs={"skill": "welding"}, data={"level": "expert"}
        ),
        "GET /api/v1/threads/{thread_id}/could-answer": Expect(
            (404, 404, 404, 200, 200, 200, 200), kwargs=_question
        ),
        "POST /api/v1/threads/{thread_id}/answer-requests": Expect(
            (401, 404, 404, 422, 422, 422, 422),
            kwargs=_question,
            data={"username": "owner-person"},
        ),
    }
)


# Events (the private community; see world.py: a weekly hybrid series nobody has a seat for,
# an event to cancel, a past event with notes the member attended) -----------------------


def _event(world: World) -> dict[str, object]:
    return {"slug": "private", "pk": world.objects["event"].pk}


def _past_event(world: World) -> dict[str, object]:
    return {"slug": "private", "pk": world.objects["past_event"].pk}


def _event_id(world: World, name: str = "event") -> dict[str, object]:
    return {"event_id": world.objects[name].pk}


def _key(world: World, index: int) -> str:
    from guilde.events.recurrence import occurrence_key_text

    return occurrence_key_text(world.objects["event_keys"][index])


def _event_input(title: str) -> dict[str, object]:
    start = timezone.now() + timedelta(days=5)
    return {
        "title": title,
        "start": start.isoformat(),
        "end": (start + timedelta(hours=1)).isoformat(),
        "time_zone": "Europe/Paris",
        "format": "online",
    }


PRIVATE_JOIN = "join.example/private-room"
EDITORS = (302, 404, 404, 403, 200, 200, 200)  # hosts, moderators, coordinators, admins
API_EDITORS = (401, 404, 404, 403, 200, 200, 200)

EXPECTATIONS.update(
    {
        "events:all": Expect(all_pages(200), never_shows=(PRIVATE_JOIN,)),
        "events:all_month": Expect(all_pages(200), never_shows=(PRIVATE_JOIN,)),
        "events:calendar_settings": Expect(signed_in(302, 200)),
        # A secret address: whoever has it reads its owner's feed (not in the community).
        "events:member_feed": Expect(
            all_pages(200),
            kwargs=lambda w: {"token": w.objects["calendar_token"]},
            never_shows=("A private event", PRIVATE_JOIN),
        ),
        "events:community": Expect(READERS_ONLY, kwargs={"slug": "private"}),
        "events:community_month": Expect(READERS_ONLY, kwargs={"slug": "private"}),
        "events:community_feed": Expect(
            READERS_ONLY, kwargs={"slug": "private"}, never_shows=(PRIVATE_JOIN,)
        ),
        "events:create": Expect(WRITERS, kwargs={"slug": "private"}),
        "events:detail": Expect(READERS_ONLY, kwargs=_event),
        "events:edit": Expect(EDITORS, kwargs=_event),
        "events:cancel": Expect(EDITORS, kwargs=_event),
        "events:move": Expect(EDITORS, kwargs=_event),
        "events:rsvp": Expect(
            (302, 404, 404, 302, 302, 302, 403),
            method="POST",
            kwargs=_event,
            data=lambda w: {"response": "interested", "occurrence": _key(w, 0)},
        ),
        "events:ics": Expect(READERS_ONLY, kwargs=_event, never_shows=(PRIVATE_JOIN,)),
        "events:attendance": Expect(
            (302, 404, 404, 403, 302, 302, 302),
            method="POST",
            kwargs=_past_event,
            data={"member": "member-person", "attendance": "in_person"},
        ),
        "events:followup": Expect(EDITORS, kwargs=_past_event),
        # Capture makes a draft article: those who may write one in the community.
        "events:capture": Expect(
            (302, 404, 404, 403, 302, 302, 403), method="POST", kwargs=_past_event
        ),
        "events:feedback": Expect(
            (302, 404, 404, 302, 403, 403, 403),
            method="POST",
            kwargs=_past_event,
            data={"rating": "5"},
        ),
        # Hosts, moderators, coordinators and administrators see join links: the events'
        # own tests hold that nobody else does.
        "GET /api/v1/events": Expect(all_pages(200)),
        "GET /api/v1/communities/{slug}/events": Expect(READERS_ONLY, kwargs={"slug": "private"}),
        "GET /api/v1/events/{event_id}": Expect(READERS_ONLY, kwargs=_event_id),
        "GET /api/v1/events/{event_id}/ics": Expect(
            READERS_ONLY, kwargs=_event_id, never_shows=(PRIVATE_JOIN,)
        ),
        "GET /api/v1/communities/{slug}/events/ics": Expect(
            READERS_ONLY, kwargs={"slug": "private"}, never_shows=(PRIVATE_JOIN,)
        ),
        "GET /api/v1/events/{event_id}/registrations": Expect(API_EDITORS, kwargs=_event_id),
        "POST /api/v1/communities/{slug}/events": Expect(
            (401, 404, 404, 201, 201, 201, 403),
            method="POST",
            kwargs={"slug": "private"},
            data=_event_input("Made through the API"),
        ),
        "PUT /api/v1/events/{event_id}": Expect(
            API_EDITORS,
            method="PUT",
            kwargs=lambda w: _event_id(w, "event_to_cancel"),
            data=_event_input("Changed through the API"),
        ),
        "POST /api/v1/events/{event_id}/cancel": Expect(
            API_EDITORS,
            method="POST",
            kwargs=lambda w: _event_id(w, "event_to_cancel"),
            data={"reason": "No room"},
        ),
        "POST /api/v1/events/{event_id}/occurrences/{occurrence}/cancel": Expect(
            API_EDITORS,
            method="POST",
            kwargs=lambda w: {**_event_id(w), "occurrence": _key(w, 1)},
            data={"reason": "Holiday"},
        ),
        "POST /api/v1/events/{event_id}/occurrences/{occurrence}/move": Expect(
            API_EDITORS,
            method="POST",
            kwargs=lambda w: {**_event_id(w), "occurrence": _key(w, 2)},
            data=lambda w: {
                "start": (w.objects["event_keys"][2] + timedelta(hours=1)).isoformat(),
                "end": (w.objects["event_keys"][2] + timedelta(hours=2)).isoformat(),
            },
        ),
        "PUT /api/v1/events/{event_id}/rsvp": Expect(
            (401, 404, 404, 200, 200, 200, 403),
            method="PUT",
            kwargs=_event_id,
            data=lambda w: {"response": "interested", "occurrence": _key(w, 0)},
        ),
        "PUT /api/v1/events/{event_id}/attendance": Expect(
            API_EDITORS,
            method="PUT",
            kwargs=lambda w: _event_id(w, "past_event"),
            data={"member": "member-person", "attendance": "in_person"},
        ),
        "PUT /api/v1/events/{event_id}/notes": Expect(
            API_EDITORS,
            method="PUT",
            kwargs=lambda w: _event_id(w, "past_event"),
            data={"notes": "private event notes", "recording_url": "", "outcomes": ""},
        ),
        "POST /api/v1/events/{event_id}/capture": Expect(
            (401, 404, 404, 403, 201, 201, 403),
            method="POST",
            kwargs=lambda w: _event_id(w, "past_event"),
        ),
        "PUT /api/v1/events/{event_id}/feedback": Expect(
            (401, 404, 404, 200, 403, 403, 403),
            method="PUT",
            kwargs=lambda w: _event_id(w, "past_event"),
            data={"rating": 4, "comment": ""},
        ),
        "GET /api/v1/me/calendar": Expect(signed_in(401, 200)),
        "POST /api/v1/me/calendar/reset": Expect(signed_in(401, 200), method="POST"),
    }
)


# Mentoring --------------------------------------------------------------------------------
# In the private community (world.py): "programme" is running, with a published match
# between the owner and a member holding none of the seven roles, two proposed pairs (the
# member with the moderator; a newcomer with that member), and their relationship (a goal,
# a check-in with a private note); "open_programme" takes applications (the member applied
# as a mentee); "draft_programme" is a draft. Coordinators and administrators manage
# programmes; a relationship is its pair's alone, so every one of the seven roles gets 404.

PRIVATE_NOTE = ("private check-in note",)
API_MANAGERS = (401, 404, 404, 403, 403, 200, 200)  # the community's coordinators, admins
API_PAIR_ONLY = (401, 404, 404, 404, 404, 404, 404)


def _programme_id(world: World, name: str = "programme") -> dict[str, object]:
    return {"programme_id": world.objects[name].pk}


def _match_id(world: World, name: str = "match") -> dict[str, object]:
    return {"match_id": world.objects[name].pk}


def _relationship_id(world: World) -> dict[str, object]:
    return {"relationship_id": world.objects["relationship"].pk}


_PROGRAMME_INPUT = {"name": "A programme made through the API"}
_APPLICATION_INPUT = {"topics": ["Python"], "languages": ["en"], "availability": ["mon-evening"]}

EXPECTATIONS.update(
    {
        "GET /api/v1/communities/{slug}/mentoring/programmes": Expect(
            READERS_ONLY, kwargs={"slug": "private"}, never_shows=PRIVATE_NOTE
        ),
        "POST /api/v1/communities/{slug}/mentoring/programmes": Expect(
            (401, 404, 404, 403, 403, 201, 201), kwargs={"slug": "private"}, data=_PROGRAMME_INPUT
        ),
        # A draft: those who manage it, and nobody else knows it exists.
        "GET /api/v1/mentoring/programmes/{programme_id}": Expect(
            (404, 404, 404, 404, 404, 200, 200),
            kwargs=lambda w: _programme_id(w, "draft_programme"),
            never_shows=PRIVATE_NOTE,
        ),
        "PUT /api/v1/mentoring/programmes/{programme_id}": Expect(
            API_MANAGERS, kwargs=_programme_id, data=_PROGRAMME_INPUT
        ),
        # Opening the draft: members do not see it at all.
        "POST /api/v1/mentoring/programmes/{programme_id}/status": Expect(
            (401, 404, 404, 404, 404, 200, 200),
            kwargs=lambda w: _programme_id(w, "draft_programme"),
            data={"status": "open"},
        ),
        "GET /api/v1/mentoring/programmes/{programme_id}/applications": Expect(
            API_MANAGERS, kwargs=_programme_id, never_shows=PRIVATE_NOTE
        ),
        # One's own application: the member applied as a mentee, nobody else of the roles.
        "GET /api/v1/mentoring/programmes/{programme_id}/applications/{role}": Expect(
            (401, 404, 404, 200, 404, 404, 404),
            kwargs=lambda w: {**_programme_id(w), "role": "mentee"},
            never_shows=PRIVATE_NOTE,
        ),
        # Applying: members who may post (administrators are not members: 403).
        "PUT /api/v1/mentoring/programmes/{programme_id}/applications/{role}": Expect(
            (401, 404, 404, 200, 200, 200, 403),
            kwargs=lambda w: {**_programme_id(w, "open_programme"), "role": "mentor"},
            data=_APPLICATION_INPUT,
        ),
        "DELETE /api/v1/mentoring/programmes/{programme_id}/applications/{role}": Expect(
            (401, 404, 404, 204, 404, 404, 404),
            kwargs=lambda w: {**_programme_id(w, "open_programme"), "role": "mentee"},
        ),
        "POST /api/v1/mentoring/programmes/{programme_id}/matching": Expect(
            (401, 404, 404, 403, 403, 202, 202), kwargs=_programme_id
        ),
        "GET /api/v1/mentoring/programmes/{programme_id}/matches": Expect(
            API_MANAGERS, kwargs=_programme_id, never_shows=PRIVATE_NOTE
        ),
        # The newcomer's mentee gets the moderator (who has room for one more).
        "POST /api/v1/mentoring/programmes/{programme_id}/matches": Expect(
            (401, 404, 404, 403, 403, 201, 201),
            kwargs=_programme_id,
            data=lambda w: {
                "mentee": w.objects["apprentice_application"].pk,
                "mentor": w.objects["moderator_application"].pk,
            },
        ),
        "POST /api/v1/mentoring/programmes/{programme_id}/matches/swap": Expect(
            API_MANAGERS,
            kwargs=_programme_id,
            data=lambda w: {
                "first": w.objects["proposed_match"].pk,
                "second": w.objects["other_proposed_match"].pk,
            },
        ),
        "POST /api/v1/mentoring/programmes/{programme_id}/publish": Expect(
            API_MANAGERS, kwargs=_programme_id
        ),
        "GET /api/v1/mentoring/programmes/{programme_id}/health": Expect(
            API_MANAGERS, kwargs=_programme_id, never_shows=PRIVATE_NOTE
        ),
        # The published match: its pair (neither is one of the roles) and those who manage
        # the programme see it; only the pair answers (managers: 403).
        "GET /api/v1/mentoring/matches/{match_id}": Expect(
            (401, 404, 404, 404, 404, 200, 200), kwargs=_match_id, never_shows=PRIVATE_NOTE
        ),
        "POST /api/v1/mentoring/matches/{match_id}/answer": Expect(
            (401, 404, 404, 404, 404, 403, 403), kwargs=_match_id, data={"accept": True}
        ),
        # A proposed pair is seen by those who manage the programme only — not even by its
        # mentee, the member, before it is published.
        "POST /api/v1/mentoring/matches/{match_id}/lock": Expect(
            (401, 404, 404, 404, 404, 200, 200),
            kwargs=lambda w: _match_id(w, "proposed_match"),
            data={"locked": True},
        ),
        "DELETE /api/v1/mentoring/matches/{match_id}": Expect(
            (401, 404, 404, 404, 404, 204, 204), kwargs=lambda w: _match_id(w, "proposed_match")
        ),
        # Relationships: the pair's alone — coordinators and administrators included.
        "GET /api/v1/mentoring/relationships": Expect(
            signed_in(401, 200), never_shows=PRIVATE_NOTE
        ),
        "GET /api/v1/mentoring/relationships/{relationship_id}": Expect(
            API_PAIR_ONLY, kwargs=_relationship_id, never_shows=PRIVATE_NOTE
        ),
        "POST /api/v1/mentoring/relationships/{relationship_id}/goals": Expect(
            API_PAIR_ONLY, kwargs=_relationship_id, data={"title": "A goal"}
        ),
        "PUT /api/v1/mentoring/relationships/{relationship_id}/goals/{goal_id}": Expect(
            API_PAIR_ONLY,
            kwargs=lambda w: {**_relationship_id(w), "goal_id": w.objects["goal"].pk},
            data={"status": "done"},
        ),
        "GET /api/v1/mentoring/relationships/{relationship_id}/check-ins": Expect(
            API_PAIR_ONLY, kwargs=_relationship_id, never_shows=PRIVATE_NOTE
        ),
        "POST /api/v1/mentoring/relationships/{relationship_id}/check-ins": Expect(
            API_PAIR_ONLY,
            kwargs=_relationship_id,
            data=lambda w: {"held_on": timezone.localdate().isoformat(), "notes": "Mine"},
        ),
        "POST /api/v1/mentoring/relationships/{relationship_id}/resources": Expect(
            API_PAIR_ONLY, kwargs=_relationship_id, data={"url": "https://example.org/"}
        ),
        "PUT /api/v1/mentoring/relationships/{relationship_id}/feedback": Expect(
            API_PAIR_ONLY, kwargs=_relationship_id, data={"rating": 5}
        ),
        "POST /api/v1/mentoring/relationships/{relationship_id}/finish": Expect(
            API_PAIR_ONLY, kwargs=_relationship_id
        ),
    }
)

# Mentoring pages: the same objects. Pages send the anonymous to sign in (302) where the
# API says 401; a refused write is a 403, a refusal of the programme's state a message and
# a redirect (302).
MANAGER_PAGES = (302, 404, 404, 403, 403, 200, 200)
MANAGER_POSTS = (302, 404, 404, 403, 403, 302, 302)
PAIR_ONLY_PAGES = (302, 404, 404, 404, 404, 404, 404)


def _programme_page(world: World, name: str = "programme") -> dict[str, object]:
    return {"slug": "private", "pk": world.objects[name].pk}


def _relationship_page(world: World) -> dict[str, object]:
    return {"pk": world.objects["relationship"].pk}


def _pair_post(data: dict[str, object] | None = None) -> Expect:
    return Expect(PAIR_ONLY_PAGES, method="POST", kwargs=_relationship_page, data=data or {})


EXPECTATIONS.update(
    {
        "mentoring:mine": Expect(signed_in(302, 200), never_shows=PRIVATE_NOTE),
        "mentoring:programmes": Expect(
            READERS_ONLY, kwargs={"slug": "private"}, never_shows=PRIVATE_NOTE
        ),
        "mentoring:create": Expect(MANAGER_PAGES, kwargs={"slug": "private"}),
        "mentoring:programme": Expect(
            READERS_ONLY, kwargs=_programme_page, never_shows=PRIVATE_NOTE
        ),
        "mentoring:edit": Expect(MANAGER_PAGES, kwargs=_programme_page),
        "mentoring:move": Expect(
            MANAGER_POSTS, method="POST", kwargs=_programme_page, data={"status": "closed"}
        ),
        "mentoring:apply": Expect(
            WRITERS,
            kwargs=lambda w: {**_programme_page(w, "open_programme"), "role": "mentor"},
        ),
        # Only the member applied to the open programme.
        "mentoring:withdraw": Expect(
            (302, 404, 404, 302, 404, 404, 404),
            method="POST",
            kwargs=lambda w: {**_programme_page(w, "open_programme"), "role": "mentee"},
        ),
        "mentoring:review": Expect(MANAGER_PAGES, kwargs=_programme_page, never_shows=PRIVATE_NOTE),
        "mentoring:run": Expect(MANAGER_POSTS, method="POST", kwargs=_programme_page),
        "mentoring:match_action": Expect(
            MANAGER_POSTS,
            method="POST",
            kwargs=lambda w: {**_programme_page(w), "match_pk": w.objects["proposed_match"].pk},
            data={"action": "lock"},
        ),
        "mentoring:swap": Expect(
            MANAGER_POSTS,
            method="POST",
            kwargs=_programme_page,
            data=lambda w: {
                "match": [w.objects["proposed_match"].pk, w.objects["other_proposed_match"].pk]
            },
        ),
        "mentoring:assign": Expect(
            MANAGER_POSTS,
            method="POST",
            kwargs=_programme_page,
            data=lambda w: {
                "mentee": w.objects["apprentice_application"].pk,
                "mentor": w.objects["moderator_application"].pk,
            },
        ),
        "mentoring:publish": Expect(MANAGER_POSTS, method="POST", kwargs=_programme_page),
        # The owner's published pair: those who manage the programme see it, but only its
        # pair may answer.
        "mentoring:answer": Expect(
            (302, 404, 404, 404, 404, 403, 403),
            method="POST",
            kwargs=lambda w: {"pk": w.objects["match"].pk},
            data={"accept": "1"},
        ),
        "mentoring:relationship": Expect(PAIR_ONLY_PAGES, kwargs=_relationship_page),
        "mentoring:goal_add": _pair_post({"title": "An intrusive goal"}),
        "mentoring:goal_status": Expect(
            PAIR_ONLY_PAGES,
            method="POST",
            kwargs=lambda w: {**_relationship_page(w), "goal_pk": w.objects["goal"].pk},
            data={"status": "done"},
        ),
        "mentoring:check_in": _pair_post({"held_on": "2026-11-27", "notes": "intrusion"}),
        "mentoring:resource_add": _pair_post({"url": "https://example.org/"}),
        "mentoring:feedback": _pair_post({"rating": "5"}),
        "mentoring:finish": _pair_post(),
    }
)


# Onboarding -------------------------------------------------------------------------------
# In the private community (world.py): the coordinator's welcome, and the coordinator
# suggested to the member as their buddy. The welcome page and my onboarding are for the
# community's readers; its settings and the newcomers' progress for coordinators and
# administrators; a buddy suggestion is answered by the member it was made to (others
# have none: refused; administrators are not members: 403).

ONBOARDING_MANAGERS = (302, 404, 404, 403, 403, 200, 200)
API_ONBOARDING_MANAGERS = (401, 404, 404, 403, 403, 200, 200)
API_BUDDY_ANSWER = (401, 404, 404, 200, 422, 422, 403)

EXPECTATIONS.update(
    {
        "onboarding:welcome": Expect(READERS_ONLY, kwargs={"slug": "private"}),
        "onboarding:buddy": Expect(
            (302, 404, 404, 302, 302, 302, 403),
            method="POST",
            kwargs={"slug": "private"},
            data={"answer": "accept"},
        ),
        "onboarding:manage": Expect(ONBOARDING_MANAGERS, kwargs={"slug": "private"}),
        "onboarding:newcomers": Expect(ONBOARDING_MANAGERS, kwargs={"slug": "private"}),
        "GET /api/v1/communities/{slug}/onboarding": Expect(
            READERS_ONLY, kwargs={"slug": "private"}
        ),
        "PUT /api/v1/communities/{slug}/onboarding": Expect(
            API_ONBOARDING_MANAGERS,
            kwargs={"slug": "private"},
            data={"welcome": "Welcome, through the API", "buddies": False},
        ),
        "GET /api/v1/communities/{slug}/newcomers": Expect(
            API_ONBOARDING_MANAGERS, kwargs={"slug": "private"}
        ),
        "POST /api/v1/communities/{slug}/onboarding/buddy/accept": Expect(
            API_BUDDY_ANSWER, kwargs={"slug": "private"}
        ),
        "POST /api/v1/communities/{slug}/onboarding/buddy/decline": Expect(
            API_BUDDY_ANSWER, kwargs={"slug": "private"}
        ),
    }
)


# Analytics ----------------------------------------------------------------------------------
# A community's health: its coordinators and administrators; the instance's: administrators.

EXPECTATIONS.update(
    {
        "analytics:community": Expect(
            (302, 404, 404, 403, 403, 200, 200), kwargs={"slug": "private"}
        ),
        "analytics:refresh": Expect(
            (302, 404, 404, 403, 403, 302, 302), method="POST", kwargs={"slug": "private"}
        ),
        "analytics:instance": Expect((302, 403, 403, 403, 403, 403, 200)),
        "analytics:csv": Expect(
            (302, 404, 404, 403, 403, 200, 200), kwargs={"slug": "private", "name": "levels"}
        ),
        "analytics:instance_csv": Expect(
            (302, 403, 403, 403, 403, 403, 200), kwargs={"name": "levels"}
        ),
        "GET /api/v1/communities/{slug}/analytics": Expect(
            (401, 404, 404, 403, 403, 200, 200), kwargs={"slug": "private"}
        ),
        "GET /api/v1/analytics": Expect((401, 403, 403, 403, 403, 403, 200)),
    }
)


# Stories ----------------------------------------------------------------------------------
# In the private community (world.py): a story by a member who holds none of the seven
# roles and did not agree to be named, and a prompt due for the member. A community's
# stories are its coordinators' and administrators'; members list their own (none here);
# a story is edited by its author only; a prompt is its member's alone.

STORY_SECRETS = ("mentor-person",)  # the author never agreed to be named
STORY_READERS = (302, 404, 404, 404, 404, 200, 200)
API_STORY_READERS = (401, 404, 404, 404, 404, 200, 200)
AUTHOR_ONLY = (302, 404, 404, 404, 404, 403, 403)
API_AUTHOR_ONLY = (401, 404, 404, 404, 404, 403, 403)
_STORY_INPUT = {"title": "A story through the API", "text": "It helped.", "cycle": "immediate"}


def _story_page(world: World) -> dict[str, object]:
    return {"slug": "private", "pk": world.objects["story"].pk}


def _story_id(world: World) -> dict[str, object]:
    return {"story_id": world.objects["story"].pk}


EXPECTATIONS.update(
    {
        "analytics:stories": Expect(
            (302, 404, 404, 200, 200, 200, 200),
            kwargs={"slug": "private"},
            never_shows=STORY_SECRETS,
        ),
        "analytics:story_create": Expect(WRITERS, kwargs={"slug": "private"}),
        "analytics:story": Expect(STORY_READERS, kwargs=_story_page, never_shows=STORY_SECRETS),
        "analytics:story_edit": Expect(AUTHOR_ONLY, kwargs=_story_page),
        "analytics:story_delete": Expect(AUTHOR_ONLY, method="POST", kwargs=_story_page),
        "analytics:prompt_dismiss": Expect(
            (302, 404, 404, 302, 404, 404, 404),
            method="POST",
            kwargs=lambda w: {"pk": w.objects["story_prompt"].pk},
        ),
        "GET /api/v1/communities/{slug}/stories": Expect(
            (401, 404, 404, 200, 200, 200, 200),
            kwargs={"slug": "private"},
            never_shows=STORY_SECRETS,
        ),
        "POST /api/v1/communities/{slug}/stories": Expect(
            (401, 404, 404, 201, 201, 201, 403), kwargs={"slug": "private"}, data=_STORY_INPUT
        ),
        "GET /api/v1/stories/{story_id}": Expect(
            API_STORY_READERS, kwargs=_story_id, never_shows=STORY_SECRETS
        ),
        "PUT /api/v1/stories/{story_id}": Expect(
            API_AUTHOR_ONLY, kwargs=_story_id, data=_STORY_INPUT
        ),
        "DELETE /api/v1/stories/{story_id}": Expect(API_AUTHOR_ONLY, kwargs=_story_id),
        "GET /api/v1/me/story-prompts": Expect(signed_in(401, 200)),
        "POST /api/v1/me/story-prompts/{prompt_id}/dismiss": Expect(
            (401, 404, 404, 200, 404, 404, 404),
            kwargs=lambda w: {"prompt_id": w.objects["story_prompt"].pk},
        ),
    }
)


# Webhooks -----------------------------------------------------------------------------------
# In the private community (world.py): a webhook its coordinator owns, with a delivery in its
# log; an instance webhook the administrator owns. A community's webhooks are its
# coordinators' and administrators' (a 404 for those who may not read it, a 403 for its
# other members); the instance's are administrators'. The secret is read by the owner alone,
# and shows nowhere else.

WEBHOOK_MANAGERS = (302, 404, 404, 403, 403, 200, 200)
WEBHOOK_ACTIONS = (302, 404, 404, 403, 403, 302, 302)
INSTANCE_PAGES = (302, 403, 403, 403, 403, 403, 200)
INSTANCE_ACTIONS = (302, 403, 403, 403, 403, 403, 302)
API_WEBHOOK = (401, 404, 404, 404, 404, 200, 200)
_WEBHOOK_INPUT = {
    "name": "Through the API",
    "url": "https://hooks.example.org/api",
    "format": "chat",
    "events": ["thread.created"],
}


def _webhook_page(world: World) -> dict[str, object]:
    return {"slug": "private", "pk": world.objects["webhook"].pk}


def _instance_webhook_page(world: World) -> dict[str, object]:
    return {"pk": world.objects["instance_webhook"].pk}


def _webhook_id(world: World) -> dict[str, object]:
    return {"webhook_id": world.objects["webhook"].pk}


EXPECTATIONS.update(
    {
        "webhooks:community_list": Expect(
            WEBHOOK_MANAGERS, kwargs={"slug": "private"}, never_shows=(WEBHOOK_SECRET,)
        ),
        "webhooks:community_create": Expect(WEBHOOK_MANAGERS, kwargs={"slug": "private"}),
        "webhooks:community_detail": Expect(
            WEBHOOK_MANAGERS, kwargs=_webhook_page, never_shows=(WEBHOOK_SECRET,)
        ),
        "webhooks:community_test": Expect(WEBHOOK_ACTIONS, method="POST", kwargs=_webhook_page),
        "webhooks:community_state": Expect(
            WEBHOOK_ACTIONS, method="POST", kwargs=_webhook_page, data={"enabled": "0"}
        ),
        # The owner is the coordinator: the administrator manages it but may not read it.
        "webhooks:community_secret": Expect(
            (302, 404, 404, 403, 403, 200, 403), method="POST", kwargs=_webhook_page
        ),
        "webhooks:community_rotate": Expect(
            WEBHOOK_MANAGERS, method="POST", kwargs=_webhook_page, never_shows=(WEBHOOK_SECRET,)
        ),
        "webhooks:community_delete": Expect(WEBHOOK_ACTIONS, method="POST", kwargs=_webhook_page),
        "webhooks:instance_list": Expect(INSTANCE_PAGES, never_shows=(WEBHOOK_SECRET,)),
        "webhooks:instance_create": Expect(INSTANCE_PAGES),
        "webhooks:instance_detail": Expect(
            INSTANCE_PAGES, kwargs=_instance_webhook_page, never_shows=(WEBHOOK_SECRET,)
        ),
        "webhooks:instance_test": Expect(
            INSTANCE_ACTIONS, method="POST", kwargs=_instance_webhook_page
        ),
        "webhooks:instance_state": Expect(
            INSTANCE_ACTIONS, method="POST", kwargs=_instance_webhook_page, data={"enabled": "0"}
        ),
        "webhooks:instance_secret": Expect(
            INSTANCE_PAGES, method="POST", kwargs=_instance_webhook_page
        ),
        "webhooks:instance_rotate": Expect(
            INSTANCE_PAGES, method="POST", kwargs=_instance_webhook_page
        ),
        "webhooks:instance_delete": Expect(
            INSTANCE_ACTIONS, method="POST", kwargs=_instance_webhook_page
        ),
        "GET /api/v1/communities/{slug}/webhooks": Expect(
            (401, 404, 404, 403, 403, 200, 200),
            kwargs={"slug": "private"},
            never_shows=(WEBHOOK_SECRET,),
        ),
        "POST /api/v1/communities/{slug}/webhooks": Expect(
            (401, 404, 404, 403, 403, 201, 201), kwargs={"slug": "private"}, data=_WEBHOOK_INPUT
        ),
        "GET /api/v1/webhooks": Expect(
            (401, 403, 403, 403, 403, 403, 200), never_shows=(WEBHOOK_SECRET,)
        ),
        "POST /api/v1/webhooks": Expect((401, 403, 403, 403, 403, 403, 201), data=_WEBHOOK_INPUT),
        "GET /api/v1/webhooks/{webhook_id}": Expect(
            API_WEBHOOK, kwargs=_webhook_id, never_shows=(WEBHOOK_SECRET,)
        ),
        "PUT /api/v1/webhooks/{webhook_id}": Expect(
            API_WEBHOOK,
            kwargs=_webhook_id,
            data={**_WEBHOOK_INPUT, "enabled": True},
            never_shows=(WEBHOOK_SECRET,),
        ),
        "DELETE /api/v1/webhooks/{webhook_id}": Expect(
            (401, 404, 404, 404, 404, 204, 204), kwargs=_webhook_id
        ),
        "GET /api/v1/webhooks/{webhook_id}/deliveries": Expect(
            API_WEBHOOK, kwargs=_webhook_id, never_shows=(WEBHOOK_SECRET,)
        ),
        "POST /api/v1/webhooks/{webhook_id}/test": Expect(
            (401, 404, 404, 404, 404, 202, 202), kwargs=_webhook_id
        ),
        "GET /api/v1/webhooks/{webhook_id}/secret": Expect(
            (401, 404, 404, 404, 404, 200, 403), kwargs=_webhook_id
        ),
        "POST /api/v1/webhooks/{webhook_id}/secret/rotate": Expect(
            API_WEBHOOK, kwargs=_webhook_id, never_shows=(WEBHOOK_SECRET,)
        ),
    }
)

# Single sign-on (issue 17, docs/sso.md) ------------------------------------------------------
# allauth's social-account pages. A provider the instance does not have is a 404 for all:
# its login and callback routes exist for every provider id (the real flow, against a
# provider on loopback, is in guilde/accounts/tests/test_sso_oidc.py).
_NO_PROVIDER = {"provider_id": "no-such-provider"}
_NO_SAML_ORGANISATION = {"organization_slug": "no-such-organisation"}

EXPECTATIONS.update(
    {
        "socialaccount_login_cancelled": Expect(all_pages(200)),
        # The page of a failed sign-in answers 401, as allauth's does.
        "socialaccount_login_error": Expect(all_pages(401)),
        # Nothing waits to be completed: back to the sign-in page.
        "socialaccount_signup": Expect(all_pages(302)),
        "socialaccount_connections": Expect(signed_in(302, 200)),
        # allauth's old addresses, redirected for good to the ones above.
        "accounts/social/login/cancelled/": Expect(all_pages(301)),
        "accounts/social/login/error/": Expect(all_pages(301)),
        "accounts/social/signup/": Expect(all_pages(301)),
        "accounts/social/connections/": Expect(all_pages(301)),
        "openid_connect_login": Expect(all_pages(404), kwargs=_NO_PROVIDER),
        "openid_connect_callback": Expect(all_pages(404), kwargs=_NO_PROVIDER),
    }
)
if "allauth.socialaccount.providers.saml" in settings.INSTALLED_APPS:  # the `saml` extra
    EXPECTATIONS.update(
        {
            name: Expect(all_pages(404), kwargs=_NO_SAML_ORGANISATION)
            for name in ("saml_finish_acs", "saml_sls", "saml_metadata", "saml_login")
        }
    )
    # The assertion consumer only stashes what it received and redirects to its "finish"
    # step (a same-site request, where the session cookie is sent), which checks it: 404.
    EXPECTATIONS["saml_acs"] = Expect(all_pages(302), kwargs=_NO_SAML_ORGANISATION)

# API completeness (issue 17): operations for actions that had a page only ------------------
# The member's own affiliations, picture and account: the owner's affiliation is no one
# else's (404). The picture's operation takes a multipart form: the table sends JSON, so
# the file is missing (422). Deleting the account is for a browser's session only and needs
# the password: the table sends a wrong one (422), so nothing is deleted.
EXPECTATIONS.update(
    {
        "GET /api/v1/me/affiliations": Expect(signed_in(401, 200)),
        "POST /api/v1/me/affiliations": Expect(signed_in(401, 201), data={"organisation": "acme"}),
        "DELETE /api/v1/me/affiliations/{affiliation_id}": Expect(
            signed_in(401, 404), kwargs=lambda w: {"affiliation_id": w.objects["affiliation"].pk}
        ),
        "POST /api/v1/me/avatar": Expect(signed_in(401, 422)),
        "DELETE /api/v1/me/avatar": Expect(signed_in(401, 204)),
        "POST /api/v1/me/deletion": Expect(
            signed_in(401, 422),
            data={"contributions": "keep", "password": "not the password", "confirm": True},
        ),
        # The moderator's answer in the private community: its author and moderators.
        "GET /api/v1/posts/{post_id}/history": Expect(
            (401, 404, 404, 403, 200, 200, 200),
            kwargs=lambda w: {"post_id": w.objects["answer"].pk},
        ),
        "POST /api/v1/communities/{slug}/preview": Expect(
            (401, 404, 404, 200, 200, 200, 403), kwargs={"slug": "private"}, data={"body": "x"}
        ),
        "GET /api/v1/communities/{slug}/knowledge-health": Expect(
            (401, 404, 404, 403, 403, 200, 200), kwargs={"slug": "private"}
        ),
        "GET /api/v1/organisations/{slug}/contributions": Expect(
            all_pages(200),
            kwargs={"slug": "acme"},
            never_shows=(OWNER_SECRET, "private question text"),
        ),
        "POST /api/v1/communities/{slug}/analytics/refresh": Expect(
            (401, 404, 404, 403, 403, 202, 202), kwargs={"slug": "private"}
        ),
        "POST /api/v1/communities/invitations/{token}/accept": Expect(
            (401, 404, 404, 404, 404, 404, 404), kwargs={"token": "not-an-invitation"}
        ),
    }
)
