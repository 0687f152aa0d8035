"""Repositories: every query the core needs, one class per aggregate, over one session.

They hold no business rules; the unit of work (`storage.uow`) gives the core one of each over
a single transaction.
"""

from storage.repositories.avoid import AvoidRepository
from storage.repositories.care import CareRepository
from storage.repositories.deliveries import DeliveryRepository
from storage.repositories.insights import InsightsRepository
from storage.repositories.people import MemberRepository, WorkspaceRepository, user_hash
from storage.repositories.programs import ProgramRepository
from storage.repositories.rounds import RoundRepository
from storage.repositories.signin import SignInRepository
from storage.repositories.thanks import ThanksRepository

__all__ = [
    "AvoidRepository",
    "CareRepository",
    "DeliveryRepository",
    "InsightsRepository",
    "MemberRepository",
    "ProgramRepository",
    "RoundRepository",
    "SignInRepository",
    "ThanksRepository",
    "WorkspaceRepository",
    "user_hash",
]
