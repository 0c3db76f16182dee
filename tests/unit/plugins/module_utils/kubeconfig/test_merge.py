# Copyright: (c) 2026, talos.linux contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import base64
import datetime

from ansible_collections.talos.linux.plugins.module_utils.client import pki
from ansible_collections.talos.linux.plugins.module_utils.kubeconfig.merge import merge

DAY = datetime.timedelta(days=1)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def talos_kubeconfig(ca, server='https://10.5.0.2:6443', lifetime=365 * DAY, name='prod'):
    admin = pki.issue_certificate(ca, common_name='admin', organizations=['system:masters'], client=True,
                                  lifetime=lifetime)
    user = 'admin@%s' % name
    return {
        'apiVersion': 'v1', 'kind': 'Config',
        'clusters': [{'name': name, 'cluster': {'server': server, 'certificate-authority-data': _b64(ca.crt)}}],
        'users': [{'name': user, 'user': {'client-certificate-data': _b64(admin.crt),
                                          'client-key-data': _b64(admin.key)}}],
        'contexts': [{'name': user, 'context': {'cluster': name, 'namespace': 'default', 'user': user}}],
        'current-context': user,
    }


def names(config, section):
    return [entry['name'] for entry in config[section]]


def test_into_nothing_takes_everything_as_is():
    new = talos_kubeconfig(pki.generate_ca('kubernetes', algorithm='ecdsa'))
    result = merge(None, new)
    assert result.changed and result.context == 'admin@prod' and result.renames == []
    assert result.config['current-context'] == 'admin@prod'


def test_same_cluster_with_good_certificate_is_unchanged():
    ca = pki.generate_ca('kubernetes', algorithm='ecdsa')
    first = merge(None, talos_kubeconfig(ca)).config
    again = merge(first, talos_kubeconfig(ca))
    assert not again.changed and again.config == first


def test_expiring_certificate_is_replaced_in_place():
    ca = pki.generate_ca('kubernetes', algorithm='ecdsa')
    first = merge(None, talos_kubeconfig(ca, lifetime=10 * DAY)).config
    fresh = talos_kubeconfig(ca)
    result = merge(first, fresh, renew_before=30 * DAY)
    assert result.changed and result.renames == []
    assert names(result.config, 'users') == ['admin@prod']
    assert result.config['users'][0]['user'] == fresh['users'][0]['user']


def test_other_cluster_with_same_names_is_renamed_and_kept():
    other = merge(None, talos_kubeconfig(pki.generate_ca('kubernetes', algorithm='ecdsa'), 'https://1.1.1.1')).config
    result = merge(other, talos_kubeconfig(pki.generate_ca('kubernetes', algorithm='ecdsa')))
    assert names(result.config, 'clusters') == ['prod', 'prod-1']
    assert names(result.config, 'users') == ['admin@prod', 'admin@prod-1']
    assert result.context == 'admin@prod-1' and result.config['current-context'] == 'admin@prod-1'
    assert result.config['contexts'][1]['context'] == {'cluster': 'prod-1', 'namespace': 'default',
                                                       'user': 'admin@prod-1'}
    assert result.config['clusters'][0] == other['clusters'][0]


def test_force_overwrites_and_context_name_is_used():
    other = merge(None, talos_kubeconfig(pki.generate_ca('kubernetes', algorithm='ecdsa'), 'https://1.1.1.1')).config
    new = talos_kubeconfig(pki.generate_ca('kubernetes', algorithm='ecdsa'))
    result = merge(other, new, force=True, context_name='production')
    assert names(result.config, 'clusters') == ['prod'] and result.renames == []
    assert result.config['clusters'][0]['cluster']['server'] == 'https://10.5.0.2:6443'
    assert result.context == 'production' and 'production' in names(result.config, 'contexts')
