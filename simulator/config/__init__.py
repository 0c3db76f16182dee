# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Machine configuration as machined handles it: load, validate, diff, "applies without a reboot", generate.

Written from Talos's ``pkg/machinery/config`` and ``internal/app/machined``; nothing here comes from the
collection, so a wrong rule on either side makes a test fail."""
