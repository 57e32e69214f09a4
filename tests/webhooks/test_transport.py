"""The SSRF guard's address classification (``ipaddress``) and URL checks, without the network."""

from __future__ import annotations

import ipaddress

import pytest

from soapify.webhooks.transport import DestinationRefused, address_forbidden, destination_check


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.8.9.10",
        "10.0.0.1",
        "172.31.255.255",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.251",
        "239.255.255.250",
        "240.0.0.1",
        "255.255.255.255",
        "192.0.2.1",
        "198.18.0.1",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "fd12:3456::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:169.254.169.254",
        "2002:7f00:1::1",  # 6to4 around 127.0.0.1
        "2002:a9fe:a9fe::1",  # 6to4 around 169.254.169.254
        "64:ff9b::7f00:1",  # NAT64 around 127.0.0.1
        "64:ff9b::a9fe:a9fe",  # NAT64 around 169.254.169.254
    ],
)
def test_non_public_addresses_are_forbidden(address):
    assert address_forbidden(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["93.184.215.14", "1.1.1.1", "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses_are_allowed(address):
    assert not address_forbidden(ipaddress.ip_address(address))


def test_the_checked_destination_keeps_the_name_and_pins_the_address(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    destination = destination_check("http://localhost:8080/hooks/in?x=1")
    assert (destination.host, destination.address, destination.port) == ("localhost", "127.0.0.1", 8080)
    assert destination.target == "/hooks/in?x=1" and destination.host_header == "localhost:8080"
    assert destination_check("https://[::1]/h").host_header == "[::1]"


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("http://127.0.0.1/", "address_refused"),
        ("http://[::1]:8000/", "address_refused"),
        ("http://localhost/", "address_refused"),
        ("http://169.254.169.254/latest/meta-data/", "address_refused"),
        ("http://0x7f.1/", "address_refused"),
        ("gopher://93.184.215.14/", "url_invalid"),
        ("file:///etc/passwd", "url_invalid"),
        ("http:///path-only", "url_invalid"),
        ("http://[::1/", "url_invalid"),
        ("https://no-such-host.invalid/", "url_unresolvable"),
    ],
)
def test_refused_urls_name_why(url, code):
    with pytest.raises(DestinationRefused) as refused:
        destination_check(url)
    assert refused.value.code == code
