#!/usr/bin/env python3
"""Write kg/nlp/data/countries.tsv, the country gazetteer, from the countryinfo package.

    .venv/bin/python tools/make_gazetteer.py            # writes the file
    .venv/bin/python tools/make_gazetteer.py --check    # fails if the file is not up to date

One row per state: the 193 UN member states, the two UN observer states (Holy See,
Palestine), Taiwan and Kosovo (Kosovo comes from the overrides only).  Columns, tab-separated:

    key        ISO 3166-1 alpha-3 code (Kosovo: XKX, the code the EU and IMF use)
    name       the short English name a news agency writes
    aliases    other names used in news, pipe-separated: official long forms, news
               abbreviations (US, U.S., UK, UAE, PRC, DPRK ...) and the government forms
               "<Demonym> government", "<Name> government", "Government of <Name>"
    demonyms   adjective and people forms, pipe-separated (Israeli|Israelis)
    capitals   capital-city names used as metonyms for the government (Washington)

What is generated from countryinfo:
  * name: countryinfo's name;
  * aliases: countryinfo's other names and altSpellings, keeping only English forms: every
    word is an English state-form word (Republic, Kingdom, State, of, the ...), a word of the
    name, of the capital or of the demonym, and the form is not a demonym alone.  ISO codes,
    native-language and native-script spellings and "Name, Republic of" inversions go;
  * demonyms: countryinfo's demonym, with a people plural added by a simple rule
    (Israeli -> Israelis; none for -ese, -ish, -ch, -s, -y ...);
  * capitals: countryinfo's capital, dropped when it equals the country's own name
    (Singapore, Kuwait ... stay as names);
  * an ASCII spelling is added next to every form with Latin diacritics (Bogota, Turkiye).

tools/gazetteer_overrides.tsv (same columns, '#' lines are comments) then corrects what
news English needs.  In a row there, a non-empty name replaces the name (the old name stays an
alias unless removed); in the list columns an item adds, "-item" removes, and a field that
starts with "=" replaces the whole list.  A key absent from countryinfo makes a new row.

The script fails, printing every clash, when one string (case-insensitive) would map to two
keys in any column: clashes are settled by hand in the overrides, never silently.
"""
from __future__ import annotations

import argparse
import csv
import io
import re
import sys
import unicodedata
from pathlib import Path

from countryinfo import CountryInfo

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "kg" / "nlp" / "data" / "countries.tsv"
OVERRIDES = Path(__file__).resolve().parent / "gazetteer_overrides.tsv"
COLUMNS = ("key", "name", "aliases", "demonyms", "capitals")

# The 193 UN member states, plus observers and widely recognised state actors.
UN_MEMBERS = """
AFG ALB DZA AND AGO ATG ARG ARM AUS AUT AZE BHS BHR BGD BRB BLR BEL BLZ BEN BTN BOL BIH BWA BRA
BRN BGR BFA BDI CPV KHM CMR CAN CAF TCD CHL CHN COL COM COG CRI CIV HRV CUB CYP CZE PRK COD DNK
DJI DMA DOM ECU EGY SLV GNQ ERI EST SWZ ETH FJI FIN FRA GAB GMB GEO DEU GHA GRC GRD GTM GIN GNB
GUY HTI HND HUN ISL IND IDN IRN IRQ IRL ISR ITA JAM JPN JOR KAZ KEN KIR KWT KGZ LAO LVA LBN LSO
LBR LBY LIE LTU LUX MDG MWI MYS MDV MLI MLT MHL MRT MUS MEX FSM MCO MNG MNE MAR MOZ MMR NAM NRU
NPL NLD NZL NIC NER NGA MKD NOR OMN PAK PLW PAN PNG PRY PER PHL POL PRT QAT KOR MDA ROU RUS RWA
KNA LCA VCT WSM SMR STP SAU SEN SRB SYC SLE SGP SVK SVN SLB SOM ZAF SSD ESP LKA SDN SUR SWE CHE
SYR TJK THA TLS TGO TON TTO TUN TUR TKM TUV UGA UKR ARE GBR TZA USA URY UZB VUT VEN VNM YEM ZMB
ZWE
""".split()
OTHER_STATES = ["VAT", "PSE", "TWN"]  # Kosovo (XKX) is not in countryinfo: see the overrides
NOT_A_STATE = {"Wales", "Scotland"}  # countryinfo files these under GBR / no code

# Words an English long-form name may be built of, besides the name's own words.
FORM_WORDS = set("""
Republic Kingdom State States Federation Federal Democratic Islamic People's Union Commonwealth
Principality Grand Duchy United Sultanate Confederation Plurinational Hashemite Socialist Arab
Independent Co-operative Cooperative Oriental Eastern Nation Bolivarian Islands DR
of the and The
""".split())
FUNCTION_WORDS = {"of", "the", "and", "The"}
# Country names written with "the" ("the Government of the United States").
THE_NAMES = {"United States", "United Kingdom", "United Arab Emirates", "Netherlands", "Philippines",
             "Bahamas", "Gambia", "Czech Republic", "Dominican Republic", "Central African Republic",
             "Democratic Republic of the Congo", "Republic of the Congo", "Maldives",
             "Marshall Islands", "Solomon Islands", "Comoros", "Seychelles", "Vatican"}
NO_PLURAL_ENDINGS = ("ese", "ish", "ch", "sh", "s", "x", "z", "y")


def fail(msg: str) -> None:
    print(f"make_gazetteer: {msg}", file=sys.stderr)
    sys.exit(1)


def words(s: str) -> list[str]:
    return [w for w in re.split(r"[\s\-]+", s) if w]


def is_latin(s: str) -> bool:
    """True when every letter of s is a Latin letter (with or without diacritics)."""
    return all("LATIN" in unicodedata.name(ch, "") for ch in s if ch.isalpha())


def ascii_fold(s: str) -> str:
    s = s.replace("ș", "s").replace("ț", "t").replace("Ș", "S").replace("Ț", "T")
    return "".join(ch for ch in unicodedata.normalize("NFKD", s) if not unicodedata.combining(ch))


def pluralize(adj: str) -> str | None:
    last = adj.split()[-1]
    if last.endswith(NO_PLURAL_ENDINGS) or last.startswith(("Ni-", "I-")):
        return None
    return adj + "s"


def uniq(items) -> list[str]:
    seen, out = set(), []
    for it in items:
        it = it.strip()
        if it and it.casefold() not in seen:
            seen.add(it.casefold())
            out.append(it)
    return out


def english_form(spelling: str, name_words: set[str], demonym_words: set[str]) -> bool:
    s = spelling.strip()
    if not s or "," in s or "(" in s or not s[0].isupper() or not is_latin(s):
        return False
    if re.fullmatch(r"[A-Z]{2,3}", s):  # ISO codes; the real news abbreviations come from overrides
        return False
    ws = words(s)
    allowed = FORM_WORDS | name_words | demonym_words
    if not all(w in allowed for w in ws):
        return False
    content = [w for w in ws if w not in FUNCTION_WORDS]
    return not all(w in demonym_words for w in content)  # "Thai", "Togolese" are not names


def from_countryinfo() -> dict[str, dict]:
    by_key: dict[str, list[dict]] = {}
    for info in CountryInfo.all().values():
        key = ((info.get("ISO") or {}).get("alpha3") or "").upper()
        if key and info.get("name") not in NOT_A_STATE:
            by_key.setdefault(key, []).append(info)
    rows = {}
    for key in UN_MEMBERS + OTHER_STATES:
        infos = by_key.get(key)
        if not infos:
            fail(f"countryinfo has no entry for {key}")
        # The primary entry: one with a numeric code and a plain name ("Palestine", not
        # "Palestine, State of"); the others only contribute spellings.
        infos.sort(key=lambda i: (not (i.get("ISO") or {}).get("numeric"),
                                  bool(re.search(r"[,(]", i["name"])), i["name"]))
        primary = infos[0]
        name = primary["name"]
        capital = primary.get("capital") or ""
        if isinstance(capital, list):
            capital = capital[0] if capital else ""
        capital = capital.strip()
        adjectives = [d.strip() for d in re.split(r"[,/]", primary.get("demonym") or "") if d.strip()]
        demonyms = []
        for adj in adjectives:
            demonyms.append(adj)
            if plural := pluralize(adj):
                demonyms.append(plural)
        name_words = set(words(name)) | set(words(capital))
        demonym_words = {w for d in adjectives for w in words(d)}
        spellings = []
        for info in infos:
            spellings.append(info["name"])
            spellings += info.get("altSpellings") or []
        aliases = [s.strip() for s in spellings
                   if s.strip() != name and english_form(s, name_words, demonym_words)]
        rows[key] = {"key": key, "name": name, "aliases": uniq(aliases),
                     "demonyms": uniq(demonyms), "capitals": [capital] if capital else []}
    return rows


def read_overrides() -> list[dict]:
    lines = [ln for ln in OVERRIDES.read_text(encoding="utf-8").splitlines()
             if ln.strip() and not ln.lstrip().startswith("#")]
    reader = csv.DictReader(io.StringIO("\n".join(lines)), delimiter="\t", quoting=csv.QUOTE_NONE)
    if tuple(reader.fieldnames or ()) != COLUMNS:
        fail(f"{OVERRIDES.name}: header must be {' '.join(COLUMNS)} (tab-separated), not {reader.fieldnames}")
    out = []
    for n, row in enumerate(reader, 2):
        if None in row or any(v is None for v in row.values()):
            fail(f"{OVERRIDES.name}: row {n} ({row.get('key')}) must have exactly {len(COLUMNS)} columns")
        out.append({k: v.strip() for k, v in row.items()})
    return out


def apply_list(current: list[str], spec: str) -> list[str]:
    if not spec:
        return current
    if spec.startswith("="):
        current, spec = [], spec[1:]
    items = [i.strip() for i in spec.split("|") if i.strip()]
    removed = {i[1:].casefold() for i in items if i.startswith("-")}
    added = [i for i in items if not i.startswith("-")]
    return uniq([c for c in current if c.casefold() not in removed] + added)


def apply_overrides(rows: dict[str, dict], overrides: list[dict]) -> set[str]:
    """Apply the overrides; return the removals per key (so generated forms honour them)."""
    removals: dict[str, set[str]] = {}
    seen = set()
    for ov in overrides:
        key = ov["key"]
        if key in seen:
            fail(f"{OVERRIDES.name}: {key} appears twice")
        seen.add(key)
        if key not in rows:
            if not ov["name"]:
                fail(f"{OVERRIDES.name}: new key {key} needs a name")
            rows[key] = {"key": key, "name": ov["name"], "aliases": [], "demonyms": [], "capitals": []}
        row = rows[key]
        if ov["name"] and ov["name"] != row["name"]:
            row["aliases"] = uniq([row["name"]] + row["aliases"])
            row["name"] = ov["name"]
        for col in ("aliases", "demonyms", "capitals"):
            row[col] = apply_list(row[col], ov[col])
            removals.setdefault(key, set()).update(
                i[1:].casefold() for i in ov[col].lstrip("=").split("|") if i.strip().startswith("-"))
    return removals


def finish(rows: dict[str, dict], removals: dict[str, set[str]]) -> None:
    """Add ASCII spellings and government forms; drop forms repeated within a row."""
    for key, row in rows.items():
        gone = removals.get(key, set())
        name = row["name"]
        the = "the " if name in THE_NAMES else ""
        adjectives = [d for d in row["demonyms"][:1]]  # the first demonym is the adjective
        gov = [f"{name} government", f"Government of {the}{name}"] + [f"{a} government" for a in adjectives]
        row["aliases"] = row["aliases"] + gov
        for col in ("aliases", "demonyms", "capitals"):
            folded = []
            for item in row[col]:
                folded.append(item)
                if (a := ascii_fold(item)) != item:
                    folded.append(a)
            row[col] = [i for i in uniq(folded) if i.casefold() not in gone]
        if name.casefold() in gone:
            fail(f"{key}: the override removes the row's own name {name!r}")
        # within a row: name > aliases > demonyms > capitals
        taken = {name.casefold()}
        for col in ("aliases", "demonyms", "capitals"):
            row[col] = [i for i in row[col] if i.casefold() not in taken]
            taken |= {i.casefold() for i in row[col]}


def check(rows: dict[str, dict]) -> None:
    owners: dict[str, set[str]] = {}
    problems = []
    for key, row in rows.items():
        if not re.fullmatch(r"[A-Z]{3}", key):
            problems.append(f"{key}: key is not a three-letter code")
        for item in [row["name"]] + row["aliases"] + row["demonyms"] + row["capitals"]:
            if "\t" in item or "|" in item or item != item.strip():
                problems.append(f"{key}: bad item {item!r}")
            owners.setdefault(item.casefold(), set()).add(key)
    for form, keys in sorted(owners.items()):
        if len(keys) > 1:
            problems.append(f"{form!r} maps to {', '.join(sorted(keys))}")
    if problems:
        fail("ambiguous or malformed gazetteer (settle it in tools/gazetteer_overrides.tsv):\n  "
             + "\n  ".join(problems))


def render(rows: dict[str, dict]) -> str:
    out = ["\t".join(COLUMNS)]
    for key in sorted(rows):
        r = rows[key]
        out.append("\t".join([key, r["name"], "|".join(r["aliases"]), "|".join(r["demonyms"]),
                              "|".join(r["capitals"])]))
    return "\n".join(out) + "\n"


def build() -> str:
    if len(set(UN_MEMBERS)) != 193:
        fail(f"the UN member list has {len(set(UN_MEMBERS))} codes, not 193")
    rows = from_countryinfo()
    removals = apply_overrides(rows, read_overrides())
    finish(rows, removals)
    check(rows)
    return render(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="fail if the committed file is out of date")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    text = build()
    if args.check:
        if not args.out.exists() or args.out.read_text(encoding="utf-8") != text:
            fail(f"{args.out} is out of date: run tools/make_gazetteer.py")
        print(f"{args.out}: up to date ({text.count(chr(10)) - 1} rows)")
        return
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out} ({text.count(chr(10)) - 1} rows)")


if __name__ == "__main__":
    main()
