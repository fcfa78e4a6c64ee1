"""Scraped-page noise rules, on page fragments written for these tests."""
from __future__ import annotations

import pytest

from kg.extract.noise import in_noise, is_label_line, noise_regions

ARTICLE = ("Kenyan President Samuel Otieno met Somali President Abdi Warsame in Nairobi on Monday.\n\n"
           "The two leaders discussed border security, Otieno's office said in a statement.\n\n")


def noisy(text: str) -> set[str]:
    return {text[r.begin:r.end].strip() for r in noise_regions(text)}


@pytest.mark.parametrize("line", [
    "Samuel Otieno (Photo: Jane Doe/Reuters)",
    "Photo: Getty Images",
    "Reuters contributed reporting to this article.",
    "Do not send comments that include inflammatory words.",
    "Your email address will not be published. Required fields are marked *",
    "Maria Lopez | 14:05",
    "Delegates leave the hall in Nairobi. (AP Photo/John Mwangi)",
    "@kenyagovernment",
    "Follow Maria Lopez on X and Telegram",
    "About the author: Maria Lopez covers East Africa.",
])
def test_extract_noise_lines(line):
    text = ARTICLE + line + "\n"
    regions = noise_regions(text)
    begin = text.index(line)
    assert in_noise(regions, begin, begin + len(line)), line
    assert not in_noise(regions, 0, len(ARTICLE.split("\n")[0]))


def test_extract_noise_tail_after_end_marker_is_dropped():
    text = ARTICLE + "* AP contributed to this report.\n\nRelated Tags Otieno Warsame\n\nComments\n\nGreat article!\n"
    gone = noisy(text)
    assert any("Great article" in g for g in gone)
    assert not in_noise(noise_regions(text), 0, 80)


def test_extract_noise_marker_near_the_top_does_not_swallow_the_article():
    text = "Read more\n\n" + ARTICLE * 3
    regions = noise_regions(text)
    assert not in_noise(regions, len("Read more\n\n"), len(text))


def test_extract_noise_sidebar_of_headlines_with_bylines():
    sidebar = ("Why The Summit Failed\n\nNATO allies split over aid package\nAnna Berg | 18:20\n\n"
               "What Comes Next\n\nTalks resume in Geneva next week\nOmar Said | 17:05\n")
    text = ARTICLE + sidebar
    gone = " ".join(noisy(text))
    for piece in ("NATO allies split", "Anna Berg", "Talks resume in Geneva", "Omar Said", "What Comes Next"):
        assert piece in gone


@pytest.mark.parametrize("line, label", [
    ("Antony Blinken, Ceasefire Talks", True),
    ("Middle East Hostage Deal", True),
    ("Blinken heads to Israel as ceasefire talks gain momentum", False),
    ("The two leaders discussed border security.", False),
    ("Kenya", True),
])
def test_extract_noise_label_lines(line, label):
    assert is_label_line(line, 10) is label


def test_extract_noise_author_bio_only_as_the_closing_paragraph():
    bio = "Maria Lopez is a senior fellow at the Horn of Africa Policy Institute."
    closing = ARTICLE + bio + "\n"
    begin = closing.index(bio)
    assert in_noise(noise_regions(closing), begin, begin + len(bio))
    inside = bio + "\n\n" + ARTICLE
    assert not in_noise(noise_regions(inside), 0, len(bio))
