"""Sample data for the demo park, made here rather than downloaded (nothing at run time may be).

Images: shelf photos drawn with Pillow — bottles, boxes and balls on a textured background,
each image with the ground-truth boxes it was drawn from. Texts: short Chinese e-commerce
reviews with brand / product / place mentions.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFilter

Box = tuple[str, int, int, int, int]  # label, x, y, w, h


@dataclass(frozen=True)
class SampleImage:
    name: str
    png: bytes
    boxes: list[Box]


_PALETTE = [(214, 69, 65), (38, 166, 91), (52, 152, 219), (243, 156, 18), (142, 68, 173)]


def _draw_object(draw: ImageDraw.ImageDraw, rng: random.Random, x: int, base: int) -> Box:
    """Draw one product standing on the shelf whose top edge is at ``base``."""
    kind = rng.choice(["bottle", "box", "ball"])
    color = rng.choice(_PALETTE)
    outline = (max(0, color[0] - 60), max(0, color[1] - 60), max(0, color[2] - 60))
    if kind == "bottle":
        w, h = rng.randint(28, 44), rng.randint(90, 130)
        y, neck = base - h, w // 3
        draw.rounded_rectangle([x, y + h // 4, x + w, y + h], radius=6, fill=color, outline=outline)
        draw.rectangle([x + neck, y, x + w - neck, y + h // 4], fill=color, outline=outline)
    elif kind == "box":
        w, h = rng.randint(60, 110), rng.randint(50, 90)
        y = base - h
        draw.rectangle([x, y, x + w, y + h], fill=color, outline=outline, width=2)
        draw.line([x, y + h // 3, x + w, y + h // 3], fill=outline, width=2)
    else:
        w = h = rng.randint(40, 70)
        y = base - h
        draw.ellipse([x, y, x + w, y + h], fill=color, outline=outline, width=2)
    return (kind, x, y, w + 1, h + 1)


def shelf_images(count: int = 12, seed: int = 7) -> list[SampleImage]:
    rng = random.Random(seed)
    out = []
    for index in range(count):
        width, height = 640, 480
        img = Image.new("RGB", (width, height), (236, 228, 214))
        draw = ImageDraw.Draw(img)
        for shelf_y in (150, 310, 470):  # shelves with a wood-ish edge
            draw.rectangle([0, shelf_y, width, shelf_y + 8], fill=(150, 111, 72))
        boxes: list[Box] = []
        for shelf_y in (150, 310, 470):
            x = rng.randint(10, 40)
            while x < width - 120:
                box = _draw_object(draw, rng, x, shelf_y - 1)
                boxes.append(box)
                x += box[3] + rng.randint(15, 45)
        img = img.filter(ImageFilter.GaussianBlur(0.6))
        buf = io.BytesIO()
        img.save(buf, format="PNG", optimize=True)
        out.append(SampleImage(name=f"shelf_{index + 1:02d}.png", png=buf.getvalue(), boxes=boxes))
    return out


REVIEWS = [
    "在京东买的华为Mate 60手机，物流很快，第二天就送到了杭州。",
    "小米空气净化器用了一个月，噪音小，深圳的梅雨季也不怕。",
    "李宁跑鞋尺码偏小，建议买大一码，上海仓发货很及时。",
    "海尔冰箱送货师傅很专业，帮忙搬到了六楼，点赞！",
    "三只松鼠坚果礼盒包装精美，送给北京的朋友很有面子。",
    "美的电饭煲煮饭很香，就是说明书写得有点复杂。",
    "买了两盒完美日记口红，颜色和图片一致，成都发货。",
    "格力空调安装师傅迟到了两个小时，售后态度一般。",
    "安踏的儿童运动服面料舒服，孩子很喜欢，武汉到货三天。",
    "蒙牛纯牛奶日期很新鲜，整箱从呼和浩特发出。",
    "联想ThinkPad键盘手感一流，适合写代码，广州顺丰次日达。",
    "农夫山泉矿泉水一箱二十四瓶，快递小哥直接送上楼。",
    "波司登羽绒服很保暖，哈尔滨零下二十度穿着也不冷。",
    "大疆无人机拍摄画面稳定，周末在青岛海边试飞很成功。",
    "良品铺子的牛肉干有点咸，其他零食都还不错。",
    "vivo X100拍照效果惊艳，夜景模式在重庆洪崖洞拍得很清楚。",
    "百雀羚面霜滋润不油腻，南京的冬天用刚刚好。",
    "九阳豆浆机清洗方便，早上十分钟就能喝上热豆浆。",
    "OPPO耳机连接稳定，地铁上降噪效果明显，西安发货。",
    "娃哈哈AD钙奶是童年的味道，超市断货只好网上买。",
]
