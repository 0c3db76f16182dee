# -*- coding: utf-8 -*-
# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """The connection options of plugins/module_utils/frontend/connection_spec.py, in two views.

    DOCUMENTATION is the module view (every option); PLUGINS is the plugin view (the options a
    controller plugin such as the inventory reads from its own configuration, with their environment
    variables). A unit test holds both to the spec.
    """

    # Module view: talos.linux.connection
    DOCUMENTATION = r'''
options:
  talosconfig:
    description:
      - Path of the talosconfig file to read the context from.
      - When unset, the first of these is used, in this order; E(TALOSCONFIG), C($XDG_CONFIG_HOME/talos/config.yaml) if it
        exists, C($TALOS_HOME/config) if it exists, C(~/.talos/config).
      - Not read at all when O(endpoints), O(ca), O(client_cert) and O(client_key) are all given, or with O(insecure=true)
        and no O(context).
    type: path
  context:
    description:
      - Name of the talosconfig context to use. Defaults to the file's current context.
    type: str
  endpoints:
    description:
      - Talos API endpoints to connect to, as C(host), C(host:port) or C([ipv6]:port); the default port is
        50000. Overrides the context's endpoints.
      - They are tried in order; the next one is used when one cannot be reached.
      - With O(insecure=true), the module connects to each target node directly and endpoints are only used
        when no node is given.
    type: list
    elements: str
  ca:
    description:
      - CA certificate that signed the Talos API server certificates, as PEM text or a file path.
      - Overrides the context's C(ca).
    type: str
  client_cert:
    description:
      - Client certificate, as PEM text or a file path. Its Organization values are the Talos roles
        (C(os:admin), C(os:operator), C(os:reader), ...).
      - Overrides the context's C(crt).
    type: str
  client_key:
    description:
      - Client private key, as PEM text or a file path. Talos's C(ED25519 PRIVATE KEY) PEM form is accepted.
      - Overrides the context's C(key).
    type: str
  insecure:
    description:
      - Connect without verifying the server and without a client certificate, as for a machine in
        maintenance mode (not yet configured). Only the calls Talos serves in maintenance mode work.
    type: bool
    default: false
  cert_fingerprint:
    description:
      - With O(insecure=true), the expected base64 SHA-256 fingerprint of the server's public key, as the
        node's console prints it. The connection is refused when it does not match.
    type: str
  timeout:
    description:
      - Deadline for each API call. A duration such as V(90s), V(15m) or V(1h30m), or a number of seconds.
    type: raw
    default: 30
requirements:
  - On the controller (the collection's C(requirements.txt)) - C(grpclib) >= 0.4.7, C(protobuf) >= 4.21,
    C(googleapis-common-protos) >= 1.56, C(cryptography) >= 41 and C(PyYAML) >= 6.0.
notes:
  - "Modules run on the controller and talk gRPC to the Talos API: use C(connection: local) or
    C(delegate_to: localhost)."
  - "On a host of the P(talos.linux.talosconfig#inventory) inventory, an option not set on the task comes
    from the host's variables: O(talosconfig) from C(talos_talosconfig), O(context) from C(talos_context),
    O(endpoints) from C(talos_endpoints), O(insecure) from C(talos_insecure), and the target node from
    C(talos_node). With O(insecure=true) the host's C(talos_talosconfig), C(talos_context) and
    C(talos_endpoints) are not used: they describe the cluster's mTLS access, which maintenance mode lacks."
'''

    # Plugin view: talos.linux.connection.plugins
    PLUGINS = r'''
options:
  talosconfig:
    description:
      - Path of the talosconfig file.
      - When unset, the first of these is used, in this order; E(TALOSCONFIG), C($XDG_CONFIG_HOME/talos/config.yaml) if it
        exists, C($TALOS_HOME/config) if it exists, C(~/.talos/config).
    type: path
    env:
      - name: TALOSCONFIG
'''
