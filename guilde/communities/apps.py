from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunitiesConfig(AppConfig):
    name = "guilde.communities"
    label = "communities"
    verbose_name = _("Communities")

    def ready(self) -> None:
        from django.core.signals import request_started
        from django.db.models.signals import post_delete, post_save

        from guilde.communities.models import Membership
        from guilde.communities.selectors import forget_kept_member_counts, forget_member_counts

        post_save.connect(forget_member_counts, sender=Membership, dispatch_uid="member-counts")
        post_delete.connect(forget_member_counts, sender=Membership, dispatch_uid="member-counts-")
        request_started.connect(forget_kept_member_counts, dispatch_uid="member-counts-kept")

        from guilde.accounts.visibility import register_shared_members_resolver
        from guilde.communities import permissions  # noqa: F401  (registers the rules)
        from guilde.communities.selectors import members_sharing_a_community

        register_shared_members_resolver(members_sharing_a_community)

        from guilde.accounts.adapter import register_login_hook, register_signup_permit
        from guilde.communities.invitations import accept_waiting_invitation, invited_address

        register_signup_permit(invited_address)
        register_login_hook(accept_waiting_invitation)
