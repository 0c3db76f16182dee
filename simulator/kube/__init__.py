# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""talos-sim's Kubernetes: the API a bootstrapped cluster serves on its endpoint, and what runs in it.

Files. The API server knows nothing of the cluster behind it (none of its files imports a cluster file):

The API server
* ``api_types``  what is served: groups, versions, resources, kinds, short names, verbs (pure data)
* ``patches``    JSON merge and JSON patches
* ``errors``     Status errors in kube-apiserver's words
* ``selectors``  label and field selectors, LabelSelector objects
* ``watch``      what a watch sees of a change
* ``store``      objects, resourceVersions, create/update/patch/delete, change listeners, watches (no HTTP)
* ``tables``     server-side printing (meta.k8s.io Table) as kubectl get asks for it
* ``disruption`` PodDisruptionBudget status, the Eviction subresource and the budget-violation record
* ``server``     the HTTPS front: x509 authentication, authorization, routes, watch streams

The cluster behind it
* ``settings``, ``nodename``  what a machine's config and hostname say about its Kubernetes
* ``nodes``, ``pods``, ``static_pods``  Node registration and status, pod status, mirror pods
* ``workloads``, ``scheduler``, ``kubelet``, ``addons``  the controllers, the scheduler, the kubelets'
  pod lifecycle, Talos's bootstrap manifests
* ``serving``, ``front``  the endpoint's certificate, and when it listens
* ``node_drain``  machined's cordonAndDrainNode task; ``departures`` what was still on a node that went down
* ``checks``     Talos's Kubernetes health checks read from the store
* ``registry``, ``cluster``  which cluster a machine belongs to; the fleet's cluster and its reconcile loop

Written from Kubernetes's own source (kubernetes/kubernetes at the tag each file names) and from
Talos's (siderolabs/talos), never from the collection.
"""
