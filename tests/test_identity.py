"""Which names are one actor: spelling variants, short forms, acronyms (kg/identity.py)."""
from __future__ import annotations

import pytest

from kg.identity import global_keys, person_classes, person_key
from kg.models import Actor


@pytest.mark.parametrize("a, b", [
    ("Walid Al-Hakim", "Walid Al Hakim"),           # hyphen
    ("Walid al-Hakim", "Walid Hakim"),              # the Arabic article
    ("R. Venkatesan", "R Venkatesan"),              # dot
    ("Ramón Ibáñez", "Ramon Ibanez"),               # diacritics
    ("Sergey Volkonov", "Sergei Volkonov"),         # transliteration
    ("Oleksiy Mirenskyy", "Oleksiy Mirenskiy"),
    ("Martin K. Dole", "Martin Dole"),              # middle initial
    ("Martin Dole III", "Martin Dole"),             # generational suffix
    ("Prof Hanna Kessel", "Hanna Kessel"),          # academic title
])
def test_identity_spelling_variants_share_a_key(a, b):
    assert person_key(a) == person_key(b)


@pytest.mark.parametrize("a, b", [
    ("Maria Dole", "Mario Dole"),
    ("Ali Hassan", "Hassan Ali"),
])
def test_identity_different_people_keep_different_keys(a, b):
    assert person_key(a) != person_key(b)


def test_identity_short_forms_join_the_one_full_name():
    classes = person_classes(["Alexander Merrow", "Merrow", "A. Merrow", "Alex Merrow", "Nadia al-Farsi", "Farsi"])
    assert {classes[n] for n in ("Merrow", "A. Merrow", "Alex Merrow")} == {"Alexander Merrow"}
    assert classes["Farsi"] == "Nadia al-Farsi"


def test_identity_surname_of_two_people_stays_alone():
    classes = person_classes(["Anna Lind", "Erik Lind", "Lind"])
    assert classes["Lind"] == "Lind"
    assert classes["Anna Lind"] != classes["Erik Lind"]


def _actor(key, label, kind="Person", described=False):
    return Actor(key, label, kind, (), described)


def test_identity_global_keys_across_documents():
    actors = [
        ("d1", _actor("person:walid al-hakim", "Walid al-Hakim")),
        ("d2", _actor("person:hakim", "Hakim")),
        ("d2", _actor("org:interim arab parliament", "Interim Arab Parliament", "Organization")),
        ("d3", _actor("org:iap", "IAP", "Organization")),
        ("d3", _actor("person:un", "UN")),
        ("d4", _actor("person:kim jong-un", "Kim Jong-un")),
        ("d4", _actor("person:senior official", "senior official", described=True)),
    ]
    keys = global_keys(actors)
    assert keys[("d2", "person:hakim")] == "person:walid al-hakim"
    assert keys[("d3", "org:iap")] == "org:interim arab parliament"
    assert keys[("d3", "person:un")] == "person:un"  # an acronym is no one's surname
    assert keys[("d4", "person:senior official")] == "person:senior official@d4"


def test_identity_groups_of_one_state_share_a_key():
    actors = [
        ("d1", _actor("group:u.s. officials", "U.S. officials", "Group")),
        ("d2", _actor("group:united states government officials", "United States Government officials", "Group")),
        ("d3", _actor("group:israeli officials", "Israeli officials", "Group")),
    ]
    keys = global_keys(actors)
    assert keys[("d1", "group:u.s. officials")] == keys[("d2", "group:united states government officials")]
    assert keys[("d3", "group:israeli officials")] == "group:israeli officials"
