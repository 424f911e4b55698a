"""`offsite keys`: issue, list and revoke API keys of providers and people."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, no_translations

from offsite.registry import queries, services
from offsite.registry.management.commands.units import describe
from offsite.registry.models import ApiKey, Person, Provider

BEIJING = ZoneInfo("Asia/Shanghai")


class Command(BaseCommand):
    help = (
        "Issue an API key to a provider (sends data) or a person (acts as them "
        "on the event, delivery and oversight API), list keys, revoke one."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)

        issue = actions.add_parser("issue", help="issue a key; printed once")
        holder = issue.add_mutually_exclusive_group(required=True)
        holder.add_argument("--person", metavar="USERNAME", help="a person's key")
        holder.add_argument("--provider", metavar="SLUG", help="a provider's key")
        issue.add_argument("--label", default="", help="what the key is for")

        listing = actions.add_parser("list", help="list keys (never their secret)")
        listing.add_argument("--json", action="store_true", help="print JSON")

        revoke = actions.add_parser("revoke", help="revoke a key from now on")
        revoke.add_argument("prefix", help="the 8 hex digits after osk_")

    @no_translations  # the command speaks English, its errors too
    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"{options['action']}_key")(options)

    def issue_key(self, options: dict[str, Any]) -> None:
        if options["person"]:
            person = Person.objects.filter(user__username=options["person"]).first()
            if person is None:
                raise CommandError(
                    f"person: no person signs in as {options['person']!r}"
                )
            holder = {"person": person}
        else:
            provider = Provider.objects.filter(slug=options["provider"]).first()
            if provider is None:
                raise CommandError(
                    f"provider: no provider has the slug {options['provider']!r}"
                )
            holder = {"provider": provider}
        try:
            key = services.issue_api_key(label=options["label"], **holder)
        except ValidationError as error:
            raise CommandError(describe(error)) from error
        self.stdout.write(key)

    def list_key(self, options: dict[str, Any]) -> None:
        rows = [
            as_dict(api_key)
            for api_key in ApiKey.objects.select_related(
                "provider", "person__user"
            ).order_by("created_at", "pk")
        ]
        if options["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False))
            return
        for row in rows:
            self.stdout.write(
                "\t".join(
                    [
                        row["prefix"],
                        row["holder"],
                        row["label"],
                        row["created_at"],
                        row["revoked_at"] or "live",
                    ]
                )
            )

    def revoke_key(self, options: dict[str, Any]) -> None:
        api_key = ApiKey.objects.filter(prefix=options["prefix"]).first()
        if api_key is None:
            raise CommandError(f"prefix: no key has the prefix {options['prefix']!r}")
        api_key = services.revoke_api_key(api_key=api_key)
        self.stdout.write(f"{api_key.prefix}\trevoked {_beijing(api_key.revoked_at)}")


def as_dict(api_key: ApiKey) -> dict[str, Any]:
    return {
        "prefix": api_key.prefix,
        "holder": queries.key_holder(api_key),
        "label": api_key.label,
        "created_at": _beijing(api_key.created_at),
        "revoked_at": _beijing(api_key.revoked_at) if api_key.revoked_at else None,
    }


def _beijing(moment: datetime) -> str:
    return moment.astimezone(BEIJING).isoformat(timespec="seconds")
