"""The support daily status (and the weekly report), composed of the parts every feature contributes."""
