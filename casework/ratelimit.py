"""Fixed-window rate limits for the public forms (complaints, mediation applications, tracking), kept in the
Django cache. Values (IPs, phone numbers) are stored only as keyed hashes: phone numbers are PII."""

from django.conf import settings
from django.core.cache import cache
from django.utils.crypto import salted_hmac


def setting_limit(name, default):
    """``(count, seconds)`` from settings ``name``, else ``default``."""
    count, seconds = getattr(settings, name, default)
    return int(count), int(seconds)


def counter_key(kind, value):
    return "casework:rl:%s:%s" % (kind, salted_hmac("casework.public.ratelimit", str(value)).hexdigest()[:32])


def is_over(kind, value, limit):
    """True when ``value`` already used up ``limit`` for ``kind`` (an empty value is never limited)."""
    count, _seconds = limit
    return bool(value) and (cache.get(counter_key(kind, value)) or 0) >= count


def count(kind, value, limit):
    """Count one use of ``value`` for ``kind``; the window starts with the first use."""
    if not value:
        return
    key, seconds = counter_key(kind, value), limit[1]
    cache.add(key, 0, timeout=seconds)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=seconds)
