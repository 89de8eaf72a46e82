"""Shared test set-up: the network is off for every test.

Connections to this machine's loopback interface stay allowed: the servers
the tests start themselves (a Spark JVM talks to Python over 127.0.0.1) are
not the network.
"""

import ipaddress
import socket

import pytest

_connect = socket.socket.connect
_create_connection = socket.create_connection


def _is_loopback(address) -> bool:
    if not isinstance(address, tuple):  # a Unix socket path
        return True
    host = address[0]
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    def connect(self, address):
        if _is_loopback(address):
            return _connect(self, address)
        raise OSError("tests never touch the network")

    def create_connection(address, *args, **kwargs):
        if _is_loopback(address):
            return _create_connection(address, *args, **kwargs)
        raise OSError("tests never touch the network")

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "create_connection", create_connection)
