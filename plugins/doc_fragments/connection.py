# Copyright: headroom.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:

    # How to reach a service and how hard to try; the same names and meanings for every vendor.
    DOCUMENTATION = r"""
options:
  ca_bundle:
    description:
      - Path to a PEM file of CA certificates to trust instead of the system's, for an endpoint behind a private CA.
    type: path
  connect_timeout:
    description:
      - Seconds to wait for a TCP and TLS connection before giving up.
    type: float
    default: 5
  read_timeout:
    description:
      - Seconds to wait for a reply once connected.
    type: float
    default: 10
  retries:
    description:
      - How many times to retry a throttled or temporarily failing call (HTTP 429, 5xx and the vendor's throttling
        codes, such as C(Rejected.Throttling) and every C(Throttling*) code), with capped exponential backoff and
        jitter. V(0) disables retries. At most V(10).
      - When a reply says how long to wait (C(x-acs-retry-after), C(Retry-After)), that wait replaces the
        backoff's, up to the same 5 second cap.
      - Refused connections, DNS and TLS failures are not retried.
    type: int
    default: 3
  validate_certs:
    description:
      - Verify the endpoint's TLS certificate. Set to V(false) only for a test endpoint.
    type: bool
    default: true
"""
