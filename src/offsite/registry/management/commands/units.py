"""`offsite units`: register and list supervised units."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, no_translations

from offsite.registry import queries, services
from offsite.registry.models import Unit


class Command(BaseCommand):
    help = "Register a unit (`add`) or list the registered units (`list`)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)

        add = actions.add_parser("add", help="register a unit")
        add.add_argument(
            "--code", required=True, help="unified social credit code (GB 32100)"
        )
        add.add_argument("--name", required=True, help="registered name of the unit")
        add.add_argument(
            "--district", required=True, help="GB/T 2260 code of its district"
        )
        add.add_argument(
            "--category",
            choices=Unit.Category.values,
            default=Unit.Category.GENERAL,
        )
        add.add_argument("--business-type", default="", help="e.g. shopping mall")

        listing = actions.add_parser("list", help="list the registered units")
        listing.add_argument("--district", help="only this district (GB/T 2260)")
        listing.add_argument("--json", action="store_true", help="print JSON")

    @no_translations  # the command speaks English, its errors too
    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "add":
            self.add_unit(options)
        else:
            self.list_units(options)

    def add_unit(self, options: dict[str, Any]) -> None:
        try:
            unit = services.register_unit(
                credit_code=options["code"],
                name=options["name"],
                district_code=options["district"],
                category=options["category"],
                business_type=options["business_type"],
            )
        except ValidationError as error:
            raise CommandError(describe(error)) from error
        self.stdout.write(row(unit))

    def list_units(self, options: dict[str, Any]) -> None:
        district_code = options["district"]
        if district_code is not None and queries.district(district_code) is None:
            raise CommandError(
                f"district_code: {district_code!r} is not the GB/T 2260 code "
                "of a district"
            )
        units = queries.units(district_code=district_code)
        if options["json"]:
            self.stdout.write(
                json.dumps([as_dict(unit) for unit in units], ensure_ascii=False)
            )
            return
        for unit in units:
            self.stdout.write(row(unit))


def row(unit: Unit) -> str:
    """Return one line: id, credit code, name, district code and name."""
    return "\t".join(
        [
            str(unit.pk),
            unit.credit_code,
            unit.name,
            f"{unit.district.code} {unit.district.name}",
        ]
    )


def as_dict(unit: Unit) -> dict[str, Any]:
    return {
        "id": unit.pk,
        "credit_code": unit.credit_code,
        "name": unit.name,
        "district": unit.district.code,
        "district_name": unit.district.name,
        "category": unit.category,
        "business_type": unit.business_type,
    }


def describe(error: ValidationError) -> str:
    """Return each refused field and its rule, one `field: rule` per line."""
    if not hasattr(error, "error_dict"):
        return "; ".join(error.messages)
    return "\n".join(
        f"{field}: {message}"
        for field, messages in error.message_dict.items()
        for message in messages
    )
