"""The model's one clock: months since the scenario's start, and what each month is in dates.

Mesa's `time` runs one unit a step; the changes dated to a month happen half a unit before its step.
"""

from __future__ import annotations

from hubsim.scenario import month_index

EPOCH = 1900 * 12  # the workers' clock counts months from 1900-01 (int16 columns hold it)


class Calendar:
    """Which month the model is in, and its conversions.

    `month` is the index of the month being simulated: 0 for the scenario's start month, -1
    before the first step. Every other reading derives from it:

    - `now`: the same month on the workers' clock (months since 1900-01), in which their
      birth, graduation and arrival columns are written;
    - `year`, `month_of_year`: the calendar date;
    - `event_time(m)`: the Mesa time at which what is dated to month m takes effect (programme
      switches, January budgets, the July cohort), just before month m's step runs.
    """

    def __init__(self, start: str, months: int) -> None:
        self.start = start
        self.months = months
        self.first = month_index(start) - EPOCH  # month 0 on the workers' clock
        self.month = -1

    def advance(self) -> None:
        """Move to the next month (the first call moves to month 0)."""
        self.month += 1

    @property
    def now(self) -> int:
        """The current month on the workers' clock (months since 1900-01)."""
        return self.first + self.month

    def year(self, month: int | None = None) -> int:
        """Calendar year of `month` (default: the current month)."""
        return (self.first + (self.month if month is None else month)) // 12 + 1900

    def month_of_year(self, month: int | None = None) -> int:
        """1 for January ... 12 for December, of `month` (default: the current month)."""
        return (self.first + (self.month if month is None else month)) % 12 + 1

    def index_of(self, date: str) -> int:
        """Model month index of a 'YYYY-MM' date (negative before the start)."""
        return month_index(date) - month_index(self.start)

    def year_row(self) -> int:
        """Row of the current calendar year in yearly tables (0 for the start's year)."""
        return self.year() - self.year(0)

    @property
    def years_spanned(self) -> int:
        """Calendar years the run touches, plus one spare row."""
        return (self.first % 12 + self.months) // 12 + 1

    def first_month_of_year(self, month_of_year: int, after: int = -1) -> int | None:
        """First model month after `after` that falls in `month_of_year`; None past the horizon."""
        m = after + 1
        m += (month_of_year - self.month_of_year(m)) % 12
        return m if m < self.months else None

    @staticmethod
    def event_time(month: int) -> float:
        """Mesa time of the changes dated to `month`: before its step (which runs at month + 1)."""
        return month + 0.5

    @staticmethod
    def month_at(time: float) -> int:
        """The model month whose dated changes run at Mesa time `time`."""
        return int(time - 0.5)
