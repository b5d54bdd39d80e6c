"""Why a member is ranked: the evidence in words (the pages and the API say the same)."""

from __future__ import annotations

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from guilde.people.selectors import Knower


def reason(knower: Knower) -> str:
    """E.g. "4 answers on #hops, 2 accepted; 9 upvotes; last answer on 3 March 2026"."""
    expert = knower.expert
    parts = [
        ngettext("%(count)s answer on #%(tag)s", "%(count)s answers on #%(tag)s", count)
        % {"count": count, "tag": tag.slug}
        for tag, count in knower.on_topic()
    ]
    if expert.accepted:
        parts.append(
            ngettext("%(count)s accepted answer", "%(count)s accepted answers", expert.accepted)
            % {"count": expert.accepted}
        )
    if expert.upvotes:
        parts.append(
            ngettext("%(count)s upvote", "%(count)s upvotes", expert.upvotes)
            % {"count": expert.upvotes}
        )
    if expert.last_answer_at:
        parts.append(
            _("last answer on %(date)s")
            % {"date": formats.date_format(expert.last_answer_at, "DATE_FORMAT")}
        )
    return "; ".join(parts)
