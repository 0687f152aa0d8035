"""Matching: who meets whom in a round, and why."""

from bot.matching.types import Candidate, History, MatchedGroup, MatchResult, Reason, Weights

__all__ = ["Candidate", "History", "MatchResult", "MatchedGroup", "Reason", "Weights"]
