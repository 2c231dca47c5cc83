"""The spider's requests: Scrapy's, with callbacks named cheaply when the disk queue writes them.

A crawl keeps its frontier on disk (``JOBDIR``, for ``--resume``): Scrapy's queue writes each
scheduled request as :meth:`scrapy.Request.to_dict`, which names the callback and the errback
by searching all the spider's members (``inspect.getmembers``, ~30 µs each on the news
spider's ~90 members), for every URL a sitemap lists before the first of them is fetched.
:class:`ArchiveRequest` names them from the spider's methods listed once, by the same rule:
~19 µs a request instead of ~63. Scrapy's :func:`scrapy.utils.request.request_from_dict`
reads them back.
"""

from __future__ import annotations

import inspect
from typing import Any
from weakref import WeakKeyDictionary

from scrapy import Request, Spider

__all__ = ["ArchiveRequest"]


def _method_names(spider: Spider) -> dict[Any, str]:
    """Each function bound as a method of ``spider`` -> the name Scrapy's search finds first
    (it goes through ``inspect.getmembers``, in its order)."""
    names: dict[Any, str] = {}
    for name, method in inspect.getmembers(spider, inspect.ismethod):
        names.setdefault(method.__func__, name)
    return names


_names_of: WeakKeyDictionary[Spider, dict[Any, str]] = WeakKeyDictionary()


class ArchiveRequest(Request):
    """A :class:`scrapy.Request` whose :meth:`to_dict` gives the same dictionary (with the
    class named, as for any subclass), its callbacks named without searching the spider."""

    def to_dict(self, *, spider: Spider | None = None) -> dict[str, Any]:
        if spider is None:
            return super().to_dict()
        names = _names_of.get(spider)
        if names is None:
            names = _names_of[spider] = _method_names(spider)
        named = {  # a callback that is not one of the spider's methods stays as it is
            "callback": names.get(getattr(self.callback, "__func__", None), self.callback),
            "errback": names.get(getattr(self.errback, "__func__", None), self.errback),
        }
        if any(callable(c) for c in named.values()):
            return super().to_dict(spider=spider)  # Scrapy's error, naming it
        without = self.replace(callback=None, errback=None)
        return {**super(ArchiveRequest, without).to_dict(), **named}
