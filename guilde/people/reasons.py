"""Why a member is ranked or shown as knowing a topic: the evidence in words (the pages
and the API say the same)."""

from __future__ import annotations

from datetime import datetime

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from guilde.people.profile import Topic
from guilde.people.selectors import Knower


def _on(date: datetime) -> str:
    return formats.date_format(date, "DATE_FORMAT")


def _articles(articles: int, verified: int) -> list[str]:
    parts = []
    if articles:
        parts.append(
            ngettext("%(count)s article", "%(count)s articles", articles) % {"count": articles}
        )
    if verified:
        parts.append(
            ngettext("%(count)s verified article", "%(count)s verified articles", verified)
            % {"count": verified}
        )
    return parts


def reason(knower: Knower) -> str:
    """E.g. "4 answers on #hops, 2 accepted answers, 9 upvotes, endorsed by 3 members;
    last answer on 3 March 2026"."""
    expert = knower.expert
    parts = [
        ngettext("%(count)s answer on #%(tag)s", "%(count)s answers on #%(tag)s", count)
        % {"count": count, "tag": tag.slug}
        for tag, count in knower.on_topic()
    ]
    if expert.on_questions:
        parts.append(
            ngettext(
                "%(count)s answer to questions like this",
                "%(count)s answers to questions like this",
                expert.on_questions,
            )
            % {"count": expert.on_questions}
        )
    parts += [
        ngettext("%(count)s article on #%(tag)s", "%(count)s articles on #%(tag)s", count)
        % {"count": count, "tag": tag.slug}
        for tag, count in knower.articles_on_topic()
    ]
    parts += [
        ngettext("%(count)s event hosted on #%(tag)s", "%(count)s events hosted on #%(tag)s", count)
        % {"count": count, "tag": tag.slug}
        for tag, count in knower.events_on_topic()
    ]
    parts += [
        ngettext(
            "%(count)s mentee mentored on #%(tag)s", "%(count)s mentees mentored on #%(tag)s", count
        )
        % {"count": count, "tag": tag.slug}
        for tag, count in knower.mentored_on_topic()
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
    if expert.verified:
        parts += _articles(0, expert.verified)
    if expert.endorsements:
        parts.append(
            ngettext(
                "endorsed by %(count)s member", "endorsed by %(count)s members", expert.endorsements
            )
            % {"count": expert.endorsements}
        )
    if expert.last_answer_at:
        parts.append(_("last answer on %(date)s") % {"date": _on(expert.last_answer_at)})
    return "; ".join(parts)


def topic_reason(topic: Topic) -> str:
    """E.g. "9 answers, 3 accepted; 2 articles, 1 verified; last on 3 March 2026"."""
    parts = []
    if topic.answers:
        parts.append(
            ngettext("%(count)s answer", "%(count)s answers", topic.answers)
            % {"count": topic.answers}
        )
    if topic.accepted:
        parts.append(
            ngettext("%(count)s accepted", "%(count)s accepted", topic.accepted)
            % {"count": topic.accepted}
        )
    if topic.upvotes:
        parts.append(
            ngettext("%(count)s upvote", "%(count)s upvotes", topic.upvotes)
            % {"count": topic.upvotes}
        )
    parts += _articles(topic.articles, topic.verified)
    if topic.events:
        parts.append(
            ngettext("%(count)s event hosted", "%(count)s events hosted", topic.events)
            % {"count": topic.events}
        )
    if topic.mentored:
        parts.append(
            ngettext("%(count)s mentee mentored", "%(count)s mentees mentored", topic.mentored)
            % {"count": topic.mentored}
        )
    if topic.last_at:
        parts.append(_("last answer on %(date)s") % {"date": _on(topic.last_at)})
    return "; ".join(parts)
