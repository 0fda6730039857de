"""Property tests: generated identifiers always vanish, generated harmless numbers always stay."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum import iban as stdnum_iban
from stdnum.nl import bsn as stdnum_bsn

from pipeline.privacy import mask_text

TEMPLATES = [
    "Inwoner belde over de container, {x}, graag terugbellen.",
    "{x} is doorgegeven aan de balie voor de afspraak.",
    "Volgens de melder ({x}) ligt er al dagen afval op straat.",
    "Bezwaar ontvangen; gegevens: {x}. Zaak Z-2024-001234.",
    "Please note {x} for the follow-up call.",
]
template = st.sampled_from(TEMPLATES)


@st.composite
def valid_bsns(draw: st.DrawFn) -> str:
    """A nine-digit number that passes the 11-test."""
    head = draw(st.integers(10_000_000, 99_999_999))
    digits = str(head)
    for last in range(10):
        if stdnum_bsn.is_valid(digits + str(last)):
            return digits + str(last)
    return draw(st.just("123456782"))


def bsn_spelling(bsn: str, style: int) -> str:
    """One of the ways people write a BSN."""
    return [
        bsn,
        f"{bsn[:4]}.{bsn[4:6]}.{bsn[6:]}",
        f"{bsn[:3]} {bsn[3:6]} {bsn[6:]}",
        f"{bsn[:4]} {bsn[4:6]} {bsn[6:]}",
        f"{bsn[:8]}-{bsn[8]}",
    ][style]


@given(valid_bsns(), st.integers(0, 4), template)
def test_valid_bsn_always_removed(bsn: str, style: int, text: str) -> None:
    """A valid BSN in any common spelling never survives masking."""
    spelled = bsn_spelling(bsn, style)
    result = mask_text(text.format(x=f"BSN {spelled}"))
    assert spelled not in result.text
    assert bsn not in result.text.replace(" ", "").replace(".", "").replace("-", "")
    assert result.found.get("bsn") == 1


@st.composite
def invalid_bsns(draw: st.DrawFn) -> str:
    """A nine-digit number that fails the 11-test."""
    number = str(draw(st.integers(100_000_000, 999_999_999)))
    if stdnum_bsn.is_valid(number):
        number = number[:8] + str((int(number[8]) + 1) % 10)
    return number


@given(invalid_bsns(), template)
def test_invalid_bsn_kept(number: str, text: str) -> None:
    """A nine-digit number that fails the 11-test is left alone."""
    masked = text.format(x=f"nummer {number}")
    assert number in mask_text(masked).text


@st.composite
def nl_ibans(draw: st.DrawFn) -> str:
    """A Dutch IBAN with correct check digits."""
    bank = draw(st.sampled_from(["ABNA", "INGB", "RABO", "SNSB", "TRIO", "ASNB", "KNAB"]))
    account = "".join(str(d) for d in draw(st.lists(st.integers(0, 9), min_size=10, max_size=10)))
    bban = bank + account
    numeric = int("".join(str(int(c, 36)) for c in bban + "NL00"))
    candidate = f"NL{98 - numeric % 97:02d}{bban}"
    assert stdnum_iban.is_valid(candidate)
    return candidate


@given(nl_ibans(), st.sampled_from(["", " ", ".", "-", "\u00a0"]), st.booleans(), template)
def test_iban_always_removed(iban: str, separator: str, lower: bool, text: str) -> None:
    """A valid IBAN grouped with spaces, dots, dashes or none, in any case, never survives."""
    written = separator.join(iban[i : i + 4] for i in range(0, len(iban), 4))
    written = written.lower() if lower else written
    result = mask_text(text.format(x=f"rekening {written}"))
    assert written not in result.text
    assert result.found.get("iban") == 1


@st.composite
def phone_spellings(draw: st.DrawFn) -> tuple[str, str]:
    """A Dutch mobile or landline number in one of many spellings, with its digits."""
    if draw(st.booleans()):
        rest = str(draw(st.integers(1, 5))) + "".join(
            str(d) for d in draw(st.lists(st.integers(0, 9), min_size=7, max_size=7))
        )
        area, digits = "6", rest
    else:
        area = draw(st.sampled_from(["10", "20", "30", "40", "50", "70", "13", "15", "24", "43"]))
        digits = str(draw(st.integers(2, 9))) + "".join(
            str(d) for d in draw(st.lists(st.integers(0, 9), min_size=6, max_size=6))
        )
    styles = [
        f"0{area}-{digits}",
        f"0{area} {digits[:4]} {digits[4:]}",
        f"+31 {area} {digits[:4]} {digits[4:]}",
        f"+31(0){area}-{digits}",
        f"0031 {area} {digits}",
        f"(0{area}) {digits[:3]} {digits[3:5]} {digits[5:]}",
        f"0{area}{digits}",
        f"+31{area}{digits}",
        f"0{area}\u2013{digits}",
        f"+31\u00a0{area}\u00a0{digits[:4]}\u00a0{digits[4:]}",
        f"31{area}{digits}" if area == "6" else f"0{area}/{digits}",
    ]
    return draw(st.sampled_from(styles)), area + digits


@given(phone_spellings(), template)
def test_phone_always_removed(phone: tuple[str, str], text: str) -> None:
    """A valid Dutch phone number in any common spelling never survives masking."""
    written, _ = phone
    result = mask_text(text.format(x=f"tel {written}"))
    assert written not in result.text
    assert result.found.get("phone") == 1


@given(
    st.from_regex(r"[a-z][a-z0-9]{0,10}(\.[a-z0-9]{1,8})?(\+[a-z]{1,6})?", fullmatch=True),
    st.sampled_from(["gmail.com", "ziggo.nl", "mail.example.org", "Gemeente.NL", "kpn.nl"]),
    st.booleans(),
    template,
)
def test_email_always_removed(local: str, domain: str, upper: bool, text: str) -> None:
    """An e-mail address (with tags, subdomains, any case) never survives masking."""
    address = f"{local}@{domain}"
    address = address.upper() if upper else address
    result = mask_text(text.format(x=f"mail {address}"))
    assert address not in result.text
    assert "@" not in result.text


@st.composite
def harmless_numbers(draw: st.DrawFn) -> str:
    """Amounts, dates (also with a time), times, years and quantities that must stay readable."""
    day, month = draw(st.integers(1, 28)), draw(st.integers(1, 12))
    year = draw(st.integers(1950, 2035))
    euros, cents = draw(st.integers(1, 999_999)), draw(st.integers(0, 99))
    hour, minute = draw(st.integers(0, 23)), draw(st.integers(0, 59))
    return draw(
        st.sampled_from(
            [
                f"{day:02d}-{month:02d}-{year}",
                f"{year}-{month:02d}-{day:02d}",
                f"{day} maart {year}",
                f"€ {euros:,}".replace(",", ".") + f",{cents:02d}",
                f"EUR {euros}",
                f"{euros:,}".replace(",", ".") + " euro",
                f"{hour:02d}:{minute:02d}",
                f"{hour}.{minute:02d} uur",
                f"in {year}",
                f"{day:02d}-{month:02d}-{year} {hour:02d}:{minute:02d}",
                f"{day:02d}/{month:02d}/{year} {hour:02d}:{minute:02d}",
                f"{euros} {draw(st.sampled_from(['mg', 'ha', 'st', 'Hz', 'MW', 'ml']))}",
            ]
        )
    )


@settings(max_examples=200)
@given(harmless_numbers(), template)
def test_amounts_dates_times_kept(value: str, text: str) -> None:
    """Amounts, dates, times, years and quantities pass through masking untouched."""
    sentence = text.format(x=value)
    assert mask_text(sentence).text == sentence
