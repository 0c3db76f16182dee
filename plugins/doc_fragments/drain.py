# -*- coding: utf-8 -*-
# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """The options of modules that cordon and drain a Kubernetes node: how to reach Kubernetes and what to evict."""

    DOCUMENTATION = r'''
options:
  drain_timeout:
    description:
      - How long the evictions may take, from the first eviction until every evicted pod is gone (talosctl's
        C(--drain-timeout), 5 minutes by default). A pod whose PodDisruptionBudget refuses its eviction is retried
        every 5 seconds until then.
      - A duration such as V(90s), V(15m) or V(1h30m), or a number of seconds.
      - When it passes, the task fails naming each pod still on the node and why; the node stays cordoned.
    type: raw
    default: 300
  delete_emptydir_data:
    description:
      - Evict pods with C(emptyDir) volumes, whose data is lost (kubectl's C(--delete-emptydir-data)).
      - Stricter than talosctl, which always deletes that data - by default such pods stop the drain before
        anything is cordoned or evicted, and the task fails naming them.
    type: bool
    default: false
  kubeconfig:
    description:
      - The kubeconfig to reach Kubernetes with, as a path on the controller or as the kubeconfig itself (YAML or
        JSON); its current context is used.
      - Without it, the cluster's admin kubeconfig is fetched through the Talos API from the connection's endpoint
        (a control plane), as talosctl does; that needs the role C(os:admin).
    type: str
requirements:
  - The Python library C(kubernetes) on the controller when the node is drained, cordoned or uncordoned.
notes:
  - Which pods are evicted follows C(kubectl drain) with the settings talosctl uses - DaemonSet pods and mirror
    pods (static pods) are skipped and reported in C(drain.skipped) with the reason; pods that no controller
    declares are evicted too (talosctl drains with C(--force)) and also reported in C(drain.unmanaged), since
    nothing recreates them; finished pods are evicted (the API server deletes them without asking their budget).
  - The Kubernetes node name is read from the node itself (Talos's C(Nodename) resource), as talosctl does.
'''

    UNCORDON = r'''
options:
  uncordon:
    description:
      - After a drain, once the node is back (O(wait)) and its Kubernetes node is Ready (within O(wait_timeout)),
        make it schedulable again, as talosctl does.
      - Until then, a Kubernetes API that does not answer (refused connections, or a 429, 500, 502, 503 or 504
        status, as while a control plane's kube-apiserver comes back after its reboot) is asked again; other errors
        fail the task at once.
      - A node cordoned before the task by someone else is left cordoned (C(drain.note) says so), and so is a node
        not waited for (O(wait=false)). A cordon of this collection carries the annotation
        C(ansible.talos.linux/cordoned), so a node an earlier task cordoned and could not uncordon (it failed) is
        uncordoned by the next one.
    type: bool
    default: true
'''
