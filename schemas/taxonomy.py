"""The label set of ../shared/taxonomy.md: Dutch wire ids, descriptions in English and Dutch."""

from __future__ import annotations

from enum import StrEnum


class _Label(StrEnum):
    """A label whose value is its wire id; each member has an English and a Dutch description."""

    description_en: str
    description_nl: str

    def __new__(cls, value: str, description_en: str = "", description_nl: str = "") -> _Label:
        member = str.__new__(cls, value)
        member._value_ = value
        member.description_en = description_en
        member.description_nl = description_nl
        return member


class Perspective(_Label):
    """The four B's: from which perspective the municipality should see the interaction."""

    BURGERS_EN_BEDRIJVEN = (
        "burgers_en_bedrijven",
        "Residents and businesses as customers of products and services, one to one.",
        "Burgers en bedrijven als klant van producten en diensten.",
    )
    BUURTEN = (
        "buurten",
        "Participation in a neighbourhood: acting together around a place.",
        "Participatie in de buurt: samen iets doen rond een plek.",
    )
    BELANGHEBBENDEN = (
        "belanghebbenden",
        "Groups with an interest in a topic: communication, listening, reaching them.",
        "Groepen met een belang bij een onderwerp: communiceren, luisteren, bereiken.",
    )
    BESTUUR_EN_ORGANISATIE = (
        "bestuur_en_organisatie",
        "The council, executive and organisation itself: processes, staff, democracy.",
        "Bestuur en organisatie zelf: processen, medewerkers, democratie.",
    )


class CitizenRole(_Label):
    """The role in which the sender addresses the municipality."""

    KLANT = ("klant", "Customer of a product or service.", "Klant van een product of dienst.")
    KIEZER = ("kiezer", "Voter; part of local democracy.", "Kiezer; deel van de lokale democratie.")
    DOELGROEP = (
        "doelgroep",
        "Member of a target group the municipality addresses.",
        "Lid van een doelgroep die de gemeente aanspreekt.",
    )
    BELASTINGBETALER = (
        "belastingbetaler",
        "Taxpayer (municipal taxes, WOZ, levies).",
        "Belastingbetaler (gemeentelijke belastingen, WOZ, heffingen).",
    )
    GEBRUIKER = (
        "gebruiker",
        "User of public space, facilities or digital services.",
        "Gebruiker van openbare ruimte, voorzieningen of digitale diensten.",
    )
    PARTNER = (
        "partner",
        "An organisation or association working with the municipality.",
        "Een organisatie of vereniging die met de gemeente samenwerkt.",
    )
    VRIJWILLIGER = ("vrijwilliger", "Volunteer.", "Vrijwilliger.")
    BETROKKENE = (
        "betrokkene",
        "Someone involved or concerned, without a formal interest.",
        "Betrokkene zonder formeel belang.",
    )
    BELANGHEBBENDE = (
        "belanghebbende",
        "Stakeholder with an interest in a decision or topic.",
        "Belanghebbende bij een besluit of onderwerp.",
    )
    INITIATIEFNEMER = (
        "initiatiefnemer",
        "Initiator of an initiative of their own.",
        "Initiatiefnemer van een eigen initiatief.",
    )
    DEELNEMER = (
        "deelnemer",
        "Participant in something others organise.",
        "Deelnemer aan iets dat anderen organiseren.",
    )
    GETROFFENE = (
        "getroffene",
        "Someone affected by a disaster or crisis.",
        "Getroffene van een ramp of crisis.",
    )


class MunicipalityRole(_Label):
    """The stance that the interaction asks of the municipality."""

    LEVEREN = (
        "leveren",
        "Deliver a product or service; handle a request, complaint or case.",
        "Een product of dienst leveren; een verzoek, klacht of zaak afhandelen.",
    )
    INFORMEREN = (
        "informeren",
        "Communicate: send, listen, answer questions of interest, reach groups.",
        "Communiceren: zenden, luisteren, vragen beantwoorden, groepen bereiken.",
    )
    FACILITEREN = (
        "faciliteren",
        "Support an initiative of residents or third parties.",
        "Een initiatief van inwoners of derden ondersteunen.",
    )
    REGISSEREN = (
        "regisseren",
        "Lead: set the frame and invite others to think, decide or work along.",
        "Regisseren: het kader zetten en anderen uitnodigen mee te denken of te doen.",
    )
    DEELNEMEN = (
        "deelnemen",
        "Take part as one partner among others in an initiative that is not its own.",
        "Deelnemen als een van de partners aan een initiatief van anderen.",
    )


class Channel(StrEnum):
    """The channel through which the interaction took place (Klantcontact.kanaal)."""

    PHONE = "phone"
    COUNTER = "counter"
    WEB = "web"
    SOCIAL = "social"
    NEIGHBOURHOOD = "neighbourhood"
    EMAIL = "email"
    FIELD = "field"
