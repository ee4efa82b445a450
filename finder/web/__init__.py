"""What browsers and API clients see: public pages, the API, the map, the admin."""
