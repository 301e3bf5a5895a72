"""Protocol article codes (see shared/design/protocol.md). Findings cite these."""

from __future__ import annotations

A1 = "A.1"
A2 = "A.2"
A5 = "A.5"
A6 = "A.6"
A7 = "A.7"
A8 = "A.8"
A9 = "A.9"
A10 = "A.10"
A11 = "A.11"
B1 = "B.1"
B2 = "B.2"
B3 = "B.3"
B5 = "B.5"
AVG = "AVG"
# Principles 3 and 4 (respectful communication); cited for untargeted profanity, which is not A.10.
P3 = "P.3"
# No rule was broken; the finding is information for the moderators (an image that could not be read).
NONE = "-"

ALL = (NONE, P3, A1, A2, A5, A6, A7, A8, A9, A10, A11, B1, B2, B3, B5, AVG)
