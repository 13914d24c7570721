# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How a unit test hands a module its arguments, on every supported ansible-core.

The one place where the unit tests differ by core version: ansible-core 2.19 added
``ansible.module_utils.testing.patch_module_args`` (and its serialization profiles make the old
way fail); 2.16 to 2.18 read the arguments from ``basic._ANSIBLE_ARGS``.
"""

from __future__ import annotations

import contextlib
import json

try:
    from ansible.module_utils.testing import patch_module_args  # noqa: F401  pylint: disable=unused-import
except ImportError:  # ansible-core 2.16 to 2.18
    from unittest import mock

    from ansible.module_utils import basic
    from ansible.module_utils.common.text.converters import to_bytes

    @contextlib.contextmanager
    def patch_module_args(args):
        payload = to_bytes(json.dumps({"ANSIBLE_MODULE_ARGS": args}))
        with mock.patch.object(basic, "_ANSIBLE_ARGS", payload):
            yield


def module_output(raw):
    """The module's JSON result as the controller keeps it.

    From ansible-core 2.22 the raw result also lists the values it asks the controller to mask
    (``_ansible_new_secrets``); the controller removes that key before anything is shown.
    """
    result = json.loads(raw)
    result.pop("_ansible_new_secrets", None)
    return result
