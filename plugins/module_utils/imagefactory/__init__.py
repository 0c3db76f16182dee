# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Image Factory: schematics, their IDs, the factory's HTTP API and the names of its artifacts. Private layer."""
