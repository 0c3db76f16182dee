# -*- coding: utf-8 -*-
# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """The options of modules that talk to an Image Factory over HTTPS."""

    DOCUMENTATION = r'''
options:
  factory_url:
    description:
      - The Image Factory's base URL. Its host (and port) is also the registry its installer images are pulled
        from.
    type: str
    default: https://factory.talos.dev
  validate_certs:
    description:
      - Verify the factory's TLS certificate. Set V(false) only for a test factory.
    type: bool
    default: true
  ca_path:
    description:
      - A PEM file of the CA certificates to trust for the factory (a private factory), instead of the system's.
    type: path
  timeout:
    description:
      - How long each HTTP request to the factory may take.
      - A duration such as V(90s), V(15m) or V(1h30m), or a number of seconds.
    type: raw
    default: 30
notes:
  - The factory is reached with Ansible's own URL helpers, so the usual proxy environment variables apply.
  - Runs on the controller only; it does not talk to any Talos machine.
'''
