"""Names, places and brands the demo data is drawn from.

The county is 长沙县 (Changsha County, Hunan, division code 430121). Town and
subdistrict names are real; their centre positions are approximate (good to a
few kilometres) and every village, community, road, store, owner and phone
number is invented. Nothing here is random: the generator draws from these
tables with its own seeded generator.
"""

from __future__ import annotations

from dataclasses import dataclass

PROVINCE = "湖南省"
COUNTY = "长沙县"
COUNTY_CODE = "430121"  # administrative division code: the first 6 digits of every licence number
AREA_CODE = "0731"  # Changsha landline area code
CODE_PREFIX = "CSX"  # customer codes: CSX000001 ...

# Bounding box of the county (degrees): every generated position lies inside it.
LAT_MIN, LAT_MAX = 27.93, 28.63
LON_MIN, LON_MAX = 112.90, 113.52


@dataclass(frozen=True)
class Town:
    name: str  # 星沙街道, 黄兴镇 ...
    short: str  # 星沙, 黄兴 ... (used in route and store names)
    lat: float
    lon: float
    weight: float  # share of the county's retail customers
    urban: bool  # a subdistrict (街道): urban market, communities instead of villages


TOWNS: tuple[Town, ...] = (
    Town("星沙街道", "星沙", 28.236, 113.080, 14, True),
    Town("湘龙街道", "湘龙", 28.224, 113.105, 7, True),
    Town("泉塘街道", "泉塘", 28.215, 113.125, 7, True),
    Town("榔梨街道", "榔梨", 28.170, 113.100, 6, True),
    Town("黄兴镇", "黄兴", 28.115, 113.150, 7, False),
    Town("江背镇", "江背", 28.065, 113.300, 6, False),
    Town("黄花镇", "黄花", 28.200, 113.220, 7, False),
    Town("春华镇", "春华", 28.275, 113.280, 5, False),
    Town("果园镇", "果园", 28.300, 113.160, 5, False),
    Town("路口镇", "路口", 28.385, 113.320, 5, False),
    Town("高桥镇", "高桥", 28.450, 113.400, 5, False),
    Town("金井镇", "金井", 28.510, 113.330, 5, False),
    Town("福临镇", "福临", 28.430, 113.210, 4, False),
    Town("青山铺镇", "青山铺", 28.400, 113.060, 4, False),
    Town("安沙镇", "安沙", 28.340, 113.050, 5, False),
    Town("北山镇", "北山", 28.400, 112.970, 4, False),
    Town("开慧镇", "开慧", 28.550, 113.200, 3, False),
)
TOURIST_TOWNS = {"开慧", "金井", "黄兴"}  # memorial sites and tea gardens: the 旅游景区 tag

# Village / community names are built from these two halves (蓝田, 龙塘 ...).
PLACE_FIRST = "金龙凤石新白黄青松枫樟桃梨杨竹茶花荷双三五高长大蓝红东西南北上下中横官清沙马鹤古福安太永兴"
PLACE_SECOND = "田塘山冲湾岭坪桥湖港溪园岗坡铺洲湘泉林源"
ROADS = ("开元路", "星沙大道", "板仓路", "凉塘路", "东八路", "望仙路", "特立路", "漓湘路", "天华路", "人民路",
         "滨湖路", "京港路", "盼盼路", "茶园路", "螺丝塘路", "松雅路", "东升路", "牛角冲路")
TOWN_STREETS = ("老街", "新街", "正街", "{short}大道", "兴业路", "建设路", "车站路", "商贸街", "农贸市场")

# Surnames with rough Hunan frequencies; 欧阳 is a compound surname.
SURNAMES = (("刘", 9), ("李", 8), ("陈", 7), ("王", 7), ("张", 6), ("彭", 5), ("谭", 4), ("周", 5), ("罗", 4),
            ("黄", 4), ("曾", 3), ("胡", 3), ("易", 2), ("邓", 3), ("唐", 3), ("杨", 3), ("吴", 2), ("赵", 2),
            ("肖", 2), ("许", 1), ("何", 2), ("蒋", 2), ("廖", 2), ("龙", 1), ("汤", 1), ("朱", 2), ("徐", 1),
            ("袁", 1), ("贺", 1), ("戴", 1), ("姚", 1), ("欧阳", 1), ("黎", 1), ("钟", 1), ("蔡", 1), ("熊", 1),
            ("毛", 1), ("鲁", 1), ("雷", 1), ("田", 1))
GIVEN_FIRST = "建国志明伟军强文华平德春海金桂秀红丽小立新永长利友光庆清玉云满冬梅美爱宏卫胜"
GIVEN_SECOND = "国华明强军平生林兰英芳梅珍辉勇峰涛波斌龙凤霞云东民良富贵群娟香莲秀亮"
LUCKY = ("好又多", "家家乐", "万家福", "旺旺", "兴旺", "鑫鑫", "福满多", "佳佳", "百姓", "惠民", "便民", "红星",
         "金太阳", "阳光", "春风", "和顺", "永兴", "利民", "顺发", "隆兴", "天天", "乐购", "友谊", "新兴", "富民",
         "星星", "大众", "吉祥", "如意", "平安")

# (business format value, share, store name patterns). Fields: {surname} {owner} {given}
# {village} (full name, 蓝田村) {place} (its first two characters) {town} {lucky}.
FORMATS = (
    ("grocery", 48, ("{surname}记商店", "{place}食杂店", "{owner}副食店", "{surname}家小卖部", "{lucky}商店",
                     "{place}{lucky}商店", "{village}小卖部")),
    ("convenience", 24, ("{surname}记便利店", "{lucky}便利店", "{place}便利店", "{town}{lucky}便利店")),
    ("supermarket", 12, ("{place}平价超市", "{lucky}超市", "{town}{lucky}超市", "{surname}氏超市")),
    ("mall", 2, ("{town}百货", "{town}购物广场", "{lucky}百货商场")),
    ("hospitality", 7, ("{lucky}棋牌室", "{lucky}宾馆", "{town}{lucky}酒店", "{lucky}茶楼")),
    ("other", 7, ("{owner}烟酒商行", "{lucky}烟酒行", "{surname}记烟酒店")),
)

MOBILE_PREFIXES = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153",
                   "155", "156", "157", "158", "159", "173", "177", "180", "181", "182", "183", "185", "186",
                   "187", "188", "189", "191", "199")

# Tags and the share of customers that carry each (format-specific tags are added separately).
TAGS = (("近学校", 0.07), ("新品试点", 0.05), ("投诉历史", 0.03), ("24小时营业", 0.03), ("交通要道", 0.06),
        ("诚信示范户", 0.04), ("电子结算", 0.25))
TAG_MODERN_SHOWCASE = "现代终端示范"
TAG_RURAL = "农村网点"
TAG_TOURIST = "旅游景区"

NEEDS = ("希望增加芙蓉王货源", "想了解新品上柜政策", "需要新的价签和价签条", "咨询电子结算开通", "希望调整送货时间到上午",
         "想订购新的烟柜", "希望多一些白沙精品的投放量", "询问节前备货建议", "想学习用手机订货")
NOTES = ("店主白天在地里干活，下午4点后在店", "门店正在装修，预计下月恢复营业", "夫妻店，女主人管账",
         "周边有学校，注意未成年人售烟检查", "春节前备货量大，提前沟通", "店主耳背，说话要大声",
         "店里有监控，可查看陈列照片", "老店，经营二十多年")

# Brand, share of purchases, wholesale price per carton (条, yuan).
BRANDS = (("白沙", 34, 95.0), ("芙蓉王", 28, 226.0), ("黄鹤楼", 10, 172.0), ("利群", 8, 135.0), ("玉溪", 7, 212.0),
          ("中华", 5, 420.0), ("南京", 5, 160.0), ("云烟", 3, 98.0))
# Monthly order volume relative to the average month (Spring Festival in Jan/Feb, holidays in Sep/Oct).
SEASON = {1: 1.45, 2: 1.3, 3: 0.85, 4: 0.9, 5: 0.95, 6: 0.9, 7: 0.9, 8: 0.95, 9: 1.1, 10: 1.1, 11: 0.95, 12: 1.15}
