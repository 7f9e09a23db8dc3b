"""Finding a service by the words a visitor types: 'ktp', 'paspor', 'akta lahir'.

No Qt here. The index is built from the config (service names in both
languages, keywords, the agency's names), so a search works in either language
whatever language the kiosk shows.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from kiosk.config import Config

_WORD_RE = re.compile(r"[a-z0-9]+")


def words(text: str) -> list[str]:
    """Lower-case ASCII words: 'KTP-el (Baru)' -> ['ktp', 'el', 'baru']."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return _WORD_RE.findall(plain)


def initials(name: str) -> str:
    """'Kartu Keluarga (baru, hilang)' -> 'kk': what people call a document ('' for one word)."""
    head = words(name.split("(")[0])
    return "".join(word[0] for word in head) if len(head) >= 2 else ""


@dataclass(frozen=True)
class _Entry:
    service_id: str
    order: int
    keywords: frozenset[str]
    name_words: tuple[str, ...]
    other_words: tuple[str, ...]  # agency names


class ServiceSearch:
    def __init__(self, config: Config):
        agencies = config.agency_by_id
        self._entries = []
        for order, service in enumerate(config.services):
            agency = agencies.get(service.agency)
            keywords = frozenset(w for k in service.keywords for w in words(k)) | {
                initials(service.name.id), initials(service.name.en)} - {""}
            name_words = tuple(words(service.name.id) + words(service.name.en))
            other = tuple(words(agency.short_name) + words(agency.name)) if agency else ()
            self._entries.append(_Entry(service.id, order, keywords, name_words, other))

    def find(self, query: str, limit: int = 24) -> list[str]:
        """Service ids matching every word of the query (each as a word prefix), best first.

        Best: a keyword equal to a query word, then a service-name word starting
        with it, then an agency word; ties keep the config's order.
        """
        wanted = words(query)
        if not wanted:
            return []
        scored = []
        for entry in self._entries:
            score = 0
            for word in wanted:
                if word in entry.keywords:
                    score += 3
                elif any(k.startswith(word) for k in entry.keywords):
                    score += 2
                elif any(n.startswith(word) for n in entry.name_words):
                    score += 2
                elif any(o.startswith(word) for o in entry.other_words):
                    score += 1
                else:
                    break
            else:
                scored.append((-score, entry.order, entry.service_id))
        scored.sort()
        return [service_id for _score, _order, service_id in scored[:limit]]
