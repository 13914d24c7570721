# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Local cloud emulator of Alibaba Cloud KMS and Huawei Cloud IAM/TaurusDB; contract: ../SPEC.md.

Standard library only; it never imports the collection nor a cloud SDK, so that a mistake shared
with the collection cannot hide. One module per concern: common, signing, faults, alibaba, huawei,
server.
"""
from .server import Emulator, main, start_emulator

__all__ = ["Emulator", "main", "start_emulator"]
