# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How talos-sim's registries name one image, whatever it holds (an installer, a Kubernetes component).

A tagged reference ``repository:tag`` resolves to a digest; a pull answers the name pinned to that digest,
``repository@sha256:...`` (internal/app/images/images.go:Pull @ v1.14.0-rc.1). The digests are talos-sim's own:
the sha256 of the tagged reference, stable per reference as a registry's digest is for a pushed tag.
"""

from __future__ import annotations

import hashlib
import re

PINNED = re.compile(r'^(?P<repository>[^@]+)@sha256:[0-9a-f]{64}$')


def repository(reference: str) -> str:
    """The repository of a tagged reference."""
    return reference.rsplit(':', 1)[0]


def digest(reference: str) -> str:
    return 'sha256:' + hashlib.sha256(reference.encode()).hexdigest()


def pinned(reference: str) -> str:
    """The name a pull of ``reference`` answers: its repository pinned to its digest."""
    return '%s@%s' % (repository(reference), digest(reference))
