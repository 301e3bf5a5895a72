"""The personal-data rule (AVG): formats people really write. A home address without a street
ending or with its floor or room, a BSN grouped any way that passes the 11-test, a login as
"name, code …", another pupil's fails told as hearsay, a diagnosis of a named person, an account
behind a compound word or a DM call. Near misses: the writer's own data, the school's, room
numbers, dates and times, one's own grades. Sentences written for these tests."""

from __future__ import annotations

import pytest

from policies.personal_data import detect
from policies.text import TextView


def categories(text: str) -> set[str]:
    return {hit.category for hit in detect(TextView.of(text))}


# A BSN that passes the 11-test (computed, not anyone's): 944117715.
@pytest.mark.parametrize(("text", "category"), [
    # addresses: no street ending, a compass word, the floor or room, "nummer", "bij <naam>"
    ("het eindfeest is bij de familie de Boer, Wending 12a in Assen", "home_address"),
    ("voor wie hem zoekt: hij woont Dorpsweg-Zuid 8 in Zwolle", "home_address"),
    ("die jongen woont boven de bakker aan het Beukenplein, nummer 4a", "home_address"),
    ("hij woont op de Vossenstraat, 3e bel", "home_address"),
    ("ze wonen sinds kort in het asielcentrum aan de Kastanjelaan, kamer 7", "home_address"),
    ("ik woon naast sem, hij woont op de Gildestraat 9 2e etage", "home_address"),
    ("ik breng de tas wel even bij Noor, dat is toch Merelhof 3 in Breda?", "home_address"),
    ("we verzamelen bij lucas' house, 12 van Houtenstraat", "home_address"),
    # BSN in any grouping that passes the 11-test
    ("het burgerservicenummer van Mila: 9441 17 715, klopt dat?", "bsn"),
    ("Daan zijn nummer voor de verzekering is 944.11.7715", "bsn"),
    # a login as a name and a code
    ("inlog voor de laptop van mijn dochter: naam s.devries, code 8812. kan iemand helpen?",
     "password"),
    ("login of my brother for the ipad: user tim.k / pin 5520", "password"),
    # someone else's grades as hearsay
    ("Mijn nichtje zegt dat Bram een 3 had voor Duits, is dat waar?", "grades"),
    ("ik hoorde dat Sem zn rapport vol onvoldoendes stond", "grades"),
    ("Mijn buurjongen zei dat Sem voor drie vakken onvoldoende staat", "grades"),
    # a named person's eating disorder
    ("Lotte heeft boulimie, zei haar nicht", "medical"),
    # an account behind a compound word, a DM call at an account
    ("Ik zag het insta-account van die juf: @juf_priv_99", "handle"),
    ("stuur allemaal een dm naar @x_bram_x", "handle"),
])
def test_someone_elses_data_as_people_write_it(text: str, category: str) -> None:
    assert category in categories(text)


@pytest.mark.parametrize("text", [
    # own address, the school's, rooms, chapters, dates and times
    "ik woon op de Gildestraat 9, kom maar langs voor het boek",
    "Hoofdstuk 3 in Getal en Ruimte is voor thuis",
    "De les is in Lokaal 12 in Gebouw B, neem je huiswerk mee",
    "de toets is op 12.03 om 14.15 uur in lokaal 204",
    "bestelnummer 12 345 6789 voor de schoolfoto's",
    "de vergadering is in kamer 12 van het hoofdgebouw",
    # codes that are not someone's login
    "wie speelt er fortnite vanavond? kom in mijn lobby, de code app ik je zo",
    "de code van het fietsenhok is veranderd, vraag het de conciërge",
    # one's own marks
    "ik sta voor alle vakken onvoldoende, ik baal zo",
    "mijn rapport stond vol onvoldoendes, maar nu gaat het beter",
    # a mention that addresses someone
    "@sem stuur me even een dm als je thuis bent",
])
def test_near_misses_stay_clean(text: str) -> None:
    assert categories(text) == set()
