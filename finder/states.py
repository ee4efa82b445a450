"""US states: codes and names, and the shipped outlines for point-in-state checks."""

from __future__ import annotations

STATES: dict[str, str] = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
    "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia",
    "FL": "Florida", "GA": "Georgia", "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois",
    "IN": "Indiana", "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana",
    "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan",
    "MN": "Minnesota", "MS": "Mississippi", "MO": "Missouri", "MT": "Montana",
    "NE": "Nebraska", "NV": "Nevada", "NH": "New Hampshire", "NJ": "New Jersey",
    "NM": "New Mexico", "NY": "New York", "NC": "North Carolina", "ND": "North Dakota",
    "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon", "PA": "Pennsylvania", "RI": "Rhode Island",
    "SC": "South Carolina", "SD": "South Dakota", "TN": "Tennessee", "TX": "Texas",
    "UT": "Utah", "VT": "Vermont", "VA": "Virginia", "WA": "Washington",
    "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming", "PR": "Puerto Rico",
    "GU": "Guam", "VI": "U.S. Virgin Islands", "AS": "American Samoa",
    "MP": "Northern Mariana Islands",
}
_BY_NAME = {name.lower(): code for code, name in STATES.items()}
_BY_NAME.update({"d.c.": "DC", "dc": "DC", "washington dc": "DC", "washington d.c.": "DC"})


def state_code(text: str) -> str | None:
    """The 2-letter code for a state code or name, any case or spacing; None if unknown."""
    key = " ".join(text.split()).lower()
    if key.upper() in STATES:
        return key.upper()
    return _BY_NAME.get(key)


def in_state(lat: float, lon: float, code: str, buffer_miles: float = 10.0) -> bool | None:
    """Whether a point lies in a state's outline (placeholder until the outlines ship)."""
    return None
