"""Logs keep no patient's query: the one filter that strips query strings from log lines."""

from __future__ import annotations

import logging
import re

# From the "?" to the end of the path: up to " HTTP/1.1" in a request line, else to the end.
# Not `\?\S*`: a raw non-ASCII space (U+00A0 sent unencoded) would end the match early and
# keep the rest of the query in the log.
_QUERY = re.compile(r"\?.*?(?= HTTP/\d(?:\.\d)?$|$)", re.DOTALL)


def without_query(text: str) -> str:
    """The text with any URL query string cut out."""
    return _QUERY.sub("", text) if "?" in text else text


class DropQueryString(logging.Filter):
    """Strip query strings from a log record: they hold a patient's ZIP code or city."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = without_query(record.msg)
        if isinstance(record.args, tuple) and record.args:
            record.args = tuple(without_query(a) if isinstance(a, str) else a for a in record.args)
        return True


def keep_queries_out(*names: str) -> None:
    """Add the filter to the named loggers (once each)."""
    for name in names:
        log = logging.getLogger(name)
        if not any(isinstance(f, DropQueryString) for f in log.filters):
            log.addFilter(DropQueryString())
