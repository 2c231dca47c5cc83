"""Address and scheme policy: which URLs the crawler may fetch at all (no Scrapy here).

By default only ``http``/``https`` to globally routable addresses: no private, loopback,
link-local (cloud metadata lives there), shared, reserved or multicast address. A policy may
allow private addresses outright or allow a few networks (a local test site).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

__all__ = ["ALLOWED_SCHEMES", "AddressPolicy", "UnsafeURLError"]

ALLOWED_SCHEMES = frozenset({"http", "https"})

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in ("169.254.169.254", "169.254.170.2", "fd00:ec2::254", "100.100.100.200")
)


class UnsafeURLError(ValueError):
    """A URL the policy refuses; ``kind`` is ``scheme``, ``address`` or ``url``."""

    def __init__(self, url: str, kind: str, reason: str) -> None:
        self.url = url
        self.kind = kind
        self.reason = reason
        super().__init__(f"{url}: {reason}")


def _address_class(ip: IPAddress) -> str | None:
    """Why an address is not public, or None when it is."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return _address_class(ip.ipv4_mapped)
    if ip in _METADATA_ADDRESSES:
        return "cloud-metadata"
    for name in ("loopback", "link_local", "private", "multicast", "unspecified", "reserved"):
        if getattr(ip, f"is_{name}"):
            return name.replace("_", "-")
    if not ip.is_global:
        return "non-global"
    return None


@dataclass(frozen=True)
class AddressPolicy:
    """Which addresses may be contacted."""

    allow_private: bool = False
    allowed_networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def from_strings(cls, allow_private: bool, networks: list[str]) -> AddressPolicy:
        return cls(allow_private, tuple(ipaddress.ip_network(n, strict=False) for n in networks))

    def address_refusal(self, address: str) -> str | None:
        """Why connecting to ``address`` is refused, or None when it is allowed."""
        ip = ipaddress.ip_address(address)
        kind = _address_class(ip)
        if kind is None or self.allow_private:
            return None
        if any(ip in net for net in self.allowed_networks if net.version == ip.version):
            return None
        return f"{kind} address {ip} is not allowed (safety.allow_private_addresses is off)"

    def check_url(self, url: str) -> str | None:
        """Check scheme and, for an IP literal, the address. Return the host to resolve.

        Returns None when the host is an IP literal (already checked), raises UnsafeURLError
        when the URL is refused.
        """
        try:
            parts = urlsplit(url)
            host = parts.hostname
            parts.port  # noqa: B018 - raises ValueError on a bad port
        except ValueError as exc:
            raise UnsafeURLError(url, "url", f"malformed URL: {exc}") from exc
        if parts.scheme.lower() not in ALLOWED_SCHEMES:
            raise UnsafeURLError(url, "scheme", f"scheme {parts.scheme!r} is not http or https")
        if not host:
            raise UnsafeURLError(url, "url", "no host in URL")
        try:
            ipaddress.ip_address(host)
        except ValueError:
            return host
        refusal = self.address_refusal(host)
        if refusal:
            raise UnsafeURLError(url, "address", refusal)
        return None
