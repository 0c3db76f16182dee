# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""talos-sim's apid transport as grpc-go and apid do it: routing, TLS alerts, GOAWAY, limits, headers.

The HTTP/2 details are read off the wire with a tiny client (h2 for requests, frames parsed by hand),
because grpclib hides them (and closes everything on the first GOAWAY).
"""

from __future__ import annotations

import datetime
import os
import socket
import ssl
import struct
import subprocess
import time
from typing import Any, Optional

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from grpclib.const import Status
from grpclib.exceptions import GRPCError
from h2.config import H2Configuration
from h2.connection import H2Connection
from h2.events import ResponseReceived, StreamEnded, TrailersReceived

from ansible_collections.talos.linux.plugins.module_utils._api.machine import machine_pb2
from ansible_collections.talos.linux.plugins.module_utils._api.machine.machine_grpc import MachineService
from ansible_collections.talos.linux.plugins.module_utils.client import pki
from ansible_collections.talos.linux.plugins.module_utils.client.tls import client_context
from ansible_collections.talos.linux.tests.integration.simulator.conftest import PORT, rpc, run_sim, start_sim_fleet

GRACE = 3.0
GOAWAY, PING, HEADERS = 7, 6, 1
GOAWAY_PING = bytes([1, 6, 1, 8, 0, 3, 3, 9])


@pytest.fixture(scope='module')
def fleet(tmp_path_factory):
    state_dir = str(tmp_path_factory.mktemp('sim'))
    sim = start_sim_fleet(state_dir, '--controlplanes', '1', '--workers', '1', '--grace-period', str(GRACE))
    try:
        yield sim
    finally:
        run_sim('down', '--state-dir', state_dir)


def grpc_error(*args: Any, **kwargs: Any) -> GRPCError:
    with pytest.raises(GRPCError) as info:
        rpc(*args, **kwargs)
    return info.value


def wait_running(fleet, address: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            rpc(address, fleet.tls(), MachineService.Version)
            return
        except (OSError, GRPCError, ssl.SSLError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


# -- routing ----------------------------------------------------------------------------------------


def test_node_naming_the_endpoint_itself_is_still_proxied(fleet):
    cp = fleet.address('talos-cp-1')
    for node in (cp, 'talos-cp-1'):
        reply = rpc(cp, fleet.tls(), MachineService.Hostname, metadata=[('node', node)])
        assert reply[0].messages[0].hostname == 'talos-cp-1'
    with open(os.path.join(fleet.state_dir, 'sim.log'), encoding='utf-8') as f:
        log = f.read()
    # The endpoint forwarded both calls to itself (a second, impersonating connection), not served them.
    assert 'talos-cp-1: /machine.MachineService/Hostname -> node %s (%s)' % (cp, cp) in log
    assert 'talos-cp-1: /machine.MachineService/Hostname -> node talos-cp-1 (%s)' % cp in log


@pytest.mark.parametrize('node', ['10.0.0.1:50000', '[::1]:50000', 'talos-worker-1:50000'])
def test_node_with_a_port_is_an_invalid_target(fleet, node):
    err = grpc_error(fleet.address('talos-cp-1'), fleet.tls(), MachineService.Version, metadata=[('node', node)])
    assert (err.status, err.message) == (Status.INTERNAL, 'invalid target "%s"' % node)


def test_bracketed_ipv6_without_port_is_dialed(fleet):
    err = grpc_error(fleet.address('talos-cp-1'), fleet.tls(), MachineService.Version, metadata=[('node', '[::1]')])
    assert err.status == Status.UNAVAILABLE
    assert 'dial tcp [::1]:50000: connect: connection refused' in err.message


# -- client certificates: a TLS alert, as Go sends -----------------------------------------------


def _os_ca(fleet) -> tuple[Any, Any, bytes]:
    secrets = os.path.join(fleet.state_dir, 'secrets')
    with open(os.path.join(secrets, 'os-ca.crt'), 'rb') as f:
        crt = f.read()
    with open(os.path.join(secrets, 'os-ca.key'), 'rb') as f:
        key = pki.load_private_key(f.read())  # Talos's "ED25519 PRIVATE KEY" PEM
    return x509.load_pem_x509_certificate(crt), key, crt


def _client_cert(issuer, issuer_key, usages: Optional[list], expired: bool = False) -> tuple[bytes, bytes]:
    key = ed25519.Ed25519PrivateKey.generate()
    now = datetime.datetime.now(datetime.timezone.utc)
    start, end = (now - datetime.timedelta(days=2), now - datetime.timedelta(days=1)) if expired else \
        (now - datetime.timedelta(minutes=5), now + datetime.timedelta(days=1))
    builder = (x509.CertificateBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, 'os:admin')]))
               .issuer_name(issuer.subject).public_key(key.public_key())
               .serial_number(x509.random_serial_number()).not_valid_before(start).not_valid_after(end))
    if usages:
        builder = builder.add_extension(x509.ExtendedKeyUsage(usages), critical=False)
    cert = builder.sign(issuer_key, None)
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def _other_ca():
    # Same subject as every Talos OS CA (O=talos), another key.
    key = ed25519.Ed25519PrivateKey.generate()
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, 'talos')])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True).sign(key, None))
    return cert, key


def _handshake_then_read(address: str, ctx: ssl.SSLContext) -> bytes:
    """TLS 1.3: the client's handshake ends before the server has checked its certificate; the verdict
    comes with the first read."""
    with socket.create_connection((address, PORT), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname=address) as tls:
            return tls.recv(9)


CLIENT = [ExtendedKeyUsageOID.CLIENT_AUTH]


@pytest.mark.parametrize('case,alert', [
    ('none', 'TLSV13_ALERT_CERTIFICATE_REQUIRED'),
    ('other-ca', 'TLSV1_ALERT_UNKNOWN_CA'),
    ('expired', 'SSLV3_ALERT_CERTIFICATE_EXPIRED'),
    ('server-auth-only', 'SSLV3_ALERT_BAD_CERTIFICATE'),
    ('no-ext-key-usage', 'SSLV3_ALERT_BAD_CERTIFICATE'),
    ('server-and-client-auth', 'SSLV3_ALERT_BAD_CERTIFICATE'),
])
def test_rejected_client_certificate_gets_a_tls_alert(fleet, case, alert):
    ca, ca_key, ca_pem = _os_ca(fleet)
    if case == 'other-ca':
        crt, key = _client_cert(*_other_ca(), CLIENT)
    else:
        usages = {'expired': CLIENT, 'server-auth-only': [ExtendedKeyUsageOID.SERVER_AUTH], 'no-ext-key-usage': None,
                  'server-and-client-auth': [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]}
        crt, key = _client_cert(ca, ca_key, usages.get(case), expired=case == 'expired')
    ctx = client_context(ca_pem, None if case == 'none' else crt, None if case == 'none' else key)
    with pytest.raises(ssl.SSLError) as info:
        _handshake_then_read(fleet.address('talos-cp-1'), ctx)
    assert info.value.reason == alert
    # The right certificate gets HTTP/2 (the server's SETTINGS frame), so the test can fail.
    good = client_context(ca_pem, *_client_cert(ca, ca_key, CLIENT))
    assert _handshake_then_read(fleet.address('talos-cp-1'), good)[3] == 4


def test_openssl_s_client_sees_the_alert(fleet):
    address = fleet.address('talos-cp-1')
    proc = subprocess.run(['openssl', 's_client', '-connect', '%s:%d' % (address, PORT), '-tls1_3', '-quiet',
                           '-CAfile', os.path.join(fleet.state_dir, 'secrets', 'os-ca.crt')],
                          input=b'', capture_output=True, timeout=30, check=False)
    assert b'alert certificate required' in proc.stderr, proc.stderr


# -- gRPC details of grpc-go --------------------------------------------------------------------


class RawH2:
    """HTTP/2 over the fleet's mTLS: h2 builds requests; frames are read by hand so GOAWAY is seen as is."""

    def __init__(self, fleet, address: str, raw: Optional[socket.socket] = None) -> None:
        raw = raw or socket.create_connection((address, PORT), timeout=10)
        self.sock = fleet.tls().wrap_socket(raw, server_hostname=address)
        self.h2 = H2Connection(H2Configuration(client_side=True, header_encoding='utf-8'))
        self.h2.initiate_connection()
        self.address = address
        self.buffer = b''
        self.frames: list[tuple[int, int, int, bytes]] = []  # type, flags, stream, payload
        self.events: list[Any] = []
        self.flush()

    def flush(self) -> None:
        self.sock.sendall(self.h2.data_to_send())

    def call(self, path: str, message: Optional[bytes], content_type: str = 'application/grpc') -> int:
        """Open a call and send its request; None sends the headers only (the server waits for the message)."""
        stream_id = self.h2.get_next_available_stream_id()
        self.h2.send_headers(stream_id, [(':method', 'POST'), (':scheme', 'https'), (':path', path),
                                         (':authority', '%s:%d' % (self.address, PORT)),
                                         ('content-type', content_type), ('te', 'trailers')])
        if message is None:
            self.flush()
        else:
            self.send(stream_id, message)
        return stream_id

    def send(self, stream_id: int, message: bytes, end: bool = True) -> None:
        self.h2.send_data(stream_id, struct.pack('>?I', False, len(message)) + message, end_stream=end)
        self.flush()

    def read_frame(self) -> Optional[tuple[int, int, int, bytes]]:
        """One frame, or None at the end of the connection. GOAWAYs and grpc-go's drain PING stay away from h2
        (h2 would close its side on GOAWAY); everything else goes through it."""
        while len(self.buffer) < 9 or len(self.buffer) < 9 + int.from_bytes(self.buffer[:3], 'big'):
            try:
                data = self.sock.recv(65536)
            except (ConnectionError, ssl.SSLError):
                data = b''
            if not data:
                return None
            self.buffer += data
        length = int.from_bytes(self.buffer[:3], 'big')
        raw, self.buffer = self.buffer[:9 + length], self.buffer[9 + length:]
        frame = (raw[3], raw[4], int.from_bytes(raw[5:9], 'big') & 0x7fffffff, raw[9:])
        self.frames.append(frame)
        if frame[0] == GOAWAY or (frame[0] == PING and frame[3] == GOAWAY_PING):
            return frame
        self.events.extend(self.h2.receive_data(raw))
        self.flush()
        return frame

    def until(self, predicate, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            assert time.monotonic() < deadline, 'timed out; frames: %r' % [f[:3] for f in self.frames]
            assert self.read_frame() is not None, 'connection closed; frames: %r' % [f[:3] for f in self.frames]

    def headers(self, stream_id: int) -> dict[str, str]:
        """Response headers and trailers of a call, merged."""
        merged: dict[str, str] = {}
        for event in self.events:
            if isinstance(event, (ResponseReceived, TrailersReceived)) and event.stream_id == stream_id:
                merged.update(event.headers)
        return merged

    def ended(self, stream_id: int) -> bool:
        return any(isinstance(e, StreamEnded) and e.stream_id == stream_id for e in self.events)

    def close(self) -> None:
        self.sock.close()


@pytest.mark.parametrize('sent,answered', [('application/grpc', 'application/grpc'),
                                           ('application/grpc+proto', 'application/grpc+proto')])
def test_response_content_type_mirrors_the_request_like_grpc_go(fleet, sent, answered):
    client = RawH2(fleet, fleet.address('talos-cp-1'))
    try:
        ok = client.call('/machine.MachineService/Version', b'', sent)
        failing = client.call('/machine.MachineService/Containers', b'', sent)  # trailers-only UNIMPLEMENTED
        client.until(lambda: client.ended(ok) and client.ended(failing))
        assert client.headers(ok)['content-type'] == answered
        assert client.headers(failing)['content-type'] == answered
        assert client.headers(failing)['grpc-status'] == str(Status.UNIMPLEMENTED.value)
    finally:
        client.close()


def test_no_limit_on_concurrent_calls_like_grpc_go(fleet):
    # apid's grpc-go server takes no MaxConcurrentStreams: a client may run more calls at once than h2's default
    # of 100 (a fan-out over one endpoint), and every one is answered.
    client = RawH2(fleet, fleet.address('talos-cp-1'))
    try:
        first = client.call('/machine.MachineService/Version', b'')
        client.until(lambda: client.ended(first))
        assert client.h2.remote_settings.max_concurrent_streams == 2 ** 32 - 1
        calls = [client.call('/machine.MachineService/Version', b'', 'application/grpc') for _call in range(150)]
        client.until(lambda: all(client.ended(stream_id) for stream_id in calls))
        assert {client.headers(stream_id)['grpc-status'] for stream_id in calls} == {'0'}
    finally:
        client.close()


@pytest.mark.parametrize('node', [None, 'talos-worker-1'])
def test_request_over_32_mib_is_resource_exhausted(fleet, node):
    request = machine_pb2.ReadRequest(path='x' * (32 * 1024 * 1024))
    size = len(request.SerializeToString())
    err = grpc_error(fleet.address('talos-cp-1'), fleet.tls(), MachineService.Read, request,
                     [('node', node)] if node else None)
    assert (err.status, err.message) == (Status.RESOURCE_EXHAUSTED,
                                         'grpc: received message larger than max (%d vs. 33554432)' % size)


# -- stops ----------------------------------------------------------------------------------------


def _events(client: RawH2) -> int:
    stream_id = client.call('/machine.MachineService/Events', machine_pb2.EventsRequest().SerializeToString())
    client.until(lambda: any(f[0] == 0 and f[2] == stream_id for f in client.frames))  # first event arrived
    return stream_id


def test_reboot_drains_connections_like_grpc_go_graceful_stop(fleet):
    worker = fleet.address('talos-worker-1')
    client = RawH2(fleet, worker)
    try:
        events = _events(client)
        # A call still waiting for its request message when the machine goes down: it must be able to finish.
        pending = client.call('/machine.MachineService/Hostname', None)
        rpc(worker, fleet.tls(), MachineService.Reboot, machine_pb2.RebootRequest())
        client.until(lambda: any(f[0] == GOAWAY for f in client.frames))
        goaway_at = time.monotonic()
        first = next(f for f in client.frames if f[0] == GOAWAY)
        last_id, code = struct.unpack('>II', first[3][:8])
        assert (last_id, code, first[3][8:]) == (2 ** 31 - 1, 0, b'graceful_stop')
        client.until(lambda: any(f[0] == PING and f[3] == GOAWAY_PING for f in client.frames))
        client.sock.sendall(struct.pack('>I', 8)[1:] + bytes([PING, 1]) + b'\0\0\0\0' + GOAWAY_PING)  # ack
        client.until(lambda: len([f for f in client.frames if f[0] == GOAWAY]) == 2)
        second = [f for f in client.frames if f[0] == GOAWAY][1]
        assert struct.unpack('>II', second[3][:8]) == (pending, 0)
        # In flight when the machine went down: finishes normally.
        client.send(pending, b'')
        client.until(lambda: client.ended(pending))
        assert client.headers(pending)['grpc-status'] == '0'
        # A new call on the drained connection is ignored (grpc-go: no reply at all).
        ignored = client.call('/machine.MachineService/Version', b'')
        # The never-ending Events stream holds the connection until the grace period, then it is cut.
        while client.read_frame() is not None:
            pass
        assert GRACE - 1.0 < time.monotonic() - goaway_at < GRACE + 3.0
        assert not client.headers(ignored)
        assert not client.ended(events)
    finally:
        client.close()
    wait_running(fleet, worker)


def test_ctl_stop_still_cuts_connections_without_goaway(fleet):
    worker = fleet.address('talos-worker-1')
    wait_running(fleet, worker)
    client = RawH2(fleet, worker)
    try:
        _events(client)
        started = time.monotonic()
        fleet.ctl('stop', 'talos-worker-1')
        while client.read_frame() is not None:
            pass
        assert time.monotonic() - started < GRACE
        assert not any(f[0] == GOAWAY for f in client.frames)
    finally:
        client.close()
        fleet.ctl('start', 'talos-worker-1')


def test_connection_accepted_before_a_stop_is_closed_after_it(fleet):
    """A client whose TCP connection was accepted just before the machine went down must not be served by it
    (grpc-go's Server.handleRawConn closes raw connections of a stopped server): it would read the next boot's
    state from a machine that is down."""
    worker = fleet.address('talos-worker-1')
    wait_running(fleet, worker)
    raw = socket.create_connection((worker, PORT), timeout=10)
    try:
        time.sleep(0.5)  # accepted; the TLS handshake waits for our ClientHello
        fleet.ctl('stop', 'talos-worker-1')
        answered = None
        try:
            client = RawH2(fleet, worker, raw)
            stream_id = client.call('/machine.MachineService/Version', b'')
            while client.read_frame() is not None and not client.ended(stream_id):
                pass
            answered = client.headers(stream_id)
        except (ConnectionError, ssl.SSLError, OSError):
            pass
        assert not answered, 'a stopped machine answered: %r' % answered
    finally:
        raw.close()
        fleet.ctl('start', 'talos-worker-1')
