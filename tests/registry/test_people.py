"""People: a sign-in user with one role and the scope that role acts in."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from offsite.registry import queries, services
from offsite.registry.models import Person
from offsite.registry.privacy import mask_phone

PASSWORD = "correct-horse-battery"


def create(**fields):
    values = {"username": "zhang.wei", "password": PASSWORD}
    values.update(fields)
    return services.create_person(**values)


@pytest.mark.django_db
def test_dispatch_staff_of_a_district_may_use_the_admin_site():
    person = create(role="dispatch_staff", authority=queries.district("110105"))
    assert (person.user.is_staff, person.user.is_superuser) == (True, False)


@pytest.mark.django_db
def test_person_signs_in_with_the_given_password():
    person = create(role="officer", authority=queries.city())
    assert person.user.check_password(PASSWORD) is True


def test_unit_user_does_not_use_the_admin_site(chaoyang_unit):
    person = create(role="unit_user", unit=chaoyang_unit, phone="13812345678")
    assert (person.user.is_staff, person.unit, person.phone) == (
        False,
        chaoyang_unit,
        "13812345678",
    )


def test_provider_user_acts_for_the_provider(provider):
    person = create(role="provider_user", provider=provider)
    assert Person.objects.get(pk=person.pk).provider == provider


@pytest.mark.django_db
def test_staff_role_without_an_authority_is_refused():
    with pytest.raises(ValidationError) as caught:
        create(role="officer")
    assert caught.value.message_dict["authority"] == [
        "role officer needs an authority (the city or a district)"
    ]


@pytest.mark.django_db
def test_refused_person_leaves_no_user_behind():
    with pytest.raises(ValidationError):
        create(role="officer")
    assert get_user_model().objects.count() == 0


def test_unit_user_with_an_authority_is_refused(chaoyang_unit):
    with pytest.raises(ValidationError) as caught:
        create(role="unit_user", unit=chaoyang_unit, authority=queries.city())
    assert caught.value.message_dict["authority"] == [
        "role unit_user acts for a unit; leave authority empty"
    ]


def test_staff_role_with_a_unit_is_refused(chaoyang_unit):
    with pytest.raises(ValidationError) as caught:
        create(role="auxiliary", authority=queries.city(), unit=chaoyang_unit)
    assert caught.value.message_dict["unit"] == [
        "role auxiliary acts for an authority (the city or a district); "
        "leave unit empty"
    ]


def test_provider_user_without_a_provider_is_refused(chaoyang_unit):
    with pytest.raises(ValidationError) as caught:
        create(role="provider_user", unit=chaoyang_unit)
    assert caught.value.message_dict == {
        "provider": ["role provider_user needs a provider"],
        "unit": ["role provider_user acts for a provider; leave unit empty"],
    }


@pytest.mark.django_db
def test_unknown_role_is_refused():
    with pytest.raises(ValidationError) as caught:
        create(role="chief", authority=queries.city())
    assert "role" in caught.value.message_dict


@pytest.mark.django_db
def test_taken_username_is_refused():
    create(role="legal", authority=queries.city())
    with pytest.raises(ValidationError) as caught:
        create(role="legal", authority=queries.city())
    assert caught.value.message_dict == {
        "username": ["the username 'zhang.wei' is taken"]
    }


@pytest.mark.django_db
def test_short_password_is_refused():
    with pytest.raises(ValidationError) as caught:
        create(role="legal", authority=queries.city(), password="short")
    assert list(caught.value.message_dict) == ["password"]
    assert get_user_model().objects.count() == 0


@pytest.mark.django_db
def test_malformed_phone_is_refused():
    with pytest.raises(ValidationError) as caught:
        create(role="legal", authority=queries.city(), phone="call me")
    assert caught.value.message_dict == {
        "phone": ["must be digits, optionally with '+', '-' or spaces"]
    }


@pytest.mark.django_db
def test_database_refuses_a_staff_role_without_an_authority():
    user = get_user_model().objects.create_user("li.na")
    with pytest.raises(IntegrityError):
        Person.objects.create(user=user, role="officer")


@pytest.mark.django_db
def test_only_an_officer_may_confirm():
    city = queries.city()
    officer = create(username="o", role="officer", authority=city)
    auxiliary = create(username="a", role="auxiliary", authority=city)
    assert (officer.may_confirm, auxiliary.may_confirm) == (True, False)


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13812345678", "138****5678"),
        ("+86 138 1234 5678", "138****5678"),
        ("0086-13812345678", "138****5678"),
        ("010-65123456", "010****3456"),
        ("65123456", "******56"),
        ("", ""),
    ],
)
def test_phone_numbers_are_masked(phone, masked):
    assert mask_phone(phone) == masked
