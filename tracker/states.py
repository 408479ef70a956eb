"""Item states and the transitions between them (no SQLAlchemy: both paths use it)."""

from __future__ import annotations

from enum import StrEnum


class State(StrEnum):
    """Where an item stands. Stored by value ("in_progress"), shown as a label."""

    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        """The state as a table shows it: "in progress"."""
        return self.value.replace("_", " ")

    @property
    def is_open(self) -> bool:
        """Planned and in-progress items are open; done and cancelled ones are closed."""
        return self in OPEN_STATES

    def can_become(self, other: State) -> bool:
        """Whether `other` may follow this state."""
        return other in _TRANSITIONS[self]

    @classmethod
    def parse(cls, text: str) -> State:
        """Read a state as a user types it: "in progress", "in-progress", "done"."""
        wanted = text.strip().lower().replace(" ", "_").replace("-", "_")
        for state in cls:
            if state.value == wanted:
                return state
        raise ValueError(text)


OPEN_STATES = frozenset({State.PLANNED, State.IN_PROGRESS})

# Closing is possible from either open state; reopening (done/cancelled -> open) is its
# own command, so that a closed item never changes by accident.
_TRANSITIONS: dict[State, frozenset[State]] = {
    State.PLANNED: frozenset({State.IN_PROGRESS, State.DONE, State.CANCELLED}),
    State.IN_PROGRESS: frozenset({State.PLANNED, State.DONE, State.CANCELLED}),
    State.DONE: frozenset({State.PLANNED, State.IN_PROGRESS}),
    State.CANCELLED: frozenset({State.PLANNED, State.IN_PROGRESS}),
}


class Kind(StrEnum):
    """A milestone stands on its own; a task belongs to a milestone."""

    MILESTONE = "milestone"
    TASK = "task"


class EventKind(StrEnum):
    """What an event in the append-only log records."""

    CREATED = "created"
    STATE = "state"
    RESCHEDULED = "rescheduled"
    EDITED = "edited"
    NOTE = "note"
