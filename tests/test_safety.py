"""The address policy: what the crawler may connect to."""

from __future__ import annotations

import pytest

from crawler.jobs.addresses import AddressPolicy, UnsafeURLError

DEFAULT = AddressPolicy()


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "::1",
        "fd00:ec2::254",
        "fe80::1",
        "0.0.0.0",
        "100.64.0.1",
        "224.0.0.1",
        "::ffff:127.0.0.1",
        "100.100.100.200",
    ],
)
def test_non_public_addresses_are_refused_by_default(address: str) -> None:
    assert DEFAULT.address_refusal(address)


def test_metadata_address_is_named() -> None:
    assert "cloud-metadata" in (DEFAULT.address_refusal("169.254.169.254") or "")


def test_public_addresses_pass() -> None:
    assert DEFAULT.address_refusal("93.184.216.34") is None
    assert DEFAULT.address_refusal("2606:4700::1111") is None


def test_allowed_networks_and_allow_private() -> None:
    policy = AddressPolicy.from_strings(False, ["127.0.0.1/32"])
    assert policy.address_refusal("127.0.0.1") is None
    assert policy.address_refusal("127.0.0.2")
    assert AddressPolicy(allow_private=True).address_refusal("10.0.0.1") is None


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("file:///etc/passwd", "scheme"),
        ("ftp://x.fr/a", "scheme"),
        ("data:text/html,hi", "scheme"),
        ("s3://bucket/key", "scheme"),
        ("http://169.254.169.254/latest", "address"),
        ("http://[::1]:8080/", "address"),
        ("http:///nohost", "url"),
        ("http://x.fr:99999/", "url"),
    ],
)
def test_check_url_refuses(url: str, kind: str) -> None:
    with pytest.raises(UnsafeURLError) as info:
        DEFAULT.check_url(url)
    assert info.value.kind == kind


def test_check_url_returns_the_host_to_resolve() -> None:
    assert DEFAULT.check_url("https://www.lemonde.fr/a?b=1") == "www.lemonde.fr"
    assert DEFAULT.check_url("http://93.184.216.34/") is None
