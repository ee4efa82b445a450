"""Where a patient or a listing is: geocoders, ZIP and city tables, state outlines."""
