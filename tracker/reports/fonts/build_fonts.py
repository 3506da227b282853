"""Rebuild the two Noto files of this folder (not run by the app or the tests; the results are committed).

    apt-get download fonts-noto-cjk && dpkg-deb -x fonts-noto-cjk_*.deb cjk
    pip download --no-deps manimgx-fonts==2026.9.26.post1 && unzip manimgx_fonts-*.whl -d emoji
    python tracker/reports/fonts/build_fonts.py cjk/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc \
        'emoji/manimgx_fonts/NotoEmoji[wght].ttf'
"""
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SC_FACE = 2  # JP, KR, SC, TC, HK, then the Mono faces
# U+0020 and U+00A0 too: Pango sets the spaces inside a CJK run in the same font, a missing one is a .notdef.
CJK_RANGES = ((0x0020, 0x0020), (0x00A0, 0x00A0), (0x1100, 0x11FF), (0x2E80, 0x2FDF), (0x2FF0, 0x2FFF),
              (0x3000, 0x303F), (0x3040, 0x30FF), (0x3100, 0x312F), (0x3130, 0x318F), (0x3190, 0x31FF),
              (0x3200, 0x33FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xA960, 0xA97F), (0xAC00, 0xD7AF),
              (0xD7B0, 0xD7FF), (0xF900, 0xFAFF), (0xFE10, 0xFE1F), (0xFE30, 0xFE4F), (0xFF00, 0xFFEF),
              (0x20000, 0x2FA1F))
FEATURES = ["ccmp", "locl", "liga", "clig", "calt", "kern", "palt", "halt", "vert", "vrt2", "ljmo", "vjmo", "tjmo"]


def build_cjk(ttc: str) -> None:
    """Subset the SC face of Noto Sans CJK Regular to the CJK and Hangul blocks (takes minutes)."""
    from fontTools import subset
    from fontTools.ttLib import TTCollection

    font = TTCollection(ttc).fonts[SC_FACE]
    unicodes = [u for u in font.getBestCmap() if any(low <= u <= high for low, high in CJK_RANGES)]
    options = subset.Options()
    options.layout_features = FEATURES
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.glyph_names = False
    options.hinting = False
    options.drop_tables += ["VORG", "vhea", "vmtx", "BASE"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=unicodes)
    subsetter.subset(font)
    font.save(HERE / "NotoSansCJKsc-Regular-subset.otf")


def build_emoji(variable: str) -> None:
    """A static regular instance of the variable monochrome Noto Emoji."""
    from fontTools.ttLib import TTFont
    from fontTools.varLib import instancer

    instancer.instantiateVariableFont(TTFont(variable), {"wght": 400}, updateFontNames=True).save(
        HERE / "NotoEmoji-Regular.ttf")


if __name__ == "__main__":
    build_cjk(sys.argv[1])
    build_emoji(sys.argv[2])
