"""The wire formats of samenspel: raw events, the unified interaction, dead letters, statistics.

Imports nothing but pydantic, so that a consumer can depend on this package alone.
"""

from schemas.deadletter import DeadLetter, Stage
from schemas.interaction import SCHEMA_VERSION, Interaction, Location, Tags, interaction_id
from schemas.offsets import ConnectOffset
from schemas.raw import RawEvent, RawLocation
from schemas.stats import StatsRecord
from schemas.taxonomy import Channel, CitizenRole, MunicipalityRole, Perspective

__all__ = [
    "SCHEMA_VERSION",
    "Channel",
    "CitizenRole",
    "ConnectOffset",
    "DeadLetter",
    "Interaction",
    "Location",
    "MunicipalityRole",
    "Perspective",
    "RawEvent",
    "RawLocation",
    "Stage",
    "StatsRecord",
    "Tags",
    "interaction_id",
]
