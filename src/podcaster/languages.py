"""Language codes as RSS and Apple Podcasts take them: ISO 639-1, optionally with a region."""

from __future__ import annotations

import re

# ISO 639-1, every two-letter code (from Debian's iso-codes, the alpha_2 column of ISO 639-2).
ISO_639_1 = frozenset("""
aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de
dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id
ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu
lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu
rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr
ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu
""".split())

# A region is an ISO 3166-1 country (two letters) or a UN M.49 area (three digits): en-GB, es-419.
_TAG = re.compile(r"^([A-Za-z]{2})(?:-([A-Za-z]{2}|[0-9]{3}))?$")


def is_valid(tag: str) -> bool:
    match = _TAG.match(tag)
    return bool(match) and match.group(1).lower() in ISO_639_1


# Languages written right to left (Arabic, Divehi, Persian, Hebrew, Pashto, Sindhi, Uyghur, Urdu, Yiddish).
_RIGHT_TO_LEFT = frozenset("ar dv fa he ps sd ug ur yi".split())


def direction(tag: str) -> str:
    """The HTML `dir` of text in the language `tag`: "rtl" or "ltr"."""
    return "rtl" if tag.split("-")[0].lower() in _RIGHT_TO_LEFT else "ltr"
