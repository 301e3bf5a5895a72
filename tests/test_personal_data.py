"""The personal-data rule (AVG): Dutch and international formats, validation, and the negatives."""

from __future__ import annotations

import pytest

from core.events import GroupKind, MessageEvent, Role, Sender
from core.findings import Severity
from policies import articles
from policies.base import PolicyContext
from policies.personal_data import PersonalDataPolicy, PersonalDataSettings, detect
from policies.registry import policy_types
from policies.text import TextView


def categories(text: str, settings: PersonalDataSettings | None = None) -> set[str]:
    return {hit.category for hit in detect(TextView.of(text), settings)}


def run_policy(text: str, settings: PersonalDataSettings | None = None):
    policy = PersonalDataPolicy()
    ctx = PolicyContext(
        group_key="console:4a",
        group_kind=GroupKind.CLASS,
        sender_role=Role.STUDENT,
        settings=settings or PersonalDataSettings(),
    )
    event = MessageEvent(
        platform="console",
        group_id="4a",
        message_id="1",
        sender=Sender("u1", "Kai", Role.STUDENT),
        text=text,
    )
    return policy.check_text(TextView.of(text), ctx, event)


@pytest.mark.parametrize(
    "text",
    [
        "pieter zijn nummer is 06-98765432, zeg maar dat hij moet komen",
        "bel rosa even: 0698765432",
        "het mobiel van rosa is 06 98 76 54 32",
        "nummer van rosa: 06.98.76.54.32",
        "rosa haar nummer +31 6 98765432",
        "rosa haar nummer 0031 6 9876 5432",
        "add Tom on +44 7911 123456",
        "het nummer van zijn zus is +49 151 23456789",
        "gijs zn nummer is 06-71234567",  # a new 06-7 range phonenumbers does not know yet
    ],
)
def test_phone_numbers_of_another_person(text: str) -> None:
    assert categories(text) == {"phone_number"}


@pytest.mark.parametrize(
    "text",
    [
        "Bel bij ziekte voor 8 uur naar de receptie van school: 030-2468024",
        "De huisartsenpost is bereikbaar op 0900-1515",
        "Gratis hulplijn: 0800-0113",
        "bel me op 0612312312 als je vragen hebt over het verslag",
        "Mijn nummer is 06-33221100, app gerust over de excursie",
        "Je kunt me op de reisdag bereiken op 06 12 12 34 34",
        "Inleveren op 03-02-2026 om 16:30 in lokaal 1.12",
        "Het schoolreisje kost €1234,50 per leerling",
        "Lees blz. 45-67 en maak opgaven 12 t/m 24",
    ],
)
def test_numbers_that_are_not_personal(text: str) -> None:
    assert "phone_number" not in categories(text)


def test_school_number_from_settings_is_never_flagged() -> None:
    text = "Anouk, je kunt je ziek melden bij 06-11223344"
    assert categories(text) == {"phone_number"}
    settings = PersonalDataSettings(school_numbers=["+31 6 11223344"])
    assert categories(text, settings) == set()


def test_bsn_needs_a_valid_eleven_test() -> None:
    assert categories("BSN van de nieuwe leerling: 111222333") == {"bsn"}
    assert categories("zijn burgerservicenummer is 2375.12.488") == {"bsn"}
    # 123456789 fails the 11-test: a typo or a made-up number, not a BSN.
    assert categories("BSN van de nieuwe leerling: 123456789") == set()
    # A valid 11-test number that is an order number is not a BSN.
    assert categories("bestelnummer 111222333 van de schoolboeken") == set()


def test_iban_of_a_person_but_not_of_the_school_fund() -> None:
    assert categories("haar rekeningnummer is NL91ABNA0417164300 stuur maar 1 cent") == {"iban"}
    assert categories("Stort €15 op NL91 ABNA 0417 1643 00 t.n.v. Stichting Ouderraad") == set()
    # A wrong check digit is no IBAN.
    assert categories("haar rekeningnummer is NL92ABNA0417164300") == set()


@pytest.mark.parametrize(
    ("text", "flagged"),
    [
        ("stuur het naar jorien.haverkamp@gmail.com, dat is de mail van jorien", True),
        ("His email is tk_gamer2010@hotmail.com", True),
        ("de vader van Ravi mailt vanaf ravi.papa@ziggo.nl", True),
        ("Vragen? Mail naar info@csg-het-anker.nl", False),
        ("Afwezigheid melden via verzuim@rsg-noord.nl", False),
        ("Stuur je werkstuk naar mijn schoolmail: p.degraaf@lyceum-zuid.nl", False),
        ("mail me op mijn gmail: lotje2009@gmail.com", False),
    ],
)
def test_personal_email_versus_role_and_school_addresses(text: str, flagged: bool) -> None:
    assert ("email" in categories(text)) is flagged


def test_school_domain_from_settings() -> None:
    text = "mail juf Ans op ans@debrug.nl"
    assert categories(text) == {"email"}
    assert categories(text, PersonalDataSettings(school_domains=["debrug.nl"])) == set()


@pytest.mark.parametrize(
    ("text", "flagged"),
    [
        ("ruben woont op de Populierenlaan 31, wie gaat er langs", True),
        ("het adres van Meike is Ganzenmarkt 2, 3512 GD Utrecht", True),
        ("Sven's address is 27 Elm Street, go egg his house", True),
        ("het huis van wessel is esdoornhof 9 lol", True),
        ("Verzamelen bij het stadion, Stadionweg 1, 1076 NK Amsterdam", False),
        ("Het bezoekadres van school is Dorpsstraat 10, 1234 AB Ons Dorp", False),
        ("ik ben onderweg 10 minuten te laat sorry", False),
        ("We spelen op veld 3 bij de sporthal", False),
        ("Feestje bij mij thuis, Berkenlaan 5, iedereen welkom", False),
    ],
)
def test_addresses(text: str, flagged: bool) -> None:
    assert ("home_address" in categories(text)) is flagged


FILLER = "Morgen gym in de sporthal, neem je sportkleding mee. Het 3e uur valt uit. " * 250


@pytest.mark.parametrize(
    ("text", "category"),
    [
        # The cheap gates before each detector must not hide data in odd spacing, other scripts
        # or the end of a long paste.
        ("ruben woont op de Populierenlaan \t 31, wie gaat er langs", "home_address"),
        ("ruben woont op de Populierenlaan\u00a031 👀", "home_address"),
        (FILLER + "ruben woont op de Populierenlaan 31, wie gaat er langs", "home_address"),
        ("DAAN HEEFT EEN 3,9 VOOR AARDRIJKSKUNDE 😂", "grades"),
        ("daan heeft  een 3,9 voor aardrijkskunde", "grades"),
        (FILLER + "daan heeft een 3,9 voor aardrijkskunde haha", "grades"),
        (FILLER + "bel rosa even: 0698765432", "phone_number"),
        ("bel rosa even: ٠٦٩٨٧٦٥٤٣٢", "phone_number"),  # Arabic-Indic digits
        (FILLER + "oké, bel rosa even: ٠٦٩٨٧٦٥٤٣٢", "phone_number"),
    ],
)
def test_data_found_past_the_gates(text: str, category: str) -> None:
    assert category in categories(text)


def test_a_street_word_before_a_number_alone_is_no_address() -> None:
    # "herinnering" ends in a street suffix ("ring"): the number after it is no house number.
    assert categories("herinnering 3: inleveren voor vrijdag") == set()
    assert categories(FILLER + "herinnering 3 van 5") == set()


def test_date_of_birth_with_a_name_but_not_history_or_test_dates() -> None:
    assert categories("Floor is geboren op 2 februari 2011") == {"dob"}
    assert categories("geboortedatum van Kees Brand: 14-07-2010") == {"dob"}
    assert categories("Willem van Oranje werd geboren op 24 april 1533") == set()
    assert categories("Het proefwerk is op 2 februari 2026") == set()


def test_grades_of_another_student_not_your_own() -> None:
    assert categories("daan heeft een 3,9 voor aardrijkskunde haha") == {"grades"}
    assert categories("Uitslag toets: Joep 4,5, Sara 8,2, Mats 6,0") == {"grades"}
    assert categories("ik had een 3,9 voor aardrijkskunde, balen") == set()
    assert categories("Het klassengemiddelde was een 6,7") == set()


def test_medical_information_about_a_named_person() -> None:
    assert categories("wist je dat Jelle adhd heeft?") == {"medical"}
    assert categories("pim ligt in het ziekenhuis met een longontsteking") == {"medical"}
    assert categories("haar moeder zei dat ze een angststoornis heeft") == {"medical"}
    # Lesson content and ordinary sick reports are not medical leaks.
    assert categories("Biologie hoofdstuk 5: hoe ontstaat diabetes?") == set()
    assert categories("Anna is ziek, ze heeft koorts en blijft thuis") == set()
    # The writer's own health is theirs to share.
    assert categories("ik heb astma, mag ik bij de bosloop wandelen?") == set()


def test_passwords_and_login_codes() -> None:
    assert categories("het wachtwoord van teun is Voetbal99!") == {"password"}
    assert categories("inlog van iris: iris.m / zonnebloem7") == {"password"}
    assert categories("wachtwoord vergeten? vraag het aan de ICT-helpdesk") == set()
    assert categories("jullie wachtwoord is je leerlingnummer") == set()
    assert categories("het wifi wachtwoord is Welkom2026") == set()


def test_handle_used_to_expose_someone_but_not_a_mention() -> None:
    assert categories("dit is het geheime insta account van noor @noor.huilt haha") == {"handle"}
    assert categories("@mees kun jij de slides sturen?") == set()
    assert categories("Volg onze school op instagram: @csg_de_linde") == set()


def test_evidence_masks_the_data() -> None:
    findings = run_policy("het nummer van Kees is 06-24681357 en zijn mail kees.b@gmail.com")
    assert {f.category for f in findings} == {"phone_number", "email"}
    for finding in findings:
        assert finding.article == articles.AVG
        assert finding.flag == "personal_data"
        assert "24681357" not in finding.evidence
        assert "kees.b@" not in finding.evidence
        assert "•" in finding.evidence
    phone = next(f for f in findings if f.category == "phone_number")
    assert phone.evidence.startswith("telefoonnummer 06-24")


def test_severity_per_category() -> None:
    assert run_policy("het nummer van Kees is 06-24681357")[0].severity == Severity.MEDIUM
    assert run_policy("BSN van Kees: 111222333")[0].severity == Severity.HIGH
    assert run_policy("Kees woont op de Kastanjelaan 8")[0].severity == Severity.HIGH


def test_allow_list_from_moderator_feedback() -> None:
    text = "wist je dat Jelle adhd heeft?"
    assert run_policy(text)
    assert run_policy(text, PersonalDataSettings(allow=["ADHD"])) == []


def test_categories_can_be_switched_off() -> None:
    text = "daan heeft een 3,9 voor aardrijkskunde"
    assert run_policy(text, PersonalDataSettings(categories=["phone_number"])) == []


def test_registered_and_runs_first() -> None:
    types = policy_types()
    assert types["personal_data"] is PersonalDataPolicy
    assert PersonalDataPolicy.order <= min(cls.order for cls in types.values())


@pytest.mark.parametrize(
    "text", ["", "😂😂😂", "\u200b\u200b", "a" * 1_000_000, "\ud800 broken 06-"]
)
def test_bad_input_gives_a_safe_verdict(text: str) -> None:
    assert isinstance(run_policy(text), list)


def test_default_actions() -> None:
    settings = PersonalDataSettings()
    # Someone else's data is taken out of the group and the sender is told why.
    for severity in ("medium", "high"):
        assert {"delete", "warn", "notify"} <= set(settings.actions[severity])


@pytest.mark.parametrize(
    "text",
    ["€5 overmaken", "bel 06-12345678", "٠١٢٣٤٥٦٧", "٠١٢٣٤٥٦ €", "1234567٨", "²³ 123456", "👍" * 8],
)
def test_digit_count_gate_counts_every_script(text: str) -> None:
    from policies.personal_data import _has_digits

    assert _has_digits(text, 8) == (sum(ch.isdigit() for ch in text) >= 8)


def test_ascii_digit_form_of_a_pattern() -> None:
    from policies.personal_data import _ascii_digit_pattern

    assert _ascii_digit_pattern(r"\d[\d .-]{2}\D\\d") == r"[0-9][0-9 .-]{2}\D\\d"
    assert _ascii_digit_pattern(r"[]\d]x[^]\d]") == r"[]0-9]x[^]0-9]"


def test_digit_scans_agree_on_text_with_ascii_digits_only() -> None:
    from policies import personal_data as pd

    scans = [pd._BSN, pd._PHONE_CANDIDATE, pd._IBAN_GATE, pd._POSTCODE_GATE,
             pd._suffix_space_digit(pd.lexicon().street_suffixes)]
    texts = [
        "bsn 123456782, tel 06-12345678, NL91ABNA0417164300, 1234 AB, Dorpsstraat 10, laan  3",
        "kamer 3.14 €5,00 12-05-2026 (020) 555 1234 ³ é 4321ab",
    ]
    for scan in scans:
        for text in texts:
            found = [m.span() for m in scan.ascii.finditer(text)]
            assert found == [m.span() for m in scan.unicode.finditer(text)]
    # Another script's digits: only the pattern as written sees them.
    assert pd._PHONE_CANDIDATE.unicode.search("٠٦١٢٣٤٥٦٧٨")
    assert not pd._PHONE_CANDIDATE.ascii.search("٠٦١٢٣٤٥٦٧٨")


def test_long_text_with_other_digits_keeps_the_unicode_scans() -> None:
    from policies.personal_data import ascii_digits_only

    assert ascii_digits_only("bel 0612345678")
    assert not ascii_digits_only("é 06")  # short non-ASCII: not looked into
    assert ascii_digits_only(FILLER + "oké €5")
    assert not ascii_digits_only(FILLER + "oké ٣")
