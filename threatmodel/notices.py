"""Notices that must travel with third-party content the product shows or exports.

MITRE's licence for ATT&CK asks that every copy carries its copyright designation and the
licence; exports and reports that contain ATT&CK techniques print ``ATTACK_NOTICE``.
"""

ATTACK_NOTICE = (
    "© 2026 The MITRE Corporation. This work is reproduced and distributed with the permission of The MITRE Corporation."
)
ATTACK_LICENSE_URL = "https://github.com/mitre/cti/blob/master/LICENSE.txt"
ATTACK_TRADEMARK = "MITRE ATT&CK® is a registered trademark of The MITRE Corporation."
