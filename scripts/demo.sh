#!/usr/bin/env bash
# make demo: the main job against talos-sim - bootstrap a cluster from maintenance mode, roll an upgrade two Talos
# lines up through the Image Factory installer of a schematic made for it, enforce the config on a drifted machine,
# upgrade Kubernetes one minor up.
set -euo pipefail
cd "$(dirname "$0")/.."
state=.build/demo
cluster=$PWD/$state/cluster
export PATH="$PWD/.venv/bin:$PATH"
export ANSIBLE_COLLECTIONS_PATH="$PWD/.build/collections"
export ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0

python -m simulator down --state-dir "$state" >/dev/null 2>&1 || true
rm -rf "$state"
echo "== starting talos-sim: 3 control planes, 2 workers, in maintenance mode (Talos v1.12.4), and its Image Factory"
python -m simulator up --state-dir "$state" --controlplanes 3 --workers 2 --maintenance --subnet 127.77.0.0/24 \
  --reboot-delay 0.3 --talos-version v1.12.4
factory_url=$(python -c 'import json, sys; print(json.load(open(sys.argv[1]))["image_factory"]["url"])' "$state/cluster.json")
factory_ca=$(python -c 'import json, sys; print(json.load(open(sys.argv[1]))["image_factory"]["ca"])' "$state/cluster.json")
mkdir -p "$cluster"

# A static inventory: the machines, their groups, the cluster's inputs and one patch per level.
inventory=$state/inventory.yml
cat > "$inventory" <<YAML
all:
  vars:
    ansible_connection: local
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
    talos_talosconfig: $cluster/talosconfig
    talos_cluster_bootstrap_dir: $cluster
    talos_cluster_bootstrap_cluster_name: demo
    talos_cluster_bootstrap_talos_version: v1.12
    talos_cluster_bootstrap_kubernetes_version: 1.33.1
    talos_cluster_bootstrap_patches:
      - machine: {nodeLabels: {managed-by: ansible}, install: {disk: /dev/sda}}  # Talos 1.12 wants an install disk
    talos_cluster_bootstrap_group_patches:
      worker:
        - machine: {nodeLabels: {node-role: worker}}
  children:
    controlplane:
      hosts:
        cp-1: {talos_node: 127.77.0.10}
        cp-2: {talos_node: 127.77.0.11}
        cp-3: {talos_node: 127.77.0.12}
    worker:
      hosts:
        worker-1: {talos_node: 127.77.0.13}
        worker-2:
          talos_node: 127.77.0.14
          talos_cluster_bootstrap_host_patches:
            - machine: {nodeLabels: {disk: ssd}}
YAML

show() {  # the messages of the roles' report tasks, one per line
  python - "$1" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
for block in re.findall(r'"msg": (\[[^\]]*\]|"[^\n]*")', text):
    for line in re.findall(r'"((?:[^"\\]|\\.)*)"', block):
        print('   ', line)
print('   ', re.search(r'PLAY RECAP \*+\n((?:.+\n?)+)', text).group(1).rstrip().replace('\n', '\n    '))
PY
}
play() {  # play NAME [ARGS...]: run playbooks/NAME.yml, keep its log, show its report
  local log=$state/$1.log name=$1
  shift
  if ansible-playbook -i "$inventory" "playbooks/$name.yml" "$@" > "$log" 2>&1; then
    show "$log"
  else
    show "$log" || true
    echo "   FAILED - full output: $log"
    exit 1
  fi
}

echo
echo "== 1. bootstrap (playbooks/cluster_bootstrap.yml): secrets, configs + patches, first apply, etcd, health"
play cluster_bootstrap
echo "   again, on the bootstrapped cluster (changes nothing):"
play cluster_bootstrap

echo
echo "== 2. a workload on the cluster's Kubernetes API: Deployment web (2 replicas) + PodDisruptionBudget minAvailable 1"
python - "$cluster/kubeconfig" <<'PY'
import sys, time
from kubernetes import client, config
api = config.new_client_from_config(config_file=sys.argv[1])
labels = {'app': 'web'}
client.AppsV1Api(api).create_namespaced_deployment('default', {
    'metadata': {'name': 'web'},
    'spec': {'replicas': 2, 'selector': {'matchLabels': labels},
             'template': {'metadata': {'labels': labels}, 'spec': {'containers': [{'name': 'web', 'image': 'nginx:1.27'}]}}}})
client.PolicyV1Api(api).create_namespaced_pod_disruption_budget('default', {
    'metadata': {'name': 'web'}, 'spec': {'minAvailable': 1, 'selector': {'matchLabels': labels}}})
for _ in range(50):
    pods = client.CoreV1Api(api).list_namespaced_pod('default', label_selector='app=web').items
    if len(pods) == 2 and all(p.status.phase == 'Running' for p in pods):
        break
    time.sleep(0.2)
for pod in pods:
    print('    %s on %s: %s' % (pod.metadata.name, pod.spec.node_name, pod.status.phase))
PY

echo
echo "== 3. a schematic with an extension on the Image Factory (talos.linux.image_factory_schematic), its installer"
cat > "$state/schematic.yml" <<YAML
- name: Schematic
  hosts: localhost
  connection: local
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
    factory: {factory_url: $factory_url, ca_path: $factory_ca}
  tasks:
    - name: Create the schematic (iscsi-tools)
      talos.linux.image_factory_schematic:
        schematic: {customization: {systemExtensions: {officialExtensions: [siderolabs/iscsi-tools]}}}
        factory_url: "{{ factory.factory_url }}"
        ca_path: "{{ factory.ca_path }}"
      register: schematic
    - name: Its installer for v1.15.0
      talos.linux.image_factory_info:
        talos_version: v1.15.0
        schematic_id: "{{ schematic.id }}"
        factory_url: "{{ factory.factory_url }}"
        ca_path: "{{ factory.ca_path }}"
      register: info
    - name: Show it
      ansible.builtin.debug:
        msg: "{{ info.urls.installer }}"
YAML
ansible-playbook -i localhost, "$state/schematic.yml" > "$state/schematic.log" 2>&1 || { cat "$state/schematic.log"; exit 1; }
installer=$(sed -n 's/^ *"msg": "\(.*\)"$/\1/p' "$state/schematic.log" | tail -1)
echo "    $installer"

echo
echo "== 4. the plan (--check changes nothing): Talos 1.15 installs only on 1.13.0 or newer"
upgrade_vars=(-e "talos_rolling_upgrade_image=$installer" -e "talos_rolling_upgrade_factory_url=$factory_url"
              -e "talos_rolling_upgrade_factory_ca_path=$factory_ca")
play rolling_upgrade --check "${upgrade_vars[@]}"

echo
echo "== 5. rolling upgrade to that installer (playbooks/rolling_upgrade.yml): one node at a time, each cordoned and"
echo "      drained before its reboot (the budget keeps one web pod running), uncordoned after the health gate,"
echo "      the next node pulling its installer meanwhile"
play rolling_upgrade "${upgrade_vars[@]}"
python - "$cluster/kubeconfig" <<'PY'
import sys
from kubernetes import client, config
api = config.new_client_from_config(config_file=sys.argv[1])
for pod in client.CoreV1Api(api).list_namespaced_pod('default', label_selector='app=web').items:
    print('    now %s on %s: %s' % (pod.metadata.name, pod.spec.node_name, pod.status.phase))
PY
echo "    budget violations talos-sim recorded during the rollout: $(python -m simulator ctl --state-dir "$state" kube-violations \
  | python -c 'import json, sys; print(len(json.load(sys.stdin)["violations"]))')"

echo
echo "== 6. config enforcement (playbooks/config_enforce.yml) after someone changed worker-1 by hand"
cat > "$state/drift.yml" <<YAML
- name: Drift
  hosts: localhost
  connection: local
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
  tasks:
    - name: Label worker-1 out of band
      talos.linux.apply_config:
        talosconfig: $cluster/talosconfig
        node: 127.77.0.13
        src: $cluster/worker.yaml
        patches: [{machine: {nodeLabels: {node-role: worker, hand-made: "yes"}}}]
YAML
ansible-playbook -i localhost, "$state/drift.yml" > "$state/drift.log" 2>&1
echo "   drift report (--check):"
play config_enforce --check
echo "   enforce:"
play config_enforce

echo
echo "== 7. Kubernetes 1.33.1 -> 1.34.1 (playbooks/kubernetes_upgrade.yml): the plan (--check), then the upgrade - each"
echo "      control plane's static pods, kube-proxy, then every kubelet, one image field of a machine config at a time"
k8s_vars=(-e talos_rolling_upgrade_kubernetes_version=1.34.1)
play kubernetes_upgrade --check "${k8s_vars[@]}"
play kubernetes_upgrade "${k8s_vars[@]}"
python - "$cluster/kubeconfig" <<'PY'
import sys
from kubernetes import client, config
api = client.CoreV1Api(config.new_client_from_config(config_file=sys.argv[1]))
for node in api.list_node().items:
    print('    node %s: kubelet %s' % (node.metadata.name, node.status.node_info.kubelet_version))
images = sorted({c.image for pod in api.list_namespaced_pod('kube-system').items for c in pod.spec.containers
                 if (pod.metadata.labels or {}).get('k8s-app', '').startswith('kube-')})
print('    kube-system images: %s' % ', '.join(images))
PY
echo "   again (nothing left to do):"
play kubernetes_upgrade "${k8s_vars[@]}"
echo "   the machine configs now differ from the base configs in the image fields only (config_enforce --check);"
echo "   regenerated with kubernetes_version 1.34.1 (cluster_bootstrap again), they agree:"
play config_enforce --check
play cluster_bootstrap -e talos_cluster_bootstrap_kubernetes_version=1.34.1
play config_enforce --check

echo
echo "== the fleet now"
TALOSCONFIG=$cluster/talosconfig ansible-playbook -i localhost, playbooks/node_versions.yml 2>&1 | sed -n 's/^ *"msg": "\(.*\)"$/    \1/p'

echo
echo "Cluster files in $cluster (secrets.yaml, controlplane.yaml, worker.yaml, talosconfig, kubeconfig);"
echo "playbook logs in $state/*.log. The fleet keeps running: try"
echo "  TALOSCONFIG=$cluster/talosconfig ANSIBLE_COLLECTIONS_PATH=.build/collections .venv/bin/ansible-playbook -i localhost, playbooks/node_versions.yml"
echo "and stop it with: .venv/bin/python -m simulator down --state-dir $state"
