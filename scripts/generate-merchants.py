#!/usr/bin/env python3
"""Generates the demo merchant lists in data/merchants/<campaign-id>.json.

The seeds name the kinds of shop that take each campaign's vouchers but not the shops
themselves, so the lists are made up: plausible names, real district names and roads, and
coordinates scattered around each district's centre. Every shop with a place lies inside the
city's WGS-84 outline (data/geo/<city>.geojson) and at least MARGIN_M metres from its edge, so
that it is also inside the GCJ-02 outline whatever the 360-610 m offset between the two.

Deterministic (fixed seed, stdlib only): running it again gives byte-identical files.
Usage: python3 scripts/generate-merchants.py [output-dir]
"""

import json
import math
import random
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MARGIN_M = 1000.0

# Prefixes of shop names: (Chinese, pinyin).
PREFIXES = [
    ("福满", "Fuman"), ("鑫源", "Xinyuan"), ("华联", "Hualian"), ("永兴", "Yongxing"),
    ("佳美", "Jiamei"), ("金盛", "Jinsheng"), ("顺发", "Shunfa"), ("惠民", "Huimin"),
    ("新世纪", "Xinshiji"), ("百姓", "Baixing"), ("鼎泰", "Dingtai"), ("和顺", "Heshun"),
    ("万家", "Wanjia"), ("利群", "Liqun"), ("同乐", "Tongle"), ("恒通", "Hengtong"),
    ("宏达", "Hongda"), ("天天", "Tiantian"), ("好邻居", "Haolinju"), ("春和", "Chunhe"),
    ("老街坊", "Laojiefang"), ("祥和", "Xianghe"), ("安康", "Ankang"), ("东方", "Dongfang"),
    ("友谊", "Youyi"), ("九洲", "Jiuzhou"), ("兴隆", "Xinglong"), ("德润", "Derun"),
    ("瑞丰", "Ruifeng"), ("嘉禾", "Jiahe"), ("康乐", "Kangle"), ("聚福", "Jufu"),
    ("大众", "Dazhong"), ("盛世", "Shengshi"), ("信达", "Xinda"), ("乐购", "Legou"),
]

# Per category: name suffixes (Chinese, English).
SUFFIXES = {
    "retail": [("超市", "Supermarket"), ("便利店", "Convenience Store"), ("百货", "Department Store"),
               ("商行", "Trading Store"), ("日杂店", "Household Goods"), ("生鲜超市", "Fresh Market"),
               ("服饰", "Clothing"), ("鞋业", "Shoes"), ("书店", "Bookshop")],
    "appliances": [("家电", "Home Appliances"), ("电器城", "Electrical Mall"), ("电器", "Electricals"),
                   ("厨电专卖", "Kitchen Appliances"), ("家电卖场", "Appliance Store")],
    "dining": [("饭庄", "Restaurant"), ("酒家", "Restaurant"), ("饺子馆", "Dumpling House"),
               ("烧烤", "Barbecue"), ("火锅", "Hotpot"), ("家常菜", "Home Cooking")],
    "fast-food": [("面馆", "Noodle Bar"), ("快餐", "Fast Food"), ("包子铺", "Bun Shop"), ("米线", "Rice Noodles")],
    "desserts-drinks": [("奶茶", "Milk Tea"), ("甜品", "Desserts"), ("果饮", "Juice Bar")],
    "bakery": [("烘焙坊", "Bakery"), ("面包房", "Bakery"), ("糕点铺", "Pastry Shop")],
    "bar-cafe": [("咖啡", "Coffee"), ("小酒馆", "Bar"), ("茶社", "Tea House")],
    "department-store": [("百货大楼", "Department Store"), ("购物中心", "Shopping Centre"), ("商厦", "Shopping Plaza")],
    "supermarket": [("超市", "Supermarket"), ("量贩", "Hypermarket"), ("购物广场", "Shopping Plaza")],
    "fresh-convenience": [("便利店", "Convenience Store"), ("生鲜", "Fresh Produce"), ("菜市场", "Food Market")],
    "apparel": [("服饰", "Clothing"), ("鞋业", "Shoes"), ("时装", "Fashion")],
    "mother-baby-toys": [("母婴店", "Mother and Baby"), ("玩具城", "Toy Store"), ("童装", "Kids' Clothing")],
    "furniture-bedding": [("家具城", "Furniture"), ("家纺", "Home Textiles"), ("床上用品", "Bedding")],
    "office-supplies": [("文具", "Stationery"), ("办公用品", "Office Supplies")],
    "jewellery": [("珠宝", "Jewellery"), ("金店", "Gold Shop"), ("银楼", "Silversmith")],
    "fuel": [("加油站", "Filling Station")],
    "telecom": [("通讯", "Mobile Phones"), ("手机城", "Phone Mall")],
    "electronics": [("数码", "Digital"), ("电脑城", "Computer Mall")],
    "specialty-online": [("特产网店", "Local Specialties Online"), ("土特产旗舰店", "Specialties Flagship (online)")],
    "general": [("超市", "Supermarket"), ("便利店", "Convenience Store"), ("百货", "Department Store"),
                ("药房", "Pharmacy"), ("服饰", "Clothing"), ("家电", "Home Appliances")],
}

# Fuel stations carry the big brands' names, not a made-up prefix.
FUEL_BRANDS = [("中国石化", "Sinopec"), ("中国石油", "PetroChina"), ("中化石油", "Sinochem")]

# City, districts (Chinese, English, centre latitude, centre longitude, spread in km, weight), roads.
CITIES = {
    "shenyang": {
        "districts": [
            ("和平区", "Heping District", 41.789, 123.396, 2.5, 9), ("沈河区", "Shenhe District", 41.797, 123.455, 2.5, 9),
            ("大东区", "Dadong District", 41.812, 123.485, 2.5, 7), ("皇姑区", "Huanggu District", 41.825, 123.420, 2.5, 8),
            ("铁西区", "Tiexi District", 41.803, 123.345, 3.0, 9), ("苏家屯区", "Sujiatun District", 41.665, 123.344, 4.0, 4),
            ("浑南区", "Hunnan District", 41.715, 123.449, 4.0, 7), ("沈北新区", "Shenbei New District", 42.052, 123.520, 5.0, 5),
            ("于洪区", "Yuhong District", 41.794, 123.290, 4.0, 6), ("辽中区", "Liaozhong District", 41.512, 122.731, 3.0, 2),
            ("康平县", "Kangping County", 42.741, 123.343, 2.5, 1), ("法库县", "Faku County", 42.500, 123.416, 2.5, 1),
            ("新民市", "Xinmin", 41.997, 122.829, 3.0, 2),
        ],
        "roads": [("中街路", "Zhongjie Road"), ("太原街", "Taiyuan Street"), ("青年大街", "Qingnian Avenue"),
                  ("北京街", "Beijing Street"), ("崇山路", "Chongshan Road"), ("北陵大街", "Beiling Avenue"),
                  ("兴华街", "Xinghua Street"), ("建设大路", "Jianshe Avenue"), ("沈辽路", "Shenliao Road"),
                  ("小北关街", "Xiaobeiguan Street"), ("长白路", "Changbai Road"), ("浑河大街", "Hunhe Avenue"),
                  ("黄河大街", "Huanghe Avenue"), ("市府大路", "Shifu Avenue"), ("文化路", "Wenhua Road"),
                  ("三好街", "Sanhao Street"), ("南京街", "Nanjing Street"), ("人民路", "Renmin Road")],
    },
    "liaocheng": {
        "districts": [
            ("东昌府区", "Dongchangfu District", 36.455, 115.988, 4.0, 10), ("茌平区", "Chiping District", 36.580, 116.255, 3.0, 3),
            ("阳谷县", "Yanggu County", 36.114, 115.791, 3.0, 3), ("莘县", "Shen County", 36.234, 115.671, 3.0, 3),
            ("东阿县", "Dong'e County", 36.335, 116.248, 2.5, 2), ("冠县", "Guan County", 36.484, 115.442, 2.5, 2),
            ("高唐县", "Gaotang County", 36.866, 116.230, 2.5, 2), ("临清市", "Linqing", 36.838, 115.705, 3.0, 3),
        ],
        "roads": [("东昌路", "Dongchang Road"), ("柳园路", "Liuyuan Road"), ("花园路", "Huayuan Road"),
                  ("兴华路", "Xinghua Road"), ("振兴路", "Zhenxing Road"), ("建设路", "Jianshe Road"),
                  ("昌润路", "Changrun Road"), ("光岳路", "Guangyue Road"), ("人民路", "Renmin Road"),
                  ("向阳路", "Xiangyang Road")],
    },
    "jincheng": {
        "districts": [
            ("城区", "Chengqu District", 35.501, 112.853, 2.5, 10), ("泽州县", "Zezhou County", 35.440, 112.880, 4.0, 5),
            ("高平市", "Gaoping", 35.798, 112.923, 3.0, 4), ("阳城县", "Yangcheng County", 35.486, 112.415, 3.0, 3),
            ("陵川县", "Lingchuan County", 35.775, 113.281, 2.5, 2), ("沁水县", "Qinshui County", 35.690, 112.187, 2.5, 2),
        ],
        "roads": [("泽州路", "Zezhou Road"), ("凤台街", "Fengtai Street"), ("书院街", "Shuyuan Street"),
                  ("文昌街", "Wenchang Street"), ("黄华街", "Huanghua Street"), ("红星街", "Hongxing Street"),
                  ("中原街", "Zhongyuan Street"), ("新市街", "Xinshi Street"), ("太行路", "Taihang Road"),
                  ("建设路", "Jianshe Road")],
    },
}

# Tianjin's notice names no shops: its vouchers are used on JD, online, for orders delivered to a
# Tianjin address. Its list is those channels, as the notice describes them (not generated).
TIANJIN_ONLINE = [
    ("jd-self-appliances", "appliances-jd-self", ("京东自营家电（京东APP）", "JD self-operated appliances (JD app)"),
     ("京东APP内京东自营指定家电商品，含具有熄火保护功能的燃气灶；仅限收货地址为天津市的订单，京东收银台选京东支付抵扣",
      "Designated JD self-operated appliances in the JD app, gas stoves with flame-out protection included; orders delivered to a Tianjin address only, paid with JD Pay at JD's checkout")),
    ("jd-app-retail", "retail", ("京东APP百货零售", "JD app retail"),
     ("京东APP内指定百货零售实物商品；仅限收货地址为天津市的订单，京东收银台选京东支付抵扣",
      "Designated retail goods in the JD app; orders delivered to a Tianjin address only, paid with JD Pay at JD's checkout")),
    ("jd-hourly-retail", "retail", ("京东小时购（百货零售）", "JD Hourly Delivery (retail)"),
     ("京东小时购指定百货零售实物商品，由天津本地门店配送；仅限收货地址为天津市的订单",
      "Designated retail goods in JD Hourly Delivery, delivered from Tianjin stores; orders delivered to a Tianjin address only")),
    ("jd-hourly-appliances", "appliances", ("京东小时购（家电）", "JD Hourly Delivery (appliances)"),
     ("京东小时购指定家电实物商品（燃气灶专用券除外）；仅限收货地址为天津市的订单",
      "Designated appliances in JD Hourly Delivery (not the gas-stove voucher); orders delivered to a Tianjin address only")),
]


def tianjin():
    return {
        "campaign": "tianjin-2022-jinlegou",
        "source": ("Written by scripts/generate-merchants.py from the notice (shared/seeds/000_45bb3b8c2e9d63b7.txt): "
                   "the vouchers are JD payment vouchers used online, on JD, for orders delivered to a Tianjin address."),
        "merchants": [{"id": id, "name": {"zh-Hans": name[0], "en": name[1]}, "category": category,
                       "district": {"zh-Hans": "天津市（线上）", "en": "Tianjin (online)"},
                       "address": {"zh-Hans": where[0], "en": where[1]}, "online": True}
                      for id, category, name, where in TIANJIN_ONLINE],
    }


# Campaign id, city, id prefix, [(category, count)], online shops [(category, count)].
CAMPAIGNS = [
    ("shenyang-2022-xiaoxia", "shenyang", "sy", [
        ("dining", 220), ("fast-food", 160), ("desserts-drinks", 90), ("bakery", 70), ("bar-cafe", 50),
        ("department-store", 30), ("supermarket", 150), ("fresh-convenience", 200), ("apparel", 120),
        ("mother-baby-toys", 60), ("furniture-bedding", 50), ("office-supplies", 40), ("jewellery", 40),
        ("fuel", 60), ("appliances", 80), ("telecom", 40), ("electronics", 40)],
     [("specialty-online", 40)]),
    ("liaocheng-2024-spring-appliances", "liaocheng", "lc", [("appliances", 80)], []),
    ("jincheng-2020-alipay", "jincheng", "jc", [("general", 420), ("fuel", 60), ("dining", 120)], []),
]


def rings_of(geometry):
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    return [ring for polygon in polygons for ring in polygon]


def inside(rings, lon, lat):
    """Even-odd rule over every ring: holes and enclaves count as outside, exclaves as inside."""
    crossings = 0
    for ring in rings:
        for (x1, y1), (x2, y2) in zip(ring, ring[1:]):
            if (y1 > lat) != (y2 > lat) and lon < x1 + (lat - y1) * (x2 - x1) / (y2 - y1):
                crossings += 1
    return crossings % 2 == 1


def metres(lat, dlat, dlon):
    return dlat * 111_195.0, dlon * 111_195.0 * math.cos(math.radians(lat))


def distance_to_edges(rings, lon, lat):
    best = math.inf
    for ring in rings:
        for (x1, y1), (x2, y2) in zip(ring, ring[1:]):
            ay, ax = metres(lat, y1 - lat, x1 - lon)
            by, bx = metres(lat, y2 - lat, x2 - lon)
            dx, dy = bx - ax, by - ay
            length2 = dx * dx + dy * dy
            t = 0.0 if length2 == 0 else max(0.0, min(1.0, -(ax * dx + ay * dy) / length2))
            best = min(best, math.hypot(ax + t * dx, ay + t * dy))
    return best


def place(rng, rings, district):
    _, _, lat0, lon0, spread_km, _ = district
    for _ in range(200):
        north = rng.gauss(0.0, spread_km * 1000.0 / 2.0)
        east = rng.gauss(0.0, spread_km * 1000.0 / 2.0)
        lat = round(lat0 + north / 111_195.0, 6)
        lon = round(lon0 + east / (111_195.0 * math.cos(math.radians(lat0))), 6)
        if inside(rings, lon, lat) and distance_to_edges(rings, lon, lat) >= MARGIN_M:
            return lat, lon
    raise SystemExit(f"no place found inside the city near {district[1]}")


def shop_name(rng, category, road):
    """A shop's name; an online shop (road None) has no branch."""
    suffix_zh, suffix_en = rng.choice(SUFFIXES[category])
    if category == "fuel":
        brand_zh, brand_en = rng.choice(FUEL_BRANDS)
        return {"zh-Hans": f"{brand_zh}{road[0]}{suffix_zh}", "en": f"{brand_en} {road[1]} {suffix_en}"}
    prefix_zh, prefix_en = rng.choice(PREFIXES)
    if road is None:
        return {"zh-Hans": f"{prefix_zh}{suffix_zh}", "en": f"{prefix_en} {suffix_en}"}
    return {"zh-Hans": f"{prefix_zh}{suffix_zh}（{road[0]}店）", "en": f"{prefix_en} {suffix_en} ({road[1]})"}


def generate(campaign_id, city, prefix, located, online):
    rng = random.Random(f"huiquan:{campaign_id}")
    geojson = json.loads((REPO / "data" / "geo" / f"{city}.geojson").read_text(encoding="utf-8"))
    rings = rings_of(geojson["geometry"])
    table = CITIES[city]
    districts = table["districts"]
    weights = [district[5] for district in districts]
    merchants = []
    for category, count in located:
        for _ in range(count):
            district = rng.choices(districts, weights)[0]
            road = rng.choice(table["roads"])
            number = rng.randint(1, 399)
            lat, lon = place(rng, rings, district)
            merchants.append({
                "name": shop_name(rng, category, road),
                "category": category,
                "district": {"zh-Hans": district[0], "en": district[1]},
                "address": {"zh-Hans": f"{district[0]}{road[0]}{number}号", "en": f"{number} {road[1]}, {district[1]}"},
                "lat": lat,
                "lon": lon,
            })
    for category, count in online:
        for _ in range(count):
            district = rng.choices(districts, weights)[0]
            merchants.append({
                "name": shop_name(rng, category, None),
                "category": category,
                "district": {"zh-Hans": district[0], "en": district[1]},
                "address": {"zh-Hans": "线上店铺", "en": "Online shop"},
                "online": True,
            })
    rng.shuffle(merchants)
    for index, merchant in enumerate(merchants, start=1):
        merchant["id"] = f"{prefix}-{index:05d}"
    return {
        "campaign": campaign_id,
        "source": (
            "Generated by scripts/generate-merchants.py: made-up names on real district names and roads, "
            "WGS-84 coordinates inside the city outline data/geo/" + city + ".geojson. Demo data, not a list of real shops."
        ),
        "merchants": [{key: merchant[key] for key in ("id", "name", "category", "district", "address", "lat", "lon", "online") if key in merchant}
                      for merchant in merchants],
    }


def main():
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "data" / "merchants"
    out.mkdir(parents=True, exist_ok=True)
    documents = [tianjin()] + [generate(*campaign) for campaign in CAMPAIGNS]
    for document in documents:
        path = out / f"{document['campaign']}.json"
        # One merchant per line: small diffs, and still a single JSON document.
        lines = ",\n".join("    " + json.dumps(merchant, ensure_ascii=False) for merchant in document["merchants"])
        header = json.dumps({"campaign": document["campaign"], "source": document["source"]}, ensure_ascii=False, indent=2)
        path.write_text(header[:-2] + ',\n  "merchants": [\n' + lines + "\n  ]\n}\n", encoding="utf-8")
        print(f"{path.relative_to(REPO) if path.is_relative_to(REPO) else path}: {len(document['merchants'])} merchants")


if __name__ == "__main__":
    main()
