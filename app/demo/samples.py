"""Sample data for the demo park, made here rather than downloaded (nothing at run time may be).

Images: shelf photos drawn with Pillow — bottles, boxes and balls on a textured background,
each image with the ground-truth boxes it was drawn from. Texts: short Chinese e-commerce
reviews with brand / product / place mentions, and reviews with a plain sentiment (plus gold
items with their answers) for the quality-control job.
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

# Reviews for the sentiment job, each with the sentiment it plainly has (the crowd's answer key
# in app/demo/history.py): positive, negative or neutral (a plain statement of fact, no verdict).
SENTIMENT_REVIEWS: list[tuple[str, str]] = [
    ("positive", "质量非常好，做工精细，完全超出预期，已经推荐给朋友了。"),
    ("negative", "收到的杯子是碎的，联系客服三天了都没人回复。"),
    ("neutral", "今天下午收到货，还没拆开，用过之后再来评价。"),
    ("positive", "物流超快，昨天下单今天就到，包装也很严实，好评！"),
    ("negative", "质量太差了，穿了一次就开线，完全不值这个价。"),
    ("neutral", "快递是中通发的，三天到，包装是普通纸箱。"),
    ("positive", "衣服面料柔软，穿着很舒服，颜色和图片一模一样。"),
    ("negative", "充电宝充不进电，用了两天就坏了，非常失望。"),
    ("neutral", "买给家里老人用的，具体效果要等他们用一段时间才知道。"),
    ("positive", "耳机音质清晰，低音很足，戴久了耳朵也不疼，值这个价。"),
    ("negative", "物流慢得离谱，等了十天才到，外包装还破了。"),
    ("neutral", "颜色选的是深蓝色，尺码按平时的买的。"),
    ("positive", "客服态度特别好，耐心解答了我所有问题，满意。"),
    ("negative", "衣服有很大的异味，洗了两遍还是有，不建议购买。"),
    ("neutral", "和实体店卖的是同一个型号，价格差不多。"),
    ("positive", "这款洗发水味道清香，洗完头发很顺滑，会回购的。"),
    ("negative", "和图片严重不符，颜色发灰，做工粗糙，已申请退货。"),
    ("neutral", "这次是第二次购买，上次买的是白色款。"),
    ("positive", "锅的涂层很好，煎蛋完全不粘，清洗也方便，很喜欢。"),
    ("negative", "耳机左边没声音，换货又等了一周，体验很糟糕。"),
    ("neutral", "说明书是中英文的，配件有一根数据线和一个充电头。"),
    ("positive", "孩子特别喜欢这个玩具，做工结实，没有异味。"),
    ("negative", "面霜用了脸上起痘，过敏了，再也不会买了。"),
    ("neutral", "活动期间下的单，发货时间和页面上写的一样。"),
    ("positive", "性价比超高，用了一个星期，各方面都很满意。"),
    ("negative", "尺码严重偏小，平时穿L这件XL都穿不上，太坑了。"),
    ("neutral", "帮同事代买的，东西已经转交给她了。"),
    ("positive", "茶叶香气浓郁，泡了好几次味道还在，下次还买。"),
    ("negative", "水果一半都烂了，商家还不肯退款，差评。"),
    ("neutral", "还在试用阶段，暂时说不出好坏。"),
    ("positive", "鞋子很轻，走一天路脚也不累，尺码也很标准。"),
    ("negative", "键盘有几个按键失灵，打字经常漏字，很影响使用。"),
    ("neutral", "这款有两种规格，我买的是五百毫升的。"),
    ("positive", "台灯光线柔和不刺眼，晚上看书很舒服，五星好评。"),
    ("negative", "客服态度恶劣，问两句就不耐烦，再也不来这家店了。"),
    ("neutral", "周末下的单，周二发的货。"),
    ("positive", "水果新鲜又甜，个头大小均匀，没有一个坏的。"),
    ("negative", "电风扇噪音特别大，晚上根本没法睡觉，后悔买了。"),
    ("neutral", "商品已收到，数量核对无误。"),
    ("positive", "行李箱轮子很顺，拉杆结实，出差用着很放心。"),
]

# Gold items of the sentiment job: the answer is uploaded with the text (a gold dataset).
SENTIMENT_GOLD: list[tuple[str, str]] = [
    ("positive", "非常好用，外观漂亮，充电也快，强烈推荐！"),
    ("negative", "用了三天屏幕就出现坏点，太失望了。"),
    ("neutral", "订单是上周五下的，走的是顺丰快递。"),
    ("positive", "包装精美，味道正宗，家人都说好吃。"),
    ("negative", "发错了颜色，退换货流程还特别麻烦。"),
    ("neutral", "商品今天签收的，一共两件。"),
]
