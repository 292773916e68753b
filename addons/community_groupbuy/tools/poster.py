"""The campaign poster: a 750×1200 PNG to save and send in a chat group.

A small drawing tool with no knowledge of Odoo records: the campaign gives it the texts,
the product photo and the link to put in the QR code.
"""
import base64
import io
import textwrap

import qrcode
from PIL import Image, ImageDraw, ImageFont, ImageOps

FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
)
WIDTH, HEIGHT = 750, 1200
ACCENT = (230, 80, 50)


def font(size):
    """A font that has Chinese glyphs, or Pillow's default if none is installed."""
    for path in FONTS:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            continue
    return ImageFont.load_default()


def make_poster(*, url, title, placeholder, price="", regular_price="", progress=0.0,
                progress_text="", remaining_time="", scan_text="", image_data=None):
    """The PNG bytes of a poster.

    :param str url: the link the QR code opens
    :param str title: the campaign's name (two lines at most)
    :param str placeholder: the text drawn where the photo would be when there is none
    :param str price: the formatted group price
    :param str regular_price: the formatted "regular price" line, if any
    :param float progress: 0..100, the progress bar
    :param bytes image_data: the product photo, base64 as Odoo stores images
    """
    poster = Image.new("RGB", (WIDTH, HEIGHT), (255, 250, 245))
    draw = ImageDraw.Draw(poster)
    photo_box = (0, 0, WIDTH, 560)
    if image_data:
        photo = Image.open(io.BytesIO(base64.b64decode(image_data))).convert("RGB")
        poster.paste(ImageOps.fit(photo, (photo_box[2], photo_box[3])), (0, 0))
    else:
        draw.rectangle(photo_box, fill=(250, 228, 215))
        draw.text((WIDTH // 2, 280), placeholder, font=font(72), fill=ACCENT, anchor="mm")
    y = 590
    title_font = font(40)
    for chunk in textwrap.wrap(title, 16)[:2]:
        draw.text((40, y), chunk, font=title_font, fill=(40, 40, 40))
        y += 56
    if price:
        draw.text((40, y + 10), price, font=font(64), fill=ACCENT)
    if regular_price:
        draw.text((40, y + 92), regular_price, font=font(28), fill=(150, 150, 150))
    y = 880
    draw.rounded_rectangle((40, y, 430, y + 24), radius=12, fill=(240, 220, 210))
    filled = 40 + int(390 * min(progress, 100.0) / 100.0)
    if filled > 52:
        draw.rounded_rectangle((40, y, filled, y + 24), radius=12, fill=ACCENT)
    draw.text((40, y + 44), progress_text or "", font=font(30), fill=(60, 60, 60))
    if remaining_time:
        draw.text((40, y + 92), remaining_time, font=font(28), fill=(120, 120, 120))
    qr = qrcode.QRCode(border=1, box_size=8, error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(url)
    qr.make(fit=True)
    qr_image = qr.make_image(fill_color="black", back_color="white").convert("RGB").resize((250, 250))
    poster.paste(qr_image, (WIDTH - 290, 860))
    draw.text((WIDTH - 165, 1130), scan_text, font=font(26), fill=(90, 90, 90), anchor="mm")
    out = io.BytesIO()
    poster.save(out, format="PNG", optimize=True)
    return out.getvalue()
