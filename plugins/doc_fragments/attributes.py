# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:

    # Read-only info modules: they run unchanged in check mode and never report a change.
    DOCUMENTATION = r"""
options: {}
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: The module only reads; in check mode it makes the same read-only calls and returns the same data.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: N/A
    details: The module changes nothing.
"""

    ALICLOUD_GROUP = r"""
options: {}
attributes:
  action_group:
    description: Use C(group/headroom.cloud.alicloud) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - headroom.cloud.alicloud
"""

    HUAWEICLOUD_GROUP = r"""
options: {}
attributes:
  action_group:
    description: Use C(group/headroom.cloud.huaweicloud) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - headroom.cloud.huaweicloud
"""

    # The role's controller-side helpers: an action plugin, nothing sent to the host.
    CONTROLLER = r"""
options: {}
attributes:
  action:
    description: Indicates this has a corresponding action plugin so some parts of the options can be executed on
      the controller.
    support: full
    details: It runs on the controller only.
"""

    # What every helper of the role shares, wherever it runs.
    HELPER = r"""
options: {}
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
  platform:
    description: Target OS/families that can be operated against.
    support: N/A
    platforms: all
"""
