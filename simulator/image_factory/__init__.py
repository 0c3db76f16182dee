# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""talos-sim's Image Factory: schematics and their IDs, the catalogue of releases, extensions and overlays,
the registry of installer images, and the HTTPS API (siderolabs/image-factory @ 26b95ca)."""
