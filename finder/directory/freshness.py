"""How fresh a listing's details are: when a last-verified date is too old to trust unchecked."""

from __future__ import annotations

import datetime as dt

# Past this, a listing says "Not verified since …" where patients see it. One place, so a
# setting can replace it later.
STALE_AFTER = dt.timedelta(days=365)


def stale(verified: dt.date | None, today: dt.date | None = None) -> bool:
    """True when a last-verified date is more than STALE_AFTER ago (False when there is none:
    a listing with no date says nothing about when it was checked)."""
    if verified is None:
        return False
    return (today or dt.date.today()) - verified > STALE_AFTER
